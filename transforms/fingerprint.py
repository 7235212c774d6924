"""Stage: normalise, detect language, shingle and sign each article."""

from __future__ import annotations

import apache_beam as beam

from newsdedup import entities, language, minhash, normalize, shingle
from newsdedup.records import Article, Member
from newsdedup.transforms.counting import CountingDoFn, StageCounter


class _Fingerprint(CountingDoFn):
    def __init__(self, config) -> None:
        self._config = config
        self.signed = StageCounter("articles_signed")
        self.detected = StageCounter("languages_detected")

    def setup(self) -> None:
        norm = self._config.normalize
        self._stripper = normalize.FurnitureStripper.from_config(norm.furniture_patterns, norm.agencies)

    def process(self, article: Article):
        cfg = self._config
        text = normalize.matching_text(article.title, article.body, self._stripper, cfg.normalize.max_chars)
        lang = article.language
        if lang is None:
            self.detected.inc()
            lang = language.detect(f"{article.title}\n{article.body[:5000]}", cfg.language.min_chars)
        grams = shingle.shingles(text, cfg.copies.shingle_kind, cfg.copies.shingle_size)
        self.signed.inc()
        yield Member(
            article_id=article.article_id,
            source=article.source,
            url=article.url,
            language=lang,
            published_at=article.published_at,
            title=article.title,
            text_length=article.text_length,
            embed_text=normalize.lead(article.title, article.body, self._stripper, cfg.stories.lead_chars),
            extra=article.extra,
            signature=minhash.signature(grams, cfg.copies.num_perm, cfg.copies.seed) if grams else None,
            entities=entities.entity_hashes(
                f"{article.title}\n{self._stripper.strip(article.body[: cfg.normalize.max_chars])}"),
        )


class Fingerprint(beam.PTransform):
    """``Article`` -> ``Member``: the body is reduced to a signature and a lead."""

    def __init__(self, config):
        super().__init__()
        self._config = config

    def expand(self, articles):
        return articles | "Sign" >> beam.ParDo(_Fingerprint(self._config))
