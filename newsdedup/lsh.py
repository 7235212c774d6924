"""Locality-sensitive hashing over MinHash signatures: bands to shuffle keys."""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np


@lru_cache(maxsize=32)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) from datasketch's own false-positive/negative optimisation."""
    from datasketch import MinHashLSH

    index = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return index.b, index.r


def band_keys(sig: np.ndarray, bands: int, rows: int) -> list[bytes]:
    """One compact shuffle key per band: band number + 64-bit digest of its rows.

    Two signatures share a key exactly when they agree on every row of that
    band (up to a 2**-64 digest collision, which pair verification catches).
    """
    if bands * rows > len(sig):
        raise ValueError(f"{bands} bands x {rows} rows need {bands * rows} hash values, signature has {len(sig)}")
    data = np.ascontiguousarray(sig, dtype="<u4")
    return [
        i.to_bytes(2, "big") + hashlib.blake2b(data[i * rows : (i + 1) * rows].tobytes(), digest_size=8).digest()
        for i in range(bands)
    ]
