"""The newsdedup job: read → ``Deduplicate`` → write four tables. Stages composed, nothing computed here."""

from __future__ import annotations

from functools import partial
from typing import Optional, Sequence

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from newsdedup import schema as schemas
from newsdedup.schema import SORT_KEYS, articles_schema
from newsdedup.pipeline.config import Config
from newsdedup.transforms.deduplicate import Deduplicate, DeduplicateResult
from newsdedup.transforms.read_files import ReadArticleFiles
from newsdedup.transforms.write_tables import WriteTable


def _fixed_schema(table: str, _extra: Sequence[str] = ()):
    return schemas.TABLES[table]


def scratch_directory(directory: str) -> str:
    """Where stages leave files for later stages (signature blocks, group vectors); removed before the output is committed."""
    return FileSystems.join(directory, "_scratch")


def write_tables(result: DeduplicateResult, directory: str, shards: int, metadata: dict) -> None:
    """The four tables as sorted Parquet shards under ``directory``, ``metadata`` in each file's schema."""
    result.articles | "WriteArticles" >> WriteTable(
        directory, "articles", articles_schema, SORT_KEYS["articles"], shards, metadata,
        extra_columns=result.carried_fields)
    for table in ("stories", "copies", "rejects"):
        getattr(result, table) | f"Write{table.title()}" >> WriteTable(
            directory, table, partial(_fixed_schema, table), SORT_KEYS[table], shards, metadata)


def build(p: beam.Pipeline, source, config: Config, directory: str, metadata: dict, *,
          input_format: Optional[str] = None) -> None:
    """Add the whole job to ``p``: ``source`` is the input files' paths, or a transform of ``p`` giving article dicts.

    Tables land under ``directory``, scratch files under ``scratch_directory``. ``input_format``: every
    file is read as this format (``--format``), whatever its name.
    """
    read = ReadArticleFiles(source, input_format=input_format) if isinstance(source, (list, tuple)) else source
    articles = p | ("ReadArticleFiles" if isinstance(read, ReadArticleFiles) else "Articles") >> read
    result = articles | "Deduplicate" >> Deduplicate(config, scratch=scratch_directory(directory))
    write_tables(result, directory, config.output.shards, metadata)
