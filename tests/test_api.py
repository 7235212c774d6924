"""The Python API: ``Deduplicate`` in people's own Beam pipelines, ``dedupe()`` for notebooks."""

import json

import apache_beam as beam
import pandas as pd
import pyarrow as pa
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

import newsdedup
from newsdedup import Deduplicate, dedupe
from newsdedup.pipeline.config import ConfigError, load_config

from conftest import read_tables

pytestmark = pytest.mark.slow  # each runs the pipeline with the model


def _partition(articles) -> list[tuple]:
    return sorted(zip(*(articles.column(c).to_pylist() for c in ("article_id", "copy_group_id", "story_id"))))


def _as_wire_export(record: dict) -> dict:
    """A user's own schema, as a CMS or a warehouse might hold it."""
    return {"guid": record["id"], "agency": record.get("source"), "headline": record.get("title"),
            "text": record.get("body"), "lang": record.get("language"), "date": record.get("published_at"),
            "link": record.get("url")}


def _to_article(row: dict) -> dict:
    """The user's Map from their schema to newsdedup's fields."""
    return {"id": row["guid"], "source": row["agency"], "title": row["headline"], "body": row["text"],
            "language": row["lang"], "published_at": row["date"], "url": row["link"]}


def _user_pipeline(p, seed_records, model_name):
    """Read from a source of the user's, map to the fields, deduplicate, then the user's own aggregation."""
    exported = [_as_wire_export(r) for r in seed_records]
    result = (p
              | "FromWarehouse" >> beam.Create(exported)
              | "ToArticles" >> beam.Map(_to_article)
              | "Deduplicate" >> Deduplicate({"stories": {"model": model_name}}))
    sizes = (result.articles
             | "ByStory" >> beam.Map(lambda row: (row["story_id"], 1))
             | "StorySizes" >> beam.CombinePerKey(sum))
    return result, sizes


def test_public_names_are_few_and_importable_without_beam_first():
    assert sorted(newsdedup.__all__) == ["Deduplicate", "DeduplicateResult", "dedupe", "load_config"]
    assert newsdedup.load_config is load_config
    with pytest.raises(AttributeError):
        newsdedup.not_a_name  # noqa: B018


def test_deduplicate_in_a_user_pipeline_gives_the_cli_partition_and_ids(seeds_run, seed_records, model_name):
    cli = read_tables(seeds_run)
    expected_partition = _partition(cli["articles"])
    expected_sizes = sorted(zip(cli["stories"].column("story_id").to_pylist(),
                                cli["stories"].column("article_count").to_pylist()))
    expected_copies = sorted(zip(cli["copies"].column("origin_article_id").to_pylist(),
                                 cli["copies"].column("copy_article_id").to_pylist()))
    with TestPipeline() as p:
        result, sizes = _user_pipeline(p, seed_records, model_name)
        partition = result.articles | beam.Map(lambda r: (r["article_id"], r["copy_group_id"], r["story_id"]))
        assert_that(partition, equal_to(expected_partition), label="SamePartition")
        assert_that(sizes, equal_to(expected_sizes), label="SameStories")
        copies = result.copies | beam.Map(lambda r: (r["origin_article_id"], r["copy_article_id"]))
        assert_that(copies, equal_to(expected_copies), label="SameCopies")
        assert_that(result.rejects, equal_to([]), label="NoRejects")
        assert_that(result.carried_fields, equal_to([[]]), label="NothingCarried")


def test_dedupe_on_a_dataframe_equals_the_cli_tables(seeds_run, seed_records):
    tables = dedupe(pd.DataFrame(seed_records), direct_num_workers=1)
    assert set(tables) == {"articles", "stories", "copies", "rejects"}
    for name, table in read_tables(seeds_run).items():
        assert isinstance(tables[name], pd.DataFrame)
        pd.testing.assert_frame_equal(tables[name], table.to_pandas(), obj=name)


def test_dedupe_on_a_list_with_bad_records_returns_them_as_rejects(seeds_run, seed_records):
    bad = [
        {"title": "no id at all", "body": "text"},
        {"id": "empty-1", "title": "", "body": "  "},
        {"id": "date-1", "title": "A title", "published_at": "2025-02-30"},
        "not an object",
        dict(seed_records[0]),  # the same record again: an exact resend
    ]
    tables = dedupe(seed_records + bad, arrow=True, direct_num_workers=1)
    cli = read_tables(seeds_run)
    for name in ("articles", "stories", "copies"):
        assert tables[name].equals(cli[name]), name
    rejects = sorted(zip(*(tables["rejects"].column(c).to_pylist() for c in ("line", "reason"))))
    first = len(seed_records) + 1
    kept_or_not = {1, first + 4}  # the original and its resend: one is kept, the other rejected
    assert [r for r in rejects if r[0] not in kept_or_not] == [
        (first, "missing_id"), (first + 1, "empty_text"), (first + 2, "bad_date"), (first + 3, "not_an_object")]
    assert [reason for line, reason in rejects if line in kept_or_not] == ["duplicate_id"]
    assert set(tables["rejects"].column("file").to_pylist()) == {"input"}


def test_dedupe_takes_a_pyarrow_table_and_a_config_dict(seed_records):
    table = pa.Table.from_pylist(seed_records[:12])
    tables = dedupe(table, {"copies": {"threshold": 0.5}}, arrow=True, direct_num_workers=1)
    assert tables["articles"].num_rows == 12
    metadata = json.loads(tables["articles"].schema.metadata[b"newsdedup"])
    assert metadata["config"]["copies"]["threshold"] == 0.5


def test_a_bad_config_is_refused_before_anything_runs():
    with pytest.raises(ConfigError, match="copies.treshold"):
        Deduplicate({"copies": {"treshold": 0.5}})
    with pytest.raises(TypeError, match="list of dicts"):
        dedupe(42)
    with pytest.raises(TypeError, match="did you mean --direct_num_workers"):
        dedupe([], direct_num_worker=1)


def test_user_transforms_around_deduplicate_on_portable_runner_with_external_workers(
        seeds_run, seed_records, model_name, worker_pool, tmp_path):
    address, _ = worker_pool
    options = PipelineOptions(["--runner=PortableRunner", "--job_endpoint=embed", "--environment_type=EXTERNAL",
                               f"--environment_config={address}", f"--temp_location={tmp_path}"])
    cli = read_tables(seeds_run)
    expected_sizes = sorted(zip(cli["stories"].column("story_id").to_pylist(),
                                cli["stories"].column("article_count").to_pylist()))
    with beam.Pipeline(options=options) as p:
        result, sizes = _user_pipeline(p, seed_records, model_name)
        assert_that(sizes, equal_to(expected_sizes))
    assert not list(tmp_path.glob("newsdedup-*")), "scratch files left behind"
