"""The whole pipeline on seeds/, with the real model, as `make run` runs it."""

import json
import re
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


def test_a_run_goes_straight_to_fn_api_runner_without_fetching_prism(seeds_run, prism_attempts):
    assert not [stages for stages in prism_attempts if "WriteArticles" in stages]


def test_the_output_holds_the_tables_manifest_and_log_only(seeds_run):
    """Scratch files (the group vectors ClusterStories reads) are gone once the run is committed."""
    assert sorted(p.name for p in seeds_run.iterdir()) == ["articles", "copies", "manifest.json", "rejects",
                                                            "run.log", "stories"]


def test_manifest_says_where_the_time_went(seeds_run):
    seconds = json.loads((seeds_run / "manifest.json").read_text())["stage_seconds"]
    stages = {"ReadArticles", "DropDuplicateIds", "Fingerprint", "Describe", "FindCopyPairs", "GroupCopies",
              "EmbedGroups", "ClusterStories", "AssembleStories", "WriteArticles"}
    assert set(seconds) <= stages | {"SplitFiles", "FindDuplicateIds", "AfterDuplicates", "LinkCopies", "Members",
                                     "CarriedFields", "AllRejects", "RejectRows", "WriteStories", "WriteCopies",
                                     "WriteRejects", "CopyRows", "ReadRejects", "ScratchUsed",
                                     "AfterStories", "RemoveScratch"}
    assert seconds["EmbedGroups"] > 0  # sampled, but the model takes seconds
    assert all(v > 0 for v in seconds.values())


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


def test_copies_trace_the_reprint_chains(seeds_run, seed_records):
    """Every reprint is a copy of its chain's root (seeds' originals are all dated);
    the reprints cut with an ellipsis ("X" in seeds/README.md) are the truncated ones."""
    by_id = {r["id"]: r for r in seed_records}

    def root(article_id):
        parent = by_id[article_id].get("copy_of")
        return root(parent) if parent else article_id

    copies = {c["copy_article_id"]: c for c in pq.read_table(seeds_run / "copies").to_pylist()}
    assert set(copies) == {r["id"] for r in seed_records if r.get("copy_of")}
    assert all(c["origin_article_id"] == root(k) for k, c in copies.items())
    assert {k for k, c in copies.items() if c["truncated"]} == {
        "dl-0001", "mnd-0002", "eu-0003", "bat-0002", "lh-0001", "coop-0001", "pe-0001", "ms-0001"}
    assert copies["ms-0001"]["lag_seconds"] > 0 and copies["mnd-0002"]["lag_seconds"] is None
    assert not copies["yn-0001"]["headline_changed"] and copies["fp-0001"]["headline_changed"]
    stories = pq.read_table(seeds_run / "stories").to_pylist()
    for story in stories:
        assert [f["language"] for f in story["first_by_language"]] == story["languages"]


def test_carried_fields_and_metadata(seeds_run):
    table = pq.read_table(seeds_run / "articles")
    for name in ("section", "gold_cluster", "copy_of", "translation_of"):
        assert name in table.column_names
    meta = json.loads(table.schema.metadata[b"newsdedup"])
    assert meta["config"]["copies"]["threshold"] > 0 and meta["lsh"]["bands"] > 0


def test_eval_scores_the_run(seeds_run, capsys):
    assert main(["eval", "--gold", str(SEEDS), "--output", str(seeds_run)]) == 0
    table = capsys.readouterr().out
    assert "cross-language" in table and "language es" in table and "copy groups" in table
    assert main(["eval", "--gold", str(SEEDS), "--output", str(seeds_run), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["overall"]["items"] == 70 and report["missing"] == 0
    assert report["overall"]["pairwise"]["f1"] >= 0.95 and report["copies"]["f1"] == 1.0
    assert report["cross_language"]["pairs_gold"] > 0


def test_eval_scores_rated_pairs(seeds_run, capsys, tmp_path):
    rows = pq.read_table(seeds_run / "articles", columns=["article_id", "story_id"]).to_pylist()
    first = rows[0]
    same = next(r for r in rows[1:] if r["story_id"] == first["story_id"])
    other = next(r for r in rows if r["story_id"] != first["story_id"])
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"id1": first["article_id"], "id2": same["article_id"], "overall": 1.0, "lang1": "en",
                                 "lang2": "es"}) + "\n" + json.dumps({"id1": first["article_id"], "id2": other["article_id"],
                                                                      "overall": 4.0, "lang1": "en", "lang2": "es"}) + "\n")
    assert main(["eval", "--pairs", str(pairs), "--output", str(seeds_run), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["cross-language"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "pairs": 2, "positives": 1}


def test_a_cut_copy_of_a_wire_text_is_found_by_containment(tmp_path, seed_records, model_name):
    """A newspaper keeps a wire story's first 75 words: too little alike for Jaccard at the default
    threshold, but contained in the wire text, so one copy group, the wire text the origin, the copy truncated."""
    from conftest import run_pipeline

    wire = next(r for r in seed_records if r["id"] == "tsur-0002")
    word_76 = [m.start() for m in re.finditer(r"\S+", wire["body"])][75]
    cut = {**wire, "id": "diario-1", "source": "Diario", "title": "Un titular propio",
           "published_at": "2030-01-01T00:00:00Z", "body": wire["body"][:word_76].rstrip()}
    other = next(r for r in seed_records if r["id"] == "efe-0004")
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({k: r.get(k) for k in ("id", "source", "language", "published_at", "title", "body")},
                                       ensure_ascii=False) + "\n" for r in (wire, cut, other)), encoding="utf-8")
    out = run_pipeline([path], tmp_path / "out", model_name)
    articles = _articles(out)
    assert articles["diario-1"]["copy_group_id"] == articles["tsur-0002"]["copy_group_id"]
    assert articles["efe-0004"]["copy_group_id"] != articles["tsur-0002"]["copy_group_id"]
    (row,) = pq.read_table(out / "copies").to_pylist()
    assert (row["origin_article_id"], row["copy_article_id"]) == ("tsur-0002", "diario-1")
    assert row["similarity"] < 0.3 <= 0.35 <= row["containment"] and row["truncated"]
