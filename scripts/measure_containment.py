"""How the containment defaults were chosen: candidate search against datasketch's LSH Ensemble, and the
copy rule swept on COUNTER-dev and ECB+ (figures in scripts/evaluation_notes.md).

Usage: .venv/bin/python scripts/measure_containment.py [--data ../shared/data]

Signatures are the pipeline's (``signing.sign_matching``, default config). ``candidates``: for every pair
whose exact word 3-gram containment (shared / shingles of the smaller) reaches the threshold, with the
length ratio and minimum size of the copy rule, the share our LSH bands make candidates, and the
candidates made, beside ``datasketch.MinHashLSHEnsemble`` queried with every article. ``sweep``: the copy
rule applied to every pair (no LSH), copy groups as connected components, COUNTER's derived texts in
their source's copy group per reuse class, and ECB+ pairs in one copy group of different gold stories.
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
from datasketch import MinHash, MinHashLSHEnsemble

from newsdedup import lsh, signing
from newsdedup.components import connected_components
from newsdedup.containment import UNDATED, CopyRule
from newsdedup.normalize import FurnitureStripper, clean, matching_text
from newsdedup.pipeline.config import Config
from newsdedup.records import parse_datetime
from newsdedup.shingle import shingles

ROOT = Path(__file__).resolve().parent.parent
CONFIG = Config()


def _corpus(path: Path):
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    norm, cfg = CONFIG.normalize, CONFIG.copies
    stripper = FurnitureStripper.from_config(norm.furniture_patterns, norm.agencies)
    cleaned = [clean(r["body"] or "", stripper, norm.max_chars) for r in records]
    sigs, counts = signing.sign_matching([r["title"] or "" for r in records], [c.content for c in cleaned],
                                         cfg.shingle_kind, cfg.shingle_size, cfg.num_perm, cfg.seed, cfg.hash,
                                         norm.max_chars)
    sets = [set(shingles(matching_text(r["title"] or "", c, norm.max_chars), "word", 3)) for r, c in zip(records, cleaned)]
    dates = np.array([parse_datetime(r.get("published_at")) or UNDATED for r in records], dtype=np.int64)
    return records, sigs, counts, sets, dates


def candidates(name: str, sigs, counts, sets, threshold: float, ratio: float, least: int) -> None:
    n = len(sets)
    wanted = set()
    for i, j in itertools.combinations(range(n), 2):
        small, big = sorted((len(sets[i]), len(sets[j])))
        if small >= least and small >= ratio * big and len(sets[i] & sets[j]) / small >= threshold:
            wanted.add((i, j))
    print(f"{name}: {len(wanted)} pairs with exact containment >= {threshold} (ratio >= {ratio}, >= {least} shingles)")
    for bands, rows in ((37, 3), (51, 2), (64, 2)):
        hashes = lsh.band_hashes(sigs, bands, rows).ravel()
        owner = np.repeat(np.arange(n), bands)
        a, b, _ = lsh.bucket_pairs(hashes, np.arange(len(hashes), dtype=np.uint64), CONFIG.copies.max_bucket_size)
        found = {(min(p, q), max(p, q)) for p, q in zip(owner[a].tolist(), owner[b].tolist()) if p != q}
        print(f"  ours {bands} x {rows}: {len(found)} candidates, recall {len(found & wanted) / max(1, len(wanted)):.3f}")
    minhashes = [MinHash(num_perm=CONFIG.copies.num_perm, seed=CONFIG.copies.seed, hashvalues=s, scheme="affine32")
                 for s in sigs]
    for parts in (8, 16, 32):
        ensemble = MinHashLSHEnsemble(threshold=threshold, num_perm=CONFIG.copies.num_perm, num_part=parts)
        ensemble.index([(i, minhashes[i], int(counts[i])) for i in range(n) if counts[i]])
        found = {(min(i, k), max(i, k)) for i in range(n) if counts[i]
                 for k in ensemble.query(minhashes[i], int(counts[i])) if k != i}
        print(f"  MinHashLSHEnsemble(threshold={threshold}, num_part={parts}): {len(found)} candidates, "
              f"recall {len(found & wanted) / max(1, len(wanted)):.3f}")


def _groups(sigs, counts, dates, rule: CopyRule) -> list[int]:
    a, b = np.triu_indices(len(sigs), 1)
    jaccard = (sigs[a] == sigs[b]).mean(axis=1)
    keep = rule.copies(jaccard, counts[a], counts[b], dates[a], dates[b])
    roots = connected_components(zip(a[keep].tolist(), b[keep].tolist()))
    return [roots.get(i, i) for i in range(len(sigs))]


def sweep(counter, ecb) -> None:
    records, sigs, counts, _, dates = counter
    index = {r["id"]: i for i, r in enumerate(records)}
    sources = {r["gold_cluster"]: r["id"] for r in records if r["role"] == "source"}
    pairs = [(r["reuse_class"], index[r["id"]], index[r["derived_from"] or sources[r["gold_cluster"]]])
             for r in records if r["role"] == "derived"]
    gold = [r["gold_cluster"] for r in ecb[0]]
    undated = np.full_like(dates, UNDATED)
    print("containment | dates | COUNTER WD / PD / ND in one copy group | ECB+ pairs in one copy group (different story)")
    cfg = CONFIG.copies
    for contained, use_dates in [(None, True)] + [(c, True) for c in (0.3, 0.35, 0.4, 0.5, 0.6)] + [
            (c, False) for c in (0.35, 0.5)]:
        rule = CopyRule(cfg.threshold, contained or 2.0, cfg.min_length_ratio, cfg.min_shingles)
        group = _groups(sigs, counts, dates if use_dates else undated, rule)
        share = defaultdict(list)
        for cls, d, s in pairs:
            share[cls].append(group[d] == group[s])
        ecb_group = _groups(ecb[1], ecb[2], ecb[4], rule)
        members = defaultdict(list)
        for i, g in enumerate(ecb_group):
            members[g].append(gold[i])
        together = [(p, q) for m in members.values() for p, q in itertools.combinations(m, 2)]
        scores = " / ".join(f"{np.mean(share[c]):.3f}" for c in ("WD", "PD", "ND"))
        print(f"{contained or 'Jaccard only'} | {'used' if use_dates else 'ignored'} | {scores} | "
              f"{len(together)} ({sum(p != q for p, q in together)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    args = parser.parse_args()
    cfg = CONFIG.copies
    counter = _corpus(Path(args.data) / "counter_dev.jsonl")
    ecb = _corpus(Path(args.data) / "ecbplus_dev.jsonl")
    for name, (_, sigs, counts, sets, _) in (("COUNTER-dev", counter), ("ECB+", ecb)):
        candidates(name, sigs, counts, sets, cfg.containment, cfg.min_length_ratio, cfg.min_shingles)
    sweep(counter, ecb)


if __name__ == "__main__":
    main()
