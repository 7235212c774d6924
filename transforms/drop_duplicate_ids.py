"""Stages: find the records whose id another record holds; drop them from the batches read.

Which record of an id stands, and why the others do not (older versions,
resends, retractions, repeated ids), is ``newsdedup.versions``. Ids repeat
rarely, so articles never wait for the decision: the ids are read from the
input ranges a first time (parsing is cheaper than holding every article
until all ids are known; a WARC page is not extracted for it) with a digest
of each raw record and its version, and cross the shuffle in lists, one per
partition per range. Where an id repeats, the newest version stands, then
the smallest digest (content decides, never file order); every other one
is named, by file and line, in one small list. The articles are read once that list exists
(``read_unique_articles`` waits on it), and each batch is filtered against
it where it was read, so articles stream from the reader into the copy
path and are never held by the runner.
"""

from __future__ import annotations

import zlib
from typing import Iterator, Sequence

import apache_beam as beam
from apache_beam.pvalue import AsSingleton, TaggedOutput
from apache_beam.transforms.util import WaitOn

from newsdedup.readers import Range, read_range
from newsdedup.records import Article, RecordError, Reject, article_origin, article_raw, record_digest, record_id
from newsdedup.versions import Entry, decisions, entry
from newsdedup.transforms.counting import CountingDoFn, StageCounter
from newsdedup.transforms.read import BATCH_SIZE, ReadArticles, open_file
from newsdedup.transforms.record_coder import batch_of

REJECTS = "rejects"
PARTITIONS = 64

def _ids_by_partition(piece: Range) -> Iterator[tuple[int, list[Entry]]]:
    """Each record's id as ``parse_article`` gives it; records it rejects anyway may count too."""
    parts: dict[int, list[Entry]] = {}
    try:
        with open_file(piece.path) as stream:
            for raw in read_range(stream, piece, ids_only=True):
                try:
                    article_id = record_id(raw.record)
                except RecordError:
                    continue
                digest = record_digest(raw.raw)
                claim = entry(article_id, raw.record, digest, piece.path, raw.line)
                parts.setdefault(zlib.crc32(article_id.encode()) % PARTITIONS, []).append(claim)
    except Exception:  # the reader rejects what cannot be read; the ids read so far still count
        pass
    yield from parts.items()


class _DropRepeated(CountingDoFn):
    """Filters a batch where it was read; the records named by the side input go to rejects."""

    def __init__(self) -> None:
        self.duplicates = StageCounter("duplicate_ids")
        self._seen, self._dropped = None, {}

    def process(self, batch: list[Article], dropped: list):
        if dropped is not self._seen:
            self._seen, self._dropped = dropped, dict(dropped)
        if not self._dropped:
            yield batch
            return
        kept = []
        for article in batch:
            path, line = article_origin(article)
            decision = self._dropped.get((path, line))
            if decision is None:
                kept.append(article)
                continue
            self.duplicates.inc()
            yield TaggedOutput(REJECTS, Reject(path, line, decision[0], decision[1], article_raw(article)))
        if kept:
            yield kept


class FindDuplicateIds(beam.PTransform):
    """``Range``s -> one list of ``((file, line), (reason, detail))``, the records to drop."""

    def expand(self, ranges):
        return (
            ranges
            | "Ids" >> beam.FlatMap(_ids_by_partition)
            | "ByPartition" >> beam.GroupByKey()
            | "Duplicates" >> beam.FlatMap(lambda item: decisions(e for entries in item[1] for e in entries))
            | "All" >> beam.combiners.ToList()
        )


class DropDuplicateIds(beam.PTransform):
    """Lists of ``Article`` -> lists of ``Article`` with unique ids (main) + ``rejects``, given ``FindDuplicateIds``' list."""

    def __init__(self, dropped):
        super().__init__()
        self._dropped = dropped

    def expand(self, batches):
        drop = beam.ParDo(_DropRepeated(), AsSingleton(self._dropped)).with_output_types(batch_of(Article))
        return batches | "Drop" >> drop.with_outputs(REJECTS, main="articles")


def read_unique_articles(ranges, batch_size: int = BATCH_SIZE, skip: Sequence = ()):
    """``Range``s -> (lists of ``Article`` with unique ids, (read rejects, duplicate rejects)).

    ``skip``: more ``((file, line), (reason, detail))`` to drop into the
    rejects, decided before the run (records an incremental run has already seen).

    Reading waits on the duplicate list (``WaitOn``): only then can the filter,
    whose side input it is, fuse with the reader. Without the wait, the runner
    holds every article read until the list is ready. The stages are applied
    under the caller's names, so each shows as a stage of its own.
    """
    dropped = ranges | "FindDuplicateIds" >> FindDuplicateIds()
    if skip:
        dropped = dropped | "AndSkipped" >> beam.Map(lambda found, known: found + known, list(skip))
    read = ranges | "AfterDuplicates" >> WaitOn(dropped) | "ReadArticles" >> ReadArticles(batch_size)
    unique = read.articles | "DropDuplicateIds" >> DropDuplicateIds(dropped)
    return unique.articles, (read.rejects, unique.rejects)
