"""Story clustering: copy groups reporting the same event, across languages.

Two steps. First a sparse graph links representatives whose embeddings are
at least ``threshold`` similar and whose publication times fall within the
window (undated items may link to anything). Its connected components are
then split by average-linkage clustering, which needs a pair of clusters to
be similar *on average* and so does not chain unrelated reports together the
way the components alone would. Work is quadratic only inside components.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from newsdedup.components import connected_components

_FAR = 2.0  # distance for pairs that may not share a story (outside the window)
_BLOCK = 1024


def _time_ok(t: np.ndarray, window: Optional[float]) -> np.ndarray:
    """Pairwise mask: both dated and within the window, or either undated."""
    if window is None:
        return np.ones((len(t), len(t)), dtype=bool)
    undated = np.isnan(t)
    close = np.abs(t[:, None] - t[None, :]) <= window
    return close | undated[:, None] | undated[None, :]


def _candidate_edges(t: np.ndarray, vectors: np.ndarray, threshold: float, window: Optional[float]):
    """Pairs (i < j) above threshold and time-compatible; items sorted by time, undated last."""
    n = len(t)
    dated = int(np.count_nonzero(~np.isnan(t)))
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        if window is None or start >= dated:
            cols = np.arange(start, n)
        else:
            reach = int(np.searchsorted(t[:dated], t[min(stop, dated) - 1] + window, side="right"))
            cols = np.concatenate([np.arange(start, max(reach, min(stop, dated))), np.arange(dated, n)])
            cols = np.unique(np.concatenate([cols, np.arange(start, stop)]))
        sims = vectors[start:stop] @ vectors[cols].T
        mask = sims >= threshold
        if window is not None:
            a, b = t[start:stop], t[cols]
            mask &= (np.abs(a[:, None] - b[None, :]) <= window) | np.isnan(a)[:, None] | np.isnan(b)[None, :]
        rows, hit = np.nonzero(mask)
        rows = rows + start
        other = cols[hit]
        keep = rows < other
        yield from zip(rows[keep].tolist(), other[keep].tolist())


def _split_component(t: np.ndarray, vectors: np.ndarray, threshold: float, window: Optional[float]) -> np.ndarray:
    dist = 1.0 - vectors @ vectors.T
    dist[~_time_ok(t, window)] = _FAR
    np.fill_diagonal(dist, 0.0)
    dist = np.clip((dist + dist.T) / 2.0, 0.0, None)
    tree = linkage(squareform(dist, checks=False), method="average")
    return fcluster(tree, t=1.0 - threshold, criterion="distance")


def cluster_stories(
    keys: Sequence[str],
    times: Sequence[Optional[float]],
    vectors: np.ndarray,
    threshold: float,
    window_seconds: Optional[float],
) -> dict[str, str]:
    """Map each key to its story, named by the story's smallest key.

    ``vectors`` must be L2-normalised (cosine = dot product). ``times`` are
    seconds (None when unknown); ``window_seconds`` None disables the window.
    """
    if not (len(keys) == len(times) == len(vectors)):
        raise ValueError("keys, times and vectors must have the same length")
    if not keys:
        return {}
    t_raw = np.array([np.nan if x is None else float(x) for x in times])
    order = sorted(range(len(keys)), key=lambda i: (np.isnan(t_raw[i]), 0.0 if np.isnan(t_raw[i]) else t_raw[i], keys[i]))
    t = t_raw[order]
    vecs = np.asarray(vectors, dtype=np.float32)[order]
    sorted_keys = [keys[i] for i in order]

    story = {k: k for k in sorted_keys}
    roots = connected_components(_candidate_edges(t, vecs, threshold, window_seconds))
    members: dict[int, list[int]] = {}
    for node, root in roots.items():
        members.setdefault(root, []).append(node)
    for nodes in members.values():
        nodes.sort()
        idx = np.array(nodes)
        labels = _split_component(t[idx], vecs[idx], threshold, window_seconds)
        named: dict[int, str] = {}
        for i, label in zip(nodes, labels):
            named[label] = min(named.get(label, sorted_keys[i]), sorted_keys[i])
        for i, label in zip(nodes, labels):
            story[sorted_keys[i]] = named[label]
    return story
