"""Connected components: copy groups from verified candidate pairs."""

from __future__ import annotations

from typing import Hashable, Iterable, TypeVar

T = TypeVar("T", bound=Hashable)


def connected_components(edges: Iterable[tuple[T, T]]) -> dict[T, T]:
    """Map every node that appears in an edge to its component's smallest node.

    Naming a component by its minimum member makes the result independent of
    edge order, and so of how a runner split and ordered the work.
    """
    parent: dict[T, T] = {}

    def find(x: T) -> T:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in edges:
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        ra, rb = find(a), find(b)
        if ra != rb:
            lo, hi = (ra, rb) if ra < rb else (rb, ra)
            parent[hi] = lo
    return {node: find(node) for node in parent}
