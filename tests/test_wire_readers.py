"""The wire readers: every format mapped to article fields, sniffed by content, and its bad files kept local."""

import gzip
import io
from pathlib import Path

import pytest

from newsdedup.readers import HEAD_BYTES, detect_format, read_records, sniff_format
from newsdedup.records import SkippedRecord, parse_article

WIRE = Path(__file__).parent / "fixtures" / "wire"


def _articles(name: str, data: bytes = None, fmt: str = ""):
    data = (WIRE / name).read_bytes() if data is None else data
    fmt = fmt or detect_format(name, data[:HEAD_BYTES])[0]
    return list(read_records(io.BytesIO(data), name, fmt))


def _accepted(name: str, **kw):
    return [parse_article(r.record) for r in _articles(name, **kw) if r.error is None]


@pytest.mark.parametrize("name, fmt", [
    ("g2_item.xml", "newsml"), ("g2_message.xml", "newsml"), ("efe.nitf", "nitf"), ("afp_newsml12.xml", "newsml1"),
    ("ap_ninjs1.json", "ninjs"), ("ninjs2.json", "ninjs"), ("ninjs3.json", "ninjs"), ("feed.rss", "rss"),
    ("feed.atom", "rss")])
def test_each_fixture_is_recognised_by_its_content(name, fmt):
    assert sniff_format((WIRE / name).read_bytes()[:HEAD_BYTES]) == fmt
    assert detect_format("no-extension", (WIRE / name).read_bytes()[:HEAD_BYTES]) == (fmt, False)


def test_json_lines_stay_jsonl_and_names_decide_first():
    assert sniff_format(b'{"id": 1, "title": "t"}\n') == "jsonl"
    assert sniff_format(b'{"uri": "u", "headline": "h"}\n{"uri": "v"}\n') == "ninjs"
    assert detect_format("x.jsonl", b"<rss/>") == ("jsonl", False)
    assert detect_format("a.warc.gz") == ("warc", True)
    assert sniff_format(b"<html><body>hi</body></html>") is None


def test_newsml_g2_item_with_nitf_body_and_carried_fields():
    [article] = _accepted("g2_item.xml")
    assert article.article_id == "urn:newsml:example.com:20240105:quake-chile"
    assert article.source == "Example Wire" and article.language == "en"
    assert article.title == "Magnitude 6.1 earthquake shakes northern Chile"
    assert article.body.startswith("A magnitude 6.1 earthquake") and "\n\nThe quake struck" in article.body
    assert "plain text rendition" not in article.body  # NITF preferred among the contentSet alternatives
    extra = dict(article.extra)
    assert extra["version"] == "1" and extra["urgency"] == "3" and extra["located"] == "Iquique"
    assert extra["embargo"] == "2024-01-05T11:00:00Z" and article.published_at == 1704449700000000  # firstCreated
    assert extra["creditline"] == "Example Wire" and extra["copyright_holder"] == "Example Wire"
    assert extra["keywords"] == ["earthquake", "Chile"] and extra["subjects"] == ["environment", "medtop:20000170"]


def test_newsml_g2_message_items_xhtml_body_and_a_picture_skipped():
    records = _articles("g2_message.xml")
    assert [type(r.error).__name__ if r.error else r.record["id"].rsplit(":", 1)[1] for r in records] == [
        "quake-chile", "SkippedRecord", "markets-es"]
    update = parse_article(records[0].record)
    assert dict(update.extra)["signal"] == ["correction"] and dict(update.extra)["version"] == "2"
    assert update.body.startswith("A magnitude 6.2 earthquake, not 6.1") and "Quake" not in update.body
    assert isinstance(records[1].error, SkippedRecord) and records[1].error.reason == "newsml_not_text"
    assert parse_article(records[2].record).body.startswith("El principal indice")
    assert records[0].line < records[1].line < records[2].line


def test_nitf_standalone():
    [article] = _accepted("efe.nitf")
    extra = dict(article.extra)
    assert (article.article_id, article.source, article.language) == ("EXA-20240105-0042", "Agencia Ejemplo", "es")
    assert article.published_at == 1704449880000000  # date.issue 20240105T101800+0000
    assert extra["embargo"] == "20240105T103000+0000" and extra["located"] == "Iquique Chile"
    assert extra["keywords"] == ["sismo", "Chile"] and extra["urgency"] == "2"
    assert "daños" in article.body


