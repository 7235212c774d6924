"""The ``newsdedup`` command line."""

from __future__ import annotations

import argparse
import difflib
import logging
import sys
from typing import Optional, Sequence

from newsdedup.pipeline.config import ConfigError, load_config
from newsdedup.readers import FORMATS

_USAGE_ERROR = 2


def _run_parser(sub) -> argparse.ArgumentParser:
    run = sub.add_parser(
        "run",
        help="deduplicate articles into stories",
        # --input and --output are checked after unknown options, so a misspelt --output is named as such.
        usage="%(prog)s [-h] --input PATH_OR_GLOB [--format FORMAT] --output DIR [--config FILE] [--set KEY=VALUE] [--overwrite] "
        "[--state STATE [--rebuild-state]] "
        "[Beam flags]",
        description="Read articles, find copies and stories, write Parquet. "
        "Other --flags must be Apache Beam pipeline options (e.g. --runner, --direct_num_workers) "
        "and are passed to Beam; any other is an error.",
    )
    run.add_argument("--input", action="append", metavar="PATH_OR_GLOB",
                     help="input file, folder or glob (.jsonl, .csv, .parquet, NewsML-G2, NITF, NewsML 1.2, ninjs, "
                     "RSS/Atom, WARC; each optionally .gz); repeatable")
    run.add_argument("--format", choices=FORMATS, metavar="FORMAT",
                     help=f"read every input as this format instead of by name and content ({', '.join(FORMATS)})")
    run.add_argument("--output", metavar="DIR", help="output folder")
    run.add_argument("--config", metavar="FILE", help="YAML config (default: built-in defaults = configs/local.yaml)")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override one config value, e.g. --set copies.threshold=0.4; repeatable")
    run.add_argument("--overwrite", action="store_true", help="replace an output folder that already holds a run")
    run.add_argument("--state", metavar="STATE", help="incremental run: match the batch against STATE (a folder, "
                     "created on the first run) and commit the updated STATE; --output receives the batch's tables")
    run.add_argument("--rebuild-state", action="store_true",
                     help="start STATE over from this batch, even if it was made with another config")
    return run


def _eval_parser(sub) -> argparse.ArgumentParser:
    ev = sub.add_parser(
        "eval",
        help="score a run against gold labels",
        description="Score a run's stories (and copy groups, when the gold has copy_of) against a labelled JSONL: "
        "pairwise and BCubed P/R/F1, ARI, NMI; overall, per language and on cross-language pairs. With --pairs, "
        "score its stories as a same-story classifier on rated pairs (SemEval-22 Task 8: overall <= 1.5 same "
        "story, >= 3.5 not): P/R/F1 on same- and cross-language pairs, real and machine-translated apart.",
    )
    gold = ev.add_mutually_exclusive_group(required=True)
    gold.add_argument("--gold", metavar="FILE", help="JSONL with id, gold_cluster[, language, copy_of]")
    gold.add_argument("--pairs", metavar="FILE", help="JSONL with id1, id2, overall[, lang1, lang2, machine_translated]")
    ev.add_argument("--output", required=True, metavar="DIR", help="the run's output folder (as given to run --output)")
    ev.add_argument("--json", action="store_true", help="print the scores as JSON")
    return ev


def _evaluate(args) -> int:
    import json
    from pathlib import Path

    import pyarrow.parquet as pq

    from newsdedup.evaluate import format_pair_report, format_report, load_gold, load_pairs, pair_scores, score_run

    tables = Path(args.output) / "articles"
    if not tables.is_dir():
        raise ConfigError(f"{args.output} holds no run (no articles/ folder)")
    path = args.pairs or args.gold
    try:
        gold = load_pairs(path) if args.pairs else load_gold(path)
    except OSError as err:
        raise ConfigError(f"cannot read gold file {path}: {err.strerror}") from None
    except ValueError as err:  # bad JSON or a record without its fields
        raise ConfigError(f"gold file {path}: {err}") from None
    columns = ["article_id", "story_id", "copy_group_id", "language"]
    articles = pq.read_table(tables, columns=columns).to_pylist()
    if args.pairs:
        report = pair_scores({a["article_id"]: a["story_id"] for a in articles}, gold)
        print(json.dumps(report, indent=2, sort_keys=True) if args.json else format_pair_report(report))
        return 0
    report = score_run(articles, gold)
    print(json.dumps(report, indent=2, sort_keys=True) if args.json else format_report(report))
    return 0


