"""Decoding input files into records, one (line, record-or-error, raw) at a time.

Readers take an open binary file, so the Beam stage can hand them files from
any Beam filesystem. Decoding problems are reported per record, never raised:
one bad line must not cost the rest of the file.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from typing import IO, Any, Iterator, NamedTuple, Optional

from newsdedup.records import RecordError

FORMATS = ("jsonl", "csv", "parquet")


class RawRecord(NamedTuple):
    line: int
    record: Optional[Any]
    error: Optional[RecordError]
    raw: str


def detect_format(path: str) -> tuple[str, bool]:
    """(format, gzipped) from the file name."""
    name = path.lower()
    gzipped = name.endswith(".gz")
    if gzipped:
        name = name[:-3]
    for suffix, fmt in ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "jsonl"), (".csv", "csv"), (".parquet", "parquet")):
        if name.endswith(suffix):
            return fmt, gzipped
    raise ValueError(f"{path}: unknown input format (expected .jsonl, .ndjson, .json, .csv or .parquet, optionally .gz)")


def decode_line(data: bytes) -> str:
    """UTF-8, else Latin-1: archives mix both, and Latin-1 never fails to decode."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_jsonl(stream: IO[bytes], first_line: int = 1) -> Iterator[RawRecord]:
    for number, data in enumerate(stream, start=first_line):
        text = decode_line(data)
        if number == 1:
            text = text.lstrip("\ufeff")
        if not text.strip():
            continue
        try:
            yield RawRecord(number, json.loads(text), None, text.rstrip("\r\n"))
        except json.JSONDecodeError as err:
            error = RecordError("bad_json", f"invalid JSON: {err.msg} at column {err.colno}")
            yield RawRecord(number, None, error, text.rstrip("\r\n"))


def read_csv(stream: IO[bytes]) -> Iterator[RawRecord]:
    raw = stream.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        return
    start = reader.line_num + 1
    for row in reader:
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        raw_row = json.dumps(row, ensure_ascii=False)
        if len(row) != len(header):
            error = RecordError("bad_csv_row", f"expected {len(header)} columns, found {len(row)}")
            yield RawRecord(line, None, error, raw_row)
            continue
        yield RawRecord(line, {k: (v if v != "" else None) for k, v in zip(header, row)}, None, raw_row)


def read_parquet(stream: IO[bytes]) -> Iterator[RawRecord]:
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(stream)
    row = 0
    for batch in parquet.iter_batches(batch_size=4096):
        for record in batch.to_pylist():
            row += 1
            yield RawRecord(row, record, None, json.dumps(record, ensure_ascii=False, sort_keys=True, default=str))


class Range(NamedTuple):
    """A piece of an input file: the lines that start in bytes [start, end), numbered from ``first_line``.

    ``end`` None: to the end of the file (every format but plain JSONL is read whole).
    """

    path: str
    start: int = 0
    end: Optional[int] = None
    first_line: int = 1


def splittable(path: str) -> bool:
    fmt, gzipped = detect_format(path)
    return fmt == "jsonl" and not gzipped


def split_lines(stream: IO[bytes], path: str, chunk_bytes: int, block_bytes: int = 8 << 20) -> Iterator[Range]:
    """Cut a JSONL file into ranges of about ``chunk_bytes`` at line starts, counting lines on the way.

    One sequential read at memory speed; the ranges are then parsed in parallel.
    """
    start, first_line, target = 0, 1, chunk_bytes
    offset = newlines = 0  # bytes and newlines before the current block
    while block := stream.read(block_bytes):
        while target < offset + len(block):
            cut = block.find(b"\n", max(target - offset, 0))
            if cut < 0:
                break
            boundary = offset + cut + 1
            yield Range(path, start, boundary, first_line)
            start, first_line = boundary, newlines + block.count(b"\n", 0, cut + 1) + 1
            target = boundary + chunk_bytes
        newlines += block.count(b"\n")
        offset += len(block)
    if offset > start:
        yield Range(path, start, offset, first_line)


def read_range(stream: IO[bytes], piece: Range) -> Iterator[RawRecord]:
    """The records of one range of a file (a whole file when ``piece.end`` is None)."""
    if piece.end is None:
        return read_records(stream, piece.path)
    stream.seek(piece.start)
    return read_jsonl(io.BytesIO(stream.read(piece.end - piece.start)), piece.first_line)


def read_records(stream: IO[bytes], path: str) -> Iterator[RawRecord]:
    fmt, gzipped = detect_format(path)
    if gzipped:
        stream = gzip.GzipFile(fileobj=stream)
    if fmt == "parquet":
        stream = io.BytesIO(stream.read()) if gzipped or not stream.seekable() else stream
        return read_parquet(stream)
    return read_csv(stream) if fmt == "csv" else read_jsonl(stream)
