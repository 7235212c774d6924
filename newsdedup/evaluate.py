"""Scoring predicted clusters against gold labels."""

from __future__ import annotations

from collections import Counter
from typing import Hashable, Mapping


def _pairs(counts: Counter) -> int:
    return sum(n * (n - 1) // 2 for n in counts.values())


def pairwise_scores(predicted: Mapping[str, Hashable], gold: Mapping[str, Hashable]) -> dict[str, float]:
    """Pairwise precision, recall and F1 over the items both mappings label.

    A pair is positive when both items share a cluster; precision is the
    share of predicted pairs that are gold pairs.
    """
    items = sorted(set(predicted) & set(gold))
    both = Counter((predicted[i], gold[i]) for i in items)
    true_pairs = _pairs(both)
    pred_pairs = _pairs(Counter(predicted[i] for i in items))
    gold_pairs = _pairs(Counter(gold[i] for i in items))
    precision = true_pairs / pred_pairs if pred_pairs else 1.0
    recall = true_pairs / gold_pairs if gold_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "pairs_predicted": pred_pairs, "pairs_gold": gold_pairs}
