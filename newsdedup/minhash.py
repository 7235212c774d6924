"""MinHash signatures, bit-identical to ``datasketch.MinHash`` (scheme "affine32").

datasketch 2.0 hashes each shingle with the first four bytes of SHA-1
(little endian), pre-mixes that value with the 32-bit MurmurHash3 finalizer,
then applies ``a * h + b mod 2**32`` for each permutation, with ``a`` odd and
``(a, b)`` drawn from ``numpy.random.RandomState(seed)``. Keeping the same
scheme means signatures made here can be loaded into a datasketch
``MinHashLSH`` index, and the other way round.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Sequence

import numpy as np

EMPTY = np.uint32(0xFFFFFFFF)
_FMIX = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
_CHUNK = 4096  # shingles per block: bounds the (num_perm x chunk) work array


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` parameters datasketch draws for ``num_perm`` and ``seed``."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    a.setflags(write=False)
    b.setflags(write=False)
    return a, b


def sha1_hash32(data: bytes) -> int:
    return int.from_bytes(hashlib.sha1(data).digest()[:4], "little")


def fmix32(h: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2, s3 = _FMIX
    h = h ^ (h >> s1)
    h = h * m1
    h = h ^ (h >> s2)
    h = h * m2
    return h ^ (h >> s3)


def signature(shingles: Sequence[bytes], num_perm: int, seed: int) -> np.ndarray:
    """The MinHash hash values of a shingle set (all ``EMPTY`` for no shingles)."""
    a, b = permutations(num_perm, seed)
    sig = np.full(num_perm, EMPTY, dtype=np.uint32)
    for start in range(0, len(shingles), _CHUNK):
        chunk = shingles[start : start + _CHUNK]
        hashed = fmix32(np.fromiter((sha1_hash32(s) for s in chunk), dtype=np.uint32, count=len(chunk)))
        with np.errstate(over="ignore"):
            permuted = a[:, None] * hashed[None, :] + b[:, None]
        np.minimum(sig, permuted.min(axis=1), out=sig)
    return sig


def jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Estimated Jaccard similarity: the share of equal hash values."""
    if sig_a.shape != sig_b.shape:
        raise ValueError("signatures of different lengths cannot be compared")
    return float(np.count_nonzero(sig_a == sig_b)) / len(sig_a)
