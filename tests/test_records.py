import pytest

from newsdedup.records import RecordError, parse_article, parse_datetime


def _ok(**fields):
    return {"id": "a1", "source": "EFE", "title": "Título", "body": "Cuerpo del texto.", **fields}


def test_parse_keeps_known_fields_and_carries_the_rest():
    article = parse_article(_ok(url=" https://x.example/a ", language="es-ES", section="world", gold_cluster="g1"))
    assert article.article_id == "a1"
    assert article.url == "https://x.example/a"
    assert article.language == "es"
    assert dict(article.extra) == {"section": "world", "gold_cluster": "g1"}


def test_integer_ids_become_strings():
    assert parse_article(_ok(id=42)).article_id == "42"


@pytest.mark.parametrize(
    "record,reason",
    [
        ([1, 2], "not_an_object"),
        ({"title": "t", "body": "b"}, "missing_id"),
        ({"id": 1, "headline": "t", "content": "b"}, "missing_text"),
        (_ok(id="  "), "missing_id"),
        (_ok(id=1.5), "bad_type"),
        (_ok(id=True), "bad_type"),
        (_ok(title="", body=" "), "empty_text"),
        (_ok(body=123), "bad_type"),
        (_ok(title=["a"]), "bad_type"),
        (_ok(published_at="yesterday"), "bad_date"),
        (_ok(published_at="2025-02-30T10:00:00Z"), "bad_date"),
        (_ok(published_at={"y": 2025}), "bad_date"),
    ],
)
def test_rejections_name_a_reason(record, reason):
    with pytest.raises(RecordError) as caught:
        parse_article(record)
    assert caught.value.reason == reason
    assert caught.value.detail


def test_dates_with_and_without_time_zone():
    assert parse_datetime("1970-01-01T00:00:01Z") == 1_000_000
    assert parse_datetime("1970-01-01T01:00:01+01:00") == 1_000_000
    assert parse_datetime("1970-01-01T00:00:01") == 1_000_000  # naive is UTC
    assert parse_datetime("2025-05-07") == parse_datetime("2025-05-07T00:00:00+00:00")
    assert parse_datetime(None) is None and parse_datetime("") is None
    assert parse_datetime(1.5) == 1_500_000


def test_feed_and_dateline_dates_are_repaired():
    day = parse_datetime("2008-03-01T00:00:00Z")
    assert parse_datetime("March 01, 2008") == day
    assert parse_datetime("Sat, 01 Mar 2008 00:00:00 +0000") == day
    assert parse_datetime("1 March 2008") == day


def _member(**fields):
    import numpy as np

    from newsdedup.normalize import ContentProfile
    from newsdedup.records import Member

    base = dict(article_id="a1", source="EFE", url=None, language="es", published_at=1_700_000_000_000_000,
                title="Título", text_length=1200, embed_text="Título. Lead " * 40, extra=(("section", "world"),),
                signature=np.arange(128, dtype=np.uint32), profile=ContentProfile(1200, True, False),
                entities=np.arange(40, dtype=np.uint64))
    return Member(**{**base, **fields})


@pytest.mark.parametrize("fields", [{}, {"signature": None, "profile": None, "entities": None, "embed_text": ""}])
def test_a_member_crosses_a_beam_shuffle_whole(fields):
    import numpy as np
    from apache_beam.coders import registry

    member = _member(**fields)
    back = registry.get_coder(object).decode(registry.get_coder(object).encode(member))
    assert back == member  # every field but the arrays
    for name in ("signature", "entities"):
        sent, got = getattr(member, name), getattr(back, name)
        assert (sent is None and got is None) or (got.dtype == sent.dtype and np.array_equal(got, sent))


def test_a_member_is_encoded_with_little_beside_its_payload():
    """A runner holds a million members before grouping: arrays travel as raw bytes, fields without names."""
    from apache_beam.coders import registry

    member = _member()
    payload = member.signature.nbytes + member.entities.nbytes + len(member.embed_text.encode()) + len(member.title.encode())
    assert len(registry.get_coder(object).encode(member)) - payload < 200  # 484 as a plain dataclass pickle


def _error(call, *args):
    from newsdedup.records import RecordError

    try:
        call(*args)
    except RecordError as err:
        assert str(err) == err.detail
        return err.reason, err.detail
    raise AssertionError(f"{call.__name__}{args} was accepted")


