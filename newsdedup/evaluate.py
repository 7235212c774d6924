"""Scoring predicted clusters against gold labels."""

from __future__ import annotations

import math
from collections import Counter
from typing import Hashable, Mapping, Optional, Sequence

import numpy as np


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


def cross_group_pairwise_scores(
    predicted: Mapping[str, Hashable], gold: Mapping[str, Hashable], group: Mapping[str, Hashable]
) -> dict[str, float]:
    """Pairwise scores counting only pairs whose items differ in ``group`` (e.g. language).

    A method that cannot cross languages scores zero recall here however
    well it does inside each language.
    """
    items = sorted(set(predicted) & set(gold))

    def cross(key) -> int:
        return _pairs(Counter(key(i) for i in items)) - _pairs(Counter((*key(i), group.get(i)) for i in items))

    true_pairs = cross(lambda i: (predicted[i], gold[i]))
    pred_pairs = cross(lambda i: (predicted[i],))
    gold_pairs = cross(lambda i: (gold[i],))
    precision = true_pairs / pred_pairs if pred_pairs else 1.0
    recall = true_pairs / gold_pairs if gold_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "pairs_predicted": pred_pairs, "pairs_gold": gold_pairs}


def bcubed_scores(predicted: Mapping[str, Hashable], gold: Mapping[str, Hashable]) -> dict[str, float]:
    """BCubed precision, recall and F1 (Bagga & Baldwin): per-item averages, so big clusters weigh less than in pairs."""
    items = sorted(set(predicted) & set(gold))
    if not items:
        return {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    both = Counter((predicted[i], gold[i]) for i in items)
    pred_size = Counter(predicted[i] for i in items)
    gold_size = Counter(gold[i] for i in items)
    # Every item of a (pred, gold) cell has the same per-item precision and recall.
    precision = sum(n * n / pred_size[p] for (p, _), n in both.items()) / len(items)
    recall = sum(n * n / gold_size[g] for (_, g), n in both.items()) / len(items)
    return {"precision": precision, "recall": recall, "f1": 2 * precision * recall / (precision + recall)}


def adjusted_rand_index(predicted: Mapping[str, Hashable], gold: Mapping[str, Hashable]) -> float:
    """Hubert & Arabie's ARI: 1 for identical clusterings, about 0 for chance agreement."""
    items = sorted(set(predicted) & set(gold))
    total = len(items) * (len(items) - 1) // 2
    both = _pairs(Counter((predicted[i], gold[i]) for i in items))
    pred = _pairs(Counter(predicted[i] for i in items))
    true = _pairs(Counter(gold[i] for i in items))
    expected = pred * true / total if total else 0.0
    maximum = (pred + true) / 2
    return 1.0 if maximum == expected else (both - expected) / (maximum - expected)


def _entropy(counts: Counter, n: int) -> float:
    p = np.array(list(counts.values()), dtype=float) / n
    return float(-(p * np.log(p)).sum())


def normalized_mutual_info(predicted: Mapping[str, Hashable], gold: Mapping[str, Hashable]) -> float:
    """Mutual information over the arithmetic mean of the two entropies (scikit-learn's default)."""
    items = sorted(set(predicted) & set(gold))
    n = len(items)
    if not n:
        return 1.0
    both = Counter((predicted[i], gold[i]) for i in items)
    pred = Counter(predicted[i] for i in items)
    true = Counter(gold[i] for i in items)
    h_pred, h_true = _entropy(pred, n), _entropy(true, n)
    if h_pred == 0.0 and h_true == 0.0:
        return 1.0
    mi = sum(c / n * math.log(c * n / (pred[p] * true[g])) for (p, g), c in both.items())
    return max(0.0, mi / ((h_pred + h_true) / 2))


def score_clustering(predicted: Mapping[str, Hashable], gold: Mapping[str, Hashable]) -> dict:
    """Every metric for one set of items."""
    items = set(predicted) & set(gold)
    return {
        "items": len(items),
        "gold_clusters": len({gold[i] for i in items}),
        "predicted_clusters": len({predicted[i] for i in items}),
        "pairwise": pairwise_scores(predicted, gold),
        "bcubed": bcubed_scores(predicted, gold),
        "ari": adjusted_rand_index(predicted, gold),
        "nmi": normalized_mutual_info(predicted, gold),
    }


def evaluate(predicted: Mapping[str, Hashable], gold: Mapping[str, Hashable], language: Mapping[str, str]) -> dict:
    """Scores overall, per language (items of that language only) and on cross-language pairs alone."""
    items = sorted(set(predicted) & set(gold))
    report = {"overall": score_clustering(predicted, gold), "by_language": {}, "missing": len(set(gold) - set(predicted))}
    for lang in sorted({language.get(i, "und") for i in items}):
        subset = [i for i in items if language.get(i, "und") == lang]
        report["by_language"][lang] = score_clustering({i: predicted[i] for i in subset}, {i: gold[i] for i in subset})
    if len(report["by_language"]) > 1:
        report["cross_language"] = cross_group_pairwise_scores(predicted, gold, language)
    return report


def format_report(report: dict) -> str:
    """A fixed-width table of an ``evaluate`` report."""
    head = f"{'slice':<16}{'items':>7}{'gold':>6}{'pred':>6}  {'pair P':>7}{'pair R':>7}{'pair F1':>8}  " \
           f"{'B3 P':>6}{'B3 R':>6}{'B3 F1':>6}  {'ARI':>6}{'NMI':>6}"
    lines = [head, "-" * len(head)]

    def row(name: str, s: dict) -> str:
        p, b = s["pairwise"], s["bcubed"]
        return (f"{name:<16}{s['items']:>7}{s['gold_clusters']:>6}{s['predicted_clusters']:>6}  "
                f"{p['precision']:>7.3f}{p['recall']:>7.3f}{p['f1']:>8.3f}  "
                f"{b['precision']:>6.3f}{b['recall']:>6.3f}{b['f1']:>6.3f}  {s['ari']:>6.3f}{s['nmi']:>6.3f}")

    lines.append(row("overall", report["overall"]))
    for lang, s in report["by_language"].items():
        lines.append(row(f"language {lang}", s))
    cross = report.get("cross_language")
    if cross:
        lines.append(f"{'cross-language':<16}{'':>19}  {cross['precision']:>7.3f}{cross['recall']:>7.3f}{cross['f1']:>8.3f}"
                     f"   ({cross['pairs_gold']} gold pairs)")
    copies = report.get("copies")
    if copies:
        lines.append(f"{'copy groups':<16}{'':>19}  {copies['precision']:>7.3f}{copies['recall']:>7.3f}{copies['f1']:>8.3f}"
                     f"   ({copies['pairs_gold']} gold pairs)")
    if report.get("missing"):
        lines.append(f"WARNING: {report['missing']} gold items are missing from the run")
    return "\n".join(lines)


def load_gold(path) -> list[dict]:
    """Gold records from JSONL: ``id`` and ``gold_cluster``; ``language`` and ``copy_of`` when known."""
    import json
    from pathlib import Path

    records = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        record = json.loads(line)
        if "id" not in record or "gold_cluster" not in record:
            raise ValueError(f"{path}:{number}: a gold record needs 'id' and 'gold_cluster'")
        records.append(record)
    return records


def score_run(articles: list[dict], gold_records: list[dict]) -> dict:
    """Scores a run's ``articles`` rows (story_id, copy_group_id, language) against gold records.

    Copy groups are scored too when the gold names reprint origins
    (``copy_of``): the truth is the connected reprint chains.
    """
    from newsdedup.components import connected_components

    rows = {r["article_id"]: r for r in articles}
    gold = {str(r["id"]): r["gold_cluster"] for r in gold_records}
    language = {k: (r.get("language") or "und") for k, r in rows.items()}
    language.update({str(r["id"]): r["language"] for r in gold_records if r.get("language")})
    report = evaluate({k: r["story_id"] for k, r in rows.items()}, gold, language)
    links = [(str(r["id"]), str(r["copy_of"])) for r in gold_records if r.get("copy_of")]
    if links:
        roots = connected_components(links)
        chains = {k: roots.get(k, k) for k in gold}
        report["copies"] = pairwise_scores({k: r["copy_group_id"] for k, r in rows.items()}, chains)
    return report


SAME_STORY_AT_MOST = 1.5  # SemEval-22 Task 8 ``overall`` (1 very similar .. 4 very dissimilar): same story
OTHER_STORY_AT_LEAST = 3.5  # ... and not the same story; pairs in between are not scored


def pair_scores(predicted: Mapping[str, Hashable], pairs: Sequence[Mapping],
                same: Optional[Mapping[tuple[str, str], bool]] = None) -> dict[str, dict]:
    """A clustering scored as a same-story classifier on rated pairs (SemEval-22 Task 8's format).

    Each pair has ``id1``, ``id2``, ``overall``, ``lang1``, ``lang2`` and
    ``machine_translated``. Slices: same-language and cross-language pairs,
    each also split into real (independently written) and machine-translated
    pairs. Pairs whose articles the run lacks are counted under ``missing``.
    ``same`` (keyed by ``(id1, id2)``) scores a pair classifier instead of the clustering.
    """
    slices: dict[str, Counter] = {}
    missing = 0
    for pair in pairs:
        a, b, overall = str(pair["id1"]), str(pair["id2"]), float(pair["overall"])
        if SAME_STORY_AT_MOST < overall < OTHER_STORY_AT_LEAST:
            continue
        if (a, b) not in same if same is not None else (a not in predicted or b not in predicted):
            missing += 1
            continue
        side = "same-language" if pair.get("lang1") == pair.get("lang2") else "cross-language"
        origin = "machine-translated" if pair.get("machine_translated") else "real"
        outcome = (overall <= SAME_STORY_AT_MOST, same[(a, b)] if same is not None else predicted[a] == predicted[b])
        for name in (side, f"{side} {origin}"):
            slices.setdefault(name, Counter())[outcome] += 1
    report = {name: _classifier(counts) for name, counts in sorted(slices.items())}
    report["missing"] = missing
    return report


def load_pairs(path) -> list[dict]:
    """Rated pairs from JSONL: ``id1``, ``id2``, ``overall``; ``lang1``, ``lang2``, ``machine_translated`` when known."""
    import json
    from pathlib import Path

    pairs = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            pair = json.loads(line)
            float(pair["overall"])
            pair["id1"], pair["id2"]
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            raise ValueError(f"{path}:{number}: a pair needs 'id1', 'id2' and a numeric 'overall'") from None
        pairs.append(pair)
    return pairs


def format_pair_report(report: dict) -> str:
    """A fixed-width table of a ``pair_scores`` report."""
    head = f"{'pairs':<34}{'scored':>7}{'same':>6}  {'P':>6}{'R':>6}{'F1':>6}"
    lines = [head, "-" * len(head)]
    for name, s in report.items():
        if name != "missing":
            lines.append(f"{name:<34}{s['pairs']:>7}{s['positives']:>6}  {s['precision']:>6.3f}{s['recall']:>6.3f}{s['f1']:>6.3f}")
    if report.get("missing"):
        lines.append(f"WARNING: {report['missing']} scored pairs name articles missing from the run")
    return "\n".join(lines)


def _classifier(counts: Counter) -> dict:
    tp, fp, fn = counts[(True, True)], counts[(False, True)], counts[(True, False)]
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "pairs": sum(counts.values()), "positives": tp + fn}
