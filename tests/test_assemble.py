"""The output rows of one story, written out by hand for a small story."""

from newsdedup import ids
from newsdedup.assemble import assemble_story, copy_rows, reject_row
from newsdedup.canonical import CanonicalPolicy
from newsdedup.copies import Copy
from newsdedup.records import CopyGroup, Member, Reject

HOUR = 3_600_000_000
POLICY = CanonicalPolicy(("EFE",))


def _m(article_id, source, language, published_at, title="T", extra=()):
    return Member(article_id, source, f"https://x/{article_id}", language, published_at, title, 100, "", extra)


def test_story_and_article_rows():
    wire = _m("w1", "EFE", "es", 5 * HOUR, "Titular EFE", extra=(("section", "mundo"), ("story_id", 7)))
    reprint = _m("r1", "Diario", "es", 6 * HOUR, "Titular reescrito")
    english = _m("e1", "AP", "en", 2 * HOUR, "English headline")
    undated = _m("u1", "", None, None, "Sin fecha")
    copy = Copy("cg-w", "w1", "r1", "EFE", "Diario", 3600.0, 0.8, 0.9, False, True, False)
    spanish = CopyGroup("cg-w", wire, ((reprint, 0.8125), (wire, 1.0)), 5 * HOUR, (copy,))
    other = CopyGroup("cg-e", english, ((english, 1.0),), 2 * HOUR)
    lone = CopyGroup("cg-u", undated, ((undated, 1.0),), None)
    story, rows = assemble_story([(spanish, 1.0), (other, 0.91234567), (lone, -0.25)], POLICY)
    sid = ids.story_id("e1")  # the founding article: the earliest published (the canonical is w1, the wire)
    assert story == {
        "story_id": sid, "canonical_article_id": "w1", "headline": "Titular EFE", "languages": ["en", "es"],
        "sources": ["AP", "Diario", "EFE"], "article_count": 4, "copy_group_count": 3,
        "first_published": 2 * HOUR, "last_published": 6 * HOUR,
        "first_by_language": [{"language": "en", "article_id": "e1", "source": "AP", "published_at": 2 * HOUR},
                              {"language": "es", "article_id": "w1", "source": "EFE", "published_at": 5 * HOUR}]}
    base = {"story_id": sid, "is_story_canonical": False}
    assert rows == [
        {**base, "article_id": "r1", "copy_group_id": "cg-w", "is_group_canonical": False,
         "similarity_to_canonical": 1.0, "jaccard_to_group_canonical": 0.8125, "language": "es", "source": "Diario",
         "url": "https://x/r1", "published_at": 6 * HOUR, "title": "Titular reescrito"},
        {**base, "article_id": "w1", "copy_group_id": "cg-w", "is_group_canonical": True, "is_story_canonical": True,
         "similarity_to_canonical": 1.0, "jaccard_to_group_canonical": 1.0, "language": "es", "source": "EFE",
         "url": "https://x/w1", "published_at": 5 * HOUR, "title": "Titular EFE",
         "section": "mundo", "input_story_id": "7"},
        {**base, "article_id": "e1", "copy_group_id": "cg-e", "is_group_canonical": True,
         "similarity_to_canonical": 0.912346, "jaccard_to_group_canonical": 1.0, "language": "en", "source": "AP",
         "url": "https://x/e1", "published_at": 2 * HOUR, "title": "English headline"},
        {**base, "article_id": "u1", "copy_group_id": "cg-u", "is_group_canonical": True,
         "similarity_to_canonical": -0.25, "jaccard_to_group_canonical": 1.0, "language": None, "source": "",
         "url": "https://x/u1", "published_at": None, "title": "Sin fecha"},
    ]
    assert copy_rows(spanish) == [{
        "copy_group_id": "cg-w", "origin_article_id": "w1", "copy_article_id": "r1", "origin_source": "EFE",
        "copy_source": "Diario", "lag_seconds": 3600.0, "similarity": 0.8, "containment": 0.9, "truncated": False,
        "headline_changed": True, "credit_removed": False}]
    assert copy_rows(other) == []


def test_an_undated_story_has_no_dates():
    lone = _m("u1", "X", "es", None)
    story, _ = assemble_story([(CopyGroup("cg-u", lone, ((lone, 1.0),), None), 1.0)], POLICY)
    assert (story["first_published"], story["last_published"]) == (None, None)
    assert story["first_by_language"] == [{"language": "es", "article_id": "u1", "source": "X", "published_at": None}]


def test_reject_row():
    assert reject_row(Reject("f.jsonl", 3, "bad_json", "Expecting value", "{oops")) == {
        "file": "f.jsonl", "line": 3, "reason": "bad_json", "detail": "Expecting value", "raw": "{oops"}
