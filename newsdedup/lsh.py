"""Locality-sensitive hashing over MinHash signatures: bands to shuffle keys."""

from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=32)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) from datasketch's own false-positive/negative optimisation."""
    from datasketch import MinHashLSH

    index = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return index.b, index.r


_PRIME = np.uint64(0x100000001B3)
_SEED = np.uint64(0xCBF29CE484222325)


def _mix64(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads FNV's low-entropy high bits over the word."""
    h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def band_hashes(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit hash per (signature, band), vectorised over a batch: shape (n, bands).

    Equal band rows give equal hashes; the band number is mixed in, so equal
    values in different bands do not collide. Unequal rows collide with
    probability about 2**-64, and pair verification catches those.
    """
    n = sigs.shape[0]
    if bands * rows > sigs.shape[1]:
        raise ValueError(f"{bands} bands x {rows} rows need {bands * rows} hash values, signature has {sigs.shape[1]}")
    values = sigs[:, : bands * rows].reshape(n, bands, rows).astype(np.uint64)
    with np.errstate(over="ignore"):
        h = np.broadcast_to((np.arange(bands, dtype=np.uint64) + np.uint64(1)) * _SEED, (n, bands)).copy()
        for r in range(rows):
            h = (h ^ values[:, :, r]) * _PRIME
        return _mix64(h)


def bucket_pairs(hashes: np.ndarray, order: np.ndarray, max_bucket_size: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Candidate pairs among entries sharing a band hash, as index arrays (first, second).

    Within a bucket the entry with the lower ``order`` key comes first.
    Buckets of one size are paired at once, so the work is NumPy's, not a
    Python loop per pair. A bucket larger than ``max_bucket_size`` (thousands
    of reprints of one story, or boilerplate) pairs every entry with the
    first ``max_bucket_size`` entries only: enough to connect every copy,
    without a quadratic blow-up. Returns the pairs and the number of such
    oversized buckets.
    """
    by_bucket = np.lexsort((order, hashes))
    ordered = hashes[by_bucket]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    sizes = np.diff(np.r_[starts, len(ordered)])
    firsts, seconds = [np.empty(0, dtype=np.int64)], [np.empty(0, dtype=np.int64)]
    oversized = 0
    for size in np.unique(sizes[sizes > 1]):
        bucket_starts = starts[sizes == size]
        if size <= max_bucket_size:
            p, q = np.triu_indices(size, 1)
            firsts.append((bucket_starts[:, None] + p).ravel())
            seconds.append((bucket_starts[:, None] + q).ravel())
            continue
        oversized += len(bucket_starts)
        for start in bucket_starts:
            for p in range(max_bucket_size):
                q = np.arange(p + 1, size)
                firsts.append(np.full(len(q), start + p))
                seconds.append(start + q)
    return by_bucket[np.concatenate(firsts)], by_bucket[np.concatenate(seconds)], oversized
