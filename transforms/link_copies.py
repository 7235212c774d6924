"""Stage: copy groups as connected components of the verified pairs.

The components are computed where all pairs meet: pairs are two ids and a
float, tens of bytes each, so even an archive of millions of copies fits one
worker, while signatures and texts never leave their shards.
"""

from __future__ import annotations

import apache_beam as beam

from newsdedup.components import connected_components


def _components(item):
    _, pairs = item
    return sorted(connected_components((a, b) for a, b, _ in pairs).items())


class LinkCopies(beam.PTransform):
    """Pairs -> ``(article_id, group_root)`` for every article that has a copy."""

    def expand(self, pairs):
        return (
            pairs
            | "OneKey" >> beam.Map(lambda pair: (None, pair))
            | "All" >> beam.GroupByKey()
            | "Components" >> beam.FlatMap(_components)
        )
