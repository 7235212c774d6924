"""Stage: one article per id; the other records with that id go to rejects.

Ids repeat rarely, so only ids cross the shuffle: they are read from the
input ranges a second time (parsing is cheaper than holding every article
until all ids are known), one list per partition per range. The few
articles whose id repeats are set aside and decided one id at a time; every
other article stays in its batch, and the batch never leaves its worker.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections import Counter
from typing import Iterable, Iterator, Union

import apache_beam as beam
from apache_beam.pvalue import AsSingleton, TaggedOutput

from newsdedup.readers import Range, read_range
from newsdedup.records import Article, RecordError, Reject, article_origin, article_raw, record_id
from newsdedup.transforms.counting import CountingDoFn, StageCounter
from newsdedup.transforms.read import open_file

REJECTS = "rejects"
PARTITIONS = 64


def content_digest(article: Article) -> str:
    fields = [article.source, article.url, article.language, article.published_at, article.title, article.body, article.extra]
    return hashlib.sha1(json.dumps(fields, ensure_ascii=False, default=str).encode()).hexdigest()


def _ids_by_partition(piece: Range) -> Iterator[tuple[int, list[str]]]:
    """The ids of a range as ``parse_article`` would give them; records it would reject anyway may count too."""
    parts: dict[int, list[str]] = {}
    try:
        with open_file(piece.path) as stream:
            for raw in read_range(stream, piece):
                try:
                    article_id = record_id(raw.record)
                except RecordError:
                    continue
                parts.setdefault(zlib.crc32(article_id.encode()) % PARTITIONS, []).append(article_id)
    except Exception:  # the reader rejects what cannot be read; the ids read so far still count
        pass
    yield from parts.items()


def _repeated(item: tuple[int, Iterable[list[str]]]) -> Iterator[str]:
    counts = Counter(i for ids in item[1] for i in ids)
    yield from (i for i, n in counts.items() if n > 1)


class _SetAside(beam.DoFn):
    """Articles whose id repeats leave their batch for the ``contested`` output."""

    def __init__(self) -> None:
        self._seen, self._repeated = None, frozenset()

    def process(self, batch: list[Article], repeated: list[str]):
        if repeated is not self._seen:
            self._seen, self._repeated = repeated, frozenset(repeated)
        if not self._repeated:
            yield batch
            return
        kept = [a for a in batch if a.article_id not in self._repeated]
        for article in batch:
            if article.article_id in self._repeated:
                yield TaggedOutput("contested", (article.article_id, article))
        if kept:
            yield kept


class _KeepOne(CountingDoFn):
    def __init__(self) -> None:
        self.duplicates = StageCounter("duplicate_ids")

    def process(self, item: tuple[str, Iterable[Article]]) -> Iterator[Union[list[Article], TaggedOutput]]:
        _, articles = item
        # The kept record depends on content only, never on file order or position.
        ranked = sorted(((content_digest(a), article_origin(a), a) for a in articles), key=lambda x: (x[0], x[1]))
        kept_digest, _, kept = ranked[0]
        yield [kept]
        for digest, (path, line), article in ranked[1:]:
            self.duplicates.inc()
            same = digest == kept_digest
            reason = "duplicate_id" if same else "duplicate_id_conflict"
            what = "identical to" if same else "differs from"
            detail = f"id {article.article_id!r} already used; this record {what} the one kept from {kept.origin}"
            yield TaggedOutput(REJECTS, Reject(path, line, reason, detail, article_raw(article)))


class DropDuplicateIds(beam.PTransform):
    """Lists of ``Article`` read from ``ranges`` -> lists of ``Article`` with unique ids (main) + ``rejects``."""

    def __init__(self, ranges):
        super().__init__()
        self._ranges = ranges

    def expand(self, batches):
        repeated = (
            self._ranges
            | "Ids" >> beam.FlatMap(_ids_by_partition)
            | "ByPartition" >> beam.GroupByKey()
            | "Repeated" >> beam.FlatMap(_repeated)
            | "All" >> beam.combiners.ToList()
        )
        split = batches | "SetAside" >> beam.ParDo(_SetAside(), AsSingleton(repeated)).with_outputs("contested", main="articles")
        decided = (
            split.contested
            | "ById" >> beam.GroupByKey()
            | "KeepOne" >> beam.ParDo(_KeepOne()).with_outputs(REJECTS, main="articles")
        )
        articles = (split.articles, decided.articles) | "Unique" >> beam.Flatten()
        return {"articles": articles, REJECTS: decided.rejects}
