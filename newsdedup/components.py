"""Connected components, one compiled union-find for both paths: copy groups from verified
candidate pairs (``connected_components``) and the story candidate graph (``split_components``)."""

from __future__ import annotations

from typing import Hashable, Iterable, Iterator, TypeVar

import numpy as np
from numba import njit

T = TypeVar("T", bound=Hashable)


def connected_components(edges: Iterable[tuple[T, T]]) -> dict[T, T]:
    """Map every node that appears in an edge to its component's smallest node.

    Naming a component by its minimum member makes the result independent of
    edge order, and so of how a runner split and ordered the work.
    """
    pairs = list(edges)
    if not pairs:
        return {}
    nodes = sorted({x for pair in pairs for x in pair})
    index = {node: i for i, node in enumerate(nodes)}
    a = np.fromiter((index[x] for x, _ in pairs), np.int64, len(pairs))
    b = np.fromiter((index[y] for _, y in pairs), np.int64, len(pairs))
    _, labels, _ = _label_components(np.arange(len(nodes)), a, b)
    first = np.zeros(labels.max() + 1, np.int64)
    first[labels[::-1]] = np.arange(len(nodes))[::-1]  # each label's smallest node
    return {node: nodes[first[label]] for node, label in zip(nodes, labels.tolist())}


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


def split_components(nodes: np.ndarray, edges: tuple) -> Iterator[tuple[np.ndarray, tuple]]:
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
