import gzip
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdedup.readers import Range, detect_format, read_range, read_records, split_lines, splittable


def _read(data: bytes, name: str):
    return list(read_records(io.BytesIO(data), name))


def test_jsonl_lines_numbered_blank_lines_skipped_bad_lines_reported():
    data = b'\xef\xbb\xbf{"id": 1}\r\n\n{"id": 2,\n{"id": "caf\xe9"}\n'
    records = _read(data, "a.jsonl")
    assert [r.line for r in records] == [1, 3, 4]
    assert records[0].record == {"id": 1}
    assert records[1].error.reason == "bad_json"
    assert records[2].record == {"id": "café"}  # Latin-1 repaired


def test_gzipped_jsonl():
    data = gzip.compress(b'{"id": "x"}\n{"id": "y"}\n')
    assert [r.record["id"] for r in _read(data, "a.jsonl.gz")] == ["x", "y"]


def test_csv_with_quoted_newlines_and_short_rows():
    data = 'id,title,body\n1,"Two\nlines",b\n2,short\n3,t,\n'.encode()
    records = _read(data, "a.csv")
    assert records[0].line == 2 and records[0].record == {"id": "1", "title": "Two\nlines", "body": "b"}
    assert records[1].line == 4 and records[1].error.reason == "bad_csv_row"
    assert records[2].line == 5 and records[2].record["body"] is None


def test_parquet_rows():
    table = pa.table({"id": ["a", "b"], "title": ["t1", "t2"], "body": ["b1", None]})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    records = _read(sink.getvalue(), "a.parquet")
    assert [(r.line, r.record["id"]) for r in records] == [(1, "a"), (2, "b")]
    assert json.loads(records[1].raw)["body"] is None


def test_format_from_name():
    assert detect_format("x/y.NDJSON") == ("jsonl", False)
    assert detect_format("y.csv.gz") == ("csv", True)
    with pytest.raises(ValueError, match="unknown input format"):
        detect_format("notes.txt")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(['{"id": 1}', '{"id": "dos", "body": "x y"}', "", "{oops", '{"id": "caf\\u00e9"}']), max_size=40),
       st.integers(1, 200), st.integers(1, 64), st.booleans(), st.booleans())
def test_ranges_read_exactly_what_the_whole_file_reads(lines, chunk, block, bom, trailing_newline):
    data = (b"\xef\xbb\xbf" if bom else b"") + "\n".join(lines).encode() + (b"\n" if trailing_newline and lines else b"")
    ranges = list(split_lines(io.BytesIO(data), "a.jsonl", chunk, block_bytes=block))
    assert [r.start for r in ranges[1:]] == [r.end for r in ranges[:-1]]  # contiguous, no byte twice
    assert all(data[r.start - 1 : r.start] == b"\n" for r in ranges[1:])  # cut at line starts
    plain = lambda r: (r.line, r.record, r.error and (r.error.reason, r.error.detail), r.raw)  # noqa: E731
    pieces = [plain(record) for r in ranges for record in read_range(io.BytesIO(data), r)]
    assert pieces == [plain(record) for record in _read(data, "a.jsonl")]


def test_only_plain_jsonl_is_split():
    assert splittable("a.jsonl") and splittable("b.ndjson")
    assert not splittable("a.jsonl.gz") and not splittable("a.csv") and not splittable("a.parquet")
    assert list(read_range(io.BytesIO(b'{"id": 1}\n'), Range("a.jsonl"))) == _read(b'{"id": 1}\n', "a.jsonl")
