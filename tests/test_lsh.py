import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from datasketch import MinHashLSH

from newsdedup.lsh import band_hashes, bucket_pairs, lsh_params
from newsdedup.minhash import signature


@pytest.mark.parametrize("threshold,num_perm", [(0.3, 128), (0.5, 128), (0.8, 64)])
def test_params_come_from_datasketch(threshold, num_perm):
    index = MinHashLSH(threshold=threshold, num_perm=num_perm)
    assert lsh_params(threshold, num_perm) == (index.b, index.r)


def test_identical_signatures_share_every_band():
    sig = signature([b"a", b"b", b"c"], 128, 1)
    hashes = band_hashes(np.stack([sig, sig.copy()]), 16, 8)
    assert (hashes[0] == hashes[1]).all()


def test_one_changed_value_changes_only_its_band():
    sig = signature([b"a", b"b", b"c"], 128, 1)
    other = sig.copy()
    other[17] ^= 1  # band 2 of 16 bands x 8 rows
    hashes = band_hashes(np.stack([sig, other]), 16, 8)
    assert list(np.flatnonzero(hashes[0] != hashes[1])) == [2]


def test_hashes_are_distinct_per_band():
    sig = np.zeros((1, 128), dtype=np.uint32)  # all bands hold the same values
    assert len(set(band_hashes(sig, 16, 8)[0].tolist())) == 16


def test_too_many_bands():
    with pytest.raises(ValueError, match="4 bands x 8 rows need 32 hash values, signature has 16"):
        band_hashes(np.zeros((1, 16), dtype=np.uint32), 4, 8)
    assert band_hashes(np.zeros((1, 32), dtype=np.uint32), 4, 8).shape == (1, 4)  # exactly enough


def _reference_band_hash(values, band):
    """FNV-1a-style over the band's values, seeded by the band number, then splitmix64's finaliser: Python ints."""
    mask = 2**64 - 1
    h = (band + 1) * 0xCBF29CE484222325 & mask
    for v in values:
        h = (h ^ int(v)) * 0x100000001B3 & mask
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9 & mask
    h = (h ^ (h >> 27)) * 0x94D049BB133111EB & mask
    return h ^ (h >> 31)


def test_band_hashes_equal_a_plain_python_reference():
    """The exact values, against a second implementation of what the docstring promises."""
    sigs = np.stack([signature([b"a", b"b", b"c"], 128, 1), signature([b"x"], 128, 7)])
    hashes = band_hashes(sigs, 16, 8)
    expected = [[_reference_band_hash(sig[b * 8 : (b + 1) * 8], b) for b in range(16)] for sig in sigs]
    assert hashes.tolist() == expected


def _reference_pairs(hashes, order, max_bucket_size):
    """Every entry paired with the first ``max_bucket_size`` entries of its bucket that precede it in ``order``."""
    pairs = set()
    for h in set(hashes.tolist()):
        bucket = sorted(np.flatnonzero(hashes == h).tolist(), key=lambda i: (order[i], i))
        for position, i in enumerate(bucket):
            pairs.update((j, i) for j in bucket[: min(position, max_bucket_size)])
    return pairs


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 2**63)), max_size=60), st.integers(1, 5))
def test_bucket_pairs_equal_the_pairwise_definition(entries, max_bucket_size):
    hashes = np.array([h for h, _ in entries], dtype=np.uint64)
    order = np.array([o for _, o in entries], dtype=np.uint64)
    first, second, oversized = bucket_pairs(hashes, order, max_bucket_size)
    assert set(zip(first.tolist(), second.tolist())) == _reference_pairs(hashes, order, max_bucket_size)
    assert len(first) == len(set(zip(first.tolist(), second.tolist())))  # each pair once
    sizes = np.unique(hashes, return_counts=True)[1]
    assert oversized == int((sizes > max_bucket_size).sum())
