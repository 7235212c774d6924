"""Decoding input files into records, one (line, record-or-error, raw) at a time.

Readers take an open binary file, so the Beam stage can hand them files from
any Beam filesystem. Decoding problems are reported per record, never raised:
one bad line must not cost the rest of the file.
"""

from __future__ import annotations

import csv
import gzip
import importlib
import io
import json
import re
from typing import IO, Any, Iterator, NamedTuple, Optional

from newsdedup.records import RecordError

FORMATS = ("jsonl", "csv", "parquet", "newsml", "nitf", "newsml1", "ninjs", "rss", "warc")
_BY_NAME = ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".csv", "csv"), (".parquet", "parquet"), (".warc", "warc"),
            (".nitf", "nitf"), (".rss", "rss"), (".atom", "rss"))
_SNIFFED = (".json", ".xml")  # names that need a look inside
_XML_ROOTS = {"newsItem": "newsml", "newsMessage": "newsml", "packageItem": "newsml", "nitf": "nitf",
              "NewsML": "newsml1", "rss": "rss", "RDF": "rss", "feed": "rss"}
_XML_PROLOG = re.compile(rb"\s*(?:<\?[^>]*\?>|<!--.*?-->|<!DOCTYPE[^>]*>|\s)*<(?:[\w.-]+:)?([\w.-]+)", re.S)
HEAD_BYTES = 4096


class RawRecord(NamedTuple):
    line: int
    record: Optional[Any]
    error: Optional[RecordError]
    raw: str


def detect_format(path: str, head: Optional[bytes] = None) -> tuple[str, bool]:
    """(format, gzipped) from the file name, or from ``head`` (its first bytes, uncompressed) where the name
    does not tell (.json: JSONL or ninjs; .xml: NewsML, NITF or a feed; other names: whatever the bytes are).
    """
    name = path.lower()
    gzipped = name.endswith(".gz")
    if gzipped:
        name = name[:-3]
    for suffix, fmt in _BY_NAME:
        if name.endswith(suffix):
            return fmt, gzipped
    sniffed = sniff_format(head) if head is not None else None
    if sniffed:
        return sniffed, gzipped
    if name.endswith(".json") and head is None:
        return "jsonl", gzipped
    if name.endswith(_SNIFFED) and head is None:
        raise ValueError(f"{path}: the format of a {name.rsplit('.', 1)[1]} file is read from its content")
    raise ValueError(f"{path}: unknown input format (expected .jsonl, .ndjson, .json, .csv, .parquet, .xml (NewsML-G2,"
                     f" NITF, NewsML 1.2, RSS, Atom), .rss, .atom, .warc, optionally .gz; or --format)")


def needs_head(path: str) -> bool:
    """Whether ``detect_format`` needs the file's first bytes to name its format."""
    name = path.lower().removesuffix(".gz")
    return not any(name.endswith(suffix) for suffix, _ in _BY_NAME)


def sniff_format(head: bytes) -> Optional[str]:
    """The format the first bytes of a file show, or None."""
    head = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"WARC/"):
        return "warc"
    if head.startswith((b"{", b"[")):
        first = head.split(b"\n", 1)[0]
        try:
            record = json.loads(first)
        except ValueError:  # one JSON document over many lines: ninjs, when it has a uri
            return "ninjs" if b'"uri"' in head else "jsonl"
        return "ninjs" if isinstance(record, dict) and "uri" in record and "id" not in record else "jsonl"
    match = _XML_PROLOG.match(head)
    return _XML_ROOTS.get(match.group(1).decode("ascii", "replace")) if match and head.startswith(b"<") else None


def read_all(stream: IO[bytes], chunk: int = 1 << 16) -> tuple[bytes, Optional[str]]:
    """Every byte that can be read, and why reading stopped early (a truncated gzip), if it did.

    ``read1`` where there is one: a gzip stream's ``read`` drops the bytes of a
    chunk it cannot finish.
    """
    read = getattr(stream, "read1", stream.read)
    chunks = []
    try:
        while data := read(chunk):
            chunks.append(data)
    except (EOFError, OSError, ValueError) as err:  # gzip: EOFError, BadGzipFile (OSError), zlib.error
        return b"".join(chunks), f"{err.__class__.__name__}: {err}"
    return b"".join(chunks), None


