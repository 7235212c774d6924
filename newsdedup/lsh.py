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
