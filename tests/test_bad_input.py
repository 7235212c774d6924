"""Dirty archives: every kind of bad input ends in `articles` or in `rejects` with its reason.

The corpus is generated here, one file per kind, and run through the real
pipeline once; each kind is then checked on its own. No input is known to
make a stage raise: ``processing_error`` is tested with an injected failure
(test_reconciliation.py).
"""

import gzip
import io
import json
from collections import Counter

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from newsdedup.pipeline.cli import main

pytestmark = pytest.mark.slow

BODY = "El Gobierno anunció este lunes un plan de obras públicas para las provincias del norte del país."


def _line(**record) -> bytes:
    return (json.dumps(record, ensure_ascii=False) + "\n").encode()


def _parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


# kind -> (file name, content, accepted ids, Counter of reject reasons)
KINDS = {
    "malformed_json": ("malformed.jsonl", _line(id="mj-1", title="T", body=BODY) + b'{"id": "mj-2", "title": \n',
                       {"mj-1"}, {"bad_json": 1}),
    "latin1_and_invalid_utf8": ("latin1.jsonl", b'{"id": "l1-1", "title": "Caf\xe9 y ca\xf1a", "body": "Texto del art\xedculo."}\n'
                                + b'{"id": "l1-2", "title": "broken \xff\xfe bytes", "body": "x"}\n', {"l1-1", "l1-2"}, {}),
    "utf8_bom": ("bom.jsonl", b"\xef\xbb\xbf" + _line(id="bom-1", title="Con BOM", body=BODY), {"bom-1"}, {}),
    "crlf": ("crlf.jsonl", _line(id="crlf-1", title="A", body=BODY).replace(b"\n", b"\r\n") * 1
             + _line(id="crlf-2", title="B", body=BODY + " Otro.").replace(b"\n", b"\r\n"), {"crlf-1", "crlf-2"}, {}),
    "missing_id": ("missing-id.jsonl", _line(title="No id", body=BODY) + _line(id="", title="Empty id", body=BODY)
                   + _line(id=None, title="Null id", body=BODY), set(), {"missing_id": 3}),
    "missing_or_empty_text": ("empty-text.jsonl", _line(id="et-1", title="", body="") + _line(id="et-2", title="  ")
                              + _line(id="et-3", title="Only a headline") + _line(id="et-4", body=BODY)
                              + _line(id="et-5", source="EFE"), {"et-3", "et-4"}, {"empty_text": 2, "missing_text": 1}),
    "wrong_types": ("types.jsonl", _line(id="wt-1", title="T", body=42) + _line(id="wt-2", title=["a", "b"], body=BODY)
                    + _line(id=1.5, title="T", body=BODY) + _line(id=7, title="Integer id", body=BODY)
                    + b"[1, 2, 3]\nnull\n", {"7"}, {"bad_type": 3, "not_an_object": 2}),
    "dates": ("dates.jsonl", _line(id="d-1", title="T", body=BODY, published_at="next tuesday")
              + _line(id="d-2", title="T", body=BODY, published_at="2025-02-30T10:00:00Z")
              + _line(id="d-3", title="T", body=BODY, published_at="2025-05-07T08:22:00-05:00")
              + _line(id="d-4", title="T", body=BODY, published_at="2025-05-07T08:22:00")
              + _line(id="d-5", title="T", body=BODY, published_at="2025-05-07")
              + b"\n   \n"  # blank lines: not records
              + _line(id="d-6", title="T", body=BODY, published_at="Wed, 07 May 2025 08:22:00 -0500")  # RFC 2822
              + _line(id="d-7", title="T", body=BODY, published_at="May 7, 2025")  # an English dateline
              + _line(id="d-8", title="T", body=BODY, published_at=1746606120),  # epoch seconds
              {"d-3", "d-4", "d-5", "d-6", "d-7", "d-8"}, {"bad_date": 2}),
    "duplicate_ids": ("dupes.jsonl", _line(id="dup-1", title="Same", body=BODY) + _line(id="dup-1", title="Same", body=BODY)
                      + _line(id="dup-2", title="First", body=BODY) + _line(id="dup-2", title="Second", body=BODY + " Más."),
                      {"dup-1", "dup-2"}, {"duplicate_id": 1, "duplicate_id_conflict": 1}),
    "lone_surrogates": ("surrogates.jsonl", b'{"id": "ls-1", "title": "Broken \\ud800 escape", "body": "Texto \\udc80 '
                        b'roto.", "section": "\\ud83d"}\n' + b'{"id": "ls-2\\udfff", "title": "T", "published_at": '
                        b'"\\ud800"}\n', {"ls-1"}, {"bad_date": 1}),
    "empty_file": ("empty.jsonl", b"", set(), {}),
    "not_json_at_all": ("prose.jsonl", b"This is not JSON.\nNeither is this line.\n\x00\x01\x02 binary junk\n",
                        set(), {"bad_json": 3}),
    "huge_body": ("huge.jsonl", _line(id="big-1", title="Ten megabytes", body=("palabra " * 1_310_720)), {"big-1"}, {}),
    "html_body": ("html.jsonl", _line(id="html-1", title="<b>Titular</b> &amp; más",
                                      body="<div><p>MADRID, 7 may (EFE).- " + BODY + "</p><script>track()</script></div>"),
                  {"html-1"}, {}),
    "unseen_scripts": ("scripts.jsonl", _line(id="sc-1", title="ⵜⴰⵎⴰⵣⵉⵖⵜ ⴰⵎⴰⵢⵏⵓ", body="ⴰⵣⵓⵍ ⴼⴻⵍⵍⴰⵡⴻⵏ ⴰⵎⴻⴽ ⵜⴻⵍⵍⴰⵎ " * 20)
                       + _line(id="sc-2", title="ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ", body="ᎣᏏᏲ ᏙᎯᏧ 🚀🦕 " * 20), {"sc-1", "sc-2"}, {}),
    "csv_quoted_newlines_missing_column": ("articles.csv",
                                           'id,source,title,body\ncsv-1,EFE,"Two\nline title","Body, with ""quotes""\nand a newline."\n'
                                           "csv-2,EFE,short row\ncsv-3,AP,Third,Plain body\n".encode(),
                                           {"csv-1", "csv-3"}, {"bad_csv_row": 1}),
    "csv_without_body_column": ("nobody.csv", b"id,title\ncnb-1,Headline only\n", {"cnb-1"}, {}),
    "parquet_other_schema": ("other.parquet", _parquet(pa.table({"identifier": ["p-1", "p-2"], "headline": ["a", "b"]})),
                             set(), {"missing_id": 2}),
    "parquet_good": ("good.parquet", _parquet(pa.table({"id": [101, 102], "title": ["Parquet one", "Parquet two"],
                                                        "body": [BODY, None], "section": ["x", "y"]})), {"101", "102"}, {}),
    "corrupt_parquet": ("corrupt.parquet", b"PAR1 this is not really parquet", set(), {"unreadable_file": 1}),
    "gzipped_jsonl": ("gz.jsonl.gz", gzip.compress(_line(id="gz-1", title="Gzip", body=BODY)), {"gz-1"}, {}),
}


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory, model_name):
    folder = tmp_path_factory.mktemp("bad-input")
    inputs = folder / "in"
    inputs.mkdir()
    for name, content, _, _ in KINDS.values():
        (inputs / name).write_bytes(content)
    out = folder / "out"
    assert main(["run", "--input", str(inputs), "--output", str(out), "--set", f"stories.model={model_name}"]) == 0
    articles = pq.read_table(out / "articles").to_pylist()
    rejects = pq.read_table(out / "rejects").to_pylist()
    manifest = json.loads((out / "manifest.json").read_text())
    return {"articles": {a["article_id"]: a for a in articles}, "rejects": rejects, "manifest": manifest}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_is_accounted_for(bad_run, kind):
    name, _, accepted, reasons = KINDS[kind]
    prefixes = {i.split("-")[0] for i in accepted}
    got_ids = {i for i in bad_run["articles"] if i in accepted or i.split("-")[0] in prefixes}
    assert got_ids == accepted
    got_reasons = Counter(r["reason"] for r in bad_run["rejects"] if r["file"].endswith("/" + name))
    assert got_reasons == Counter(reasons)
    for reject in bad_run["rejects"]:
        assert reject["detail"] and reject["line"] >= 1


