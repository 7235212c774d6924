"""Story clustering: copy groups reporting the same event, across languages.

The similarity of two items mixes two kinds of evidence: the cosine of their
multilingual embeddings (what the story is about) and the IDF-weighted
cosine of the names and numbers they mention (which event of that kind it
is; see ``entities.py``), ``(1 - w) * embedding + w * entities``.

Two steps. First a sparse graph links items whose similarity is at least
``threshold``, whose embeddings are at least ``min_cosine`` alike and whose
publication times fall within the window (undated items may link to
anything). Its connected components are then split by average-linkage
clustering, which needs a pair of clusters to be similar *on average* and
so does not chain unrelated reports together the way the components alone
would. Work is quadratic only inside components.

Reports of two look-alike events (two DUI arrests of players of one team,
two same-day stories about one company) can be similar on average. The
name guard then keeps them apart: walking each story's merge tree from the
top, two halves stay separate when each half has a name (or number) that
nearly all of its reports mention (``name_guard``, a share) and no report of
the other half mentions. Halves of fewer than two reports carry no such
evidence: every name of a single report is "consistent".
"""

from __future__ import annotations

from typing import Iterator, Optional, Sequence

import numpy as np
from numba import njit
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, leaves_list, linkage

from newsdedup.arrays import sorted_unique

MAX_COMPONENT = 5000  # items per average linkage: its distance matrix is this squared (200 MB)
_FAR = 2.0  # distance for pairs that may not share a story (outside the window)
_BLOCK = 256


def _time_ok(a: np.ndarray, b: np.ndarray, window: Optional[float]) -> np.ndarray:
    """Mask over (a, b) time pairs: both dated and within the window, or either undated."""
    if window is None:
        return np.ones((len(a), len(b)), dtype=bool)
    close = np.abs(a[:, None] - b[None, :]) <= window
    return close | np.isnan(a)[:, None] | np.isnan(b)[None, :]


class _Similarity:
    """``(1 - w) * cosine(embeddings) + w * cosine(IDF-weighted entity sets)``, by blocks.

    Pairs where either item mentions no entity get the embedding cosine alone.
    """

    def __init__(self, vectors: np.ndarray, entities: Optional[Sequence[np.ndarray]], weight: float):
        self.vectors = vectors
        self.sets = None if entities is None else [np.asarray(e, dtype=np.uint64) for e in entities]
        self.weight = weight if entities is not None else 0.0
        self.entities = _entity_matrix(entities) if self.weight else None
        self.named = None if self.entities is None else np.asarray(self.entities.sum(axis=1)).ravel() > 0

    def embedding(self, rows, cols) -> np.ndarray:
        return self.vectors[rows] @ self.vectors[cols].T

    def combine(self, cosine: np.ndarray, rows, cols) -> np.ndarray:
        """Mixed in place (float64; ``cosine`` itself when there are no entities): a component's
        matrix may have 5000² cells, 200 MB each copy."""
        if not self.weight:
            return cosine
        mixed = (self.entities[rows] @ self.entities[cols].T).toarray()
        mixed *= self.weight
        mixed += (1.0 - self.weight) * cosine
        # No names or numbers is no evidence either way: the embedding decides alone.
        np.copyto(mixed, cosine, where=~(self.named[rows][:, None] & self.named[cols][None, :]))
        return mixed


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


Edges = tuple[np.ndarray, np.ndarray, np.ndarray]  # (i, j, similarity), i < j


