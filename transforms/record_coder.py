"""The coder of the records that travel in batches (``Article``, ``Signed``, ``Member``).

Beam estimates every PCollection's element size for its metrics, on a sample
of about a third of a stage's elements (all of the first ten, then about ten
in n), and FastPrimitivesCoder estimates a size by encoding: a batch of 512
articles was pickled whole for a number nobody reads, 8% of the copy path's
CPU at 100k. A stage that declares ``List[record]`` gets ``ListCoder`` over
this coder instead, which pickles a record only when it must cross a stage
boundary (as FastPrimitivesCoder falls back to) and gives each record the
pickled size of the first record of its type that this process saw.
"""

from __future__ import annotations

import pickle
from typing import Any

from apache_beam import coders
from apache_beam.typehints import typehints

from newsdedup.records import Article, Member, Signed

RECORD_TYPES = (Article, Signed, Member)


class RecordCoder(coders.Coder):
    def __init__(self) -> None:
        self._sizes: dict[type, int] = {}

    def encode(self, value: Any) -> bytes:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)

    def decode(self, encoded: bytes) -> Any:
        return pickle.loads(encoded)

    def is_deterministic(self) -> bool:
        return False  # records are values, never grouping keys

    def estimate_size(self, value: Any) -> int:
        size = self._sizes.get(type(value))
        if size is None:
            size = self._sizes[type(value)] = len(self.encode(value))
        return size

    def __eq__(self, other: object) -> bool:  # Coder's compares __dict__, which holds the sizes seen
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))


for record_type in RECORD_TYPES:
    coders.registry.register_coder(record_type, RecordCoder)


def batch_of(record_type: type):
    """The output type a stage declares for its lists of ``record_type``: Beam then codes them with ``RecordCoder``."""
    if record_type not in RECORD_TYPES:
        raise TypeError(f"no RecordCoder for {record_type.__name__}")
    return typehints.List[record_type]
