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


def test_formats_by_every_suffix_and_case():
    assert detect_format("a.json") == ("jsonl", False) and detect_format("A.JSON.GZ") == ("jsonl", True)
    assert detect_format("a.jsonl") == ("jsonl", False) and detect_format("a.parquet") == ("parquet", False)


def test_raw_text_is_the_line_as_read_less_its_line_end():
    data = b'Xoops X\r\n{"id": "caf\xc3\xa9"}  \r\n{"id": 2,\nbad  \n'
    records = _read(data, "a.jsonl")
    assert [r.raw for r in records] == ["Xoops X", '{"id": "café"}  ', '{"id": 2,', "bad  "]
    assert records[0].error.detail == "invalid JSON: Expecting value at column 1"
    assert records[2].error.detail == "invalid JSON: Expecting property name enclosed in double quotes at column 1"


def test_csv_edge_cases():
    assert _read(b"", "a.csv") == []  # no header at all
    data = 'id,title\r\n1,"a\r\nb"\r\n\r\n,\r\n2,café,x\r\n3,último\r\n'.encode()
    records = _read(data, "a.csv")
    assert records[0].record == {"id": "1", "title": "a\r\nb"}  # a quoted line end is kept as written
    assert records[0].raw == json.dumps(["1", "a\r\nb"])
    bad, last = records[1], records[2]
    assert (bad.line, bad.error.reason, bad.error.detail) == (6, "bad_csv_row", "expected 2 columns, found 3")
    assert bad.raw == '["2", "café", "x"]'
    assert (last.line, last.record, last.raw) == (7, {"id": "3", "title": "último"}, '["3", "último"]')
    latin1 = _read("id,title\n1,caf\xe9\n".encode("latin-1"), "a.csv")
    assert latin1[0].record == {"id": "1", "title": "café"}


class _OneWay(io.RawIOBase):
    """A stream that cannot seek, as some filesystems hand files over."""

    def __init__(self, data):
        self._data = io.BytesIO(data)

    def readable(self):
        return True

    def readinto(self, buffer):
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_parquet_raw_and_unseekable_or_gzipped_files():
    from datetime import datetime, timezone

    table = pa.table({"z": ["é"], "id": ["a"], "at": [datetime(2025, 5, 7, tzinfo=timezone.utc)]})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    data = sink.getvalue()
    (record,) = _read(data, "a.parquet")
    assert record.raw == '{"at": "2025-05-07 00:00:00+00:00", "id": "a", "z": "é"}'
    assert [r.raw for r in read_records(_OneWay(data), "a.parquet")] == [record.raw]
    assert [r.raw for r in _read(gzip.compress(data), "a.parquet.gz")] == [record.raw]


def test_ranges_are_cut_at_the_first_line_start_past_each_chunk():
    data = b"".join(b"%09d\n" % i for i in range(10))  # ten lines of 10 bytes
    for block in (7, 25, 1000):
        ranges = list(split_lines(io.BytesIO(data), "f.jsonl", 25, block_bytes=block))
        assert ranges == [Range("f.jsonl", 0, 30, 1), Range("f.jsonl", 30, 60, 4), Range("f.jsonl", 60, 90, 7),
                          Range("f.jsonl", 90, 100, 10)], block
    assert list(split_lines(io.BytesIO(data), "f.jsonl", 30)) == [
        Range("f.jsonl", 0, 40, 1), Range("f.jsonl", 40, 80, 5), Range("f.jsonl", 80, 100, 9)]
    assert list(split_lines(io.BytesIO(b""), "f.jsonl", 30)) == []
    # a line longer than a block: the next cut is at the first line end of a later block, even its first byte
    assert list(split_lines(io.BytesIO(b"aaaaaaa\nbb\n"), "f.jsonl", 2, block_bytes=7)) == [
        Range("f.jsonl", 0, 8, 1), Range("f.jsonl", 8, 11, 2)]
    assert list(split_lines(io.BytesIO(b"\n\n"), "f.jsonl", 1)) == [Range("f.jsonl", 0, 2, 1)]
