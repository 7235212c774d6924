"""Stage: LSH banding as a shuffle, then verification of candidate pairs.

Per-element overhead, not hashing, limits a Python Beam job, so this stage
moves arrays, not one record per band. A batch of signed articles becomes
one signature block, written to a scratch file, plus one small array of
band hashes per partition; a GroupByKey on the partition brings every
article that shares a band hash together, wherever it was read. Each
candidate pair then goes to the verification partition of its first block,
and each block's file, read once, shows every verification partition the
signatures its pairs there need, once per row. Signatures cross the
shuffle only where a pair needs them (as whole blocks through a
CoGroupByKey, DirectRunner pickled and unpickled each twice: 10% of the copy
path's time at 100k); only verified pairs leave. No worker ever holds more than
one partition's band hashes or candidate pairs.
"""

from __future__ import annotations

import hashlib
import zlib
from typing import Iterator

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.pvalue import TaggedOutput
import numpy as np

from newsdedup import lsh
from newsdedup.arrays import sorted_unique
from newsdedup.containment import UNDATED, CopyRule
from newsdedup.transforms.counting import CountingDoFn, StageCounter
from newsdedup.transforms.scratch import load_strings_and_arrays, save_strings_and_arrays

PARTITIONS = 32
_PARTITION = np.min_scalar_type(PARTITIONS - 1)  # the dtype a partition number travels in


def _id_hash(article_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(article_id.encode(), digest_size=8).digest(), "big")


def _block_file(directory: str, name: str) -> str:
    return FileSystems.join(directory, f"{name}.npy")


def _published_at(member) -> int:
    published = member.article.published_at if hasattr(member, "article") else member.published_at
    return UNDATED if published is None else published


class _Block(CountingDoFn):
    """A batch of signed articles (``Signed`` or ``Member``) -> its signature block's file and its band hashes per
    partition. The block keeps each article's shingle count and date beside its signature: verification
    judges containment and who came first from them."""

    def __init__(self, bands: int, rows: int, blocks_dir: str) -> None:
        self._bands, self._rows, self._blocks_dir = bands, rows, blocks_dir
        self.unsigned = StageCounter("articles_without_shingles")

    def process(self, batch: list):
        signed = [m for m in batch if m.signature is not None]
        self.unsigned.inc(len(batch) - len(signed))
        if not signed:
            return
        ids = tuple(m.article_id for m in signed)
        block = hashlib.sha1("\x1f".join(ids).encode()).hexdigest()[:20]
        sigs = np.stack([m.signature for m in signed])
        sizes = np.array([m.shingles for m in signed], dtype=np.int64)
        dates = np.array([_published_at(m) for m in signed], dtype=np.int64)
        save_strings_and_arrays(_block_file(self._blocks_dir, block), ids, [sigs, sizes, dates])
        hashes = lsh.band_hashes(sigs, self._bands, self._rows).ravel()
        rows = np.repeat(np.arange(len(signed), dtype=np.int32), self._bands)
        order = np.array([_id_hash(i) for i in ids], dtype=np.uint64)[rows]
        partition = (hashes % np.uint64(PARTITIONS)).astype(np.int64)
        by_partition = np.argsort(partition, kind="stable")
        for lo, hi in _runs(partition[by_partition]):
            mine = by_partition[lo:hi]
            yield int(partition[mine[0]]), (block, hashes[mine], rows[mine], order[mine])


def _runs(values: np.ndarray) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of equal values in a sorted array."""
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    yield from zip(starts.tolist(), np.r_[starts[1:], len(values)].tolist())


def _unique_pairs(first: np.ndarray, second: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (first, second) pairs of non-negative ints below ``width``, sorted by first, then second.

    One int64 sort instead of ``np.unique(axis=1)``, several times faster.
    """
    keys = sorted_unique(first.astype(np.int64) * width + second)
    return keys // width, keys % width


def _verifier(name: str) -> int:
    """The verification partition of every pair whose first article is in block ``name``."""
    return zlib.crc32(name.encode()) % PARTITIONS