def _candidate_edges(t: np.ndarray, sim: _Similarity, threshold: float, min_cosine: float,
                     window: Optional[float], max_links: Optional[int] = None) -> Edges:
    """Pairs (i < j) above both thresholds and time-compatible, with their similarity; items sorted by
    time, undated last. Arrays, not tuples: a dense archive has millions of them.

    With ``max_links`` each item keeps only its strongest links to later items,
    so the graph holds at most ``n * max_links`` edges however alike the
    archive's texts are (1M articles simulated from 70 seeds: 187M edges).
    """
    n = len(t)
    dated = int(np.count_nonzero(~np.isnan(t)))
    found: list[Edges] = []
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        if window is None or start >= dated:
            cols = np.arange(start, n)
        else:
            reach = int(np.searchsorted(t[:dated], t[min(stop, dated) - 1] + window, side="right"))
            cols = np.concatenate([np.arange(start, max(reach, min(stop, dated))), np.arange(dated, n)])
            cols = sorted_unique(np.concatenate([cols, np.arange(start, stop)]))
        rows = np.arange(start, stop)
        cosine = sim.embedding(rows, cols)
        mixed = sim.combine(cosine, rows, cols)
        mask = (cosine >= min_cosine) & (mixed >= threshold)
        if window is not None:
            mask &= _time_ok(t[start:stop], t[cols], window)
        mask &= rows[:, None] < cols[None, :]
        hit_rows, hit = np.nonzero(mask)
        values = mixed[hit_rows, hit]
        if max_links is not None:
            keep = _strongest(hit_rows, values, max_links)
            hit_rows, hit, values = hit_rows[keep], hit[keep], values[keep]
        found.append((rows[hit_rows].astype(np.int32), cols[hit].astype(np.int32), values.astype(np.float32)))
    return _joined(found)


def _strongest(rows: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    """Positions of each row's ``k`` largest values, ties to the earlier position, in their order.
    ``rows`` is sorted (``np.nonzero``'s order)."""
    if len(rows) <= k or np.bincount(rows).max() <= k:
        return np.arange(len(rows))
    by_strength = np.lexsort((-values, rows))  # stable: equal values keep their order
    rank = np.arange(len(rows)) - np.searchsorted(rows, rows[by_strength])
    return np.sort(by_strength[rank < k])


def _no_edges() -> Edges:
    return np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.float32)


def _joined(parts: list) -> Edges:
    """The parts' edges in order, each part dropped from ``parts`` once copied. A dense archive's
    edges take gigabytes, and ``np.concatenate`` would hold them twice (1M articles: +2.4 GiB)."""
    joined = tuple(np.empty(sum(len(part[0]) for part in parts), field.dtype) for field in _no_edges())
    at = 0
    for k in range(len(parts)):
        part, parts[k] = parts[k], None
        for out, values in zip(joined, part):
            out[at : at + len(values)] = values
        at += len(part[0])
    return joined


@njit(cache=True)
def _root(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]  # path halving
        i = parent[i]
    return i


@njit(inline="always", cache=True)
def _position(nodes, numbered, node):
    return node if numbered else np.searchsorted(nodes, node)


@njit(cache=True)
def _label_components(nodes, a, b):
    """Component of each node and each edge, numbered in order of smallest node: union-find where the
    smaller root wins, so every root is its component's smallest node. Node ids are positions in
    ``nodes`` (sorted), found per edge rather than kept in arrays as long as the edges."""
    n = len(nodes)
    numbered = n == 0 or (nodes[0] == 0 and nodes[n - 1] == n - 1)  # sorted and unique: already 0..n-1
    parent = np.arange(n)
    for k in range(len(a)):
        i = _root(parent, _position(nodes, numbered, a[k]))
        j = _root(parent, _position(nodes, numbered, b[k]))
        if i < j:
            parent[j] = i
        elif j < i:
            parent[i] = j
    labels = np.empty(n, np.int64)
    count = 0
    for i in range(n):
        root = _root(parent, i)
        if root == i:
            labels[i] = count
            count += 1
        else:
            labels[i] = labels[root]
    edge_labels = np.empty(len(a), np.int32)  # as long as the edges: half of int64's bytes
    for k in range(len(a)):
        edge_labels[k] = labels[_position(nodes, numbered, a[k])]
    return count, labels, edge_labels


@njit(cache=True)
def _starts(labels, count):
    """Where each component's run of edges starts, and the end of the last."""
    cuts = np.zeros(count + 1, np.int64)
    for label in labels:
        cuts[label + 1] += 1
    return np.cumsum(cuts)


@njit(cache=True)
def _in_component_order(labels, starts, values):
    """``values`` reordered by component, stably."""
    fill = starts[:-1].copy()
    out = np.empty_like(values)
    for k in range(len(labels)):
        out[fill[labels[k]]] = values[k]
        fill[labels[k]] += 1
    return out


