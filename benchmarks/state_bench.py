"""Incremental runs benchmark (part of `make bench`): N daily batches of simulated wire through `--state`.

Usage: .venv/bin/python benchmarks/state_bench.py [--days 30] [--per-day 1000] [--output BENCHMARKS.md]

Per batch: wall time, peak RSS of the process tree, and the bytes of state
the run reads (``_state/``, ``stories/``, ``redirects/``, ``manifest.json``;
the earlier runs' article, copy and reject files are linked, not read). The
figures go to out/bench/state.json and to a section of BENCHMARKS.md between
markers, which run_bench.py keeps when it writes the page.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run_bench import ROOT, STATE_SECTION, WORK, run_command  # noqa: E402

from newsdedup.simulate import generate_corpus  # noqa: E402

BEGIN, END = STATE_SECTION
READ = ("_state", "stories", "redirects", "manifest.json")


def daily_batches(days: int, per_day: int, folder: Path) -> list[Path]:
    """A simulated wire of ``days * per_day`` articles, one JSONL file per UTC publication day."""
    bases = [json.loads(line) for line in (ROOT / "seeds" / "articles.jsonl").read_text().splitlines() if line.strip()]
    originals_per_hour = 0.6 * per_day / 24  # about 40% of the records are reprints
    by_day: dict[str, list[str]] = {}
    for record in generate_corpus(bases, days * per_day, seed=1, stories_per_hour=originals_per_hour):
        day = datetime.datetime.fromisoformat(record["published_at"]).astimezone(datetime.timezone.utc).date()
        by_day.setdefault(day.isoformat(), []).append(json.dumps(record, ensure_ascii=False))
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for day in sorted(by_day)[:days]:
        path = folder / f"{day}.jsonl"
        path.write_text("\n".join(by_day[day]) + "\n", encoding="utf-8")
        files.append(path)
    return files


def state_bytes(state: Path) -> int:
    return sum(p.stat().st_size for name in READ for p in ([state / name] if (state / name).is_file() else
                                                           (state / name).rglob("*")) if p.is_file())


def render(results: dict) -> str:
    rows = results["batches"]
    first, last = rows[0], rows[-1]
    lines = [BEGIN, "## Incremental runs (`--state`)", "",
             f"{len(rows)} daily batches of about {results['per_day']} simulated wire articles "
             f"(`benchmarks/state_bench.py --days {results['days']} --per-day {results['per_day']}`, commit "
             f"{results['commit']}), each `newsdedup run --state` with the default config (horizon 30 days).", "",
             "| batch | articles | retained before | state read (MB) | wall (s) | peak RSS (GiB) |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['batch']} | {r['articles']:,} | {r['retained_before']:,} | {r['state_read_bytes'] / 1e6:.2f} "
                     f"| {r['wall_s']:.1f} | {r['peak_rss_gb']:.2f} |")
    lines += ["", f"Last batch against first: wall {last['wall_s'] / first['wall_s']:.2f}×, "
                  f"peak RSS {last['peak_rss_gb'] / first['peak_rss_gb']:.2f}× (target: wall ≤ 1.5×).", END, ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=1000)
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    work = WORK / "state"
    shutil.rmtree(work, ignore_errors=True)
    files = daily_batches(args.days, args.per_day, work / "batches")
    newsdedup = str(Path(sys.executable).with_name("newsdedup"))
    state, rows = work / "state", []
    for i, batch in enumerate(files, start=1):
        read = state_bytes(state) if state.exists() else 0
        retained = (json.loads((state / "manifest.json").read_text())["state"]["retained_articles"]
                    if state.exists() else 0)
        run = run_command([newsdedup, "run", "--input", str(batch), "--output", str(work / "out" / batch.stem),
                           "--state", str(state)])
        articles = sum(1 for line in batch.read_text().splitlines() if line.strip())
        rows.append({"batch": i, "articles": articles, "retained_before": retained, "state_read_bytes": read,
                     "wall_s": run["wall_s"], "cpu_s": run["cpu_s"], "peak_rss_gb": run["peak_rss_gb"]})
        print(json.dumps(rows[-1]), flush=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT,
                            check=False).stdout.strip()
    results = {"days": args.days, "per_day": args.per_day, "commit": commit, "batches": rows}
    (WORK / "state.json").write_text(json.dumps(results, indent=2))
    page = Path(args.output)
    text = page.read_text() if page.exists() else ""
    if BEGIN in text:
        text = text[: text.index(BEGIN)] + text[text.index(END) + len(END):].lstrip("\n")
    page.write_text(text.rstrip("\n") + "\n\n" + render(results))
    print(f"wrote {page}")


if __name__ == "__main__":
    main()
