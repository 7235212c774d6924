"""Stage: normalise, detect language, shingle and sign articles, a batch at a time.

Batches let the compiled signing kernel work on many texts per call instead
of paying Python's per-shingle cost, and keep Beam's per-element cost off
the copy path: a list of articles comes in, a list of members goes out.
"""

from __future__ import annotations

import apache_beam as beam
from apache_beam.pvalue import TaggedOutput

from newsdedup import entities, language, normalize, signing
from newsdedup.records import Article, Member, Reject, article_origin, article_raw
from newsdedup.transforms.counting import CountingDoFn, StageCounter

REJECTS = "rejects"


class _Fingerprint(CountingDoFn):
    def __init__(self, config) -> None:
        self._config = config
        self.signed = StageCounter("articles_signed")
        self.detected = StageCounter("languages_detected")
        self.failed = StageCounter("processing_errors")

    def setup(self) -> None:
        norm = self._config.normalize
        self._stripper = normalize.FurnitureStripper.from_config(norm.furniture_patterns, norm.agencies)
        self._credit = normalize.credit_pattern(norm.agencies)

    def process(self, batch: list[Article]):
        ready = []
        for article in batch:
            try:
                ready.append(self._prepare(article))
            except Exception as err:  # one pathological text must not take the run down
                self.failed.inc()
                path, line = article_origin(article)
                detail = f"fingerprinting failed: {err.__class__.__name__}: {err}"
                yield TaggedOutput(REJECTS, Reject(path, line, "processing_error", detail, article_raw(article)))
        cfg = self._config.copies
        sigs, counts = signing.sign([text for _, text in ready], cfg.shingle_kind, cfg.shingle_size,
                                    cfg.num_perm, cfg.seed, cfg.hash)
        self.signed.inc(len(ready))
        members = []
        for (member, _), sig, count in zip(ready, sigs, counts):
            members.append(Member(**{**member, "signature": sig.copy() if count else None}))
        if members:
            yield members

    def _prepare(self, article: Article) -> tuple[dict, str]:
        cfg = self._config
        cleaned = normalize.clean(article.body, self._stripper, cfg.normalize.max_chars)
        text = normalize.matching_text(article.title, cleaned, cfg.normalize.max_chars)
        lang = article.language
        if lang is None:
            self.detected.inc()
            lang = language.detect(f"{article.title}\n{article.body[:5000]}", cfg.language.min_chars)
        member = dict(
            article_id=article.article_id,
            source=article.source,
            url=article.url,
            language=lang,
            published_at=article.published_at,
            title=article.title,
            text_length=article.text_length,
            embed_text=normalize.lead(article.title, cleaned, cfg.stories.lead_chars),
            extra=article.extra,
            profile=normalize.content_profile(cleaned, self._credit),
            entities=entities.entity_hashes(f"{article.title}\n{cleaned.content[: cfg.normalize.max_chars]}"),
        )
        return member, text


class Fingerprint(beam.PTransform):
    """Lists of ``Article`` -> lists of ``Member`` (main) and ``rejects``: the body is reduced to a signature and a lead."""

    def __init__(self, config):
        super().__init__()
        self._config = config

    def expand(self, batches):
        return batches | "Sign" >> beam.ParDo(_Fingerprint(self._config)).with_outputs(REJECTS, main="members")
