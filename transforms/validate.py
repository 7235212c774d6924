"""Stages: article dicts from a user's PCollection -> validated articles with unique ids, rejects aside.

The in-memory counterpart of reading files (``read_files.py``): the records
are already decoded, so each is validated where it is, and repeated ids are
settled by a shuffle on the id with the rules of files (``newsdedup.versions``:
newest version, then smallest digest of the content; retractions). A record may come as
``(position, dict)`` so that its reject names where it came from, as a
file's line does.
"""

from __future__ import annotations

from typing import Any, Iterator

import apache_beam as beam
from apache_beam.pvalue import TaggedOutput

from newsdedup.records import (RETRACTING, Article, RecordError, Reject, article_raw, parse_article, raw_text,
                               record_digest)
from newsdedup.transforms.counting import CountingDoFn, StageCounter
from newsdedup.transforms.read import BATCH_SIZE, REJECTS
from newsdedup.transforms.record_coder import batch_of
from newsdedup.versions import decide, entry


def _numbered(element: Any) -> tuple[int, Any]:
    if isinstance(element, tuple) and len(element) == 2 and isinstance(element[0], int):
        return element
    return 0, element


class _Validate(CountingDoFn):
    def __init__(self, source_name: str) -> None:
        self._source_name = source_name
        self.read = StageCounter("records_read")
        self.rejected = StageCounter("records_rejected_on_read")

    def process(self, element) -> Iterator:
        line, record = _numbered(element)
        self.read.inc()
        raw = raw_text(record)
        try:
            article = parse_article(record, origin=f"{self._source_name}:{line}")
        except RecordError as err:
            self.rejected.inc()
            yield TaggedOutput(REJECTS, Reject(self._source_name, line, err.reason, err.detail, raw))
            return
        claim = entry(article.article_id, record, record_digest(raw), self._source_name, line)
        yield article.article_id, (claim, article)


class _KeepOnePerId(CountingDoFn):
    def __init__(self) -> None:
        self.duplicates = StageCounter("duplicate_ids")

    def process(self, item) -> Iterator:
        _, claims = item
        claims = list(claims)
        if len(claims) == 1 and claims[0][0].status not in RETRACTING:
            yield claims[0][1]
            return
        dropped = {id(e): decision for e, decision in decide([e for e, _ in claims])}
        for claim, article in claims:
            decision = dropped.get(id(claim))
            if decision is None:
                yield article
                continue
            self.duplicates.inc()
            yield TaggedOutput(REJECTS, Reject(claim.file, claim.line, *decision, article_raw(article)))


class ValidateArticles(beam.PTransform):
    """Article dicts (or ``(position, dict)``) -> lists of ``Article`` with unique ids (``articles``) + ``rejects``."""

    def __init__(self, source_name: str = "input", batch_size: int = BATCH_SIZE):
        super().__init__()
        self._source_name = source_name
        self._batch_size = batch_size

    def expand(self, records):
        checked = records | "Validate" >> beam.ParDo(_Validate(self._source_name)).with_outputs(REJECTS, main="keyed")
        unique = (
            checked.keyed
            | "ById" >> beam.GroupByKey()
            | "OnePerId" >> beam.ParDo(_KeepOnePerId()).with_outputs(REJECTS, main="articles")
        )
        batches = unique.articles | "Batch" >> beam.BatchElements(
            min_batch_size=self._batch_size, max_batch_size=self._batch_size).with_output_types(batch_of(Article))
        rejects = (checked[REJECTS], unique[REJECTS]) | "Rejects" >> beam.Flatten()
        return {"articles": batches, "rejects": rejects}
