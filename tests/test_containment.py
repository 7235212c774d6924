"""Containment from MinHash, and the rule that makes a pair of texts copies."""

import numpy as np
import pytest

from newsdedup import signing
from newsdedup.containment import UNDATED, CopyRule, containment
from newsdedup.shingle import shingles

RULE = CopyRule(jaccard=0.3, contained=0.35, min_length_ratio=0.2, min_shingles=30)
DAY = 86_400_000_000


def _exact(a: set, b: set) -> tuple[float, float]:
    """(Jaccard, share of a in b)."""
    return len(a & b) / len(a | b), len(a & b) / len(a)


@pytest.mark.parametrize("size_a, size_b, shared", [(10, 10, 10), (10, 40, 10), (10, 40, 5), (40, 10, 5),
                                                     (7, 13, 0), (100, 300, 35), (1, 1000, 1)])
def test_containment_from_exact_jaccard_and_sizes_is_exact(size_a, size_b, shared):
    a = set(range(size_a))
    b = set(range(size_a - shared, size_a - shared + size_b))
    jaccard, share = _exact(a, b)
    assert containment(jaccard, size_a, size_b) == pytest.approx(share)


def test_containment_is_vectorised_bounded_and_zero_for_an_empty_side():
    out = containment(np.array([1.0, 0.5, 0.2]), np.array([5, 0, 10]), np.array([5, 10, 10]))
    assert out.tolist() == pytest.approx([1.0, 0.0, 2 * 0.2 * 10 / 1.2 / 10])
    assert containment(0.9, 10, 2) <= 1.0  # a noisy Jaccard never estimates more than all of A


def test_minhash_estimate_tracks_exact_containment_of_a_cut_text():
    """A lead kept with a fifth of the rest: Jaccard well below 0.3, containment near 1; the estimate sees it."""
    words = [f"w{i}" for i in range(600)]
    origin, cut = " ".join(words), " ".join(words[:130])
    sigs, counts = signing.sign([origin, cut], "word", 3, 128, 1)
    jaccard = float(np.mean(sigs[0] == sigs[1]))
    exact_j, exact_c = _exact(set(shingles(cut, "word", 3)), set(shingles(origin, "word", 3)))
    assert exact_j < 0.3 and exact_c == 1.0
    assert abs(jaccard - exact_j) < 0.1
    assert containment(jaccard, counts[1], counts[0]) > 0.8
    assert RULE.copies([jaccard], [counts[1]], [counts[0]], [UNDATED], [UNDATED]).tolist() == [True]


def _copies(jaccard, size_a, size_b, date_a=UNDATED, date_b=UNDATED, rule=RULE):
    return bool(rule.copies([jaccard], [size_a], [size_b], [date_a], [date_b])[0])


def test_jaccard_alone_still_makes_copies():
    assert _copies(0.3, 5, 500)  # whatever the sizes: the symmetric rule as before
    assert not _copies(0.2, 100, 100)  # equal sizes: containment 1/3, below 0.35, but ...
    assert _copies(0.2, 100, 100, rule=CopyRule(0.3, 0.33, 0.2, 30))  # ... above a lower containment threshold


def test_a_cut_copy_is_a_copy_by_containment_either_way_round():
    # 100 of 300 kept: Jaccard 1/3 * ... = 0.25 < 0.3, containment of the short one 0.75
    jaccard = 75 / 325
    assert containment(jaccard, 100, 300) == pytest.approx(0.75)
    assert _copies(jaccard, 100, 300) and _copies(jaccard, 300, 100)


def test_boilerplate_guard_short_texts_are_not_copies_by_containment():
    """A shared standard closing line or weather table: all of a short text occurs in a long one."""
    jaccard = 20 / 400  # all 20 shingles of the short text in a 400-shingle one
    assert containment(jaccard, 20, 400) == pytest.approx(1.0)
    assert not _copies(jaccard, 20, 400)
    assert _copies(30 / 150, 30, 150)  # 30 shingles: enough


def test_a_sliver_of_a_long_text_is_no_copy():
    jaccard = 40 / 1000  # 40 shingles, all in a 1000-shingle text: ratio 0.04
    assert not _copies(jaccard, 40, 1000)
    assert _copies(40 / 200, 40, 200)


def test_direction_a_later_text_that_contains_an_earlier_one_added_to_it():
    jaccard = 75 / 325  # A (100) contained in B (300)
    assert _copies(jaccard, 100, 300, date_a=2 * DAY, date_b=DAY)  # A later: cut from B
    assert _copies(jaccard, 100, 300, date_a=DAY, date_b=DAY)  # same date
    assert _copies(jaccard, 100, 300, date_a=DAY)  # one undated
    assert not _copies(jaccard, 100, 300, date_a=DAY, date_b=2 * DAY)  # B later: B added material to A
    assert _copies(0.35, 100, 300, date_a=DAY, date_b=2 * DAY)  # unless they are alike anyway
