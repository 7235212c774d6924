"""Containment from MinHash: the share of one text's shingles found in another.

Newsrooms cut wire copy to fit: the reprint keeps the lead and drops the
rest, so it is contained in the original far more than it resembles it
(COUNTER's wholly derived Urdu texts: median word 3-gram Jaccard 0.25,
median containment 0.53). MinHash estimates Jaccard; with both shingle-set
sizes known, containment follows from it:
``|A ∩ B| = J (|A| + |B|) / (1 + J)``, so ``C(A ⊆ B) = |A ∩ B| / |A|``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

UNDATED = np.iinfo(np.int64).min  # a missing date where dates travel as int64 microseconds


def containment(jaccard, size_a, size_b):
    """Estimated share of A's shingles that occur in B, from their Jaccard and set sizes; in [0, 1].

    Vectorised over NumPy arrays; 0 where A has no shingles.
    """
    jaccard = np.asarray(jaccard, dtype=np.float64)
    size_a = np.asarray(size_a, dtype=np.float64)
    size_b = np.asarray(size_b, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        shared = jaccard * (size_a + size_b) / (1.0 + jaccard)
        out = np.where(size_a > 0, shared / np.maximum(size_a, 1.0), 0.0)
    return np.clip(out, 0.0, 1.0)


@dataclass(frozen=True)
class CopyRule:
    """When two texts are copies: by Jaccard, or one cut from the other.

    A pair whose Jaccard falls short is still a copy when the contained
    text (``contained`` of its shingles in the other) is not tiny
    (``min_shingles``: one shared closing line or market table is not a
    copy), not a sliver of the other (``min_length_ratio`` of its shingle
    count), and is not dated before the text containing it: a copy cut
    from an origin comes after it, while a later text that contains an
    earlier one added material of its own (COUNTER's non-derived texts that
    quote the wire). Undated or equally dated pairs pass either way.
    """

    jaccard: float
    contained: float
    min_length_ratio: float
    min_shingles: int

    def _cut_from(self, jaccard, size_a, size_b, date_a, date_b) -> np.ndarray:
        """A is a cut copy of B."""
        later = (date_a == UNDATED) | (date_b == UNDATED) | (date_a >= date_b)
        return ((containment(jaccard, size_a, size_b) >= self.contained) & (size_a >= self.min_shingles)
                & (size_a >= self.min_length_ratio * size_b) & later)

    def copies(self, jaccard, size_a, size_b, date_a, date_b) -> np.ndarray:
        """Boolean mask of the pairs that are copies; every argument an array of one value per pair."""
        jaccard = np.asarray(jaccard, dtype=np.float64)
        size_a, size_b = np.asarray(size_a, dtype=np.int64), np.asarray(size_b, dtype=np.int64)
        date_a, date_b = np.asarray(date_a, dtype=np.int64), np.asarray(date_b, dtype=np.int64)
        return ((jaccard >= self.jaccard) | self._cut_from(jaccard, size_a, size_b, date_a, date_b)
                | self._cut_from(jaccard, size_b, size_a, date_b, date_a))
