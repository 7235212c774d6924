"""Measurements behind the story defaults (EVALUATION.md, "How the defaults were chosen").

Usage: .venv/bin/python scripts/measure_stories.py DATA_DIR [--weights 0,0.5,0.6] [--thresholds 0.40,...]

One embedding per article (headline + lead, as configured), entity hashes
per article; prints pairwise F1 of ``cluster_stories`` per entity weight and
threshold on the dev slice (ECB+ topics 1–25, MEANTIME) and the held-aside
slice (ECB+ topics 26–35, seeds).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from newsdedup.cluster import cluster_stories
from newsdedup.embedding.model import load_model
from newsdedup.entities import entity_hashes
from newsdedup.evaluate import cross_group_pairwise_scores, pairwise_scores
from newsdedup.normalize import FurnitureStripper, clean, lead
from newsdedup.pipeline.config import Config
from newsdedup.records import parse_datetime

ROOT = Path(__file__).resolve().parent.parent
CONFIG = Config()
STRIPPER = FurnitureStripper.from_config(CONFIG.normalize.furniture_patterns, CONFIG.normalize.agencies)


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def features(records: list[dict], model) -> dict:
    cfg = CONFIG.stories
    texts = [cfg.query_prefix + lead(r.get("title") or "", clean(r.get("body") or "", STRIPPER, 20_000), cfg.lead_chars)
             for r in records]
    return {
        "keys": [str(r["id"]) for r in records],
        "times": [None if (t := parse_datetime(r.get("published_at"))) is None else t / 1e6 for r in records],
        "vectors": model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True),
        "entities": [entity_hashes(f"{r.get('title') or ''}\n{STRIPPER.strip(r.get('body') or '')}") for r in records],
        "gold": {str(r["id"]): r["gold_cluster"] for r in records},
        "language": {str(r["id"]): r.get("language") for r in records},
    }


def take(f: dict, rows: list[int]) -> dict:
    keys = [f["keys"][i] for i in rows]
    return {"keys": keys, "times": [f["times"][i] for i in rows], "vectors": f["vectors"][rows],
            "entities": [f["entities"][i] for i in rows], "gold": {k: f["gold"][k] for k in keys},
            "language": f["language"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--weights", default="0,0.5,0.6")
    parser.add_argument("--thresholds", default=",".join(f"{0.40 + 0.01 * i:.2f}" for i in range(25)))
    args = parser.parse_args()
    data = Path(args.data)
    model = load_model(CONFIG.stories.model, CONFIG.stories.max_seq_length)
    ecb = load(data / "ecbplus_dev.jsonl")
    ecb_f = features(ecb, model)
    slices = {
        "ECB+ 1-25 (dev)": take(ecb_f, [i for i, r in enumerate(ecb) if r["extra"]["topic"] <= 25]),
        "MEANTIME (dev)": features(load(data / "meantime_en_es.jsonl"), model),
        "ECB+ 26-35 (held)": take(ecb_f, [i for i, r in enumerate(ecb) if r["extra"]["topic"] > 25]),
        "seeds (held)": features(load(ROOT / "seeds" / "articles.jsonl"), model),
    }
    thresholds = [float(t) for t in args.thresholds.split(",")]
    window = CONFIG.stories.window_hours * 3600.0
    for weight in (float(w) for w in args.weights.split(",")):
        # Embedding alone: the threshold is a cosine, and min_cosine equals it.
        grid = [0.84, 0.86, 0.88, 0.90, 0.92] if weight == 0 else thresholds
        print(f"entity_weight {weight}  thresholds: " + " ".join(f"{t:.2f}" for t in grid))
        for name, f in slices.items():
            floor = None if weight == 0 else CONFIG.stories.min_cosine
            runs = [cluster_stories(f["keys"], f["times"], f["vectors"], t, window, f["entities"], weight, floor) for t in grid]
            f1 = [pairwise_scores(s, f["gold"])["f1"] for s in runs]
            print(f"  {name:20} " + " ".join(f"{x:.3f}" for x in f1))
            if name.startswith("MEANTIME"):
                cross = [cross_group_pairwise_scores(s, f["gold"], f["language"])["f1"] for s in runs]
                print(f"  {'  cross-language':20} " + " ".join(f"{x:.3f}" for x in cross))


if __name__ == "__main__":
    main()
