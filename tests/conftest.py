import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")

# No wall-clock limits in tests: Hypothesis's per-example deadline (200 ms) failed on a busy 2-core machine.
settings.register_profile("newsdedup", deadline=None)
settings.load_profile("newsdedup")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds" / "articles.jsonl"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session", autouse=True)
def prism_attempts():
    """Tests run offline: Beam's DirectRunner (TestPipeline's) would first fetch Prism from GitHub.

    Each attempt fails at once, so DirectRunner falls back to FnApiRunner as on
    a machine without network, and is recorded as the attempted pipeline's
    top-level stage names: ``newsdedup run`` must never make one.
    """
    from apache_beam.runners.portability import prism_runner

    attempts = []

    def refuse(runner, pipeline, options):
        attempts.append({part.full_label for part in pipeline.transforms_stack[0].parts})
        raise RuntimeError("no network in tests")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(prism_runner.PrismRunner, "run_pipeline", refuse)
        yield attempts


@pytest.fixture(scope="session")
def seed_records():
    return [json.loads(line) for line in SEEDS.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def model_name():
    """The installed default model; `make install` converts it."""
    from newsdedup.embedding.model import MODEL_HOME

    if not (MODEL_HOME / "multilingual-e5-small" / "modules.json").exists():
        pytest.fail("the default model is not installed: run `make install`")
    return "multilingual-e5-small"


def run_pipeline(inputs, out, model, *extra):
    from newsdedup.pipeline.cli import main

    argv = ["run", "--output", str(out), "--set", f"stories.model={model}", *extra]
    for path in inputs:
        argv += ["--input", str(path)]
    assert main(argv) == 0
    return out


@pytest.fixture(scope="session")
def seeds_run(tmp_path_factory, model_name):
    """The seeds run with default settings, shared by the end-to-end and determinism tests."""
    return run_pipeline([SEEDS], tmp_path_factory.mktemp("e2e") / "seeds", model_name)


def read_tables(out):
    import pyarrow.parquet as pq

    return {t: pq.read_table(Path(out) / t) for t in ("articles", "stories", "copies", "rejects")}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def worker_pool(tmp_path):
    """Beam's worker pool in its own process; it starts each SDK worker as a child process."""
    port = _free_port()
    log = tmp_path / "worker-pool.log"
    # The pool starts workers as `python -c ...`: this interpreter must come first on PATH. Functions
    # defined in test modules are pickled by reference: the workers import them from tests/.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "tests"), os.environ.get("PYTHONPATH")]))}
    with open(log, "wb") as stream:
        pool = subprocess.Popen([sys.executable, "-m", "apache_beam.runners.worker.worker_pool_main",
                                 f"--service_port={port}"], stdout=stream, stderr=stream, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert pool.poll() is None, log.read_text()
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert time.monotonic() < deadline, "worker pool did not start"
            time.sleep(0.2)
        yield f"127.0.0.1:{port}", log
    finally:
        pool.terminate()
        pool.wait(timeout=30)
