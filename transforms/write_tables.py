"""Stage: write a table as sorted, deterministic Parquet shards.

Rows are spread over a fixed number of shards by a hash of their sort key
and each shard is sorted before it is written, so the same input gives the
same bytes whatever the runner, worker count or bundle order. Every shard is
written, empty or not, so a table always has files with its schema.
"""

from __future__ import annotations

import json
import zlib
from typing import Callable, Optional, Sequence

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems


def shard_path(directory: str, table: str, shard: int, shards: int) -> str:
    return FileSystems.join(directory, table, f"part-{shard:05d}-of-{shards:05d}.parquet")


def write_shard(path: str, rows: list[dict], schema: pa.Schema, sort_key: Sequence[str]) -> None:
    rows = sorted(rows, key=lambda r: tuple(r[k] for k in sort_key))
    table = pa.Table.from_pylist(rows, schema=schema)
    with FileSystems.create(path) as stream:
        pq.write_table(table, stream, compression="zstd", row_group_size=64_000)


class _WriteShard(beam.DoFn):
    def __init__(self, directory, table, shards, schema_for, sort_key, metadata):
        self._args = directory, table, shards, schema_for, sort_key, metadata

    def process(self, item, extra_columns=()):
        directory, table, shards, schema_for, sort_key, metadata = self._args
        shard, rows = item
        schema = schema_for(extra_columns).with_metadata({b"newsdedup": json.dumps(metadata, sort_keys=True).encode()})
        path = shard_path(directory, table, shard, shards)
        write_shard(path, [r for r in rows if r is not None], schema, sort_key)
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
            key = "\x1f".join(str(row[k]) for k in sort_key)
            return zlib.crc32(key.encode()) % shards, row

        seeds = rows.pipeline | "Shards" >> beam.Create([(i, None) for i in range(shards)])
        keyed = rows | "Shard" >> beam.Map(shard_of)
        side = () if self._extra_columns is None else (beam.pvalue.AsSingleton(self._extra_columns),)
        return (
            (seeds, keyed)
            | "Merge" >> beam.Flatten()
            | "Gather" >> beam.GroupByKey()
            | "Write" >> beam.ParDo(
                _WriteShard(self._directory, self._table, shards, self._schema_for, sort_key, self._metadata), *side
            )
        )
