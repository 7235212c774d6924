"""Stage: LSH banding as a shuffle, then verification of candidate pairs.

Each signed article emits one compact key per band; GroupByKey brings the
articles that agree on a whole band together, wherever they were read. No
worker ever holds more than one bucket's signatures.
"""

from __future__ import annotations

from typing import Iterable, Iterator

import apache_beam as beam
import numpy as np

from newsdedup import lsh, minhash
from newsdedup.records import Member
from newsdedup.transforms.counting import CountingDoFn, StageCounter


def bucket_pairs(
    members: list[tuple[str, np.ndarray]], threshold: float, max_bucket_size: int
) -> Iterator[tuple[str, str, float]]:
    """Verified pairs (a < b, estimated Jaccard) of one LSH bucket.

    A bucket larger than ``max_bucket_size`` (thousands of reprints of one
    story, or boilerplate) is compared against its first ``max_bucket_size``
    members only: enough to connect every copy, without a quadratic blow-up.
    """
    members = sorted(members, key=lambda m: m[0])
    pivots = members[:max_bucket_size]
    for i, (id_a, sig_a) in enumerate(members):
        for id_b, sig_b in pivots[: min(i, len(pivots))]:
            similarity = minhash.jaccard(sig_a, sig_b)
            if similarity >= threshold:
                yield (id_b, id_a, similarity)


class _BandKeys(CountingDoFn):
    def __init__(self, bands: int, rows: int) -> None:
        self._bands, self._rows = bands, rows
        self.unsigned = StageCounter("articles_without_shingles")

    def process(self, member: Member):
        if member.signature is None:
            self.unsigned.inc()
            return
        for key in lsh.band_keys(member.signature, self._bands, self._rows):
            yield key, (member.article_id, member.signature)


class _VerifyBucket(CountingDoFn):
    def __init__(self, threshold: float, max_bucket_size: int) -> None:
        self._threshold, self._max = threshold, max_bucket_size
        self.oversized = StageCounter("oversized_buckets")
        self.pairs = StageCounter("pairs_verified")

    def process(self, item: tuple[bytes, Iterable[tuple[str, np.ndarray]]]):
        members = list(item[1])
        if len(members) < 2:
            return
        if len(members) > self._max:
            self.oversized.inc()
        for pair in bucket_pairs(members, self._threshold, self._max):
            self.pairs.inc()
            yield pair


class FindCopyPairs(beam.PTransform):
    """``Member`` -> verified copy pairs ``(article_a, article_b, jaccard)``, each once."""

    def __init__(self, copies_config):
        super().__init__()
        self._cfg = copies_config

    def expand(self, members):
        cfg = self._cfg
        bands, rows = lsh.lsh_params(cfg.threshold, cfg.num_perm)
        return (
            members
            | "BandKeys" >> beam.ParDo(_BandKeys(bands, rows))
            | "Buckets" >> beam.GroupByKey()
            | "Verify" >> beam.ParDo(_VerifyBucket(cfg.threshold, cfg.max_bucket_size))
            | "Dedupe" >> beam.Distinct()
        )
