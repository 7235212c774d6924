"""Stage: strip, normalise, shingle and sign articles, a batch at a time.

This is the copy path's per-article work and nothing more. Batches let the
compiled signing kernel work on many texts per call instead of paying
Python's per-shingle cost, and keep Beam's per-element cost off the copy
path: a list of articles comes in, a list of signed articles goes out.
"""

from __future__ import annotations

import apache_beam as beam
from apache_beam.pvalue import TaggedOutput

from newsdedup import normalize, signing
from newsdedup.records import Article, Reject, Signed, article_origin, article_raw
from newsdedup.transforms.counting import CountingDoFn, StageCounter
from newsdedup.transforms.record_coder import batch_of

REJECTS = "rejects"


def processing_error(article: Article, step: str, err: Exception) -> TaggedOutput:
    """One pathological text must not take the run down: it goes to rejects with the exception."""
    path, line = article_origin(article)
    detail = f"{step} failed: {err.__class__.__name__}: {err}"
    return TaggedOutput(REJECTS, Reject(path, line, "processing_error", detail, article_raw(article)))


class _Fingerprint(CountingDoFn):
    def __init__(self, config) -> None:
        self._config = config
        self.signed = StageCounter("articles_signed")
        self.failed = StageCounter("processing_errors")

    def setup(self) -> None:
        super().setup()
        norm = self._config.normalize
        self._stripper = normalize.FurnitureStripper.from_config(norm.furniture_patterns, norm.agencies)

    def process(self, batch: list[Article]):
        max_chars = self._config.normalize.max_chars
        ready = []
        for article in batch:
            try:
                ready.append((article, normalize.clean(article.body, self._stripper, max_chars)))
            except Exception as err:
                self.failed.inc()
                yield processing_error(article, "fingerprinting", err)
        cfg = self._config.copies
        sigs, counts = signing.sign_matching([a.title for a, _ in ready], [c.content for _, c in ready],
                                             cfg.shingle_kind, cfg.shingle_size, cfg.num_perm, cfg.seed, cfg.hash,
                                             max_chars)
        self.signed.inc(len(ready))
        if ready:
            yield [Signed(article, cleaned, sig.copy() if count else None, int(count))
                   for (article, cleaned), sig, count in zip(ready, sigs, counts)]


class Fingerprint(beam.PTransform):
    """Lists of ``Article`` -> lists of ``Signed`` (main) and ``rejects``."""

    def __init__(self, config):
        super().__init__()
        self._config = config

    def expand(self, batches):
        sign = beam.ParDo(_Fingerprint(self._config)).with_output_types(batch_of(Signed))
        return batches | "Sign" >> sign.with_outputs(REJECTS, main="signed")