def _components(nodes: np.ndarray, edges: Edges) -> Iterator[tuple[np.ndarray, Edges]]:
    """Connected components of the graph on ``nodes`` (sorted) with their edges, by smallest node.

    The edges are reordered by component once and handed out as slices of
    that copy; the caller should pass its only reference, since a dense
    archive has tens of millions of edges and they are released here.
    Compiled rather than scipy's connected_components, whose graph (float64
    weights, and its transpose) cost five times the edges themselves.
    """
    a, b, s = edges
    del edges
    count, labels, edge_labels = _label_components(nodes, a, b)
    node_order = np.argsort(labels, kind="stable")
    node_cuts = np.searchsorted(labels[node_order], np.arange(count + 1))
    edge_cuts = _starts(edge_labels, count)
    # One field at a time, each dropped once reordered: 20 bytes an edge at the peak, not 32
    # (187M synthetic edges, the 1M run's count: 3.50 GiB above the edges themselves -> 1.41).
    a = _in_component_order(edge_labels, edge_cuts, a)
    b = _in_component_order(edge_labels, edge_cuts, b)
    s = _in_component_order(edge_labels, edge_cuts, s)
    del edge_labels
    for c in range(count):
        lo, hi = edge_cuts[c], edge_cuts[c + 1]
        yield nodes[node_order[node_cuts[c] : node_cuts[c + 1]]], (a[lo:hi], b[lo:hi], s[lo:hi])


def _bounded(nodes: np.ndarray, edges: Edges, threshold: float, limit: int) -> Iterator[np.ndarray]:
    """A component cut along its weakest links into pieces of at most ``limit`` items.

    Average linkage needs every distance within a component: a chain of
    look-alike reports across a large archive would need a matrix of its
    size squared. Such a component loses its edges below a threshold raised
    step by step; the pieces then get average linkage at the real threshold.
    Deterministic: it depends only on the similarities.

    A piece still too large takes a copy of its own edges, and a step's edges
    go once it is cut: at 1M articles one component held nearly every copy
    group through twelve steps, whose edges (115 MB each) all stayed alive
    when this recursed.
    """
    todo = [(nodes, edges, threshold)]
    del nodes, edges
    while todo:
        nodes, edges, threshold = todo.pop()
        if len(nodes) <= limit:
            yield nodes
            continue
        stricter = threshold + (1.0 - threshold) / 8
        if stricter > 0.999:  # near-identical throughout: consecutive slices in time order
            yield from (nodes[start : start + limit] for start in range(0, len(nodes), limit))
            continue
        keep = edges[2] >= stricter
        cut = _components(nodes, tuple(e[keep] for e in edges))  # runs when iterated, after this step's edges go
        del edges, keep
        todo.extend(reversed([(piece, tuple(e.copy() for e in inner) if len(piece) > limit else None, stricter)
                              for piece, inner in cut]))


