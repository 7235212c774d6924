"""Signature throughput: the compiled kernel against datasketch and the hashing floor.

Usage: .venv/bin/python benchmarks/bench_signatures.py [--docs N] [--json FILE]

All run in the same process on the same normalised texts (word 5-grams,
128 permutations, the issue's anchor setting), so the ratios hold on a noisy
machine even when the absolute numbers move. The kernel signs batches of
``BATCH_SIZE`` texts, as Fingerprint calls it, with the configured hash
(``multilinear``) and with ``murmur3``. The floor hashes every shingle's bytes
with MurmurHash3, which is what ``murmur3`` must do and ``multilinear`` avoids.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from datasketch import MinHash
from numba import njit

from newsdedup.normalize import normalize
from newsdedup.pipeline.config import CopiesConfig
from newsdedup.shingle import shingles
from newsdedup.signing import hashfunc, murmur3_span, sign_texts
from newsdedup.transforms.read import BATCH_SIZE

ROOT = Path(__file__).resolve().parent.parent
CORPORA = [ROOT.parent / "shared" / "data" / "ecbplus_dev.jsonl", ROOT / "seeds" / "articles.jsonl"]
KIND, SIZE, PERMS, SEED = "word", 5, 128, 1
HASH = CopiesConfig().hash


@njit
def _hash_only(data, offsets):
    """The floor: find the same word 5-gram spans and hash them, nothing else."""
    acc = np.uint32(0)
    starts = np.empty(data.shape[0] + 1, dtype=np.int64)
    for d in range(offsets.shape[0] - 1):
        lo, hi = offsets[d], offsets[d + 1]
        n = 0
        for i in range(lo, hi):
            if data[i] != 32 and (i == lo or data[i - 1] == 32):
                starts[n] = i
                n += 1
        starts[n] = hi + 1
        for j in range(max(n - 5 + 1, 1 if n else 0)):
            end = starts[min(j + 5, n)] - 1
            acc ^= murmur3_span(data, starts[j], end)
    return acc


def texts(n: int) -> list[str]:
    bodies = []
    for path in CORPORA:
        if path.exists():
            bodies += [normalize(json.loads(line)["body"] or "") for line in path.read_text().splitlines() if line.strip()]
    return [bodies[i % len(bodies)] for i in range(n)]


def best_times(jobs: dict, repeat: int = 7) -> dict:
    """Each job's best time. The repeats take turns, so a slow spell of this shared machine
    slows every job alike instead of one job's whole series: the ratios are what matter."""
    best = dict.fromkeys(jobs, float("inf"))
    for _ in range(repeat):
        for name, job in jobs.items():
            started = time.perf_counter()
            job()
            best[name] = min(best[name], time.perf_counter() - started)
    return best


def measure(docs: list[str]) -> dict:
    """Kernel, floor and datasketch (same hash, and its default SHA-1) on the same texts."""
    # datasketch is slow: time every k-th text and report per text. A stride, not the first texts,
    # whose lengths need not be typical (the simulated corpus's first 200 average 190 words, all 286).
    size = max(200, len(docs) // 50)
    sample = docs[:: max(1, len(docs) // size)][:size]

    encoded = [t.encode() for t in docs]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    _hash_only(data[:1000], offsets[:2])  # compile outside the timing

    def kernel(hash_name: str):
        for i in range(0, len(docs), BATCH_SIZE):
            sign_texts(docs[i : i + BATCH_SIZE], KIND, SIZE, PERMS, SEED, None, hash_name)

    def datasketch_batch(func=None):
        for text in sample:
            m = MinHash(num_perm=PERMS, seed=SEED, **({"hashfunc": func} if func else {}))
            m.update_batch(shingles(text, KIND, SIZE))

    for hash_name in (HASH, "murmur3"):
        sign_texts(docs[:10], KIND, SIZE, PERMS, SEED, None, hash_name)  # compile outside the timing
    best = best_times({"configured": lambda: kernel(HASH), "murmur3": lambda: kernel("murmur3"),
                       "floor": lambda: _hash_only(data, offsets),
                       "same_hash": lambda: datasketch_batch(hashfunc(HASH, KIND)), "default_hash": datasketch_batch})
    result = {
        "docs": len(docs),
        "hash": HASH,
        "kernel_docs_per_s": len(docs) / best["configured"],
        "kernel_murmur3_docs_per_s": len(docs) / best["murmur3"],
        "floor_docs_per_s": len(docs) / best["floor"],
        "update_batch_sha1_docs_per_s": len(sample) / best["default_hash"],
        "update_batch_same_hash_docs_per_s": len(sample) / best["same_hash"],
    }
    result["speedup_vs_update_batch_sha1"] = result["kernel_docs_per_s"] / result["update_batch_sha1_docs_per_s"]
    result["speedup_vs_update_batch_same_hash"] = result["kernel_docs_per_s"] / result["update_batch_same_hash_docs_per_s"]
    result["kernel_time_over_floor"] = best["configured"] / best["floor"]
    result["kernel_murmur3_time_over_floor"] = best["murmur3"] / best["floor"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--json")
    args = parser.parse_args()
    result = measure(texts(args.docs))
    for key, value in result.items():
        print(f"{key:38s} {value:12,.2f}" if isinstance(value, (int, float)) else f"{key:38s} {value:>12s}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