def test_every_rejection_names_its_reason_and_what_was_wrong():
    from newsdedup.records import parse_article, parse_datetime, record_id

    assert _error(parse_datetime, True) == ("bad_date", "published_at must be a date, got True")
    assert _error(parse_datetime, float("inf")) == ("bad_date", "published_at is not a finite number: inf")
    assert _error(parse_datetime, 1e20) == ("bad_date", "published_at is out of range: 1e+20")
    assert _error(parse_datetime, [1]) == ("bad_date", "published_at must be a string, got list")
    assert _error(record_id, [1]) == ("not_an_object", "expected a JSON object, got list")
    assert _error(record_id, {"id": " "}) == ("missing_id", "the record has no id")
    assert _error(record_id, {"id": 1.5}) == ("bad_type", "id must be a string or an integer, got float")
    assert _error(parse_article, {"id": "a", "title": 3}) == ("bad_type", "title must be a string, got int")
    assert _error(parse_article, {"id": "a", "title": " ", "body": ""}) == ("empty_text", "both title and body are empty")
    many = {"id": "a", **{f"f{i:02d}": 1 for i in range(14)}}
    assert _error(parse_article, many) == ("missing_text", "the record has neither a title nor a body field (fields: "
                                           + ", ".join(f"f{i:02d}" for i in range(12)) + ")")


def test_an_accepted_record_keeps_every_field():
    from newsdedup.records import Article, parse_article

    record = {"id": " a1 ", "source": " EFE ", "url": " https://x/1 ", "language": "ES", "title": "Título",
              "published_at": "2025-05-07T08:22:00z", "score": float("nan"), "weight": 1.5}
    assert parse_article(record, "f.jsonl:3") == Article(
        article_id="a1", source="EFE", url="https://x/1", language="es", published_at=1746606120000000,
        title="Título", body="", extra=(("score", None), ("weight", 1.5)), origin="f.jsonl:3")
    assert parse_article({"id": "b", "body": "only a body", "title": "  "}).body == "only a body"
    assert parse_article({"id": "c", "title": "only a title"}).title == "only a title"
    assert parse_article({"id": "d", "body": "no title field"}).origin == ""


def test_dates_to_microseconds_utc(monkeypatch):
    import time
    from datetime import datetime, timedelta, timezone

    from newsdedup.records import parse_datetime

    monkeypatch.setenv("TZ", "America/New_York")  # epoch seconds must not be read in the local zone
    time.tzset()
    try:
        assert parse_datetime(1746606120.25) == 1746606120250000
    finally:
        monkeypatch.undo()
        time.tzset()
    assert parse_datetime(datetime(2025, 5, 7, 8, 22)) == 1746606120000000  # naive: UTC
    assert parse_datetime(datetime(2025, 5, 7, 3, 22, tzinfo=timezone(timedelta(hours=-5)))) == 1746606120000000
    assert parse_datetime("1969-12-31T00:00:00Z") == -86_400_000_000


def test_origin_raw_text_and_pickled_members():
    import pickle
    from datetime import datetime

    import numpy as np

    from newsdedup.normalize import ContentProfile
    from newsdedup.records import Article, Member, article_origin, article_raw, raw_text

    assert article_origin(Article("a", "", None, None, None, "t", "b", (), "dir:x/f.jsonl:12")) == ("dir:x/f.jsonl", 12)
    assert article_origin(Article("a", "", None, None, None, "t", "b", (), "f.jsonl:x")) == ("f.jsonl", 0)
    article = Article("a", "EFE", "https://x", "es", 5, "Título", "Cuerpo", (("zeta", 1),), "f:1")
    assert article_raw(article) == ('{"body": "Cuerpo", "id": "a", "language": "es", "published_at": 5, '
                                    '"source": "EFE", "title": "Título", "url": "https://x", "zeta": 1}')
    assert raw_text(b"caf\xc3\xa9 \xff") == "café \ufffd" and raw_text("as is") == "as is"
    assert raw_text({"b": datetime(2025, 1, 2), "a": "é"}) == '{"a": "é", "b": "2025-01-02 00:00:00"}'
    member = Member("m", "AP", "https://m", "en", 7, "T", 10, "lead", (("k", "v"),), np.arange(4, dtype=np.uint32),
                    ContentProfile(10, True, False), np.arange(2, dtype=np.uint64))
    again = pickle.loads(pickle.dumps(member))
    assert again == member and again.url == "https://m"
    assert again.signature.tolist() == [0, 1, 2, 3] and again.entities.tolist() == [0, 1]
