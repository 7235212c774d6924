"""Measurements behind the story defaults (EVALUATION.md, "How the defaults were chosen").

Usage: .venv/bin/python scripts/measure_stories.py DATA_DIR [--grid threshold=0.40,0.45 time_weight=0,0.1 ...]

Reproduces what the pipeline hands to story clustering: one item per copy
group, standing for it its canonical's lead embedding and entities, its
earliest date. Copy groups come from a pipeline run (``--runs``, default
``out/eval`` from ``make eval``; one run per corpus is made there when
missing). Embeddings are cached per corpus under ``out/measure/`` (keyed by
the model, the prefix and a hash of the texts), so a variant takes seconds.
Prints, for every combination of the ``--grid`` values (keyword arguments of
``cluster_stories`` or lifetime settings), pairwise F1 on every corpus (ECB+
1–35, MEANTIME en+es, GVC, COUNTER-dev, seeds) and SemEval-22 dev pairs as a
same-story classifier (same-language and cross-language F1); then
leave-one-corpus-out: the combination best on the others' mean, scored on
the one left out.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from newsdedup.cluster import cluster_stories
from newsdedup.entities import entity_hashes
from newsdedup.evaluate import pair_scores, pairwise_scores
from newsdedup.normalize import FurnitureStripper, clean, lead
from newsdedup.pipeline.config import load_config
from newsdedup.records import parse_datetime

ROOT = Path(__file__).resolve().parent.parent
CONFIG = load_config(ROOT / "configs" / "local.yaml")
STRIPPER = FurnitureStripper.from_config(CONFIG.normalize.furniture_patterns, CONFIG.normalize.agencies)


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def copy_groups(input_path: Path, run: Path) -> dict[str, tuple[str, bool]]:
    """article id -> (copy group id, is the group's canonical), from a pipeline run (made if missing)."""
    if not (run / "articles").exists():
        subprocess.run([sys.executable, "-m", "newsdedup.pipeline.cli", "run", "--input", str(input_path),
                        "--output", str(run), "--config", str(ROOT / "configs" / "local.yaml"), "--overwrite"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = pq.read_table(run / "articles", columns=["article_id", "copy_group_id", "is_group_canonical"]).to_pylist()
    return {r["article_id"]: (r["copy_group_id"], r["is_group_canonical"]) for r in rows}


def embed(texts: list[str], cache: Path, model_box: list) -> np.ndarray:
    cfg = CONFIG.stories
    key = [cfg.model, cfg.backend, cfg.query_prefix, str(cfg.max_seq_length)] + texts
    digest = hashlib.sha1("\x00".join(key).encode()).hexdigest()[:16]
    path = cache.with_name(f"{cache.name}-{digest}.npy")
    if path.exists():
        return np.load(path)
    if not model_box:
        from newsdedup.embedding.model import load_model
        model_box.append(load_model(cfg.model, cfg.max_seq_length, cfg.backend, threads=0))  # the pipeline's backend, every core
    vectors = model_box[0].encode([cfg.query_prefix + t for t in texts], batch_size=cfg.batch_size,
                                  normalize_embeddings=True, convert_to_numpy=True).astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def features(records: list[dict], groups: dict[str, tuple[str, bool]], cache: Path, model_box: list) -> dict:
    """Group-level inputs of ``cluster_stories`` as the pipeline builds them, plus article-level gold."""
    norm, cfg = CONFIG.normalize, CONFIG.stories
    canon = {}
    dates: dict[str, list[int]] = {}
    for r in records:
        gid, is_canonical = groups[str(r["id"])]
        if is_canonical:
            canon[gid] = r
        if (ts := parse_datetime(r.get("published_at"))) is not None:
            dates.setdefault(gid, []).append(ts)
    keys = sorted(canon)
    texts, ents = [], []
    for gid in keys:
        r = canon[gid]
        cleaned = clean(r.get("body") or "", STRIPPER, norm.max_chars)
        texts.append(lead(r.get("title") or "", cleaned, cfg.lead_chars))
        ents.append(entity_hashes(f"{r.get('title') or ''}\n{cleaned.content[: norm.max_chars]}"))
    return {
        "keys": keys,
        "times": [min(dates[g]) / 1e6 if g in dates else None for g in keys],
        "vectors": embed(texts, cache, model_box),
        "entities": ents,
        "group_of": {str(r["id"]): groups[str(r["id"])][0] for r in records},
        "gold": {str(r["id"]): r["gold_cluster"] for r in records if r.get("gold_cluster") is not None},
        "language": {str(r["id"]): r.get("language") for r in records},
        "records": records,
    }


CORPORA = {"ecbplus": "ecbplus_dev.jsonl", "meantime": "meantime_en_es.jsonl", "gvc": "gvc.jsonl",
           "counter": "counter_dev.jsonl", "semeval": "semeval_dev_docs.jsonl"}
# What each corpus scores: pairwise F1 on its gold stories, or (SemEval) F1 as a same-story pair classifier.
COLUMNS = ["ecbplus", "meantime", "gvc", "counter", "seeds", "semeval same", "semeval cross"]


def corpora(data: Path, runs: Path) -> dict[str, dict]:
    """Features of every corpus, each clustered whole as ``make eval`` does."""
    cache = ROOT / "out" / "measure"
    box: list = []
    paths = {name: data / file for name, file in CORPORA.items()}
    paths["seeds"] = ROOT / "seeds" / "articles.jsonl"
    feats = {name: features(load(p), copy_groups(p, runs / name), cache / name, box) for name, p in paths.items()}
    feats["semeval"]["pairs"] = load(data / "semeval_dev_pairs.jsonl")
    return feats


def score(name: str, f: dict, story_of_group: dict[str, str]) -> dict[str, float]:
    """This corpus's columns of ``COLUMNS``."""
    story = {a: story_of_group[g] for a, g in f["group_of"].items()}
    if name == "semeval":
        pairs = pair_scores(story, f["pairs"])
        return {"semeval same": pairs["same-language"]["f1"], "semeval cross": pairs["cross-language"]["f1"]}
    return {name: pairwise_scores(story, f["gold"])["f1"]}


LIFETIME_KEYS = ("lifetime_days", "time_scale_days", "time_weight")


def run(f: dict, **overrides) -> dict[str, str]:
    """``cluster_stories`` on a corpus with the default story config, ``overrides`` replacing its settings
    (``cluster_stories`` keyword arguments, or the ``LIFETIME_KEYS``)."""
    cfg = CONFIG.stories
    life = {k: overrides.pop(k, getattr(cfg, k)) for k in LIFETIME_KEYS}
    lifetime = dataclasses.replace(cfg, **life).lifetime()
    kwargs = dict(threshold=cfg.threshold, lifetime=lifetime, entities=f["entities"],
                  entity_weight=cfg.entity_weight, min_cosine=cfg.min_cosine, cosine_offset=cfg.cosine_offset,
                  max_links=cfg.max_links)
    kwargs.update(overrides)
    return cluster_stories(f["keys"], f["times"], f["vectors"], **kwargs)


def scores(feats: dict[str, dict], overrides: dict) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, f in feats.items():
        out.update(score(name, f, run(f, **dict(overrides))))
    return out


def leave_one_out(results: list[tuple[dict, dict]]) -> list[tuple[str, dict, float, float]]:
    """For each corpus: the variant best on the mean of the other corpora, its score there and the best possible."""
    rows = []
    for left in ("ecbplus", "meantime", "gvc", "counter", "seeds", "semeval"):
        cols = [c for c in COLUMNS if c.split()[0] != left]
        mine = [c for c in COLUMNS if c.split()[0] == left]
        chosen, got = max(results, key=lambda r: np.mean([r[1][c] for c in cols]))
        best = max(np.mean([r[1][c] for c in mine]) for r in results)
        rows.append((left, chosen, float(np.mean([got[c] for c in mine])), float(best)))
    return rows


def main() -> None:
    import itertools

    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--runs", default=str(ROOT / "out" / "eval"))
    parser.add_argument("--grid", nargs="*", default=[], help="KEY=V1,V2 ... (null: None)")
    args = parser.parse_args()
    feats = corpora(Path(args.data), Path(args.runs))
    axes = {k: [None if v == "null" else float(v) for v in values.split(",")]
            for k, values in (item.split("=", 1) for item in args.grid)}
    results = []
    print(" ".join(f"{k:>14}" for k in axes) + "  " + " ".join(f"{c:>13}" for c in COLUMNS))
    for combo in itertools.product(*axes.values()):
        overrides = dict(zip(axes, combo))
        if "max_links" in overrides and overrides["max_links"] is not None:
            overrides["max_links"] = int(overrides["max_links"])
        got = scores(feats, overrides)
        results.append((overrides, got))
        print(" ".join(f"{str(v):>14}" for v in combo) + "  " + " ".join(f"{got[c]:>13.3f}" for c in COLUMNS), flush=True)
    if len(results) > 1:
        print("\nleave one corpus out: variant chosen on the others -> score on the one left out (best possible)")
        for left, chosen, got, best in leave_one_out(results):
            print(f"  {left:10} {got:.3f} ({best:.3f})  {chosen}")


if __name__ == "__main__":
    main()
