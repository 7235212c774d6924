"""Components too large for linkage, cut along their weakest links."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from newsdedup.components import split_components
from newsdedup.stories.graph import Edges


def bounded(nodes: np.ndarray, edges: Edges, threshold: float, limit: int) -> Iterator[np.ndarray]:
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
        cut = split_components(nodes, tuple(e[keep] for e in edges))  # runs when iterated, after this step's edges go
        del edges, keep
        todo.extend(reversed([(piece, tuple(e.copy() for e in inner) if len(piece) > limit else None, stricter)
                              for piece, inner in cut]))


