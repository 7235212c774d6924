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
