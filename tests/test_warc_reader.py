"""WARC archives: one article per HTML 200 response, others skipped and counted, a truncated archive kept local."""

import io

import pytest

from newsdedup.readers import detect_format, read_records
from newsdedup.records import SkippedRecord, parse_article
from newsdedup.warc import site
from wire_samples import QUAKE, page, warc

FETCHED = "2024-01-06T03:00:00Z"


def _archive(gzip=True):
    return warc([
        ("https://www.diario.example.cl/2024/01/05/sismo", "200 OK", "text/html; charset=utf-8",
         page("Sismo de magnitud 6,1 sacude el norte de Chile", QUAKE), FETCHED),
        ("https://www.diario.example.cl/viejo", "301 Moved Permanently", "text/html", b"", FETCHED),
        ("https://www.diario.example.cl/foto.jpg", "200 OK", "image/jpeg", b"\xff\xd8\xff\xe0 not really", FETCHED),
        ("https://outlet.example.com/quake", "200 OK", "application/xhtml+xml",
         page("Quake shakes northern Chile", ["A magnitude 6.1 earthquake shook northern Chile on Friday, officials "
              "said, with no immediate reports of damage in the port city of Iquique or elsewhere."] * 2,
              lang="en", site="Outlet", date="2024-01-05T11:00:00+00:00"), FETCHED),
    ], gzip=gzip)


@pytest.mark.parametrize("gzip, name", [(True, "cc-news.warc.gz"), (False, "cc-news.warc")])
def test_html_responses_become_articles_others_are_skipped(gzip, name):
    assert detect_format(name)[0] == "warc"
    records = list(read_records(io.BytesIO(_archive(gzip)), name))
    skipped = [r.error.reason for r in records if isinstance(r.error, SkippedRecord)]
    assert skipped == ["warc_not_200", "warc_not_html"]  # request records are not counted: not pages
    first, second = (parse_article(r.record) for r in records if r.error is None)
    assert first.article_id == first.url == "https://www.diario.example.cl/2024/01/05/sismo"
    assert first.source == "diario.example.cl" and first.language == "es"
    assert first.title == "Sismo de magnitud 6,1 sacude el norte de Chile"
    assert first.body.startswith("Un sismo de magnitud 6,1") and "Iquique" in first.body
    assert "Todos los derechos" not in first.body and "Deportes" not in first.body  # boilerplate left out
    assert first.published_at == 1704412800000000  # the page's date (day), not the fetch time
    assert dict(first.extra)["version_created"] == FETCHED
    assert second.language == "en" and second.source == "outlet.example.com"
    assert len({r.line for r in records}) == len(records)  # positions unique within the file


def test_ids_only_pass_skips_the_extraction_but_not_the_decisions():
    data = _archive()
    full = [(r.line, r.record and r.record["id"], r.error and r.error.reason)
            for r in read_records(io.BytesIO(data), "a.warc.gz")]
    light = [(r.line, r.record and r.record["id"], r.error and r.error.reason)
             for r in read_records(io.BytesIO(data), "a.warc.gz", ids_only=True)]
    assert full == light


def test_a_truncated_archive_keeps_the_records_before():
    data = _archive()
    records = list(read_records(io.BytesIO(data[: len(data) // 2]), "a.warc.gz"))
    assert any(r.error is None for r in records)
    assert records[-1].error.reason == "unreadable_file" and "WARC record" in records[-1].error.detail


def test_site_is_the_domain_without_www():
    assert site("https://www.efe.com/efe/america/1") == "efe.com" and site(None) is None
