"""Stage: one article per id; the other records with that id go to rejects."""

from __future__ import annotations

import hashlib
import json
from typing import Iterable, Iterator, Union

import apache_beam as beam
from apache_beam.pvalue import TaggedOutput

from newsdedup.records import Article, Reject, article_origin, article_raw
from newsdedup.transforms.counting import CountingDoFn, StageCounter

REJECTS = "rejects"


def content_digest(article: Article) -> str:
    fields = [article.source, article.url, article.language, article.published_at, article.title, article.body, article.extra]
    return hashlib.sha1(json.dumps(fields, ensure_ascii=False, default=str).encode()).hexdigest()


class _KeepOne(CountingDoFn):
    def __init__(self) -> None:
        self.duplicates = StageCounter("duplicate_ids")

    def process(self, item: tuple[str, Iterable[Article]]) -> Iterator[Union[Article, TaggedOutput]]:
        _, articles = item
        # The kept record depends on content only, never on file order or position.
        ranked = sorted(((content_digest(a), article_origin(a), a) for a in articles), key=lambda x: (x[0], x[1]))
        kept_digest, _, kept = ranked[0]
        yield kept
        for digest, (path, line), article in ranked[1:]:
            self.duplicates.inc()
            same = digest == kept_digest
            reason = "duplicate_id" if same else "duplicate_id_conflict"
            what = "identical to" if same else "differs from"
            detail = f"id {article.article_id!r} already used; this record {what} the one kept from {kept.origin}"
            yield TaggedOutput(REJECTS, Reject(path, line, reason, detail, article_raw(article)))


class DropDuplicateIds(beam.PTransform):
    def expand(self, articles):
        return (
            articles
            | "ById" >> beam.Map(lambda a: (a.article_id, a))
            | "Group" >> beam.GroupByKey()
            | "KeepOne" >> beam.ParDo(_KeepOne()).with_outputs(REJECTS, main="articles")
        )
