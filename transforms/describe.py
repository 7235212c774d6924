"""Stage: what stories and reports need of an article, after which its body is left behind.

Language, the lead the embedding model reads, the names and numbers that
tell look-alike events apart, and the profile copy edits are judged on; all
start from the body Fingerprint already stripped.
"""

from __future__ import annotations

import apache_beam as beam

from newsdedup import entities, language, normalize
from newsdedup.records import Member, Signed
from newsdedup.transforms.counting import CountingDoFn, StageCounter
from newsdedup.transforms.fingerprint import REJECTS, processing_error
from newsdedup.transforms.record_coder import batch_of


class _Describe(CountingDoFn):
    def __init__(self, config) -> None:
        self._config = config
        self.detected = StageCounter("languages_detected")
        self.failed = StageCounter("processing_errors")

    def setup(self) -> None:
        super().setup()
        self._credit = normalize.credit_pattern(self._config.normalize.agencies)

    def process(self, batch: list[Signed]):
        members = []
        for signed in batch:
            try:
                members.append(self._member(signed))
            except Exception as err:
                self.failed.inc()
                yield processing_error(signed.article, "describing", err)
        if members:
            yield members

    def _member(self, signed: Signed) -> Member:
        cfg, article, cleaned = self._config, signed.article, signed.cleaned
        lang = article.language
        if lang is None:
            self.detected.inc()
            lang = language.detect(f"{article.title}\n{article.body[:5000]}", cfg.language.min_chars)
        return Member(
            article_id=article.article_id,
            source=article.source,
            url=article.url,
            language=lang,
            published_at=article.published_at,
            title=article.title,
            text_length=article.text_length,
            embed_text=normalize.lead(article.title, cleaned, cfg.stories.lead_chars),
            extra=article.extra,
            signature=signed.signature,
            profile=normalize.content_profile(cleaned, self._credit),
            entities=entities.entity_hashes(f"{article.title}\n{cleaned.content[: cfg.normalize.max_chars]}"),
            shingles=signed.shingles,
        )


class Describe(beam.PTransform):
    """Lists of ``Signed`` -> lists of ``Member`` (main) and ``rejects``."""

    def __init__(self, config):
        super().__init__()
        self._config = config

    def expand(self, batches):
        describe = beam.ParDo(_Describe(self._config)).with_output_types(batch_of(Member))
        return batches | "Members" >> describe.with_outputs(REJECTS, main="members")
