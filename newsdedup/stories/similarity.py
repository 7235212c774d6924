"""How alike two copy groups are: embedding cosine mixed with the cosine of the names and numbers they mention.

``(1 - w) * embedding + w * entities``; the entity term (``entities.py``)
tells look-alike events apart and ties a report to its translation.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from numba import njit
from scipy import sparse

from newsdedup.arrays import sorted_unique
from newsdedup.entities import name_script

BLOCK = 256  # rows of similarities computed at once


class Similarity:
    """``(1 - w) * cosine(embeddings) + w * cosine(IDF-weighted entity sets)``, by blocks.

    Pairs where either item mentions no entity, or whose names cannot be
    compared (mostly written in different scripts: ``entities.name_script``),
    get the embedding cosine alone less ``offset``: names that cannot match
    are no evidence that the reports differ, and a cosine alone runs on
    another scale than the mix (multilingual-e5 puts unrelated reports near
    0.8). Numbers compare across scripts.
    """

    def __init__(self, vectors: np.ndarray, entities: Optional[Sequence[np.ndarray]], weight: float,
                 offset: float = 0.0):
        self.vectors = vectors
        self.offset = offset
        self.weight = weight if entities is not None else 0.0
        self.entities = _entity_matrix(entities) if self.weight else None
        self.named = None if self.entities is None else np.asarray(self.entities.sum(axis=1)).ravel() > 0
        self.script = None if self.entities is None else np.fromiter(map(name_script, entities), np.int64, len(entities))

    def embedding(self, rows, cols) -> np.ndarray:
        return self.vectors[rows] @ self.vectors[cols].T

    def combine(self, cosine: np.ndarray, rows, cols) -> np.ndarray:
        """Mixed in place (float64; ``cosine`` itself when there are no entities nor offset): a
        component's matrix may have 5000² cells, 200 MB each copy."""
        if not self.weight:
            return cosine - self.offset if self.offset else cosine
        mixed = (self.entities[rows] @ self.entities[cols].T).toarray()
        mixed *= self.weight
        mixed += (1.0 - self.weight) * cosine
        # No names or numbers, or none comparable, is no evidence either way: the embedding decides alone.
        alone = ~self.comparable(rows, cols)
        np.copyto(mixed, cosine - self.offset if self.offset else cosine, where=alone)
        return mixed

    def comparable(self, rows, cols) -> np.ndarray:
        """Pairs whose entity sets can be compared: both name something, in one script (or numbers only)."""
        a, b = self.script[rows][:, None], self.script[cols][None, :]
        return self.named[rows][:, None] & self.named[cols][None, :] & ((a == b) | (a == 0) | (b == 0))


def _entity_matrix(entities: Sequence[np.ndarray]) -> sparse.csr_matrix:
    """Rows: L2-normalised binary entity vectors weighted by smoothed IDF over these items.

    Built straight as CSR arrays (a million articles' copy groups mention 27
    million entities; going through COO and two sparse products held about
    1 GB at once). Each row lists its columns last first, as the sparse
    product that used to scale the rows left them: later products sum in this
    order, so the similarities stay the same to the bit.
    """
    n = len(entities)
    lengths = np.fromiter((len(e) for e in entities), np.int64, n)
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(lengths, out=indptr[1:])
    flat = np.concatenate([np.asarray(e, dtype=np.uint64) for e in entities] or [np.zeros(0, np.uint64)])
    vocab = sorted_unique(flat)
    cols = np.searchsorted(vocab, flat).astype(np.int32)
    del flat
    weights = np.log((n + 1.0) / (np.bincount(cols, minlength=len(vocab)) + 1.0))[cols]
    norms = np.zeros(n)
    named = np.flatnonzero(lengths)
    norms[named] = np.sqrt(np.add.reduceat(weights * weights, indptr[named]))  # summed as scipy's row sums
    norms[norms == 0] = 1.0
    data, indices = _scaled_last_column_first(indptr, cols, weights, 1.0 / norms)
    return sparse.csr_matrix((data, indices, indptr), shape=(n, len(vocab)))


@njit(cache=True)
def _scaled_last_column_first(indptr, cols, weights, scale):
    data, indices = np.empty_like(weights), np.empty_like(cols)
    for i in range(len(indptr) - 1):
        lo, hi = indptr[i], indptr[i + 1]
        for p in range(lo, hi):
            data[lo + hi - 1 - p] = scale[i] * weights[p]
            indices[lo + hi - 1 - p] = cols[p]
    return data, indices


