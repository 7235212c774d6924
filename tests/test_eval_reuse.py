"""scripts/eval_reuse.py: COUNTER reuse classes and ECB+ false copies, scored from a run's rows."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import eval_reuse  # noqa: E402

RECORDS = [
    {"id": "s1", "role": "source", "reuse_class": "WD", "gold_cluster": "g1"},
    {"id": "d1", "role": "derived", "reuse_class": "WD", "gold_cluster": "g1", "derived_from": "s1"},
    {"id": "s2", "role": "source", "reuse_class": "ND", "gold_cluster": "g2"},
    {"id": "d2", "role": "derived", "reuse_class": "ND", "gold_cluster": "g2", "derived_from": None},
    {"id": "s3", "role": "source", "reuse_class": "ND", "gold_cluster": "g3"},
    {"id": "d3", "role": "derived", "reuse_class": "ND", "gold_cluster": "g3", "derived_from": None},
]


def _row(article_id, story, group):
    return {"article_id": article_id, "story_id": story, "copy_group_id": group}


def test_reuse_pairs_find_the_source_of_non_derived_texts_by_their_cluster():
    assert eval_reuse.reuse_pairs(RECORDS) == [("WD", "d1", "s1"), ("ND", "d2", "s2"), ("ND", "d3", "s3")]


def test_reuse_scores_split_each_class_into_copy_group_story_and_apart():
    rows = [_row("s1", "st1", "cg1"), _row("d1", "st1", "cg1"), _row("s2", "st2", "cg2"), _row("d2", "st2", "cg3"),
            _row("s3", "st3", "cg4"), _row("d3", "st4", "cg5")]
    scores = eval_reuse.reuse_scores(eval_reuse.reuse_pairs(RECORDS), rows)
    assert scores["WD"] == {"pairs": 1, "copy_group": 1.0, "story_only": 0.0, "apart": 0.0}
    assert scores["ND"] == {"pairs": 2, "copy_group": 0.0, "story_only": 0.5, "apart": 0.5}
    assert scores["PD"]["pairs"] == 0


def test_false_copies_count_groups_across_stories_and_halves():
    records = [{"id": i, "gold_cluster": g} for i, g in
               (("1_1ecb", "a"), ("1_2ecb", "a"), ("1_3ecbplus", "a"), ("2_1ecbplus", "b"), ("2_2ecbplus", "b"))]
    rows = [_row("1_1ecb", "s", "x"), _row("1_2ecb", "s", "x"), _row("1_3ecbplus", "s", "x"),
            _row("2_1ecbplus", "t", "y"), _row("2_2ecbplus", "u", "y")]
    assert eval_reuse.false_copies(records, rows) == pytest.approx(
        {"pairs": 4, "different_story": 0, "across_halves": 2, "within_ecbplus": 1})
