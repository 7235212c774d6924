"""Stage: copy groups as connected components of the verified pairs.

The components are computed where all pairs meet: pairs are two ids and a
float, tens of bytes each, so even an archive of millions of copies fits one
worker, while signatures and texts never leave their shards.
"""

from __future__ import annotations

import apache_beam as beam

from newsdedup.components import connected_components


def _components(item):
    _, lists = item
    return sorted(connected_components((a, b) for pairs in lists for a, b, _ in pairs).items())


class LinkCopies(beam.PTransform):
    """Lists of pairs -> ``(article_id, group_root)`` for every article that has a copy."""

    def expand(self, pair_lists):
        return (
            pair_lists
            | "OneKey" >> beam.Map(lambda pairs: (None, pairs))
            | "All" >> beam.GroupByKey()
            | "Components" >> beam.FlatMap(_components)
        )
