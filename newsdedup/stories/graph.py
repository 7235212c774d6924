"""The candidate graph: pairs of copy groups alike enough, and close enough in time, to share a story.

Its connected components bound the quadratic work of linkage.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from newsdedup.arrays import sorted_unique
from newsdedup.stories.lifetime import Lifetime
from newsdedup.stories.similarity import BLOCK, Similarity


Edges = tuple[np.ndarray, np.ndarray, np.ndarray]  # (i, j, similarity), i < j


def candidate_edges(t: np.ndarray, sim: Similarity, threshold: float, min_cosine: float,
                    lifetime: Lifetime, max_links: Optional[int] = None) -> Edges:
    """Pairs (i < j) within the lifetime's horizon whose embedding cosine reaches ``min_cosine`` and
    whose similarity, less the time penalty, reaches ``threshold``;
    items sorted by time, undated last. Arrays, not tuples: a dense archive has millions of them.

    With ``max_links`` each item keeps only its strongest links to later items,
    so the graph holds at most ``n * max_links`` edges however alike the
    archive's texts are (1M articles simulated from 70 seeds: 187M edges).
    """
    n = len(t)
    dated = int(np.count_nonzero(~np.isnan(t)))
    found: list[Edges] = []
    for start in range(0, n, BLOCK):
        stop = min(start + BLOCK, n)
        window = lifetime.horizon
        if window is None or start >= dated:
            cols = np.arange(start, n)
        else:
            reach = int(np.searchsorted(t[:dated], t[min(stop, dated) - 1] + window, side="right"))
            cols = np.concatenate([np.arange(start, max(reach, min(stop, dated))), np.arange(dated, n)])
            cols = sorted_unique(np.concatenate([cols, np.arange(start, stop)]))
        rows = np.arange(start, stop)
        cosine = sim.embedding(rows, cols)
        gaps = lifetime.gaps(t[start:stop], t[cols])
        mixed = sim.combine(cosine, rows, cols) - lifetime.penalty(gaps)  # a new array: ``cosine`` stays
        mask = (cosine >= min_cosine) & (mixed >= threshold) & lifetime.known(gaps)
        mask &= rows[:, None] < cols[None, :]
        hit_rows, hit = np.nonzero(mask)
        values = mixed[hit_rows, hit]
        if max_links is not None:
            keep = _strongest(hit_rows, values, max_links)
            hit_rows, hit, values = hit_rows[keep], hit[keep], values[keep]
        found.append((rows[hit_rows].astype(np.int32), cols[hit].astype(np.int32), values.astype(np.float32)))
    return joined(found)


def _strongest(rows: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    """Positions of each row's ``k`` largest values, ties to the earlier position, in their order.
    ``rows`` is sorted (``np.nonzero``'s order)."""
    if len(rows) <= k or np.bincount(rows).max() <= k:
        return np.arange(len(rows))
    by_strength = np.lexsort((-values, rows))  # stable: equal values keep their order
    rank = np.arange(len(rows)) - np.searchsorted(rows, rows[by_strength])
    return np.sort(by_strength[rank < k])


def no_edges() -> Edges:
    return np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.float32)


def joined(parts: list) -> Edges:
    """The parts' edges in order, each part dropped from ``parts`` once copied. A dense archive's
    edges take gigabytes, and ``np.concatenate`` would hold them twice (1M articles: +2.4 GiB)."""
    joined = tuple(np.empty(sum(len(part[0]) for part in parts), field.dtype) for field in no_edges())
    at = 0
    for k in range(len(parts)):
        part, parts[k] = parts[k], None
        for out, values in zip(joined, part):
            out[at : at + len(values)] = values
        at += len(part[0])
    return joined