def test_afp_newsml_1_2_id_without_revision():
    [article] = _accepted("afp_newsml12.xml")
    extra = dict(article.extra)
    assert article.article_id == "urn:newsml:example-afp.com:20240105:TX-PAR-QKE01"
    assert extra["version"] == "1" and extra["pub_status"] == "usable" and article.language == "fr"
    assert article.title.startswith("Un séisme") and "Iquique" in article.body
    assert extra["creditline"] == "AFP-Exemple" and extra["located"] == "Iquique"


@pytest.mark.parametrize("name, title, body_start, version_created", [
    ("ap_ninjs1.json", "Strong quake rattles northern Chile, no damage reported", "A strong earthquake rattled",
     "2024-01-05T10:40:00Z"),
    ("ninjs2.json", "El peso chileno cae tras el sismo", "El peso chileno cayó un 0,5 % frente al dólar el viernes",
     "2024-01-05T12:00:00Z"),
    ("ninjs3.json", "No tsunami threat after Chile quake, navy says", "Chile's navy said", "2024-01-05T10:50:00Z"),
])
def test_ninjs_1_2_3(name, title, body_start, version_created):
    [article] = _accepted(name)
    assert article.title == title and article.body.startswith(body_start)
    assert dict(article.extra)["version_created"] == version_created


def test_ninjs_one_item_per_line_and_a_broken_document():
    lines = b'{"uri": "a", "headline": "one"}\n{"uri": "b", "headline": "two"}\n{oops\n'
    records = _articles("x.json", lines, "ninjs")
    assert [(r.line, r.record and r.record["id"], r.error and r.error.reason) for r in records] == [
        (1, "a", None), (2, "b", None), (3, None, "bad_json")]
    [broken] = _articles("y.json", b'{\n  "uri": "a",\n  "headline": \n}\n', "ninjs")
    assert broken.error.reason == "bad_json" and broken.line == 4


def test_rss_prefers_content_encoded_and_atom_content():
    [rss] = _accepted("feed.rss")
    assert rss.article_id == "diario-ejemplo-1001" and rss.source == "Diario Ejemplo" and rss.language == "es"
    assert rss.body.startswith("Un sismo de magnitud 6,1") and "\n\nEl epicentro" in rss.body
    assert rss.url == "https://diario.example.cl/2024/01/05/sismo" and dict(rss.extra)["keywords"] == ["Nacional"]
    [atom] = _accepted("feed.atom")
    assert atom.body.startswith("An earthquake of magnitude") and atom.language == "en"
    assert dict(atom.extra)["version_created"] == "2024-01-05T11:00:00Z"


def test_declared_latin1_with_utf8_bytes_is_repaired():
    data = (WIRE / "feed.rss").read_bytes().replace(b'encoding="UTF-8"', b'encoding="iso-8859-1"')
    [rss] = _accepted("bad.rss", data=data)
    assert "sacudió" in rss.body and "Ã" not in rss.body
    nitf = (WIRE / "efe.nitf").read_bytes().replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"')
    assert "daños" in _accepted("bad.nitf", data=nitf)[0].body
    latin1 = nitf.decode("utf-8").encode("latin-1")  # true Latin-1 bytes keep their declaration
    assert "daños" in _accepted("latin.nitf", data=latin1)[0].body


@pytest.mark.parametrize("name, end", [("g2_message.xml", b"</newsItem>"), ("afp_newsml12.xml", b"</NewsItem>"),
                                       ("efe.nitf", b"</nitf>")])
def test_malformed_xml_keeps_the_items_before_and_rejects_with_the_line(name, end):
    data = (WIRE / name).read_bytes()
    cut = data.rindex(end)  # the last item broken
    records = _articles(name, data=data[:cut] + b"<p>broken & unclosed" + data[cut:])
    *before, bad = records
    assert bad.error.reason == "bad_xml" and "line" in bad.error.detail and bad.line > 1
    assert len(before) == (2 if name == "g2_message.xml" else 0)


