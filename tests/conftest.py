import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds" / "articles.jsonl"
SHARED_DATA = ROOT.parent / "shared" / "data"


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


@pytest.fixture(scope="session")
def seeds_run(tmp_path_factory, model_name):
    """The whole pipeline on seeds/ with the default config, as `make run` runs it (shared: ~20 s)."""
    from newsdedup.pipeline.cli import main

    out = tmp_path_factory.mktemp("e2e") / "seeds"
    assert main(["run", "--input", str(SEEDS), "--output", str(out), "--set", f"stories.model={model_name}"]) == 0
    return out
