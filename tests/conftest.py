import json
import os
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
