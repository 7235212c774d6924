"""The same pipeline on other Beam runners: portable workers here, production configs built."""

import shutil
import subprocess
import sys
from collections import Counter

import apache_beam as beam
import pyarrow.parquet as pq
import pytest
from google.protobuf import json_format

from newsdedup import progress
from newsdedup.pipeline.cli import main
from newsdedup.pipeline.config import load_config
from newsdedup.pipeline.graph import build
from newsdedup.pipeline.options import pipeline_options, runner_for

from conftest import ROOT, SEEDS

CONFIGS = ROOT / "configs"
RUNNERS = {"dataflow": "DataflowRunner", "flink": "FlinkRunner", "spark": "SparkRunner"}
STAGES = {"ReadArticles", "Fingerprint", "FindCopyPairs", "EmbedGroups", "ClusterStories", "WriteArticles"}


@pytest.mark.slow
def test_portable_runner_with_workers_in_other_processes_gives_the_same_tables(seeds_run, worker_pool, tmp_path,
                                                                             model_name):
    address, pool_log = worker_pool
    out = tmp_path / "portable"
    assert main(["run", "--input", str(SEEDS), "--output", str(out), "--set", f"stories.model={model_name}",
                 "--set", "runner.name=PortableRunner", "--job_endpoint=embed",
                 "--environment_type=EXTERNAL", f"--environment_config={address}"]) == 0
    for table in ("articles", "stories", "copies", "rejects"):
        assert pq.read_table(out / table).equals(pq.read_table(seeds_run / table)), table
    # Every stage ran in the pool's worker processes: their progress lines are in its log, not ours.
    totals = Counter()
    for line in pool_log.read_text(errors="replace").splitlines():
        totals.update(progress.parse(line) or {})
    assert totals["records_read"] == totals["articles_signed"] == totals["articles_written"] == 70
    assert totals["groups_embedded"] == totals["copy_groups"] > 0
    assert not any(progress.parse(line) for line in (out / "run.log").read_text().splitlines())


@pytest.mark.parametrize("name", sorted(RUNNERS))
def test_production_configs_build_the_whole_job(name, tmp_path):
    config = load_config(CONFIGS / f"{name}.yaml")
    assert config.runner.name == RUNNERS[name]
    assert not any(key.startswith("direct_") for key in config.runner.options)
    options = pipeline_options(config.runner, [])
    parsed = options.get_all_options(retain_unknown_options=True)
    assert parsed["runner"] == RUNNERS[name]
    for key, value in config.runner.options.items():  # each one a real Beam option
        assert str(parsed[key]) == str(value), key
    pipeline = beam.Pipeline(options=options)
    build(pipeline, [str(SEEDS)], config, str(tmp_path / "out"), {})
    proto = pipeline.to_runner_api()  # every DoFn pickled, as for submission
    assert STAGES <= {part for t in proto.components.transforms.values() for part in t.unique_name.split("/")}


def test_direct_runner_jobs_run_on_fn_api_runner_with_their_options():
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    runner = runner_for(pipeline_options(load_config(CONFIGS / "local.yaml").runner, ["--job_name=checked"]))
    assert isinstance(runner, FnApiRunner)
    passed = json_format.MessageToDict(runner._provision_info.provision_info.pipeline_options)  # what workers get
    assert passed["beam:option:job_name:v1"] == "checked"
    assert passed["beam:option:direct_running_mode:v1"] == "multi_processing"
    for name in RUNNERS:
        assert runner_for(pipeline_options(load_config(CONFIGS / f"{name}.yaml").runner, [])) is None


def test_dataflow_translates_the_job_without_submitting(monkeypatch):
    """Needs apache-beam[gcp], which CI does not install (see README "Running at scale")."""
    pytest.importorskip("apitools", reason="apache-beam[gcp] is not installed")
    from apache_beam.portability import common_urns
    from google.cloud import dataflow
    from apache_beam.portability.api import beam_runner_api_pb2

    monkeypatch.chdir(ROOT)  # setup_file: ./setup.py
    config = load_config(CONFIGS / "dataflow.yaml")
    pipeline = beam.Pipeline(options=pipeline_options(config.runner, ["--dry_run=True"]))
    build(pipeline, [str(SEEDS)], config, "gs://your-bucket/out", {})
    job = pipeline.run().job  # translated and validated; --dry_run stops before staging and submission
    assert job.proto.type_ == dataflow.JobType.JOB_TYPE_BATCH
    assert STAGES <= {part for t in job.proto_pipeline.components.transforms.values() for part in t.unique_name.split("/")}
    (env,) = job.proto_pipeline.components.environments.values()
    assert env.urn == common_urns.environments.DOCKER.urn
    image = beam_runner_api_pb2.DockerPayload.FromString(env.payload).container_image
    assert image == config.runner.options["sdk_container_image"]
    staged = {beam_runner_api_pb2.ArtifactStagingToRolePayload.FromString(d.role_payload).staged_name
              for d in env.dependencies}
    assert "workflow.tar.gz" in staged  # the --setup_file package


def test_the_package_beam_ships_with_setup_file_installs(tmp_path):
    """--setup_file: Beam builds an sdist here and every remote worker pip-installs it."""
    from apache_beam.runners.portability.stager import Stager

    # A clean copy: a stale *.egg-info in a working tree can mask files missing from the sdist.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".*", "*.egg-info", "build", "out", "__pycache__"))
    sdist = Stager._build_setup_package(str(source / "setup.py"), str(tmp_path))
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(site), sdist], check=True)
    for module in ("newsdedup/pipeline/run.py", "newsdedup/transforms/embed_groups.py", "newsdedup/embedding/model.py"):
        assert (site / module).is_file(), module
