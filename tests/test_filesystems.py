"""Input and output on a Beam filesystem without folders, as gs:// and s3:// are."""

import io
import json

import pyarrow.parquet as pq
import pytest
from apache_beam.io.filesystems import FileSystems

from newsdedup.pipeline.cli import main

import objectstore
from conftest import SEEDS

BUCKET = "objstore://bucket"


@pytest.fixture
def store():
    objectstore.OBJECTS.clear()
    yield objectstore.OBJECTS
    objectstore.OBJECTS.clear()


def _table(directory: str, table: str):
    paths = [m.path for m in FileSystems.match([FileSystems.join(directory, table, "*.parquet")])[0].metadata_list]
    assert paths
    return pq.read_table(io.BytesIO(objectstore.OBJECTS[paths[0]])) if len(paths) == 1 else None


@pytest.mark.slow
def test_a_run_reads_and_commits_through_the_object_store(store, seeds_run, model_name):
    store[f"{BUCKET}/in/articles.jsonl"] = SEEDS.read_bytes()
    out = f"{BUCKET}/out"
    # An earlier run to replace, and leftovers of a crashed one.
    store[f"{out}/manifest.json"] = b"{}"
    store[f"{out}/articles/part-00000-of-00002.parquet"] = b"old"
    store[f"{out}.partial/stories/part-00000-of-00001.parquet"] = b"stale"

    assert main(["run", "--input", f"{BUCKET}/in", "--output", out, "--overwrite",
                 "--set", f"stories.model={model_name}",
                 # objstore:// lives in this process: run the workers here too.
                 "--direct_running_mode=in_memory", "--direct_num_workers=1"]) == 0

    written = [path for path in store if path.startswith(out + "/")]
    assert not [path for path in store if path.startswith(out + ".partial")]
    assert not [path for path in written if "/_scratch/" in path]  # the group vectors were there during the run
    assert f"{out}/articles/part-00000-of-00002.parquet" not in store
    assert written[-1] == f"{out}/manifest.json"  # moved last: its presence marks the run complete
    assert f"{out}/run.log" in store
    manifest = json.loads(store[f"{out}/manifest.json"])
    assert manifest["inputs"] == [f"{BUCKET}/in/articles.jsonl"] and manifest["reconciled"]
    for table in ("articles", "stories", "copies", "rejects"):
        assert _table(out, table).equals(pq.read_table(seeds_run / table)), table


def test_an_output_holding_a_run_is_refused(store, capsys):
    store[f"{BUCKET}/in/articles.jsonl"] = SEEDS.read_bytes()
    store[f"{BUCKET}/out/manifest.json"] = b"{}"
    assert main(["run", "--input", f"{BUCKET}/in/", "--output", f"{BUCKET}/out"]) == 2
    assert "already holds a run" in capsys.readouterr().err
    assert store[f"{BUCKET}/out/manifest.json"] == b"{}"


def test_an_empty_prefix_is_no_input(store, capsys):
    assert main(["run", "--input", f"{BUCKET}/nothing", "--output", f"{BUCKET}/out"]) == 2
    assert "matches no article file" in capsys.readouterr().err