def _distances(t: np.ndarray, idx: np.ndarray, sim: _Similarity, window: Optional[float]) -> np.ndarray:
    """Condensed distances (``squareform``'s layout) between the items ``idx``: 1 - similarity, ``_FAR``
    outside the window, the mean of both directions (products are not symmetric to the last bit), at least 0.

    The square matrix is filled a block of rows at a time and folded into the
    condensed one row by row: built whole, with its temporaries, a component of
    ``MAX_COMPONENT`` items took over 1 GB at once.
    """
    n = len(idx)
    dist = np.empty((n, n), dtype=np.float64 if sim.weight else np.float32)
    for start in range(0, n, _BLOCK):
        rows = idx[start : start + _BLOCK]
        block = sim.combine(sim.embedding(rows, idx), rows, idx)  # a fresh matrix: worked on in place
        np.subtract(1.0, block, out=block)
        block[~_time_ok(t[rows], t[idx], window)] = _FAR
        dist[start : start + len(rows)] = block
    condensed = np.empty(n * (n - 1) // 2, dtype=dist.dtype)
    at = 0
    for i in range(n - 1):
        pair = dist[i, i + 1 :] + dist[i + 1 :, i]
        pair /= 2.0
        np.clip(pair, 0.0, None, out=condensed[at : at + len(pair)])
        at += len(pair)
    return condensed


def _split_component(t: np.ndarray, idx: np.ndarray, sim: _Similarity, threshold: float, window: Optional[float],
                     name_guard: Optional[float] = None) -> np.ndarray:
    if len(idx) == 1:
        return np.ones(1, dtype=int)
    tree = linkage(_distances(t, idx, sim, window), method="average")
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


def _seconds(times: Sequence[Optional[float]]) -> np.ndarray:
    return np.array([np.nan if x is None else float(x) for x in times])


def time_order(keys: Sequence[str], times: Sequence[Optional[float]]) -> np.ndarray:
    """The order ``cluster_stories`` works in: by time, undated last, ties by key.

    Items handed over in this order are used in place, which spares a copy of
    the vectors (1.2 GB for the copy groups of a million articles).
    """
    return _order(keys, _seconds(times))


def _order(keys: Sequence[str], t: np.ndarray) -> np.ndarray:
    undated = np.isnan(t)
    return np.array(sorted(range(len(keys)), key=lambda i: (undated[i], 0.0 if undated[i] else t[i], keys[i])),
                    dtype=np.int64)


def similarity_to_lead(stories: Sequence[str], ranks: Sequence[tuple], vectors: np.ndarray) -> list[float]:
    """Each item's embedding cosine to its story's lead, the item of smallest rank (1.0 for the lead)."""
    lead: dict[str, int] = {}
    for i, (story, rank) in enumerate(zip(stories, ranks)):
        if story not in lead or rank < ranks[lead[story]]:
            lead[story] = i
    return [1.0 if lead[story] == i else float(np.clip(np.dot(vectors[i], vectors[lead[story]]), -1.0, 1.0))
            for i, story in enumerate(stories)]


def cluster_stories(
    keys: Sequence[str],
    times: Sequence[Optional[float]],
    vectors: np.ndarray,
    threshold: float,
    window_seconds: Optional[float],
    entities: Optional[Sequence[np.ndarray]] = None,
    entity_weight: float = 0.0,
    min_cosine: Optional[float] = None,
    name_guard: Optional[float] = None,
    max_links: Optional[int] = None,
    max_component: int = MAX_COMPONENT,
) -> dict[str, str]:
    """Map each key to its story, named by the story's smallest key.

    ``vectors`` must be L2-normalised (cosine = dot product). ``times`` are
    seconds (None when unknown); ``window_seconds`` None disables the window.
    ``entities`` are per-item hash arrays (``entities.entity_hashes``), mixed in
    with ``entity_weight``; ``min_cosine`` (default: ``threshold``) is the
    embedding cosine below which two items never share a story; ``name_guard``
    (a share in (0, 1], None: off) separates look-alike halves of a story
    that each consistently name what the other never names (needs ``entities``).
    ``max_links`` (None: all) bounds the links each item keeps to later items,
    strongest first: components need few, and memory stays linear in the items.
    Components above ``max_component`` items are first cut along their
    weakest links (``_bounded``), so memory stays bounded at any size.
    """
    if not (len(keys) == len(times) == len(vectors)) or (entities is not None and len(entities) != len(keys)):
        raise ValueError("keys, times, vectors and entities must have the same length")
    if not keys:
        return {}
    t = _seconds(times)
    order = _order(keys, t)
    vectors = np.asarray(vectors, dtype=np.float32)
    sorted_keys = list(keys)
    if not np.array_equal(order, np.arange(len(keys))):  # in order already: no copy of the vectors
        sorted_keys, t, vectors = [keys[i] for i in order], t[order], vectors[order]
        entities = None if entities is None else [entities[i] for i in order]
    sim = _Similarity(vectors, entities, entity_weight)
    floor = threshold if min_cosine is None else min_cosine

    story = {k: k for k in sorted_keys}
    for component, inner in _components(np.arange(len(keys)), _candidate_edges(t, sim, threshold, floor, window_seconds, max_links)):
        if len(component) == 1:
            continue
        for piece in _bounded(component, inner, threshold, max_component):
            nodes = piece.tolist()
            labels = _split_component(t, piece, sim, threshold, window_seconds, name_guard)
            named: dict[int, str] = {}
            for i, label in zip(nodes, labels):
                named[label] = min(named.get(label, sorted_keys[i]), sorted_keys[i])
            for i, label in zip(nodes, labels):
                story[sorted_keys[i]] = named[label]
    return story
