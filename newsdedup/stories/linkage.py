"""Average linkage inside a component, and the name guard that keeps look-alike halves apart.

Average linkage needs a pair of clusters to be similar *on average*, and so
does not chain unrelated reports together the way the components alone would.

Reports of two look-alike events (two DUI arrests of players of one team,
two same-day stories about one company) can be similar on average. The
name guard then keeps them apart: walking each story's merge tree from the
top, two halves stay separate when each half has a name (or number) that
nearly all of its reports mention (``name_guard``, a share) and no report of
the other half mentions. Halves of fewer than two reports carry no such
evidence: every name of a single report is "consistent".
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from scipy.cluster.hierarchy import fcluster, leaves_list, linkage

from newsdedup.stories.graph import time_ok
from newsdedup.stories.similarity import BLOCK, Similarity

FAR = 2.0  # distance for pairs that may not share a story (outside the window)


def distances(t: np.ndarray, idx: np.ndarray, sim: Similarity, window: Optional[float]) -> np.ndarray:
    """Condensed distances (``squareform``'s layout) between the items ``idx``: 1 - similarity, ``FAR``
    outside the window, the mean of both directions (products are not symmetric to the last bit), at least 0.

    The square matrix is filled a block of rows at a time and folded into the
    condensed one row by row: built whole, with its temporaries, a component of
    ``MAX_COMPONENT`` items took over 1 GB at once.
    """
    n = len(idx)
    dist = np.empty((n, n), dtype=np.float64 if sim.weight else np.float32)
    for start in range(0, n, BLOCK):
        rows = idx[start : start + BLOCK]
        block = sim.combine(sim.embedding(rows, idx), rows, idx)  # a fresh matrix: worked on in place
        np.subtract(1.0, block, out=block)
        block[~time_ok(t[rows], t[idx], window)] = FAR
        dist[start : start + len(rows)] = block
    condensed = np.empty(n * (n - 1) // 2, dtype=dist.dtype)
    at = 0
    for i in range(n - 1):
        pair = dist[i, i + 1 :] + dist[i + 1 :, i]
        pair /= 2.0
        np.clip(pair, 0.0, None, out=condensed[at : at + len(pair)])
        at += len(pair)
    return condensed


def split_component(t: np.ndarray, idx: np.ndarray, sim: Similarity, threshold: float, window: Optional[float],
                     name_guard: Optional[float] = None) -> np.ndarray:
    if len(idx) == 1:
        return np.ones(1, dtype=int)
    tree = linkage(distances(t, idx, sim, window), method="average")
    if name_guard is None or sim.sets is None:
        return fcluster(tree, t=1.0 - threshold, criterion="distance")
    return _guarded_cut(tree, len(idx), 1.0 - threshold, [sim.sets[i] for i in idx], name_guard)


class _Leaves:
    """The leaves under each node of a linkage tree, as slices of its leaf order (where they are contiguous)."""

    def __init__(self, tree: np.ndarray, n: int):
        self.order = leaves_list(tree)
        self.start = np.empty(2 * n - 1, dtype=np.int64)
        self.start[self.order] = np.arange(n)
        self.size = np.concatenate([np.ones(n, dtype=np.int64), tree[:, 3].astype(np.int64)])
        for k, (left, right) in enumerate(tree[:, :2].astype(np.int64).tolist()):
            self.start[n + k] = min(self.start[left], self.start[right])

    def __call__(self, node: int) -> np.ndarray:
        return self.order[self.start[node] : self.start[node] + self.size[node]]


def _consistent(sets: Sequence[np.ndarray], share: float) -> tuple[np.ndarray, np.ndarray]:
    """(every entity the reports mention, those at least ``share`` of them mention)."""
    values, counts = np.unique(np.concatenate(list(sets)), return_counts=True)
    return values, values[counts >= share * len(sets) - 1e-9]


def distinct_events(a: Sequence[np.ndarray], b: Sequence[np.ndarray], share: float) -> bool:
    """Whether two groups of reports (entity hash arrays) each consistently name what the other never names.

    Each group needs at least two reports: a lone report's every name is consistent.
    """
    if len(a) < 2 or len(b) < 2:
        return False
    all_a, mark_a = _consistent(a, share)
    all_b, mark_b = _consistent(b, share)
    return bool(np.any(~np.isin(mark_a, all_b)) and np.any(~np.isin(mark_b, all_a)))


def _guarded_cut(tree: np.ndarray, n: int, cut: float, sets: Sequence[np.ndarray], share: float) -> np.ndarray:
    """Flat clusters of an average-linkage tree: merges above ``cut`` are undone, and so are merges
    below it, from the top down, while the two halves are ``distinct_events``."""
    labels = np.zeros(n, dtype=np.int64)
    leaves = _Leaves(tree, n)
    stack, next_label = [2 * n - 2], 1
    while stack:
        node = stack.pop()
        if node >= n:
            left, right = int(tree[node - n, 0]), int(tree[node - n, 1])
            if tree[node - n, 2] > cut or distinct_events([sets[i] for i in leaves(left)],
                                                          [sets[i] for i in leaves(right)], share):
                stack.extend((right, left))
                continue
        labels[leaves(node)] = next_label
        next_label += 1
    return labels


