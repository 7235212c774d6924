"""Stage: read input files into batches of articles, and everything unreadable into rejects.

Articles leave this stage in lists, not one by one: a Python Beam job pays
its overhead per element, and the copy path keeps its elements few until
copy pairs are found.
"""

from __future__ import annotations

from typing import Iterator, Sequence, Union

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.pvalue import TaggedOutput

from newsdedup.readers import read_records
from newsdedup.records import Article, RecordError, Reject, parse_article
from newsdedup.transforms.counting import CountingDoFn, StageCounter

REJECTS = "rejects"
BATCH_SIZE = 512


class _ReadFile(CountingDoFn):
    def __init__(self, batch_size: int) -> None:
        self._batch_size = batch_size
        self.read = StageCounter("records_read")
        self.rejected = StageCounter("records_rejected_on_read")

    def process(self, path: str) -> Iterator[Union[list[Article], TaggedOutput]]:
        line = 0
        batch: list[Article] = []
        try:
            with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as stream:
                for raw in read_records(stream, path):
                    line = raw.line
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
    """Files (already expanded from globs) -> lists of ``Article`` (main) + ``rejects``.

    A file is read by one worker; Reshuffle spreads files across workers.
    """

    def __init__(self, files: Sequence[str], batch_size: int = BATCH_SIZE):
        super().__init__()
        self._files = sorted(files)
        self._batch_size = batch_size

    def expand(self, pbegin):
        return (
            pbegin
            | "Files" >> beam.Create(self._files)
            | "Spread" >> beam.Reshuffle()
            | "Parse" >> beam.ParDo(_ReadFile(self._batch_size)).with_outputs(REJECTS, main="articles")
        )