def article_record(fields: dict, *, fmt: str) -> dict:
    """A reader's fields as an input record: the article fields, then what it carries; empty values left out."""
    record = {k: v for k, v in fields.items() if v not in (None, "", [])}
    record["format"] = fmt
    return record


def raw_record(record: dict) -> str:
    """The raw text of a mapped record (its digest tells a resend from a changed version)."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, default=str)


def xml_records(stream: IO[bytes], names: tuple[str, ...], to_record) -> Iterator[RawRecord]:
    """``to_record(element)`` for each element named in ``names``, numbered by its line.

    A declaration the bytes contradict and HTML entities are repaired; the items before a break
    in the XML or a truncated gzip are kept, and the break is rejected with
    its line.
    """
    from newsdedup.xmlsafe import BadXml, iter_elements, repair_declared_encoding, repair_html_entities

    data, stopped = read_all(stream)
    if not data.strip():
        if stopped:
            yield RawRecord(1, None, RecordError("unreadable_file", f"cannot read the file: {stopped}"), "")
        return
    line = 0
    try:
        for element in iter_elements(repair_html_entities(repair_declared_encoding(data)), names):
            line = element.sourceline or line
            try:
                record = to_record(element)
            except RecordError as err:
                yield RawRecord(line, None, err, "")
                continue
            yield RawRecord(line, record, None, raw_record(record))
    except BadXml as err:
        if stopped:
            err = RecordError("unreadable_file", f"the file ends early ({stopped}): {err.detail}")
        yield RawRecord(max(getattr(err, "line", 0), line + 1), None, err, "")
        return
    if stopped:
        yield RawRecord(line + 1, None, RecordError("unreadable_file", f"the file ends early: {stopped}"), "")


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
    fmt: str = ""  # as detected or forced when the file was split; "" = from the name


def splittable(path: str, fmt: str = "") -> bool:
    fmt, gzipped = (fmt, path.lower().endswith(".gz")) if fmt else detect_format(path)
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


def read_range(stream: IO[bytes], piece: Range, ids_only: bool = False) -> Iterator[RawRecord]:
    """The records of one range of a file (a whole file when ``piece.end`` is None).

    ``ids_only``: what the duplicate and version decisions need (id, version,
    status) where a reader can give it cheaper than the whole record (WARC:
    no extraction).
    """
    if piece.end is None:
        return read_records(stream, piece.path, piece.fmt, ids_only=ids_only)
    stream.seek(piece.start)
    return read_jsonl(io.BytesIO(stream.read(piece.end - piece.start)), piece.first_line)


def read_records(stream: IO[bytes], path: str, fmt: str = "", *, ids_only: bool = False) -> Iterator[RawRecord]:
    fmt, gzipped = (fmt, path.lower().endswith(".gz")) if fmt else detect_format(path)
    if fmt == "warc":  # gzip members per record: the WARC reader decompresses
        from newsdedup.warc import read_warc

        return read_warc(stream, ids_only=ids_only)
    if gzipped:
        stream = gzip.GzipFile(fileobj=stream)
    if fmt == "parquet":
        stream = io.BytesIO(stream.read()) if gzipped or not stream.seekable() else stream
        return read_parquet(stream)
    if fmt in ("jsonl", "csv"):
        return read_csv(stream) if fmt == "csv" else read_jsonl(stream)
    module, function = _WIRE_READERS[fmt]  # imported on first use: JSONL runs do not load lxml or feedparser
    return getattr(importlib.import_module(module), function)(stream)


_WIRE_READERS = {
    "newsml": ("newsdedup.newsml_g2", "read_newsml_g2"),
    "nitf": ("newsdedup.nitf", "read_nitf"),
    "newsml1": ("newsdedup.newsml1", "read_newsml1"),
    "ninjs": ("newsdedup.ninjs", "read_ninjs"),
    "rss": ("newsdedup.feeds", "read_feed"),
}
