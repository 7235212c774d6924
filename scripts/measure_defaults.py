"""Measurements behind the default thresholds (see README, "Defaults").

Usage: .venv/bin/python scripts/measure_defaults.py [corpus.jsonl ...]

Copies: word-shingle Jaccard of seed reprints vs every other pair, per
shingle size. Stories: pairwise F1 of embedding clustering per cosine
threshold, one embedding per article (headline + lead), per corpus.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

from newsdedup.cluster import cluster_stories
from newsdedup.stories.lifetime import Lifetime
from newsdedup.components import connected_components
from newsdedup.embedding.model import load_model
from newsdedup.evaluate import pairwise_scores
from newsdedup.normalize import FurnitureStripper, clean, lead, matching_text
from newsdedup.pipeline.config import Config
from newsdedup.records import parse_datetime
from newsdedup.shingle import shingles

ROOT = Path(__file__).resolve().parent.parent
CONFIG = Config()
STRIPPER = FurnitureStripper.from_config(CONFIG.normalize.furniture_patterns, CONFIG.normalize.agencies)


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def copy_separation(records: list[dict]) -> None:
    roots = connected_components([(r["id"], r["copy_of"]) for r in records if r.get("copy_of")])
    group = {r["id"]: roots.get(r["id"], r["id"]) for r in records}
    texts = {r["id"]: matching_text(r.get("title") or "", clean(r.get("body") or "", STRIPPER, 20_000), 20_000) for r in records}
    print("copies (seeds): word-shingle Jaccard, copy pairs vs all other pairs")
    for size in (2, 3, 4, 5):
        sets = {k: set(shingles(t, "word", size)) for k, t in texts.items()}
        copy, other = [], []
        for a, b in itertools.combinations(sorted(sets), 2):
            j = len(sets[a] & sets[b]) / max(1, len(sets[a] | sets[b]))
            (copy if group[a] == group[b] else other).append(j)
        print(f"  size {size}: copies min {min(copy):.3f} median {np.median(copy):.3f} | others max {max(other):.3f}")


def story_sweep(name: str, records: list[dict], model) -> None:
    texts = [CONFIG.stories.query_prefix
             + lead(r.get("title") or "", clean(r.get("body") or "", STRIPPER, 20_000), CONFIG.stories.lead_chars)
             for r in records]
    started = time.perf_counter()
    vectors = model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    seconds = time.perf_counter() - started
    keys = [str(r["id"]) for r in records]
    times = [None if (t := parse_datetime(r.get("published_at"))) is None else t / 1e6 for r in records]
    gold = {str(r["id"]): r["gold_cluster"] for r in records}
    print(f"stories ({name}, {len(records)} docs, embedded in {seconds:.1f} s): pairwise P/R/F1 by cosine threshold")
    for threshold in (0.80, 0.82, 0.84, 0.85, 0.86, 0.88, 0.90):
        story = cluster_stories(keys, times, vectors, threshold, Lifetime(horizon=72 * 3600.0))
        s = pairwise_scores(story, gold)
        print(f"  {threshold:.2f}: P {s['precision']:.3f} R {s['recall']:.3f} F1 {s['f1']:.3f}")


def main(paths: list[str]) -> None:
    seeds = load(ROOT / "seeds" / "articles.jsonl")
    copy_separation(seeds)
    model = load_model(CONFIG.stories.model, CONFIG.stories.max_seq_length)
    story_sweep("seeds", seeds, model)
    for path in paths:
        story_sweep(Path(path).name, load(Path(path)), model)


if __name__ == "__main__":
    main(sys.argv[1:])
