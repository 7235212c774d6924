"""``newsdedup.dedupe``: a table of articles in, the four output tables back, in one call (notebooks).

It runs the same job as ``newsdedup run`` (``run.run_records``) into a
temporary folder and reads the tables back, so what it returns is what the
command line writes, row for row, with the same reconciliation.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any, Iterable, Union

import pyarrow as pa
import pyarrow.parquet as pq

from newsdedup.pipeline.config import Config, config_from
from newsdedup.pipeline.cli import unknown_option
from newsdedup.pipeline.options import beam_option_parser
from newsdedup.pipeline.run import run_records
from newsdedup.pipeline.state import run_with_state
from newsdedup.schema import TABLES

Tables = dict  # table name -> pandas.DataFrame or pyarrow.Table


class DedupeError(RuntimeError):
    """The run did not account for every record (read != accepted + rejected)."""


def _missing_to_none(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if type(value).__name__ in ("NaTType", "NAType"):
        return None
    return value


def _records(articles: Any) -> list[dict]:
    """Rows as plain dicts, from a list of dicts, a pandas DataFrame or a pyarrow Table; missing values as None."""
    if isinstance(articles, pa.Table):
        rows = articles.to_pylist()
    elif hasattr(articles, "to_dict") and hasattr(articles, "columns"):  # pandas, without importing it
        rows = articles.to_dict(orient="records")
    elif isinstance(articles, Iterable) and not isinstance(articles, (str, bytes, dict)):
        rows = list(articles)
    else:
        raise TypeError(f"articles must be a list of dicts, a pandas DataFrame or a pyarrow Table, "
                        f"got {type(articles).__name__}")
    return [{k: _missing_to_none(v) for k, v in row.items()} if isinstance(row, dict) else row for row in rows]


def _beam_flags(options: dict) -> list[str]:
    """Keywords as Beam flags; one Beam does not know is an error (Beam would ignore it and run with its default)."""
    flags = []
    for key, value in options.items():
        if isinstance(value, bool):
            flags.append(f"--{key}" if value else f"--no_{key}")
        else:
            flags.append(f"--{key}={value}")
    error = unknown_option(flags, (), beam_option_parser())
    if error:
        raise TypeError(f"dedupe(): {error} (keywords are Beam flags without their dashes)")
    return flags


def dedupe(articles: Any, config: Union[Config, dict, str, Path, None] = None, *, arrow: bool = False,
           state: Union[str, Path, None] = None, **beam_options: Any) -> Tables:
    """Deduplicate ``articles`` (a list of dicts, a pandas DataFrame or a pyarrow Table, fields as a JSONL line).

    Returns ``{"articles", "stories", "copies", "rejects"}`` as pandas
    DataFrames (pyarrow Tables with ``arrow=True``). Runs on DirectRunner;
    ``beam_options`` are Beam flags as keywords (``direct_num_workers=1``).
    Bad records come back in ``rejects`` with their position (from 1) in
    ``line``; they raise nothing. Holds every row in memory: past a few
    hundred thousand articles, write them to JSONL or Parquet and use
    ``newsdedup run``.

    ``state``: a folder; the articles are a batch of an incremental run
    (``newsdedup run --state``): matched against it, and the tables returned
    are the batch's, with ids the state has already written.
    """
    records = _records(articles)
    cfg = config_from(config)
    with tempfile.TemporaryDirectory(prefix="newsdedup-") as tmp:
        if state is None:
            result = run_records(records, str(Path(tmp) / "out"), cfg, beam_args=_beam_flags(beam_options))
        else:
            batch = Path(tmp) / "batch.jsonl"  # a file, so the rejects' line is the record's position
            batch.write_text("".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in records),
                             encoding="utf-8")
            result = run_with_state([str(batch)], str(Path(tmp) / "out"), str(state), cfg,
                                    beam_args=_beam_flags(beam_options))
        if not result.manifest["reconciled"]:
            raise DedupeError(f"read {result.manifest['counts']['read']} records but accepted and rejected "
                              f"{result.manifest['counts']['accepted'] + result.manifest['counts']['rejected']}")
        tables = {name: pq.read_table(Path(result.output) / name) for name in TABLES}
    if arrow:
        return tables
    return {name: table.to_pandas() for name, table in tables.items()}