@pytest.mark.parametrize("name", ["g2_message.xml", "feed.rss", "ap_ninjs1.json"])
def test_truncated_gzip_is_rejected_not_raised(name):
    data = gzip.compress((WIRE / name).read_bytes())
    fmt = detect_format(name, (WIRE / name).read_bytes()[:HEAD_BYTES])[0]
    records = list(read_records(io.BytesIO(data[: len(data) * 2 // 3]), name + ".gz", fmt))
    assert records and records[-1].error is not None
    assert records[-1].error.reason in ("unreadable_file", "bad_xml", "bad_json", "bad_feed")


def test_a_file_that_is_not_a_feed_is_one_reject():
    [bad] = _articles("x.rss", b"<html><body><p>a page, not a feed</p></body></html>", "rss")
    assert bad.error.reason == "bad_feed"


def test_no_entity_is_expanded_and_no_dtd_fetched():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE nitf [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;">'
            b'<!ENTITY ext SYSTEM "file:///etc/passwd">]><nitf><head><docdata><doc-id id-string="x"/></docdata></head>'
            b"<body><body.head><hedline><hl1>t &b; &ext;</hl1></hedline></body.head></body></nitf>")
    [record] = _articles("bomb.nitf", bomb, "nitf")
    assert "aaaa" not in str(record.record) and "root:" not in str(record.record)


def test_a_folder_names_the_files_no_reader_takes(tmp_path):
    from newsdedup.pipeline.run import UserError, expand_inputs

    for name in ("g2_item.xml", "feed.rss", "ninjs3.json"):
        (tmp_path / name).write_bytes((WIRE / name).read_bytes())
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "page.xml").write_text("<html><body>a page</body></html>")
    (tmp_path / "wire-item").write_bytes((WIRE / "efe.nitf").read_bytes())  # no extension: the content tells
    inputs = expand_inputs([str(tmp_path)])
    assert [Path(f).name for f in inputs.files] == ["feed.rss", "g2_item.xml", "ninjs3.json", "wire-item"]
    assert [Path(f).name for f in inputs.skipped] == ["notes.txt", "page.xml"]
    with pytest.raises(UserError, match="unknown input format"):
        expand_inputs([str(tmp_path / "notes.txt")])
    forced = expand_inputs([str(tmp_path / "notes.txt")], "nitf")  # --format: the user's word
    assert forced.files == [str(tmp_path / "notes.txt")] and forced.skipped == []


def test_cli_summary_names_skipped_files_and_records():
    from newsdedup.pipeline.cli import summary_table

    manifest = {"counts": {"read": 3, "accepted": 2, "rejected": 1, "copy_groups": 2, "copies": 0, "stories": 2,
                           "languages_detected": 1}, "reconciled": True, "elapsed_seconds": 1.0,
                "skipped_files": ["in/notes.txt"], "skipped_records": {"warc_not_200": 4}}
    text = summary_table(manifest)
    assert "4 warc_not_200" in text and "1 file(s) no reader takes, not read: in/notes.txt" in text


def test_forced_format_reaches_the_readers(tmp_path):
    """--format: a file whose name says nothing is read as the user says, through the Beam read stage."""
    import apache_beam as beam
    from apache_beam.testing.test_pipeline import TestPipeline
    from apache_beam.testing.util import assert_that, equal_to

    from newsdedup.transforms.read import ReadArticles, SplitFiles

    notes = tmp_path / "wire.txt"
    notes.write_bytes((WIRE / "efe.nitf").read_bytes())
    with TestPipeline() as p:
        read = p | SplitFiles([str(notes)], forced_format="nitf") | ReadArticles()
        assert_that(read.articles | beam.FlatMap(lambda b: [a.article_id for a in b]), equal_to(["EXA-20240105-0042"]))


@pytest.mark.parametrize("doctype", [True, False])
def test_html_entities_of_the_undeclared_nitf_dtd_are_repaired(doctype):
    data = (WIRE / "efe.nitf").read_bytes().replace(b"sin que", b"sin&nbsp;que")
    data = data.replace(b"Chile</hl1>", b"Chile &amp; &eacute;</hl1>")
    if not doctype:
        data = data.replace(b'<!DOCTYPE nitf SYSTEM "nitf-3-6.dtd">\n', b"")
    [article] = _accepted("a.nitf", data=data)
    assert "sin que" in article.body and "nbsp" not in article.body and article.title.endswith("Chile & é")


def test_a_bad_xml_reject_names_libxml2s_cause_and_line():
    data = (WIRE / "efe.nitf").read_bytes().replace(b"<hl1>", b"<hl1 x=>")
    [bad] = _articles("a.nitf", data=data)
    assert bad.line == 19 and "line 19" in bad.error.detail and "AttValue" in bad.error.detail


def test_a_feed_cut_short_keeps_its_entries_and_rejects_the_break():
    data = (WIRE / "feed.rss").read_bytes()
    *entries, bad = _articles("cut.rss", data=data[:-60])
    assert len(entries) == 1 and entries[0].error is None
    assert bad.line == 2 and bad.error.reason == "bad_feed" and "malformed feed at line" in bad.error.detail
