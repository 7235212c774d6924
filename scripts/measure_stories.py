"""Measurements behind the story defaults (EVALUATION.md, "How the defaults were chosen").

Usage: .venv/bin/python scripts/measure_stories.py DATA_DIR [--weights 0.5,0.6] [--name-guards off,0.9]
                                                         [--thresholds 0.40,...]

Reproduces what the pipeline hands to story clustering: one item per copy
group, standing for it its canonical's lead embedding and entities, its
earliest date. Copy groups come from a pipeline run (``--runs``, default
``out/eval`` from ``make eval``; one run per corpus is made there when
missing). Embeddings are cached per corpus under ``out/measure/`` (keyed by
the model, the prefix and a hash of the texts), so a variant takes seconds.
Prints pairwise F1 of ``cluster_stories`` per name guard, entity weight and threshold
on the dev slice (ECB+ topics 1–25, MEANTIME) and the held-aside slice
(ECB+ topics 26–35, seeds).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from newsdedup.cluster import cluster_stories
from newsdedup.entities import entity_hashes
from newsdedup.evaluate import cross_group_pairwise_scores, pairwise_scores
from newsdedup.normalize import FurnitureStripper, clean, lead
from newsdedup.pipeline.config import load_config
from newsdedup.records import parse_datetime

ROOT = Path(__file__).resolve().parent.parent
CONFIG = load_config(ROOT / "configs" / "local.yaml")
STRIPPER = FurnitureStripper.from_config(CONFIG.normalize.furniture_patterns, CONFIG.normalize.agencies)
HELD_ASIDE_TOPICS = range(26, 36)


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
    digest = hashlib.sha1("\x00".join([cfg.model, cfg.backend, cfg.query_prefix, str(cfg.max_seq_length)] + texts).encode()).hexdigest()[:16]
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
        "gold": {str(r["id"]): r["gold_cluster"] for r in records},
        "language": {str(r["id"]): r.get("language") for r in records},
        "records": records,
    }


def corpora(data: Path, runs: Path) -> dict[str, dict]:
    """Features of ECB+ topics 1-35, MEANTIME and seeds/, each clustered whole as ``make eval`` does."""
    cache = ROOT / "out" / "measure"
    box: list = []
    paths = {"ecbplus": data / "ecbplus_dev.jsonl", "meantime": data / "meantime_en_es.jsonl",
             "seeds": ROOT / "seeds" / "articles.jsonl"}
    return {name: features(load(p), copy_groups(p, runs / name), cache / name, box) for name, p in paths.items()}


_held = lambda r: r.get("extra", {}).get("topic") in HELD_ASIDE_TOPICS  # noqa: E731

# Reported slices: (label, corpus, articles kept). dev: ECB+ topics 1-25, MEANTIME; held aside: ECB+ 26-35, seeds.
SLICES = [
    ("ECB+ 1-25 (dev)", "ecbplus", lambda r: not _held(r)),
    ("MEANTIME (dev)", "meantime", None),
    ("ECB+ 26-35 (held)", "ecbplus", _held),
    ("seeds (held)", "seeds", None),
    ("ECB+ 1-35", "ecbplus", None),
]


def score(f: dict, story_of_group: dict[str, str], keep=None) -> tuple[float, float]:
    """Pairwise F1 and cross-language pairwise F1 over the articles ``keep`` selects (all by default)."""
    ids = {str(r["id"]) for r in f["records"] if keep is None or keep(r)}
    story = {a: story_of_group[g] for a, g in f["group_of"].items() if a in ids}
    gold = {a: f["gold"][a] for a in ids}
    return (pairwise_scores(story, gold)["f1"], cross_group_pairwise_scores(story, gold, f["language"])["f1"])


def run(f: dict, **overrides) -> dict[str, str]:
    """``cluster_stories`` on a corpus with the default story config, ``overrides`` replacing its keyword arguments."""
    cfg = CONFIG.stories
    window = None if cfg.window_hours is None else cfg.window_hours * 3600.0
    kwargs = dict(threshold=cfg.threshold, window_seconds=window, entities=f["entities"],
                  entity_weight=cfg.entity_weight, min_cosine=cfg.min_cosine, name_guard=cfg.name_guard,
                  max_links=cfg.max_links)
    kwargs.update(overrides)
    return cluster_stories(f["keys"], f["times"], f["vectors"], **kwargs)


def table(feats: dict[str, dict], variants: list[dict]) -> dict[str, list[tuple[float, float]]]:
    """Scores per slice for each variant (keyword overrides of ``run``)."""
    out: dict[str, list[tuple[float, float]]] = {label: [] for label, _, _ in SLICES}
    for overrides in variants:
        stories = {name: run(f, **overrides) for name, f in feats.items()}
        for label, corpus, keep in SLICES:
            out[label].append(score(feats[corpus], stories[corpus], keep))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--runs", default=str(ROOT / "out" / "eval"))
    parser.add_argument("--weights", default="0.5,0.6")
    parser.add_argument("--name-guards", default="off,0.9", help="stories.name_guard values; off: None")
    parser.add_argument("--thresholds", default=",".join(f"{0.40 + 0.01 * i:.2f}" for i in range(25)))
    args = parser.parse_args()
    feats = corpora(Path(args.data), Path(args.runs))
    thresholds = [float(t) for t in args.thresholds.split(",")]
    guards = [None if g == "off" else float(g) for g in args.name_guards.split(",")]
    for guard, weight in ((g, float(w)) for g in guards for w in args.weights.split(",")):
        print(f"name_guard {guard} entity_weight {weight}  thresholds: " + " ".join(f"{t:.2f}" for t in thresholds))
        scores = table(feats, [dict(threshold=t, entity_weight=weight, name_guard=guard) for t in thresholds])
        for label, runs in scores.items():
            print(f"  {label:20} " + " ".join(f"{x:.3f}" for x, _ in runs))
            if label.startswith("MEANTIME"):
                print(f"  {'  cross-language':20} " + " ".join(f"{x:.3f}" for _, x in runs))


if __name__ == "__main__":
    main()
