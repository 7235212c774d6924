"""Same input and config, same ids and Parquet data, however the work is split or ordered."""

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from conftest import SEEDS, read_tables, run_pipeline

pytestmark = pytest.mark.slow


def _assert_same(out_a, out_b, tables=("articles", "stories", "copies", "rejects")):
    a, b = read_tables(out_a), read_tables(out_b)
    for table in tables:
        assert a[table].equals(b[table]), table


def test_one_worker_gives_the_same_output(seeds_run, tmp_path, model_name):
    other = run_pipeline([SEEDS], tmp_path / "one", model_name, "--direct_num_workers=1")
    _assert_same(seeds_run, other)


def test_shuffled_lines_and_file_order(seeds_run, tmp_path, model_name):
    lines = SEEDS.read_text(encoding="utf-8").splitlines()
    random.Random(7).shuffle(lines)
    (tmp_path / "b.jsonl").write_text("\n".join(lines[:30]) + "\n", encoding="utf-8")
    (tmp_path / "a.jsonl").write_text("\n".join(lines[30:]) + "\n", encoding="utf-8")
    other = run_pipeline([tmp_path / "b.jsonl", tmp_path / "a.jsonl"], tmp_path / "out", model_name)
    _assert_same(seeds_run, other, ("articles", "stories", "copies"))


def test_sigkill_midway_leaves_no_complete_folder_and_rerun_matches(seeds_run, tmp_path, model_name):
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "newsdedup.pipeline.cli", "run", "--input", str(SEEDS), "--output", str(out),
               "--set", f"stories.model={model_name}"]
    job = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log = tmp_path / "killed.partial" / "run.log"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and "articles_signed" not in (log.read_text() if log.exists() else ""):
        time.sleep(0.2)
    assert job.poll() is None, "the run ended before it could be killed"
    os.killpg(job.pid, signal.SIGKILL)  # the launcher and its worker processes
    job.wait()
    assert job.returncode == -signal.SIGKILL
    assert not out.exists()  # nothing that looks like a finished run

    run_pipeline([SEEDS], out, model_name)
    _assert_same(seeds_run, out)
    assert json.loads((out / "manifest.json").read_text())["reconciled"] is True
    assert not (tmp_path / "killed.partial").exists()
