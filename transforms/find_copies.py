"""Stage: LSH banding as a shuffle, then verification of candidate pairs.

Per-element overhead, not hashing, limits a Python Beam job, so this stage
moves arrays, not one record per band. A batch of signed articles becomes
one signature block plus one small array of band hashes per partition; a
GroupByKey on the partition brings every article that shares a band hash
together, wherever it was read. Candidate pairs then meet their two
signatures through two joins on the block, and only verified pairs leave.
No worker ever holds more than one partition's band hashes.
"""

from __future__ import annotations

import hashlib
from typing import Iterator

import apache_beam as beam
import numpy as np

from newsdedup import lsh
from newsdedup.transforms.counting import CountingDoFn, StageCounter

PARTITIONS = 32


def _id_hash(article_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(article_id.encode(), digest_size=8).digest(), "big")


class _Block(CountingDoFn):
    """A batch of signed articles (``Signed`` or ``Member``) -> its signature block and its band hashes per partition."""

    def __init__(self, bands: int, rows: int) -> None:
        self._bands, self._rows = bands, rows
        self.unsigned = StageCounter("articles_without_shingles")

    def process(self, batch: list):
        signed = [m for m in batch if m.signature is not None]
        self.unsigned.inc(len(batch) - len(signed))
        if not signed:
            return
        ids = tuple(m.article_id for m in signed)
        block = hashlib.sha1("\x1f".join(ids).encode()).hexdigest()[:20]
        sigs = np.stack([m.signature for m in signed])
        yield beam.pvalue.TaggedOutput("blocks", (block, (ids, sigs)))
        hashes = lsh.band_hashes(sigs, self._bands, self._rows).ravel()
        rows = np.repeat(np.arange(len(signed), dtype=np.int32), self._bands)
        order = np.array([_id_hash(i) for i in ids], dtype=np.uint64)[rows]
        partition = (hashes % np.uint64(PARTITIONS)).astype(np.int64)
        for p in np.unique(partition):
            mine = partition == p
            yield int(p), (block, hashes[mine], rows[mine], order[mine])


def _runs(values: np.ndarray) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of equal values in a sorted array."""
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    yield from zip(starts.tolist(), np.r_[starts[1:], len(values)].tolist())


def _unique_pairs(first: np.ndarray, second: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (first, second) pairs of non-negative ints below ``width``, sorted by first, then second.

    One int64 sort instead of ``np.unique(axis=1)``, several times faster.
    """
    keys = np.unique(first.astype(np.int64) * width + second)
    return keys // width, keys % width


def _by_block(block_a, rows_a, block_b, rows_b, names) -> Iterator[tuple[str, tuple]]:
    """Pairs as arrays, one element per first block: (rows in it, the second blocks' names, each pair's second block, its row there)."""
    width = int(max(rows_a.max(), rows_b.max())) + 1
    firsts, seconds = _unique_pairs(block_a * width + rows_a, block_b * width + rows_b, len(names) * width)
    block_a, rows_a, block_b, rows_b = firsts // width, firsts % width, seconds // width, seconds % width
    for lo, hi in _runs(block_a):
        others, codes = np.unique(block_b[lo:hi], return_inverse=True)
        yield names[block_a[lo]], (rows_a[lo:hi].astype(np.int32), [names[b] for b in others],
                                   codes.astype(np.int32), rows_b[lo:hi].astype(np.int32))


class _Collide(CountingDoFn):
    """One partition: articles sharing a band hash become candidate pairs, grouped by first block."""

    def __init__(self, max_bucket_size: int) -> None:
        self._max = max_bucket_size
        self.oversized = StageCounter("oversized_buckets")

    def process(self, item):
        _, parts = item
        parts = list(parts)
        blocks = np.concatenate([np.full(len(h), i, dtype=np.int64) for i, (_, h, _, _) in enumerate(parts)])
        hashes = np.concatenate([h for _, h, _, _ in parts])
        rows = np.concatenate([r for _, _, r, _ in parts]).astype(np.int64)
        order = np.concatenate([o for _, _, _, o in parts])
        names = [name for name, _, _, _ in parts]
        a, b, oversized = lsh.bucket_pairs(hashes, order, self._max)
        self.oversized.inc(oversized)
        if len(a):
            yield from _by_block(blocks[a], rows[a], blocks[b], rows[b], names)


def _first_side(item):
    """Join 1: each candidate pair picks up its first article's id and signature, and goes to its second block."""
    _, joined = item
    blocks, candidates = list(joined["block"]), list(joined["pair"])
    if not blocks or not candidates:
        return
    ids, sigs = blocks[0]
    names = sorted({name for _, others, _, _ in candidates for name in others})
    number = {name: i for i, name in enumerate(names)}
    to = np.concatenate([np.array([number[n] for n in others], dtype=np.int64)[codes] for _, others, codes, _ in candidates])
    rows_a = np.concatenate([r for r, _, _, _ in candidates])
    rows_b = np.concatenate([r for _, _, _, r in candidates]).astype(np.int64)
    width = int(max(len(ids), rows_b.max() + 1))
    seconds, rows_a = _unique_pairs(to * width + rows_b, rows_a, len(names) * width)
    to, rows_b = seconds // width, seconds % width
    for lo, hi in _runs(to):
        mine = rows_a[lo:hi]
        yield names[to[lo]], (rows_b[lo:hi], [ids[i] for i in mine], sigs[mine])


class _Verify(CountingDoFn):
    """Join 2: second signatures meet first ones; pairs at or above the threshold leave, as one list."""

    def __init__(self, threshold: float) -> None:
        self._threshold = threshold
        self.pairs = StageCounter("pairs_verified")
        self.candidates = StageCounter("candidate_pairs")

    def process(self, item):
        _, joined = item
        blocks = list(joined["block"])
        if not blocks:
            return
        ids, sigs = blocks[0]
        verified = []
        for rows_b, ids_a, sigs_a in joined["pair"]:
            self.candidates.inc(len(rows_b))
            similarity = np.count_nonzero(sigs_a == sigs[rows_b], axis=1) / sigs.shape[1]
            for k in np.flatnonzero(similarity >= self._threshold):
                id_a, id_b = ids_a[k], ids[rows_b[k]]
                verified.append((id_a, id_b, float(similarity[k])) if id_a < id_b else (id_b, id_a, float(similarity[k])))
        if verified:
            self.pairs.inc(len(verified))
            yield sorted(verified)


class FindCopyPairs(beam.PTransform):
    """Lists of ``Signed`` or ``Member`` -> lists of verified copy pairs ``(article_a, article_b, jaccard)``, each pair once."""

    def __init__(self, copies_config):
        super().__init__()
        self._cfg = copies_config

    def expand(self, batches):
        cfg = self._cfg
        bands, rows = lsh.lsh_params(cfg.threshold, cfg.num_perm)
        split = batches | "Band" >> beam.ParDo(_Block(bands, rows)).with_outputs("blocks", main="bands")
        candidates = (
            split.bands
            | "ByPartition" >> beam.GroupByKey()
            | "Collide" >> beam.ParDo(_Collide(cfg.max_bucket_size))
        )
        first = (
            {"block": split.blocks, "pair": candidates}
            | "JoinFirst" >> beam.CoGroupByKey()
            | "FirstSide" >> beam.FlatMap(_first_side)
        )
        return (
            {"block": split.blocks, "pair": first}
            | "JoinSecond" >> beam.CoGroupByKey()
            | "Verify" >> beam.ParDo(_Verify(cfg.threshold))
        )
