"""Average linkage inside a component, over the pairs whose time is known.

Average linkage needs a pair of clusters to be similar *on average*, and so
does not chain unrelated reports together the way the components alone
would. Pairs beyond the lifetime's horizon are unknown (``lifetime.py``):
the average runs over the known pairs only, and two clusters without a
known pair never merge, nor do two clusters whose nearest dated reports are
further apart than the horizon (an undated report does not bridge them).
Time evidence is the Gaussian penalty of the gap between the two clusters'
nearest dated reports, so a follow-up is judged against the reports close to
it, not the story's first.

scipy's linkage cannot leave pairs out of the average, hence the compiled
nearest-neighbour chain below.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from newsdedup.stories.lifetime import Lifetime
from newsdedup.stories.similarity import BLOCK, Similarity


def pair_matrices(t: np.ndarray, idx: np.ndarray, sim: Similarity, lifetime: Lifetime):
    """(distance sums, known-pair counts, nearest gaps) between the items ``idx``, square float32.

    Distance is 1 - similarity, the mean of both directions (products are
    not symmetric to the last bit), at least 0; 0 where the pair is unknown,
    whose count is 0. Gaps are -1 where either item is undated. Filled a block of
    rows at a time: built whole with its temporaries, a component of 5000
    items took over 1 GB at once.
    """
    n = len(idx)
    dist = np.empty((n, n), dtype=np.float32)
    count = np.empty((n, n), dtype=np.float32)
    gap = np.empty((n, n), dtype=np.float32)
    for start in range(0, n, BLOCK):
        rows = idx[start : start + BLOCK]
        gaps = lifetime.gaps(t[rows], t[idx])
        dist[start : start + len(rows)] = 1.0 - sim.combine(sim.embedding(rows, idx), rows, idx)
        count[start : start + len(rows)] = lifetime.known(gaps)
        gap[start : start + len(rows)] = np.nan_to_num(gaps, nan=-1.0)
    _symmetrise(dist, count)
    return dist, count, gap


@njit(cache=True)
def _symmetrise(dist, count):
    n = dist.shape[0]
    for i in range(n):
        dist[i, i] = 0.0
        count[i, i] = 0.0
        for j in range(i + 1, n):
            d = max((dist[i, j] + dist[j, i]) / 2.0, 0.0) * count[i, j]
            dist[i, j] = d
            dist[j, i] = d


@njit(cache=True)
def _distance(dist, count, gap, i, j, horizon, weight, scale):
    if count[i, j] == 0.0 or gap[i, j] > horizon:
        return np.inf
    ratio = max(gap[i, j], 0.0) / scale
    return dist[i, j] / count[i, j] + weight * (1.0 - np.exp(-0.5 * ratio * ratio))


@njit(cache=True)
def _nearest(dist, count, gap, active, i, prefer, horizon, weight, scale):
    """The active cluster nearest to ``i`` (-1: none known) and its distance; ties to ``prefer``, then
    to the smaller index."""
    best, at = np.inf, -1
    for j in range(dist.shape[0]):
        if j != i and active[j]:
            d = _distance(dist, count, gap, i, j, horizon, weight, scale)
            if d < best or (d == best and d < np.inf and j == prefer):
                best, at = d, j
    if prefer >= 0 and at != prefer and best < np.inf:
        if _distance(dist, count, gap, i, prefer, horizon, weight, scale) == best:
            at = prefer
    return best, at


@njit(cache=True)
def _merge_below(dist, count, gap, cut, horizon, weight, scale):
    """Flat clusters (each item's smallest fellow member) of the average-linkage tree cut at ``cut``.

    Nearest-neighbour chain (Müllner 2011, O(n²)): follow nearest neighbours
    until two are each other's nearest, merge them, go on from the chain's
    rest. Merging b into a sums their distance sums and counts and keeps the
    smaller gap between dated reports (-1: none), in place. A cluster with no
    known neighbour is done. A merge counts for the flat clusters when it is
    within ``cut`` and so are all merges below it (``fcluster``'s criterion).
    """
    n = dist.shape[0]
    active = np.ones(n, dtype=np.bool_)
    whole = np.ones(n, dtype=np.bool_)  # every merge inside this cluster is within the cut
    parent = np.arange(n)
    chain = np.empty(n, dtype=np.int64)
    length, left, start = 0, n, 0
    while left > 1:
        if length == 0:
            while not active[start]:
                start += 1
            chain[0], length = start, 1
        a = chain[length - 1]
        prefer = chain[length - 2] if length > 1 else -1
        d, b = _nearest(dist, count, gap, active, a, prefer, horizon, weight, scale)
        if b < 0:  # nothing known near: a stays as it is
            active[a] = False
            left -= 1
            length -= 1
            continue
        if b != prefer:
            chain[length], length = b, length + 1
            continue
        length -= 2
        keep, gone = min(a, b), max(a, b)
        for k in range(n):
            dist[keep, k] += dist[gone, k]
            dist[k, keep] = dist[keep, k]
            count[keep, k] += count[gone, k]
            count[k, keep] = count[keep, k]
            g, h = gap[keep, k], gap[gone, k]
            gap[keep, k] = h if g < 0.0 else (g if h < 0.0 else min(g, h))
            gap[k, keep] = gap[keep, k]
        active[gone] = False
        left -= 1
        whole[keep] = whole[keep] and whole[gone] and d <= cut
        if whole[keep]:
            parent[gone] = keep
    labels = np.empty(n, dtype=np.int64)
    for i in range(n):
        root = i
        while parent[root] != root:
            root = parent[root]
        labels[i] = root
    return labels


def split_component(t: np.ndarray, idx: np.ndarray, sim: Similarity, threshold: float,
                    lifetime: Lifetime) -> np.ndarray:
    """A flat cluster label for each of the items ``idx`` (positions in ``idx``, each cluster's smallest)."""
    if len(idx) == 1:
        return np.zeros(1, dtype=np.int64)
    dist, count, gap = pair_matrices(t, idx, sim, lifetime)
    horizon = np.inf if lifetime.horizon is None else lifetime.horizon
    return _merge_below(dist, count, gap, 1.0 - threshold, horizon, lifetime.weight, lifetime.scale)