def test_manifest_reconciles_read_with_accepted_and_rejected(bad_run):
    counts = bad_run["manifest"]["counts"]
    expected_read = sum(len(a) + sum(r.values()) for _, _, a, r in KINDS.values())
    # duplicates are read twice and kept once
    assert counts["read"] == expected_read
    assert counts["read"] == counts["accepted"] + counts["rejected"]
    assert counts["accepted"] == len(bad_run["articles"])
    assert bad_run["manifest"]["reconciled"] is True


def test_repairs_are_visible_in_the_articles(bad_run):
    articles = bad_run["articles"]
    assert articles["l1-1"]["title"] == "Café y caña"
    assert articles["html-1"]["title"] == "Titular & más"
    assert articles["csv-1"]["title"] == "Two\nline title"
    assert str(articles["d-4"]["published_at"]) == "2025-05-07 08:22:00+00:00"  # naive taken as UTC
    assert str(articles["d-6"]["published_at"]) == "2025-05-07 13:22:00+00:00"
    assert str(articles["d-7"]["published_at"]) == "2025-05-07 00:00:00+00:00"
    assert str(articles["d-8"]["published_at"]) == "2025-05-07 08:22:00+00:00"
    assert articles["101"]["section"] == "x"
    assert articles["ls-1"]["title"] == "Broken \ufffd escape" and articles["ls-1"]["section"] == "\ufffd"


def test_rejects_keep_the_raw_record_and_line(bad_run):
    bad = [r for r in bad_run["rejects"] if r["file"].endswith("/malformed.jsonl")]
    assert [(r["line"], r["raw"]) for r in bad] == [(2, '{"id": "mj-2", "title": ')]
