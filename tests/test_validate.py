"""ValidateArticles: the dict route into Deduplicate settles ids with the files' rules."""

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from newsdedup.transforms.validate import ValidateArticles


def _run(records):
    with TestPipeline() as p:
        out = p | beam.Create(records) | ValidateArticles()
        kept = out["articles"] | "Kept" >> beam.FlatMap(lambda batch: [(a.article_id, a.title) for a in batch])
        rejects = out["rejects"] | "Why" >> beam.Map(lambda r: (r.file, r.line, r.reason))
        yield kept, rejects


def test_versions_resends_retractions_and_bad_records_in_memory():
    records = [
        (1, {"id": "a", "title": "first", "version": "1"}),
        (2, {"id": "a", "title": "corrected", "version": "2"}),
        (3, {"id": "a", "title": "corrected", "version": "2"}),
        (4, {"id": "b", "title": "to be withdrawn", "version": "1"}),
        (5, {"id": "b", "title": "", "version": "2", "pub_status": "canceled"}),
        (6, {"id": "c", "title": "plain"}),
        (7, {"id": "", "title": "no id"}),
        {"id": "d", "title": "no position"},
    ]
    for kept, rejects in _run(records):
        assert_that(kept, equal_to([("a", "corrected"), ("c", "plain"), ("d", "no position")]), label="kept")
        assert_that(rejects, equal_to([("input", 1, "superseded"), ("input", 3, "resend"), ("input", 4, "retracted"),
                                       ("input", 5, "retracted"), ("input", 7, "missing_id")]), label="rejected")


def test_the_same_id_twice_without_positions_loses_nothing():
    twice = [{"id": "x", "title": "one"}, {"id": "x", "title": "one"}, {"id": "x", "title": "two"}]
    for kept, rejects in _run(twice):
        assert_that(kept | beam.combiners.Count.Globally(), equal_to([1]), label="one kept")
        # "two" or one of the "one"s stands, whichever has the smaller digest: the other two are rejected.
        assert_that(rejects | beam.Map(lambda r: r[2] in ("duplicate_id", "duplicate_id_conflict")),
                    equal_to([True, True]), label="two rejected")
