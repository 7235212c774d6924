import numpy as np
import pytest

from newsdedup.arrays import sorted_unique


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint64, np.bool_])
def test_sorted_unique_is_np_unique(dtype):
    rng = np.random.default_rng(7)
    for n, high in [(0, 2), (1, 2), (2, 2), (1000, 5), (5000, 1 << 30)]:
        values = rng.integers(0 if dtype in (np.uint64, np.bool_) else -high, high, n).astype(dtype)
        got = sorted_unique(values)
        assert got.dtype == values.dtype and np.array_equal(got, np.unique(values))


def test_sorted_unique_refuses_floats():
    with pytest.raises(TypeError, match="integers"):
        sorted_unique(np.array([np.nan, np.nan]))