def _route(block_a, rows_a, block_b, rows_b, names) -> Iterator:
    """Distinct pairs to their verification partition (tagged ``pairs``), and to each block the rows, with the
    partitions, it must show (main)."""
    width = int(max(rows_a.max(), rows_b.max())) + 1
    firsts, seconds = _unique_pairs(block_a * width + rows_a, block_b * width + rows_b, len(names) * width)
    block_a, rows_a, block_b, rows_b = firsts // width, firsts % width, seconds // width, seconds % width
    verifier = np.array([_verifier(name) for name in names], dtype=np.int64)
    to = verifier[block_a]
    by_verifier = np.argsort(to, kind="stable")
    for lo, hi in _runs(to[by_verifier]):
        mine = by_verifier[lo:hi]
        used, codes = np.unique(np.r_[block_a[mine], block_b[mine]], return_inverse=True)
        codes = codes.astype(np.int32)
        yield TaggedOutput("pairs", (int(to[mine[0]]), ([names[u] for u in used], codes[: len(mine)],
                                                          rows_a[mine].astype(np.int32), codes[len(mine):],
                                                          rows_b[mine].astype(np.int32))))
    shown, where = _unique_pairs(np.r_[block_a, block_b] * width + np.r_[rows_a, rows_b], np.r_[to, to], PARTITIONS)
    for lo, hi in _runs(shown // width):
        yield names[shown[lo] // width], ((shown[lo:hi] % width).astype(np.int32), where[lo:hi].astype(_PARTITION))


class _Collide(CountingDoFn):
    """One band partition: articles sharing a band hash become candidate pairs, routed as ``_route`` says."""

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
            yield from _route(blocks[a], rows[a], blocks[b], rows[b], names)


def _show(item, blocks_dir: str):
    """A block shows each verification partition its rows that pairs there need, each row once."""
    name, needs = item
    needs = list(needs)
    ids, (sigs, sizes, dates) = load_strings_and_arrays(_block_file(blocks_dir, name), 3)
    where, rows = _unique_pairs(np.concatenate([w for _, w in needs]), np.concatenate([r for r, _ in needs]), len(ids))
    for lo, hi in _runs(where):
        mine = rows[lo:hi]
        yield int(where[lo]), (name, mine, [ids[i] for i in mine], sigs[mine], sizes[mine], dates[mine])


class _Verify(CountingDoFn):
    """One verification partition: its pairs meet their signatures; pairs the ``CopyRule`` accepts leave, as one list."""

    def __init__(self, rule: CopyRule) -> None:
        self._rule = rule
        self.pairs = StageCounter("pairs_verified")
        self.candidates = StageCounter("candidate_pairs")

    def process(self, item):
        _, joined = item
        shown, pairs = sorted(joined["shown"], key=lambda s: s[0]), list(joined["pairs"])
        if not shown or not pairs:
            return
        number = {name: i for i, (name, *_) in enumerate(shown)}
        width = int(max(rows.max() for _, rows, *_ in shown)) + 1
        known = np.concatenate([number[name] * width + rows.astype(np.int64) for name, rows, *_ in shown])
        ids = [i for _, _, block_ids, *_ in shown for i in block_ids]
        sigs, sizes, dates = (np.concatenate([s[k] for s in shown]) for k in (3, 4, 5))
        firsts, seconds = [], []
        for used, codes_a, rows_a, codes_b, rows_b in pairs:
            numbers = np.array([number[name] for name in used], dtype=np.int64)
            firsts.append(numbers[codes_a] * width + rows_a)
            seconds.append(numbers[codes_b] * width + rows_b)
        firsts, seconds = _unique_pairs(np.searchsorted(known, np.concatenate(firsts)),
                                        np.searchsorted(known, np.concatenate(seconds)), len(known))
        self.candidates.inc(len(firsts))
        similarity = np.count_nonzero(sigs[firsts] == sigs[seconds], axis=1) / sigs.shape[1]
        copies = self._rule.copies(similarity, sizes[firsts], sizes[seconds], dates[firsts], dates[seconds])
        verified = []
        for k in np.flatnonzero(copies):
            id_a, id_b = ids[firsts[k]], ids[seconds[k]]
            verified.append((id_a, id_b, float(similarity[k])) if id_a < id_b else (id_b, id_a, float(similarity[k])))
        if verified:
            self.pairs.inc(len(verified))
            yield sorted(verified)


def copy_rule(copies_config) -> CopyRule:
    """The ``CopyRule`` a ``CopiesConfig`` spells out."""
    cfg = copies_config
    return CopyRule(cfg.threshold, cfg.containment, cfg.min_length_ratio, cfg.min_shingles)


class FindCopyPairs(beam.PTransform):
    """Lists of ``Signed`` or ``Member`` -> lists of verified copy pairs ``(article_a, article_b, jaccard)``, each pair once.

    Bands are tuned for ``lsh_threshold``, below the Jaccard threshold, so that cut copies (high containment, low
    Jaccard) become candidates; verification applies ``copy_rule``.

    Signature blocks land in files under ``blocks_dir``, which the caller removes after the run.
    """

    def __init__(self, copies_config, blocks_dir: str):
        super().__init__()
        self._cfg = copies_config
        self._blocks_dir = blocks_dir

    def expand(self, batches):
        cfg = self._cfg
        bands, rows = lsh.lsh_params(cfg.lsh_threshold, cfg.num_perm)
        candidates = (
            batches
            | "Band" >> beam.ParDo(_Block(bands, rows, self._blocks_dir))
            | "ByPartition" >> beam.GroupByKey()
            | "Collide" >> beam.ParDo(_Collide(cfg.max_bucket_size)).with_outputs("pairs", main="needs")
        )
        shown = candidates.needs | "ByBlock" >> beam.GroupByKey() | "Show" >> beam.FlatMap(_show, self._blocks_dir)
        return (
            {"shown": shown, "pairs": candidates.pairs}
            | "JoinPairs" >> beam.CoGroupByKey()
            | "Verify" >> beam.ParDo(_Verify(copy_rule(cfg)))
        )
