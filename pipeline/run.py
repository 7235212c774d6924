"""Running a job: inputs expanded, output staged, pipeline run, output committed.

Output is built in ``<output>.partial`` and renamed into place only when the
pipeline succeeded and the manifest is written, so a folder named like the
output is always complete. ``manifest.json`` is written last inside it.
Everything goes through Beam's FileSystems, so the output may be on any of
them: where folders exist (local disk, HDFS) the commit is one rename; on an
object store (gs://, s3://) objects move one by one and ``manifest.json``,
moved last, marks the run complete.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import platform
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import NamedTuple, Optional, Sequence

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.io.filesystem import BeamIOError, CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import monitoring_infos
from apache_beam.runners.runner import PipelineState

import newsdedup
from newsdedup import lsh, memory, progress
from newsdedup.embedding.model import ModelNotFound, check_backend, resolve_model
from newsdedup.reconcile import manifest_counts
from newsdedup.schema import TABLES
from newsdedup.pipeline.config import Config
from newsdedup.pipeline.data_plane_fix import OversizedInput
from newsdedup.pipeline.graph import build, scratch_directory
from newsdedup.pipeline.options import pipeline_options, runner_for
from newsdedup.transforms.scratch import files_under, remove_tree
from newsdedup.transforms.read import SKIPPED_PREFIX, file_format

MANIFEST = "manifest.json"
LOG = "run.log"
_VERSIONED = ("apache-beam", "datasketch", "numpy", "pyarrow", "sentence-transformers", "torch", "onnxruntime", "py3langid")


class UserError(Exception):
    """A mistake the user can fix; shown as one line, without a traceback."""


class PipelineFailed(Exception):
    """The job itself failed; the message carries the end of the worker log."""


@dataclass(frozen=True)
class RunResult:
    output: str
    manifest: dict


def _is_local(path: str) -> bool:
    return FileSystems.get_scheme(path) is None


def _is_folder(pattern: str) -> bool:
    """A local folder; on an object store, a plain path that is no object (a prefix)."""
    if _is_local(pattern):
        return os.path.isdir(pattern)
    return not any(c in pattern for c in "*?[") and not FileSystems.exists(pattern)


class Inputs(NamedTuple):
    files: list[str]  # to read
    skipped: list[str]  # in a folder given, but no reader takes them: named in the summary and the manifest


def expand_inputs(patterns: Sequence[str], forced_format: Optional[str] = None) -> Inputs:
    """Every input file matched by the paths or globs; each pattern must match.

    A folder contributes the files in it whose format is known by name or
    content (the others are listed as skipped); a file named explicitly or by
    a glob must have a known format.
    """
    if not patterns:
        raise UserError("no --input given")
    files: set[str] = set()
    skipped: set[str] = set()
    for pattern in patterns:
        folder = _is_folder(pattern)
        query = FileSystems.join(pattern.rstrip("/"), "*") if folder else pattern
        try:
            matches = FileSystems.match([query])[0].metadata_list
        except Exception as err:  # Beam raises BeamIOError for unreachable or unknown paths
            raise UserError(f"cannot list input {pattern}: {err}") from None
        found = []
        for path in (m.path for m in matches):
            if os.path.isdir(path) or os.path.basename(path).startswith("."):
                continue
            try:
                file_format(path, forced_format)
                found.append(path)
            except ValueError as err:
                if not folder:
                    raise UserError(str(err)) from None
                skipped.add(path)
        if not found:
            raise UserError(f"input {pattern} matches no {'article file' if folder else 'file'}")
        files.update(found)
    return Inputs(sorted(files), sorted(skipped - files))


def _versions() -> dict:
    found = {"python": platform.python_version(), "newsdedup": newsdedup.__version__}
    for name in _VERSIONED:
        try:
            found[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            pass
    return found


def _prepare_output(output: str, overwrite: bool) -> str:
    """The staging folder ``<output>.partial``, emptied; the output checked."""
    if _is_local(output):
        target = Path(output)
        if target.exists() and not target.is_dir():
            raise UserError(f"output {output} exists and is not a folder")
        if target.exists() and any(target.iterdir()) and not overwrite:
            raise UserError(f"output {output} already holds a run; pass --overwrite to replace it")
        try:
            target.resolve().parent.mkdir(parents=True, exist_ok=True)
            staging = target.with_name(target.name + ".partial")
            remove_tree(str(staging))
            staging.mkdir()
        except OSError as err:
            raise UserError(f"cannot write output {output}: {err.strerror or err}") from None
        return str(staging)
    try:
        if files_under(output) and not overwrite:
            raise UserError(f"output {output} already holds a run; pass --overwrite to replace it")
        staging = output + ".partial"
        remove_tree(staging)
    except BeamIOError as err:
        raise UserError(f"cannot write output {output}: {err}") from None
    return staging


def _commit(staging: str, output: str) -> None:
    if FileSystems.get_filesystem(output).has_dirs():
        # One rename of the whole folder: atomic on a local disk and on HDFS.
        old = output + ".old"
        remove_tree(old)
        if FileSystems.exists(output):
            FileSystems.rename([output], [old])
        FileSystems.rename([staging], [output])
        remove_tree(old)
        return
    # No folders to rename: the old run first stops being complete, then objects
    # move one by one, and the manifest arrives last to mark the new run complete.
    manifest = FileSystems.join(output, MANIFEST)
    if FileSystems.exists(manifest):
        FileSystems.delete([manifest])
    remove_tree(output)
    staged = sorted(files_under(staging), key=lambda path: path == FileSystems.join(staging, MANIFEST))
    for batch in (staged[:-1], staged[-1:]):
        FileSystems.rename(batch, [output + path[len(staging):] for path in batch])


def _write_text(path: str, text: str) -> None:
    with FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED) as stream:
        stream.write(text.encode("utf-8"))


def _num_rows(path: str) -> int:
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as stream:
        return pq.ParquetFile(stream).metadata.num_rows


def _row_counts(directory: str) -> dict:
    return {
        table: sum(_num_rows(m.path) for m in
                   FileSystems.match([FileSystems.join(directory, table, "*.parquet")])[0].metadata_list)
        for table in TABLES
    }


_COMPOSITES = ("ReadArticleFiles", "Articles", "Deduplicate")  # wrap the stages named in the manifest


def _stage_of(step: str) -> str:
    parts = step.split("/")
    while len(parts) > 1 and parts[0] in _COMPOSITES:
        parts = parts[1:]
    return parts[0]


def _reasons(directory: str) -> dict:
    """Rejected records by reason: superseded versions, resends and retractions are counted here."""
    counts: dict[str, int] = {}
    for match in FileSystems.match([FileSystems.join(directory, "rejects", "*.parquet")])[0].metadata_list:
        with FileSystems.open(match.path, compression_type=CompressionTypes.UNCOMPRESSED) as stream:
            for reason in pq.read_table(stream, columns=["reason"]).column("reason").to_pylist():
                counts[reason] = counts.get(reason, 0) + 1
    return dict(sorted(counts.items()))


def _stage_seconds(result) -> dict:
    """Seconds each top-level stage ran in the workers, from the runner's execution-time metrics.

    The DirectRunner reports them per transform (sampled, so CPU-bound stages
    show their CPU time); runners that do not are left out: their own UI shows it.
    """
    infos = getattr(result, "monitoring_infos", None)
    if infos is None:
        return {}
    msecs: dict[str, int] = {}
    for info in infos():
        if info.urn == monitoring_infos.TOTAL_MSECS_URN:
            stage = _stage_of(monitoring_infos.get_step_name(info) or "")
            if stage and not stage.startswith("ref_"):  # the runner's own buffer writes
                msecs[stage] = msecs.get(stage, 0) + monitoring_infos.extract_counter_value(info)
    return {stage: round(ms / 1000.0, 3) for stage, ms in sorted(msecs.items()) if ms}


def _counters(result) -> dict:
    counts = {}
    for counter in result.metrics().query()["counters"]:
        if counter.key.metric.namespace == "newsdedup":
            counts[counter.key.metric.name] = counts.get(counter.key.metric.name, 0) + counter.committed
    return counts


@contextlib.contextmanager
def _stderr_to(path: Path, enabled: bool):
    """Send this process's and Beam's worker processes' stderr to ``path``.

    Worker processes inherit file descriptor 2 and log at INFO regardless of
    our level; the log is kept beside the output instead of on the terminal.
    Yields a stream to the real stderr, for progress.
    """
    if not enabled:
        yield sys.stderr
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 2)
    terminal = os.fdopen(os.dup(saved), "w", buffering=1)
    try:
        yield terminal
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        terminal.close()


_PROGRESS = (
    ("records_read", "read"), ("records_rejected_on_read", "rejected"), ("articles_signed", "signed"),
    ("pairs_verified", "pairs verified"), ("copy_groups", "copy groups"), ("groups_embedded", "embedded"),
    ("stories", "stories"), ("articles_written", "articles written"),
)


class _ProgressPrinter:
    """One refreshed line on a terminal; a line every ``every`` seconds elsewhere."""

    def __init__(self, stream, every: float = 10.0):
        self._stream, self._every, self._last = stream, every, 0.0
        self._tty = stream.isatty()

    def __call__(self, totals) -> None:
        line = "  " + " · ".join(f"{label} {totals[key]:,}" for key, label in _PROGRESS if key in totals)
        if self._tty:
            self._stream.write("\r\033[K" + line)
        elif time.monotonic() - self._last >= self._every:
            self._stream.write(line + "\n")
            self._last = time.monotonic()
        self._stream.flush()

    def close(self) -> None:
        if self._tty:
            self._stream.write("\r\033[K")
            self._stream.flush()


def failure_report(err: Exception, log: Path, lines: int = 30) -> str:
    """The error's first line, a hint when the cause is a known limit, and the end of the log."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        text = ""
    first = str(err).splitlines()[0] if str(err) else ""
    hint = ("\nDirectRunner sends each key's group to a worker in one gRPC message, at most 2 GB. Raise "
            "output.shards if a table's shard is that large; story clustering gathers every copy group under one "
            "key, so past that run on a distributed runner (configs/)." if isinstance(err, OversizedInput) else "")
    tail = "\n".join(text.splitlines()[-lines:])
    return f"the pipeline failed: {err.__class__.__name__}: {first}{hint}\n--- last lines of {log} ---\n{tail}"


