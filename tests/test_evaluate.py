"""Clustering metrics on small cases computed by hand."""

import pytest

from newsdedup.evaluate import (
    adjusted_rand_index,
    bcubed_scores,
    cross_group_pairwise_scores,
    evaluate,
    format_report,
    normalized_mutual_info,
    pairwise_scores,
)

GOLD = {"a": 1, "b": 1, "c": 1, "d": 2, "e": 2}
PRED = {"a": "x", "b": "x", "c": "y", "d": "y", "e": "y"}


def test_pairwise():
    # predicted pairs ab, cd, ce, de; gold pairs ab, ac, bc, de; shared ab, de
    s = pairwise_scores(PRED, GOLD)
    assert (s["precision"], s["recall"], s["f1"]) == (0.5, 0.5, 0.5)


def test_bcubed():
    # precision per item: a 1, b 1, c 1/3, d 2/3, e 2/3; recall: a 2/3, b 2/3, c 1/3, d 1, e 1
    s = bcubed_scores(PRED, GOLD)
    assert s["precision"] == pytest.approx(11 / 15) and s["recall"] == pytest.approx(11 / 15)
    assert s["f1"] == pytest.approx(11 / 15)


def test_ari():
    # index 2, expected 4 * 4 / 10 = 1.6, maximum 4: (2 - 1.6) / (4 - 1.6)
    assert adjusted_rand_index(PRED, GOLD) == pytest.approx(1 / 6)
    assert adjusted_rand_index(GOLD, GOLD) == 1.0


def test_nmi():
    # MI = .8 ln(5/3) + .2 ln(5/9); both entropies = -(.4 ln .4 + .6 ln .6)
    import math

    mi = 0.8 * math.log(5 / 3) + 0.2 * math.log(5 / 9)
    h = -(0.4 * math.log(0.4) + 0.6 * math.log(0.6))
    assert normalized_mutual_info(PRED, GOLD) == pytest.approx(mi / h)
    assert normalized_mutual_info(GOLD, GOLD) == pytest.approx(1.0)
    assert normalized_mutual_info({"a": 1, "b": 1}, {"a": 1, "b": 2}) == 0.0


def test_cross_language_pairs_alone():
    gold = {"a": 1, "b": 1, "c": 2, "d": 2}
    lang = {"a": "en", "b": "es", "c": "en", "d": "es"}
    pred = {"a": 0, "b": 0, "c": 0, "d": 1}
    # predicted cross pairs ab, bc (ac is en-en); gold cross pairs ab, cd; shared ab
    s = cross_group_pairwise_scores(pred, gold, lang)
    assert (s["precision"], s["recall"], s["pairs_gold"]) == (0.5, 0.5, 2)


def test_report_slices_and_table():
    lang = {"a": "en", "b": "es", "c": "en", "d": "es", "e": "en"}
    report = evaluate(PRED, {**GOLD, "z": 3}, lang)
    assert report["missing"] == 1 and report["overall"]["items"] == 5
    assert set(report["by_language"]) == {"en", "es"}
    # English alone: a(x,1) c(y,1) e(y,2): predicted pair ce, no gold pair shared
    assert report["by_language"]["en"]["pairwise"]["precision"] == 0.0
    assert "cross_language" in report
    table = format_report(report)
    assert "language es" in table and "cross-language" in table and "missing" in table


def test_pair_scores_classify_rated_pairs_by_story_same_and_cross_language_apart():
    from newsdedup.evaluate import format_pair_report, pair_scores

    story = {"a": 1, "b": 1, "c": 2, "d": 2, "e": 3}
    pairs = [
        {"id1": "a", "id2": "b", "overall": 1.0, "lang1": "en", "lang2": "en"},  # same, found
        {"id1": "a", "id2": "c", "overall": 1.5, "lang1": "en", "lang2": "en"},  # same, missed
        {"id1": "c", "id2": "d", "overall": 4.0, "lang1": "de", "lang2": "en", "machine_translated": True},  # false link
        {"id1": "a", "id2": "e", "overall": 3.5, "lang1": "de", "lang2": "en"},  # rightly apart
        {"id1": "b", "id2": "e", "overall": 2.5, "lang1": "en", "lang2": "en"},  # in between: not scored
        {"id1": "a", "id2": "zz", "overall": 1.0, "lang1": "en", "lang2": "en"},  # not in the run
    ]
    report = pair_scores(story, pairs)
    same = report["same-language"]
    assert (same["precision"], same["recall"], same["pairs"]) == (1.0, 0.5, 2)
    assert report["cross-language"]["pairs"] == 2 and report["cross-language"]["f1"] == 0.0
    assert report["cross-language machine-translated"]["pairs"] == 1 and report["cross-language real"]["pairs"] == 1
    assert report["missing"] == 1
    assert "same-language real" in format_pair_report(report) and "1 scored pairs" in format_pair_report(report)


def test_load_pairs_names_the_bad_line(tmp_path):
    from newsdedup.evaluate import load_pairs

    path = tmp_path / "pairs.jsonl"
    path.write_text('{"id1": "a", "id2": "b", "overall": 1}\n{"id1": "a", "overall": 2}\n')
    with pytest.raises(ValueError, match=r"pairs.jsonl:2: a pair needs"):
        load_pairs(path)
