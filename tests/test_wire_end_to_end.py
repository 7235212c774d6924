"""`newsdedup run --input folder/` over every wire format at once: one articles table, versions resolved, nothing lost."""

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import run_pipeline
from wire_samples import QUAKE, g2, page, warc

pytestmark = pytest.mark.slow
WIRE = Path(__file__).parent / "fixtures" / "wire"
REUTERS = "tag:reuters.com,2024:newsml_L1N3E0999"


@pytest.fixture(scope="module")
def wire_run(tmp_path_factory, model_name):
    feeds = tmp_path_factory.mktemp("feeds")
    for fixture in WIRE.iterdir():
        if fixture.suffix != ".md":
            shutil.copy(fixture, feeds / fixture.name)
    # g2_message.xml holds version 2 of g2_item.xml's guid; add a resend and a canceled Reuters item
    (feeds / "ninjs3-resent.json").write_bytes((WIRE / "ninjs3.json").read_bytes())
    (feeds / "reuters-1.xml").write_text(g2(guid=REUTERS, version=1704448800123, text="Markets fell in Santiago."))
    (feeds / "reuters-2.xml").write_text(g2(guid=REUTERS, version=1704449400789, status="canceled", headline="",
                                            text="", created="2024-01-05T12:00:00Z"))
    (feeds / "cc-news.warc.gz").write_bytes(warc([
        ("https://www.diario.example.cl/sismo", "200 OK", "text/html", page("Sismo sacude el norte de Chile", QUAKE),
         "2024-01-06T03:00:00Z"),
        ("https://www.diario.example.cl/old", "404 Not Found", "text/html", b"gone", "2024-01-06T03:00:00Z"),
        ("https://www.diario.example.cl/logo.png", "200 OK", "image/png", b"\x89PNG", "2024-01-06T03:00:00Z"),
    ]))
    (feeds / "README.txt").write_text("not an article file")
    return run_pipeline([feeds], tmp_path_factory.mktemp("out") / "wire", model_name)


def test_one_articles_table_over_every_format(wire_run):
    articles = {r["article_id"]: r for r in pq.read_table(wire_run / "articles").to_pylist()}
    assert sorted(r["format"] for r in articles.values()) == sorted(
        ["newsml", "newsml", "nitf", "newsml1", "ninjs", "ninjs", "ninjs", "rss", "rss", "warc"])
    quake = articles["urn:newsml:example.com:20240105:quake-chile"]
    assert quake["version"] == "2" and quake["title"].startswith("CORRECTED")  # the correction replaced version 1
    assert REUTERS not in articles


def test_versions_resends_retractions_and_skips_are_accounted_for(wire_run):
    manifest = json.loads((wire_run / "manifest.json").read_text())
    assert manifest["reconciled"] is True
    assert manifest["counts"]["accepted"] == 10
    assert manifest["rejects_by_reason"] == {"resend": 1, "retracted": 2, "superseded": 1}
    assert manifest["skipped_records"] == {"newsml_not_text": 1, "warc_not_200": 1, "warc_not_html": 1}
    assert [Path(f).name for f in manifest["skipped_files"]] == ["README.txt"]
    rejects = pq.read_table(wire_run / "rejects").to_pylist()
    superseded = next(r for r in rejects if r["reason"] == "superseded")
    assert "version 2 from" in superseded["detail"] and "g2_message.xml" in superseded["detail"]
