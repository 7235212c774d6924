"""Stage: write a table as sorted, deterministic Parquet shards.

Rows are spread over a fixed number of shards by a hash of their sort key
and each shard is sorted before it is written, so the same input gives the
same bytes whatever the runner, worker count or bundle order. Every shard is
written, empty or not, so a table always has files with its schema.

Rows cross the shuffle as their sort key and their pickle, and the writer
unpickles one row group at a time: a decoded dict costs about three times its
pickle (each row carries its own copies of the column names), and a shard
gathers on one worker and, on DirectRunner, in the runner too.
"""

from __future__ import annotations

import json
import pickle
import zlib
from typing import Callable, Iterable, Optional, Sequence

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems


def shard_path(directory: str, table: str, shard: int, shards: int) -> str:
    return FileSystems.join(directory, table, f"part-{shard:05d}-of-{shards:05d}.parquet")


ROW_GROUP = 64_000


def pack(row: dict, sort_key: Sequence[str]) -> tuple[tuple, bytes]:
    return tuple(row[k] for k in sort_key), pickle.dumps(row, protocol=pickle.HIGHEST_PROTOCOL)


def write_shard(path: str, packed: Iterable[tuple[tuple, bytes]], schema: pa.Schema) -> None:
    """Packed rows, sorted by key, as Parquet row groups of ROW_GROUP rows (an empty shard gets its schema)."""
    packed = sorted(packed, key=lambda pair: pair[0])
    with FileSystems.create(path) as stream, pq.ParquetWriter(stream, schema, compression="zstd") as writer:
        for start in range(0, max(len(packed), 1), ROW_GROUP):
            rows = [pickle.loads(blob) for _, blob in packed[start : start + ROW_GROUP]]
            writer.write_table(pa.Table.from_pylist(rows, schema=schema), row_group_size=ROW_GROUP)


class _WriteShard(beam.DoFn):
    def __init__(self, directory, table, shards, schema_for, metadata):
        self._args = directory, table, shards, schema_for, metadata

    def process(self, item, extra_columns=()):
        directory, table, shards, schema_for, metadata = self._args
        shard, rows = item
        schema = schema_for(extra_columns).with_metadata({b"newsdedup": json.dumps(metadata, sort_keys=True).encode()})
        path = shard_path(directory, table, shard, shards)
        write_shard(path, (r for r in rows if r is not None), schema)
        yield path


class WriteTable(beam.PTransform):
    """dict rows -> ``directory/table/part-NNNNN-of-NNNNN.parquet``; yields the paths written.

    ``schema_for`` maps the extra column names (``extra_columns``, a singleton
    side input, or none) to the table schema.
    """

    def __init__(
        self,
        directory: str,
        table: str,
        schema_for: Callable[[Sequence[str]], pa.Schema],
        sort_key: Sequence[str],
        shards: int,
        metadata: dict,
        extra_columns: Optional[beam.PCollection] = None,
    ):
        super().__init__()
        self._directory, self._table, self._schema_for = directory, table, schema_for
        self._sort_key, self._shards, self._metadata = tuple(sort_key), shards, metadata
        self._extra_columns = extra_columns

    def expand(self, rows):
        shards, sort_key = self._shards, self._sort_key

        def shard_of(row):
            packed = pack(row, sort_key)
            return zlib.crc32("\x1f".join(map(str, packed[0])).encode()) % shards, packed

        seeds = rows.pipeline | "Shards" >> beam.Create([(i, None) for i in range(shards)])
        keyed = rows | "Shard" >> beam.Map(shard_of)
        side = () if self._extra_columns is None else (beam.pvalue.AsSingleton(self._extra_columns),)
        return (
            (seeds, keyed)
            | "Merge" >> beam.Flatten()
            | "Gather" >> beam.GroupByKey()
            | "Write" >> beam.ParDo(
                _WriteShard(self._directory, self._table, shards, self._schema_for, self._metadata), *side
            )
        )
