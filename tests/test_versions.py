"""Versions of one wire item: the newest stands; older versions, resends and retractions are rejected with a reason."""

from itertools import permutations
from pathlib import Path

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from newsdedup.transforms.drop_duplicate_ids import read_unique_articles
from newsdedup.transforms.read import SplitFiles
from newsdedup.versions import decisions, entry
from wire_samples import g2


def _claims(*claims):
    return [entry(article_id, record, digest, file, line) for article_id, record, digest, file, line in claims]


def _decided(claims):
    found = {tuple(sorted(decisions(order))) for order in permutations(claims)}
    assert len(found) == 1  # the same whatever the order the records arrive in
    return {origin: reason for origin, (reason, _) in found.pop()}


def test_newer_version_stands_older_is_superseded_by_number_not_text():
    claims = _claims(("g", {"version": "9"}, "d1", "a.xml", 1), ("g", {"version": "10"}, "d2", "b.xml", 1),
                     ("g", {"version": "2"}, "d0", "c.xml", 1))
    assert _decided(claims) == {("a.xml", 1): "superseded", ("c.xml", 1): "superseded"}
    detail = dict(decisions(claims))[("a.xml", 1)][1]
    assert "version 9" in detail and "version 10 from b.xml:1" in detail


def test_version_created_decides_between_equal_versions_and_unversioned_items():
    claims = _claims(("g", {"version_created": "2024-01-05T10:00:00+01:00"}, "d1", "a.xml", 1),
                     ("g", {"version_created": "2024-01-05T09:30:00Z"}, "d0", "a.xml", 9))
    assert _decided(claims) == {("a.xml", 1): "superseded"}  # 10:00+01:00 is 09:00Z, older than 09:30Z


def test_exact_resend_and_conflicting_resend():
    claims = _claims(("g", {"version": "3"}, "d1", "a.xml", 1), ("g", {"version": "3"}, "d1", "b.xml", 4),
                     ("g", {"version": "3"}, "d7", "c.xml", 2))
    assert _decided(claims) == {("b.xml", 4): "resend", ("c.xml", 2): "duplicate_id_conflict"}


def test_reuters_style_cancel_with_large_versions_retracts_every_version():
    claims = _claims(("r", {"version": "1704448800123", "pub_status": "usable"}, "d1", "m1.xml", 5),
                     ("r", {"version": "1704449100456", "pub_status": "usable"}, "d2", "m2.xml", 5),
                     ("r", {"version": "1704449400789", "pub_status": "canceled"}, "d3", "m3.xml", 5),
                     ("other", {"version": "1"}, "d4", "m1.xml", 40))
    assert _decided(claims) == {("m1.xml", 5): "retracted", ("m2.xml", 5): "retracted", ("m3.xml", 5): "retracted"}
    assert "canceled by version 1704449400789" in dict(decisions(claims))[("m1.xml", 5)][1]


def test_withheld_alone_is_retracted_and_a_later_usable_version_reinstates():
    assert _decided(_claims(("w", {"version": "1", "pub_status": "withheld"}, "d", "a.xml", 1))) == {
        ("a.xml", 1): "retracted"}
    claims = _claims(("w", {"version": "1", "pub_status": "withheld"}, "d", "a.xml", 1),
                     ("w", {"version": "2", "pub_status": "usable"}, "e", "a.xml", 30))
    assert _decided(claims) == {("a.xml", 1): "superseded"}


def test_records_without_versions_keep_the_duplicate_id_rules():
    claims = _claims(("x", {}, "d2", "a.jsonl", 1), ("x", {}, "d1", "b.jsonl", 7), ("x", {}, "d1", "c.jsonl", 2))
    assert _decided(claims) == {("a.jsonl", 1): "duplicate_id_conflict", ("c.jsonl", 2): "duplicate_id"}


def _write(folder: Path, files: dict) -> list:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return [str(folder / name) for name in files]


def test_versions_resolved_through_the_read_stages(tmp_path):
    """Update, correction, resend and a Reuters-style cancel, spread over files: one article per live item."""
    reuters = "tag:reuters.com,2024:newsml_L1N3E0999"
    files = _write(tmp_path, {
        "v1.xml": g2(version=1, text="A magnitude 6.1 quake shook northern Chile."),
        "v1-again.xml": g2(version=1, text="A magnitude 6.1 quake shook northern Chile."),
        "v2-correction.xml": g2(version=2, created="2024-01-05T11:00:00Z", signal="correction",
                                text="A magnitude 6.2 quake, not 6.1, shook northern Chile."),
        "r-usable.xml": g2(guid=reuters, version=1704448800123, text="Markets fell in Santiago."),
        "r-canceled.xml": g2(guid=reuters, version=1704449400789, created="2024-01-05T12:00:00Z", status="canceled",
                             headline="", text=""),
    })
    with TestPipeline() as p:
        articles, rejects = read_unique_articles(p | SplitFiles(files))
        assert_that(articles | beam.FlatMap(lambda b: [(a.article_id, a.body, dict(a.extra)["signal"]) for a in b]),
                    equal_to([("tag:reuters.com,2024:newsml_L1N3E0001",
                               "A magnitude 6.2 quake, not 6.1, shook northern Chile.", ["correction"])]),
                    label="kept")
        assert_that(rejects | beam.Flatten() | beam.Map(lambda r: (Path(r.file).name, r.reason)),
                    equal_to([("v1.xml", "superseded"), ("v1-again.xml", "superseded"),
                              ("r-usable.xml", "retracted"), ("r-canceled.xml", "retracted")]), label="rejected")


def test_exact_resend_of_the_newest_version_is_a_resend(tmp_path):
    files = _write(tmp_path, {"a.xml": g2(version=5), "b.xml": g2(version=5)})
    with TestPipeline() as p:
        articles, rejects = read_unique_articles(p | SplitFiles(files))
        assert_that(articles | beam.FlatMap(lambda b: [Path(a.origin.rsplit(":", 1)[0]).name for a in b]),
                    equal_to(["a.xml"]), label="kept")
        assert_that(rejects | beam.Flatten() | beam.Map(lambda r: (Path(r.file).name, r.reason)),
                    equal_to([("b.xml", "resend")]), label="rejected")
