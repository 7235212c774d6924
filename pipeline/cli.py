"""The ``newsdedup`` command line."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Optional, Sequence

from newsdedup.pipeline.config import ConfigError, load_config

_USAGE_ERROR = 2


def _run_parser(sub) -> None:
    run = sub.add_parser(
        "run",
        help="deduplicate articles into stories",
        description="Read articles, find copies and stories, write Parquet. "
        "Unrecognised --flags are passed to Apache Beam (e.g. --runner, --direct_num_workers).",
    )
    run.add_argument("--input", action="append", required=True, metavar="PATH_OR_GLOB",
                     help="input file, folder or glob (.jsonl[.gz], .csv[.gz], .parquet); repeatable")
    run.add_argument("--output", required=True, metavar="DIR", help="output folder")
    run.add_argument("--config", metavar="FILE", help="YAML config (default: built-in defaults = configs/local.yaml)")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override one config value, e.g. --set copies.threshold=0.4; repeatable")
    run.add_argument("--overwrite", action="store_true", help="replace an output folder that already holds a run")
    run.add_argument("--state", metavar="STATE", help="incremental run: match the batch against STATE (a folder, "
                     "created on the first run) and commit the updated STATE; --output receives the batch's tables")
    run.add_argument("--rebuild-state", action="store_true",
                     help="start STATE over from this batch, even if it was made with another config")


def _eval_parser(sub) -> None:
    ev = sub.add_parser(
        "eval",
        help="score a run against gold labels",
        description="Score a run's stories (and copy groups, when the gold has copy_of) against a labelled JSONL: "
        "pairwise and BCubed P/R/F1, ARI, NMI; overall, per language and on cross-language pairs.",
    )
    ev.add_argument("--gold", required=True, metavar="FILE", help="JSONL with id, gold_cluster[, language, copy_of]")
    ev.add_argument("--output", required=True, metavar="DIR", help="the run's output folder (as given to run --output)")
    ev.add_argument("--json", action="store_true", help="print the scores as JSON")


def _evaluate(args) -> int:
    import json
    from pathlib import Path

    import pyarrow.parquet as pq

    from newsdedup.evaluate import format_report, load_gold, score_run

    tables = Path(args.output) / "articles"
    if not tables.is_dir():
        raise ConfigError(f"{args.output} holds no run (no articles/ folder)")
    try:
        gold = load_gold(args.gold)
    except OSError as err:
        raise ConfigError(f"cannot read gold file {args.gold}: {err.strerror}") from None
    except ValueError as err:  # bad JSON or a record without id/gold_cluster
        raise ConfigError(f"gold file {args.gold}: {err}") from None
    columns = ["article_id", "story_id", "copy_group_id", "language"]
    report = score_run(pq.read_table(tables, columns=columns).to_pylist(), gold)
    print(json.dumps(report, indent=2, sort_keys=True) if args.json else format_report(report))
    return 0


def _report_parser(sub) -> None:
    report = sub.add_parser(
        "report",
        help="summarise a run as one self-contained HTML page",
        description="Read a run's Parquet output, print a short summary and write an HTML report "
        "(plots and styles inlined: it opens offline).",
    )
    report.add_argument("output", metavar="OUTPUT_DIR", help="folder written by `newsdedup run`")
    report.add_argument("--html", metavar="FILE", help="HTML file to write (default: OUTPUT_DIR/report.html)")
    report.add_argument("--top", type=int, default=25, metavar="N", help="largest stories listed (default 25)")


def _report(args) -> int:
    from pathlib import Path

    from newsdedup.report.aggregate import Limits, ReportError, aggregate
    from newsdedup.report.render import render
    from newsdedup.report.summary import summary

    directory = Path(args.output)
    target = Path(args.html) if args.html else directory / "report.html"
    try:
        agg = aggregate(directory, Limits(stories=max(args.top, 0)))
    except ReportError as err:
        print(f"newsdedup: error: {err}", file=sys.stderr)
        return _USAGE_ERROR
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(agg, f"newsdedup report: {directory.name}"), encoding="utf-8")
    print(f"newsdedup: wrote {target} ({target.stat().st_size / 1e6:.1f} MB; open it in any browser, offline)")
    print(summary(agg))
    return 0


def summary_table(manifest: dict) -> str:
    counts = manifest["counts"]
    lines = [
        ("records read", counts["read"]),
        ("articles accepted", counts["accepted"]),
        ("records rejected", counts["rejected"]),
        ("copy groups", counts["copy_groups"]),
        ("copies of an origin", counts["copies"]),
        ("stories", counts["stories"]),
        ("languages detected", counts["languages_detected"]),
    ]
    width = max(len(name) for name, _ in lines)
    body = "\n".join(f"  {name:<{width}}  {value:>10,}" for name, value in lines)
    status = "all records accounted for" if manifest["reconciled"] else "WARNING: read != accepted + rejected"
    return f"{body}\n  {status}; {manifest['elapsed_seconds']:.1f} s"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="newsdedup", description="Multilingual news-wire deduplication.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and Beam's log")
    sub = parser.add_subparsers(dest="command", required=True)
    _run_parser(sub)
    _eval_parser(sub)
    _report_parser(sub)
    args, beam_args = parser.parse_known_args(argv)
    if args.command in ("eval", "report"):
        if beam_args:
            parser.error(f"unrecognized arguments: {' '.join(beam_args)}")
        try:
            return _evaluate(args) if args.command == "eval" else _report(args)
        except ConfigError as err:
            print(f"newsdedup: error: {err}", file=sys.stderr)
            return _USAGE_ERROR
    debug = args.debug or "--debug" in beam_args
    beam_args = [a for a in beam_args if a != "--debug"]
    # Beam warns at import about optional cloud clients; only --debug shows it.
    logging.basicConfig(level=logging.INFO if debug else logging.ERROR, format="%(levelname)s %(name)s: %(message)s")

    from newsdedup.pipeline.run import PipelineFailed, UserError, run

    try:
        config = load_config(args.config, args.set)
        if args.state:
            from newsdedup.pipeline.state import run_with_state

            result = run_with_state(args.input, args.output, args.state, config, beam_args=beam_args,
                                    quiet_workers=not debug, rebuild=args.rebuild_state)
        elif args.rebuild_state:
            raise UserError("--rebuild-state needs --state")
        else:
            result = run(args.input, args.output, config, beam_args, overwrite=args.overwrite, quiet_workers=not debug)
    except (UserError, ConfigError) as err:
        if debug:
            raise
        print(f"newsdedup: error: {err}", file=sys.stderr)
        return _USAGE_ERROR
    except PipelineFailed as err:
        if debug:
            raise
        print(f"newsdedup: error: {err}", file=sys.stderr)
        return 1
    print(f"newsdedup: wrote {result.output}")
    print(summary_table(result.manifest))
    return 0 if result.manifest["reconciled"] else 1


if __name__ == "__main__":
    sys.exit(main())
