"""Stages: cut input files into ranges, and read ranges into batches of articles (rejects aside).

Plain JSONL files are cut at line starts into ranges of about 16 MB, so one
large file is parsed by every worker, not one, in pieces small enough that
the workers finish together (64 MB cut the 100k benchmark's 206 MB file into
four ranges, one of them small: its copy path took 16.5 s, against 15.1 s
with 16 MB). Articles leave in lists, not one by one: a Python Beam job
pays its overhead per element, and the copy path keeps its elements few
until copy pairs are found.
"""

from __future__ import annotations

import gzip
from typing import Iterator, Optional, Sequence, Union

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.pvalue import TaggedOutput

from newsdedup.readers import HEAD_BYTES, Range, detect_format, needs_head, read_range, split_lines, splittable
from newsdedup.records import Article, RecordError, Reject, SkippedRecord, parse_article
from newsdedup.transforms.counting import CountingDoFn, StageCounter
from newsdedup.transforms.record_coder import batch_of

REJECTS = "rejects"
SKIPPED_PREFIX = "skipped_"  # counters of records that are not articles, by reason (manifest: skipped_records)
BATCH_SIZE = 512
CHUNK_BYTES = 16 << 20


def open_file(path: str):
    return FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED)


def _head(path: str) -> bytes:
    """The first bytes of a file, uncompressed: what ``detect_format`` sniffs."""
    try:
        with open_file(path) as stream:
            if not path.lower().endswith(".gz"):
                return stream.read(HEAD_BYTES)
            return gzip.GzipFile(fileobj=stream).read(HEAD_BYTES)
    except (OSError, EOFError, ValueError):  # unreadable: the name alone decides, or the file is skipped
        return b""


def file_format(path: str, forced: Optional[str] = None) -> str:
    """A file's format: ``forced`` (``--format``), else its name, else a look at its first bytes; ValueError if none."""
    if forced:
        return forced
    return detect_format(path, _head(path) if needs_head(path) else None)[0]


def _split(path: str, chunk_bytes: int, forced: Optional[str] = None) -> Iterator[Range]:
    try:
        fmt = file_format(path, forced)
    except ValueError:
        fmt = ""  # named by the launcher as readable: read it, where the reader reports what it finds
    if not splittable(path, fmt):
        yield Range(path, fmt=fmt)
        return
    try:
        with open_file(path) as stream:
            ranges = [piece._replace(fmt=fmt) for piece in split_lines(stream, path, chunk_bytes)]
    except Exception:  # unreadable: read whole, where the reader reports it with its line
        ranges = [Range(path, fmt=fmt)]
    yield from ranges


class SplitFiles(beam.PTransform):
    """Files (already expanded from globs) -> ``Range``s spread over the workers."""

    def __init__(self, files: Sequence[str], chunk_bytes: int = CHUNK_BYTES, forced_format: Optional[str] = None):
        super().__init__()
        self._files = sorted(files)
        self._chunk_bytes = chunk_bytes
        self._forced = forced_format

    def expand(self, pbegin):
        return (
            pbegin
            | "Files" >> beam.Create(self._files)
            | "Split" >> beam.FlatMap(_split, self._chunk_bytes, self._forced)
            | "Spread" >> beam.Reshuffle()
        )


class _ReadRange(CountingDoFn):
    def __init__(self, batch_size: int) -> None:
        self._batch_size = batch_size
        self.read = StageCounter("records_read")
        self.rejected = StageCounter("records_rejected_on_read")
        self._skipped: dict[str, StageCounter] = {}

    def _skip(self, reason: str) -> None:
        if reason not in self._skipped:
            self._skipped[reason] = StageCounter(SKIPPED_PREFIX + reason)
        self._skipped[reason].inc()

    def process(self, piece: Range) -> Iterator[Union[list[Article], TaggedOutput]]:
        path, line = piece.path, piece.first_line - 1
        batch: list[Article] = []
        try:
            with open_file(path) as stream:
                for raw in read_range(stream, piece):
                    line = raw.line
                    if isinstance(raw.error, SkippedRecord):
                        self._skip(raw.error.reason)
                        continue
                    try:
                        if raw.error is not None:
                            raise raw.error
                        batch.append(parse_article(raw.record, origin=f"{path}:{raw.line}"))
                    except RecordError as err:
                        self.read.inc()
                        self.rejected.inc()
                        yield TaggedOutput(REJECTS, Reject(path, raw.line, err.reason, err.detail, raw.raw))
                    if len(batch) == self._batch_size:
                        self.read.inc(len(batch))
                        yield batch
                        batch = []
        except Exception as err:  # a corrupt file: keep what was read, reject the rest
            self.read.inc()
            self.rejected.inc()
            detail = f"cannot read past line {line}: {err.__class__.__name__}: {err}"
            yield TaggedOutput(REJECTS, Reject(path, line + 1, "unreadable_file", detail, ""))
        if batch:
            self.read.inc(len(batch))
            yield batch


class ReadArticles(beam.PTransform):
    """``Range``s -> lists of ``Article`` (main) + ``rejects``."""

    def __init__(self, batch_size: int = BATCH_SIZE):
        super().__init__()
        self._batch_size = batch_size

    def expand(self, ranges):
        parse = beam.ParDo(_ReadRange(self._batch_size)).with_output_types(batch_of(Article))
        return ranges | "Parse" >> parse.with_outputs(REJECTS, main="articles")
