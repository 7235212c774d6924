import numpy as np
import pytest
from datasketch import MinHashLSH

from newsdedup.lsh import band_keys, lsh_params
from newsdedup.minhash import signature


@pytest.mark.parametrize("threshold,num_perm", [(0.3, 128), (0.5, 128), (0.8, 64)])
def test_params_come_from_datasketch(threshold, num_perm):
    index = MinHashLSH(threshold=threshold, num_perm=num_perm)
    assert lsh_params(threshold, num_perm) == (index.b, index.r)


def test_identical_signatures_share_every_band():
    sig = signature([b"a", b"b", b"c"], 128, 1)
    assert band_keys(sig, 16, 8) == band_keys(sig.copy(), 16, 8)


def test_one_changed_value_changes_only_its_band():
    sig = signature([b"a", b"b", b"c"], 128, 1)
    other = sig.copy()
    other[17] ^= 1  # band 2 of 16 bands x 8 rows
    keys, other_keys = band_keys(sig, 16, 8), band_keys(other, 16, 8)
    assert [i for i in range(16) if keys[i] != other_keys[i]] == [2]


def test_keys_are_distinct_per_band():
    sig = np.zeros(128, dtype=np.uint32)  # all bands hold the same values
    assert len(set(band_keys(sig, 16, 8))) == 16


def test_too_many_bands():
    with pytest.raises(ValueError):
        band_keys(np.zeros(16, dtype=np.uint32), 4, 8)
