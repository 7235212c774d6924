"""Copy detection on real reuse: COUNTER's graded wire-to-newspaper pairs, and false copies on ECB+.

Called by scripts/evaluate.py (`make eval`); alone it runs the two corpora and prints its section:
.venv/bin/python scripts/eval_reuse.py [--data ../shared/data] [--work out/eval]

COUNTER pairs each newspaper text with the APP wire text it was graded against: WD (wholly derived:
a copy, often cut or lightly edited) should share a copy group with its source, ND (written
independently) should not; PD (wire plus other material) lies between. ECB+ holds real syndication
and independent reports of one event: a copy group joining articles of different gold stories, or
articles of the two halves (ecb: 2008-era wire copy; ecbplus: reports collected later), is a false copy.
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections import defaultdict
from pathlib import Path
from typing import Callable

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
CLASSES = ("WD", "PD", "ND")


def _load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def reuse_pairs(records: list[dict]) -> list[tuple[str, str, str]]:
    """(class, derived id, source id) for every derived COUNTER text."""
    sources = {r["gold_cluster"]: str(r["id"]) for r in records if r.get("role") == "source"}
    return [(r["reuse_class"], str(r["id"]), str(r.get("derived_from") or sources[r["gold_cluster"]]))
            for r in records if r.get("role") == "derived"]


def reuse_scores(pairs: list[tuple[str, str, str]], articles: list[dict]) -> dict[str, dict]:
    """Per class: pairs, and the shares in one copy group, in one story but not one copy group, apart."""
    rows = {a["article_id"]: a for a in articles}
    out = {}
    for cls in CLASSES:
        mine = [(d, s) for c, d, s in pairs if c == cls]
        group = sum(rows[d]["copy_group_id"] == rows[s]["copy_group_id"] for d, s in mine)
        story = sum(rows[d]["story_id"] == rows[s]["story_id"] for d, s in mine)
        n = len(mine) or 1
        out[cls] = {"pairs": len(mine), "copy_group": group / n, "story_only": (story - group) / n,
                    "apart": (len(mine) - story) / n}
    return out


def false_copies(records: list[dict], articles: list[dict]) -> dict[str, int]:
    """ECB+ pairs sharing a copy group: all, of different gold stories, across the ecb / ecbplus halves, and
    within the ecbplus half (reports collected from many outlets: independent, or quoting one release)."""
    gold = {str(r["id"]): r["gold_cluster"] for r in records}
    members = defaultdict(list)
    for a in articles:
        members[a["copy_group_id"]].append(a["article_id"])
    total = wrong = halves = ecbplus = 0
    for ids in members.values():
        for p, q in itertools.combinations(sorted(ids), 2):
            total += 1
            wrong += gold[p] != gold[q]
            halves += p.endswith("ecb") != q.endswith("ecb")
            ecbplus += p.endswith("ecbplus") and q.endswith("ecbplus")
    return {"pairs": total, "different_story": wrong, "across_halves": halves, "within_ecbplus": ecbplus}


def _articles(output: Path) -> list[dict]:
    return pq.read_table(output / "articles", columns=["article_id", "story_id", "copy_group_id"]).to_pylist()


def section(data: Path, work: Path, run_pipeline: Callable[[Path, Path], tuple[list[dict], float]]) -> list[str]:
    """The report's "Copy detection on real reuse" section; runs COUNTER-dev, reads the ECB+ run if there is one."""
    counter_path = data / "counter_dev.jsonl"
    if not counter_path.exists():
        return ["## Copy detection on real reuse", "", f"{counter_path} not found: not measured.", ""]
    records = _load(counter_path)
    articles, seconds = run_pipeline(counter_path, work / "counter")
    scores = reuse_scores(reuse_pairs(records), articles)
    copies = pq.read_table(work / "counter" / "copies", columns=["truncated"]).to_pylist()
    lines = [
        "## Copy detection on real reuse (COUNTER-dev)",
        "",
        f"COUNTER-dev ({len(records)} Urdu texts, pipeline {seconds:.0f} s): each newspaper text with the APP wire "
        "text it was graded against. WD: wholly derived (a copy, often cut or lightly edited), should share a copy "
        "group; ND: written independently, should not; PD: wire plus other material. Targets: WD in one copy "
        "group ≥ 0.80, ND ≤ 0.02.",
        "",
        "| class | pairs | one copy group | one story, not one copy group | apart |",
        "|---|---|---|---|---|",
    ]
    for cls, s in scores.items():
        lines.append(f"| {cls} | {s['pairs']} | {s['copy_group']:.3f} | {s['story_only']:.3f} | {s['apart']:.3f} |")
    cut = sum(c["truncated"] for c in copies)
    lines += ["", f"`copies` rows: {len(copies)}, {cut} marked truncated.", ""]
    ecb_output = work / "ecbplus"
    if (ecb_output / "articles").exists():
        fc = false_copies(_load(data / "ecbplus_dev.jsonl"), _articles(ecb_output))
        lines += [f"False copies on ECB+ topics 1–35 (same run as the story table): {fc['pairs']} article pairs share "
                  f"a copy group; {fc['different_story']} of them join different gold stories, "
                  f"{fc['across_halves']} join the ecb and ecbplus halves, {fc['within_ecbplus']} lie within the "
                  "ecbplus half (reports from many outlets, some quoting one press release).", ""]
    return lines


def main() -> None:
    import evaluate  # scripts/evaluate.py, beside this file

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--work", default=str(ROOT / "out" / "eval"))
    args = parser.parse_args()
    data, work = Path(args.data), Path(args.work)
    evaluate.run_pipeline(data / "ecbplus_dev.jsonl", work / "ecbplus")
    print("\n".join(section(data, work, evaluate.run_pipeline)))


if __name__ == "__main__":
    main()
