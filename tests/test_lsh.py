import numpy as np
import pytest
from datasketch import MinHashLSH

from newsdedup.lsh import band_hashes, lsh_params
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
    with pytest.raises(ValueError):
        band_hashes(np.zeros((1, 16), dtype=np.uint32), 4, 8)