def run(
    inputs: Sequence[str],
    output: str,
    config: Config,
    beam_args: Sequence[str] = (),
    overwrite: bool = False,
    quiet_workers: bool = True,
    input_format: Optional[str] = None,
) -> RunResult:
    """``newsdedup run``: the article files matched by ``inputs`` deduplicated into tables under ``output``.

    ``input_format``: every file is read as this format (``--format``), whatever its name.
    """
    files, skipped_files = expand_inputs(inputs, input_format)
    return execute(files, files, output, config, beam_args=beam_args, overwrite=overwrite,
                   quiet_workers=quiet_workers, input_format=input_format, skipped_files=skipped_files)


def run_records(records: Sequence[dict], output: str, config: Config, *, beam_args: Sequence[str] = (),
                overwrite: bool = False, quiet_workers: bool = True) -> RunResult:
    """In-memory article dicts deduplicated into tables under ``output``; rejects name the record's position (from 1)."""
    source = beam.Create(list(enumerate(records, start=1)), reshuffle=False)
    return execute(source, [f"<{len(records)} records in memory>"], output, config, beam_args=beam_args,
                   overwrite=overwrite, quiet_workers=quiet_workers)


def execute(source, described_inputs: Sequence[str], output: str, config: Config, *, beam_args: Sequence[str] = (),
            overwrite: bool = False, quiet_workers: bool = True, input_format: Optional[str] = None,
            skipped_files: Sequence[str] = ()) -> RunResult:
    """The job on ``source`` (file paths, or a transform giving article dicts), staged, run, reconciled and committed."""
    output = output.rstrip("/") or output  # "gs://b/out/" and "gs://b/out" name one output
    try:
        model_path = resolve_model(config.stories.model)
        check_backend(model_path, config.stories.backend)
    except ModelNotFound as err:
        raise UserError(str(err)) from None
    options = pipeline_options(config.runner, beam_args)
    runner = options.get_all_options()["runner"]
    staging = _prepare_output(output, overwrite)
    bands, rows = lsh.lsh_params(config.copies.lsh_threshold, config.copies.num_perm)
    metadata = {"config": config.to_dict(), "model": config.stories.model, "lsh": {"bands": bands, "rows": rows},
                "versions": _versions()}

    memory.keep_releasing_freed_memory()  # DirectRunner's runner is this process
    started = time.monotonic()
    pipeline = beam.Pipeline(runner=runner_for(options), options=options)
    build(pipeline, source, config, staging, metadata, input_format=input_format)
    # The launcher's log is a local file; a remote output receives a copy on success.
    log = Path(staging) / LOG if _is_local(output) else Path(tempfile.mkstemp(prefix="newsdedup-", suffix=".log")[1])
    try:
        with _stderr_to(log, quiet_workers) as terminal:
            if quiet_workers and runner != "DirectRunner":
                terminal.write(f"newsdedup: running on {runner}; its own UI shows progress "
                               f"(launcher log: {log})\n")
            printer = _ProgressPrinter(terminal)
            monitor = progress.Monitor(log, printer)
            if quiet_workers:
                monitor.start()
            try:
                result = pipeline.run()
                state = result.wait_until_finish()
                if state != PipelineState.DONE:  # e.g. cancelled: the output is incomplete
                    raise RuntimeError(f"the job ended in state {state}")
            finally:
                if quiet_workers:
                    monitor.stop()
                printer.close()
    except Exception as err:
        logging.getLogger(__name__).debug("pipeline failed", exc_info=True)
        raise PipelineFailed(failure_report(err, log)) from err
    elapsed = time.monotonic() - started

    counters = _counters(result)
    counts, reconciled = manifest_counts(counters, _row_counts(staging))
    manifest = {
        **metadata,
        "model_path": model_path,
        "inputs": list(described_inputs),
        "runner": runner,
        "counts": counts,
        "reconciled": reconciled,
        "skipped_files": list(skipped_files),
        "skipped_records": {name[len(SKIPPED_PREFIX):]: n for name, n in sorted(counters.items())
                            if name.startswith(SKIPPED_PREFIX) and n},
        "rejects_by_reason": _reasons(staging),
        "elapsed_seconds": round(elapsed, 3),
        "stage_seconds": _stage_seconds(result),
    }
    if not _is_local(output):
        _write_text(FileSystems.join(staging, LOG), log.read_text(errors="replace"))
        log.unlink()
    _write_text(FileSystems.join(staging, MANIFEST), json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    remove_tree(scratch_directory(staging))
    _commit(staging, output)
    return RunResult(output, manifest)