def _report_parser(sub) -> argparse.ArgumentParser:
    report = sub.add_parser(
        "report",
        help="summarise a run as one self-contained HTML page",
        description="Read a run's Parquet output, print a short summary and write an HTML report "
        "(plots and styles inlined: it opens offline).",
    )
    report.add_argument("output", metavar="OUTPUT_DIR", help="folder written by `newsdedup run`")
    report.add_argument("--html", metavar="FILE", help="HTML file to write (default: OUTPUT_DIR/report.html)")
    report.add_argument("--top", type=int, default=25, metavar="N", help="largest stories listed (default 25)")
    return report


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
    notes = [f"  not articles, skipped: {', '.join(f'{n:,} {why}' for why, n in manifest['skipped_records'].items())}"
             ] if manifest.get("skipped_records") else []
    skipped = manifest.get("skipped_files") or []
    if skipped:
        names = ", ".join(skipped[:10]) + (f" and {len(skipped) - 10} more" if len(skipped) > 10 else "")
        notes.append(f"  {len(skipped)} file(s) no reader takes, not read: {names}")
    return "\n".join([body, *notes, f"  {status}; {manifest['elapsed_seconds']:.1f} s"])


def _flags(parser: argparse.ArgumentParser) -> list[str]:
    return [flag for action in parser._actions for flag in action.option_strings if flag.startswith("--")]


def unknown_option(left: Sequence[str], ours: Sequence[str], beam: Optional[argparse.ArgumentParser]) -> Optional[str]:
    """The error for arguments newsdedup did not take (``left``), if any: what Beam does not know either.

    ``beam`` is None for commands that take no Beam flags. Beam would drop an
    unknown flag with a warning and run with the default the user meant to change.
    """
    if beam is not None:
        _, left = beam.parse_known_args(list(left))  # raises ConfigError on a bad value
    if not left:
        return None
    flag = next((arg.split("=", 1)[0] for arg in left if arg.startswith("-")), None)
    if flag is None:
        return f"unexpected argument {left[0]!r}"
    known = list(ours) + (_flags(beam) if beam is not None else [])
    # Names are compared without their dashes, which every one shares and which would make far names close.
    nearest = difflib.get_close_matches(flag.lstrip("-"), [name[2:] for name in known], n=1)
    if nearest:
        return f"unknown option {flag}; did you mean --{nearest[0]}?"
    return f"unknown option {flag}: not an option of newsdedup{' or of Apache Beam' if beam is not None else ''}"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="newsdedup", description="Multilingual news-wire deduplication.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and Beam's log")
    sub = parser.add_subparsers(dest="command", required=True)
    commands = {"run": _run_parser(sub), "eval": _eval_parser(sub), "report": _report_parser(sub)}
    args, beam_args = parser.parse_known_args(argv)
    ours = _flags(parser) + _flags(commands[args.command])
    if args.command in ("eval", "report"):
        error = unknown_option(beam_args, ours, None)
        if error:
            print(f"newsdedup: error: {error}", file=sys.stderr)
            return _USAGE_ERROR
        try:
            return _evaluate(args) if args.command == "eval" else _report(args)
        except ConfigError as err:
            print(f"newsdedup: error: {err}", file=sys.stderr)
            return _USAGE_ERROR
    debug = args.debug or "--debug" in beam_args
    beam_args = [a for a in beam_args if a != "--debug"]
    # Beam warns at import about optional cloud clients; only --debug shows it.
    logging.basicConfig(level=logging.INFO if debug else logging.ERROR, format="%(levelname)s %(name)s: %(message)s")

    from newsdedup.pipeline.options import beam_option_parser
    from newsdedup.pipeline.run import PipelineFailed, UserError, run

    try:
        error = unknown_option(beam_args, ours, beam_option_parser())
        if error:
            raise ConfigError(error)
        missing = [flag for flag in ("--input", "--output") if not getattr(args, flag[2:])]
        if missing:
            commands["run"].error(f"the following arguments are required: {', '.join(missing)}")
        config = load_config(args.config, args.set)
        if args.state:
            from newsdedup.pipeline.state import run_with_state

            if args.format:
                raise UserError("--format cannot be used with --state yet: the state feeds back its articles as JSONL")
            result = run_with_state(args.input, args.output, args.state, config, beam_args=beam_args,
                                    quiet_workers=not debug, rebuild=args.rebuild_state)
        elif args.rebuild_state:
            raise UserError("--rebuild-state needs --state")
        else:
            result = run(args.input, args.output, config, beam_args, overwrite=args.overwrite, quiet_workers=not debug,
                         input_format=args.format)
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
