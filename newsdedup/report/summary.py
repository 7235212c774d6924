"""The few lines ``newsdedup report`` prints to the terminal."""

from __future__ import annotations

from newsdedup.report.aggregate import Aggregates, gaps


def summary(agg: Aggregates) -> str:
    t = agg.totals
    lag = "n/a" if t["median_lag_hours"] is None else f"{t['median_lag_hours']:.1f} h"
    lines = [
        ("articles", f"{t['articles']:,}"),
        ("copies of an origin", f"{t['copies']:,} ({t['copy_share']:.1%})"),
        ("stories", f"{t['stories']:,}"),
        ("cross-language stories", f"{t['cross_language_stories']:,}"),
        ("median copy lag", lag),
    ]
    if t["most_copied"]:
        lines.append(("most copied sources", ", ".join(f"{s['source']} ({s['copies']:,})" for s in t["most_copied"])))
    lines += [("missing from the input" if i == 0 else "", gap) for i, gap in enumerate(gaps(t))]
    width = max(len(name) for name, _ in lines)
    return "\n".join(f"  {name:<{width}}  {value}" for name, value in lines)
