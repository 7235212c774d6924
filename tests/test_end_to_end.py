"""The whole pipeline on seeds/, with the real model, as `make run` runs it."""

import json
from collections import defaultdict

import pyarrow.parquet as pq
import pytest

from newsdedup.components import connected_components
from newsdedup.evaluate import pairwise_scores
from newsdedup.pipeline.cli import main

from conftest import SEEDS

pytestmark = pytest.mark.slow


def _articles(out):
    return {r["article_id"]: r for r in pq.read_table(out / "articles").to_pylist()}


def test_every_record_is_accounted_for(seeds_run, seed_records):
    manifest = json.loads((seeds_run / "manifest.json").read_text())
    assert manifest["counts"]["read"] == len(seed_records) == 70
    assert manifest["counts"]["accepted"] + manifest["counts"]["rejected"] == manifest["counts"]["read"]
    assert manifest["reconciled"] is True
    assert set(_articles(seeds_run)) == {r["id"] for r in seed_records}
    assert manifest["versions"]["apache-beam"] and manifest["model"] == "multilingual-e5-small"


def test_gold_stories_are_recovered(seeds_run, seed_records):
    articles = _articles(seeds_run)
    gold = {r["id"]: r["gold_cluster"] for r in seed_records}
    scores = pairwise_scores({k: a["story_id"] for k, a in articles.items()}, gold)
    assert scores["f1"] >= 0.95, scores


def test_stories_cross_languages(seeds_run):
    stories = pq.read_table(seeds_run / "stories").to_pylist()
    crossing = [s for s in stories if s["languages"] == ["en", "es"]]
    assert len(crossing) >= 6
    assert sum(s["article_count"] for s in stories) == 70


def test_copy_groups_are_the_reprint_chains(seeds_run, seed_records):
    roots = connected_components([(r["id"], r["copy_of"]) for r in seed_records if r.get("copy_of")])
    truth = {r["id"]: roots.get(r["id"], r["id"]) for r in seed_records}
    found = {k: a["copy_group_id"] for k, a in _articles(seeds_run).items()}
    assert pairwise_scores(found, truth)["f1"] == 1.0


def test_canonicals_are_the_originals(seeds_run, seed_records):
    articles = _articles(seeds_run)
    by_id = {r["id"]: r for r in seed_records}
    groups = defaultdict(list)
    for a in articles.values():
        groups[a["copy_group_id"]].append(a)
    for members in groups.values():
        canon = [a for a in members if a["is_group_canonical"]]
        assert len(canon) == 1
        if len(members) > 1:  # the wire original, which reprints point to
            assert by_id[canon[0]["article_id"]]["copy_of"] is None
    stories = defaultdict(list)
    for a in articles.values():
        stories[a["story_id"]].append(a)
    for members in stories.values():
        assert sum(a["is_story_canonical"] for a in members) == 1


def test_carried_fields_and_metadata(seeds_run):
    table = pq.read_table(seeds_run / "articles")
    for name in ("section", "gold_cluster", "copy_of", "translation_of"):
        assert name in table.column_names
    meta = json.loads(table.schema.metadata[b"newsdedup"])
    assert meta["config"]["copies"]["threshold"] > 0 and meta["lsh"]["bands"] > 0


def test_same_output_with_one_worker(seeds_run, tmp_path, model_name):
    other = tmp_path / "one-worker"
    assert main(["run", "--input", str(SEEDS), "--output", str(other), "--set", f"stories.model={model_name}",
                 "--direct_num_workers=1"]) == 0
    for table in ("articles", "stories", "rejects"):
        assert pq.read_table(other / table).equals(pq.read_table(seeds_run / table)), table
