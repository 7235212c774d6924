"""The report: aggregates on a small hand-made run, and the seeds run opened in real headless Chromium."""

import json
import re
from datetime import datetime, timezone

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from newsdedup.pipeline.cli import main
from newsdedup.report.aggregate import Limits, ReportError, aggregate, gaps
from newsdedup.report.browser import check_page, find_chromium
from newsdedup.report.render import render
from newsdedup.report.summary import summary
from newsdedup.schema import TABLES, articles_schema

from conftest import run_pipeline

HOUR = 3_600_000_000
DAY = 24 * HOUR
T0 = int(datetime(2025, 3, 1, tzinfo=timezone.utc).timestamp()) * 1_000_000


def _article(article_id, story, group, source, language, published_at, canonical=False, title=None, url=None):
    return {"article_id": article_id, "story_id": story, "copy_group_id": group, "is_group_canonical": canonical,
            "is_story_canonical": canonical, "similarity_to_canonical": 1.0, "jaccard_to_group_canonical": 1.0,
            "language": language, "source": source, "url": url, "published_at": published_at,
            "title": f"title {article_id}" if title is None else title}


def _copy(group, origin, copy, origin_source, copy_source, lag_hours, truncated=False):
    return {"copy_group_id": group, "origin_article_id": origin, "copy_article_id": copy,
            "origin_source": origin_source, "copy_source": copy_source,
            "lag_seconds": None if lag_hours is None else lag_hours * 3600.0, "similarity": 0.8, "containment": 0.9,
            "truncated": truncated, "headline_changed": True, "credit_removed": False}


def _story(story, canonical, count, languages, first_published):
    return {"story_id": story, "canonical_article_id": canonical, "headline": f"headline {story}",
            "languages": languages, "sources": ["EFE"], "article_count": count, "copy_group_count": 1,
            "first_published": first_published, "last_published": first_published, "first_by_language": []}


@pytest.fixture()
def small_run(tmp_path):
    """Story s1: EFE original copied by two outlets (1 h and 3 h later, one undated) plus an English
    AP report; story s2: one Spanish article; 12 days apart."""
    articles = [
        _article("efe-1", "s1", "g1", "EFE", "es", T0, canonical=True),
        _article("out-1", "s1", "g1", "Outlet", "es", T0 + HOUR),
        _article("out-2", "s1", "g1", "Outlet", "es", T0 + 3 * HOUR),
        _article("other-1", "s1", "g1", "Other", "es", None),
        _article("ap-1", "s1", "g2", "AP", "en", T0 + HOUR, canonical=True),
        _article("efe-2", "s2", "g3", "EFE", "es", T0 + 12 * DAY, canonical=True),
    ]
    copies = [_copy("g1", "efe-1", "out-1", "EFE", "Outlet", 1, truncated=True),
              _copy("g1", "efe-1", "out-2", "EFE", "Outlet", 3),
              _copy("g1", "efe-1", "other-1", "EFE", "Other", None)]
    stories = [_story("s1", "efe-1", 5, ["en", "es"], T0), _story("s2", "efe-2", 1, ["es"], T0 + 12 * DAY)]
    rejects = [{"file": "f", "line": 1, "reason": "bad_json", "detail": "", "raw": "{"}]
    return _write_run(tmp_path, articles, copies, stories, rejects)


def _write_run(directory, articles, copies, stories, rejects=()):
    schemas = {**TABLES, "articles": articles_schema(())}
    for table, rows in (("articles", articles), ("copies", copies), ("stories", stories), ("rejects", rejects)):
        (directory / table).mkdir()
        pq.write_table(pa.Table.from_pylist(list(rows), schema=schemas[table]), directory / table / "part-0.parquet")
    (directory / "manifest.json").write_text(json.dumps({"inputs": ["in.jsonl"], "model": "m"}))
    return directory


def _bare_run(directory, urls=()):
    """As an archive like SemEval's gives: no title, source or date (empty strings, as readers store them).

    Story b1: en original a1 copied by a2, and a Spanish a3; story b2: a4. ``urls`` go to a1, a2, ... in order.
    """
    urls = dict(zip(["a1", "a2", "a3", "a4"], urls))
    articles = [_article(a, story, group, "", lang, None, canonical=a in ("a1", "a3", "a4"), title="", url=urls.get(a))
                for a, story, group, lang in (("a1", "b1", "g1", "en"), ("a2", "b1", "g1", "en"),
                                              ("a3", "b1", "g2", "es"), ("a4", "b2", "g3", "en"))]
    articles[2]["is_story_canonical"] = False
    copies = [_copy("g1", "a1", "a2", "", "", None)]
    stories = [{**_story("b1", "a1", 3, ["en", "es"], None), "headline": "", "sources": [], "copy_group_count": 2,
                "first_by_language": [{"language": "en", "article_id": "a1", "source": "", "published_at": None},
                                      {"language": "es", "article_id": "a3", "source": "", "published_at": None}]},
               {**_story("b2", "a4", 1, ["en"], None), "headline": "", "sources": []}]
    return _write_run(directory, articles, copies, stories)


def test_totals_and_edits(small_run):
    t = aggregate(small_run).totals
    assert (t["articles"], t["copies"], t["stories"], t["cross_language_stories"], t["rejected"]) == (6, 3, 2, 1, 1)
    assert t["copy_share"] == 0.5 and t["median_lag_hours"] == 2.0 and t["truncated"] == 1
    assert t["most_copied"] == [{"source": "EFE", "copies": 3}]


def test_story_sizes_are_bucketed(small_run):
    sizes = {s["size"]: s["stories"] for s in aggregate(small_run).story_sizes}
    assert sizes["1"] == 1 and sizes["5"] == 1 and sum(sizes.values()) == 2 and "> 100" in sizes


def test_sources_originate_or_reprint(small_run):
    sources = {s["source"]: s for s in aggregate(small_run).sources}
    assert sources["EFE"] == {"source": "EFE", "articles": 2, "originals": 1, "reprints": 0, "copied_by_others": 3}
    assert (sources["Outlet"]["originals"], sources["Outlet"]["reprints"]) == (0, 2)
    assert (sources["AP"]["originals"], sources["AP"]["reprints"]) == (0, 0)
    assert [s["source"] for s in aggregate(small_run, Limits(sources=1)).sources] == ["EFE"]


def test_copy_matrix_counts_and_median_lag(small_run):
    cells = {(c["origin_source"], c["copy_source"]): c for c in aggregate(small_run).matrix}
    assert cells[("EFE", "Outlet")]["copies"] == 2 and cells[("EFE", "Outlet")]["median_lag_hours"] == 2.0
    assert cells[("EFE", "Other")]["median_lag_hours"] is None
    assert set(c["copy_source"] for c in aggregate(small_run, Limits(matrix=2)).matrix) == {"Outlet"}


def test_languages_links_timeline(small_run):
    agg = aggregate(small_run)
    assert agg.languages == [{"language": "es", "articles": 5, "stories": 2}, {"language": "en", "articles": 1, "stories": 1}]
    assert agg.language_links == [{"languages": "en ↔ es", "stories": 1}]
    assert agg.timeline["unit"] == "day"
    assert agg.timeline["rows"] == [{"period": "2025-03-01", "stories": 1, "cross_language": 1},
                                    {"period": "2025-03-13", "stories": 1, "cross_language": 0}]


def test_largest_stories_cap_their_members(small_run):
    largest = aggregate(small_run, Limits(stories=1, members=3)).largest
    assert [s["story_id"] for s in largest] == ["s1"]
    members = largest[0]["members"]
    assert [m["article_id"] for m in members] == ["efe-1", "ap-1", "out-1"]  # canonical, then by date
    assert members[2]["copy_of"] == "efe-1" and members[0]["copy_of"] is None


def test_render_and_summary(small_run):
    agg = aggregate(small_run)
    page = render(agg, "a <small> run")
    assert page.count('class="plotly-graph-div"') == 6 and "a &lt;small&gt; run" in page
    assert page.count("<details>") == 2 and "bad_json" in page and "http" not in page.split("</script>", 1)[1]
    text = summary(agg)
    assert "copies of an origin     3 (50.0%)" in text and "EFE (3)" in text


def _plots(page):
    return re.findall(r'<div id="([a-z-]+)" class="plotly-graph-div"', page)


def test_bare_run_says_what_is_missing_instead_of_empty_plots(tmp_path):
    agg = aggregate(_bare_run(tmp_path))
    assert gaps(agg.totals) == ["no article has a title", "no article has a source", "no article has a publication date"]
    page = render(agg, "bare")
    assert _plots(page) == ["story-sizes", "languages", "language-links"]  # no timeline, sources or copy matrix
    assert "No timeline of new stories: no article has a publication date." in page
    assert "No source charts or copy matrix: no article names its source" in page
    assert "(none)" not in page and "(no source)" not in page and "undated" not in page
    story = page.split("<details>")[1]
    assert "no headline: its canonical article has no title or text" in story
    assert "first per language" not in story and "source" not in story  # no "en: ; es: ", no empty column
    assert "with a changed headline" not in page  # without titles none can change
    text = summary(agg)
    assert "missing from the input  no article has a title" in text and "most copied" not in text


def test_source_falls_back_to_the_url_site(tmp_path):
    agg = aggregate(_bare_run(tmp_path, urls=["https://www.Agency.example/a1", "http://outlet.example:8080/a2"]))
    assert [s["source"] for s in agg.sources] == [None, "agency.example", "outlet.example"]  # by articles
    assert [(c["origin_source"], c["copy_source"]) for c in agg.matrix] == [("agency.example", "outlet.example")]
    assert agg.totals["most_copied"] == [{"source": "agency.example", "copies": 1}]
    assert gaps(agg.totals)[1:] == ["2 of 4 articles have no source", "no article has a publication date",
                                    "2 articles name no source: their URL's site is shown instead"]
    assert agg.largest[0]["sources"] == 2
    assert [f["source"] for f in agg.largest[0]["first_by_language"]] == ["agency.example", None]
    page = render(agg, "urls")
    assert _plots(page) == ["story-sizes", "sources", "copy-matrix", "languages", "language-links"]
    assert "(no source)" in page and "first per language: en: agency.example<" in page


def test_copy_matrix_needs_two_sources(tmp_path):
    agg = aggregate(_bare_run(tmp_path, urls=["https://agency.example/a1", "https://agency.example/a2"]))
    page = render(agg, "one source")
    assert "copy-matrix" not in _plots(page)
    assert "No copy matrix: it needs copies between two named sources, and the 1 copy found are all within agency.example." in page


def test_report_needs_a_finished_run(tmp_path, small_run, capsys):
    with pytest.raises(ReportError):
        aggregate(tmp_path / "nothing")
    (small_run / "copies" / "part-0.parquet").unlink()
    assert main(["report", str(small_run)]) == 2
    assert "no copies table" in capsys.readouterr().err


@pytest.fixture(scope="module")
def chromium():
    path = find_chromium()
    if path is None:
        pytest.fail("chromium is not installed: `make install` installs it as root (apt-get install chromium)")
    return path


def test_browser_check_sees_errors_and_missing_plots(tmp_path, chromium):
    page = tmp_path / "broken.html"
    page.write_text("<html><body><div class='plotly-graph-div' id='p'></div><details></details>"
                    "<img src='http://127.0.0.1:9/x.png'><script>console.error('boom'); undefinedCall();</script>"
                    "</body></html>")
    check = check_page(page, chromium=chromium)
    assert check.plots == [{"id": "p", "svgs": 0, "traces": 0}] and not check.all_plots_drawn
    assert any("boom" in e for e in check.console_errors) and any("undefinedCall" in e for e in check.console_errors)
    assert check.external_requests == ["http://127.0.0.1:9/x.png"] and check.details == 1


def test_bare_run_page_draws_what_it_shows(tmp_path, chromium):
    html = tmp_path / "bare.html"
    html.write_text(render(aggregate(_bare_run(tmp_path)), "bare"), encoding="utf-8")
    check = check_page(html, chromium=chromium)
    assert check.console_errors == [] and check.external_requests == []
    assert check.all_plots_drawn and [p["id"] for p in check.plots] == ["story-sizes", "languages", "language-links"]


@pytest.mark.slow
def test_seeds_report_renders_in_chromium(seeds_run, tmp_path, chromium, capsys):
    html, png = tmp_path / "report.html", tmp_path / "report.png"
    assert main(["report", str(seeds_run), "--html", str(html)]) == 0
    assert "cross-language stories  10" in capsys.readouterr().out
    check = check_page(html, screenshot=png, chromium=chromium)
    assert check.console_errors == [] and check.external_requests == []
    assert check.all_plots_drawn and len(check.plots) == 6
    assert check.details == 25  # the largest stories, each expandable
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


@pytest.mark.slow
def test_untitled_undated_unsourced_input_reads_well(seed_records, model_name, tmp_path, chromium, capsys):
    """The seeds as an archive like SemEval's gives them: ids, languages and bodies only."""
    bare = tmp_path / "bare.jsonl"
    bare.write_text("".join(json.dumps({"id": r["id"], "language": r.get("language"), "body": r["body"]}) + "\n"
                            for r in seed_records), encoding="utf-8")
    out = run_pipeline([bare], tmp_path / "out", model_name)
    bodies = {r["id"]: " ".join(r["body"].split()) for r in seed_records}
    stories = pq.read_table(out / "stories", columns=["canonical_article_id", "headline"]).to_pylist()
    assert all(s["headline"] and s["headline"].rstrip("…") in bodies[s["canonical_article_id"]] for s in stories)
    html = tmp_path / "report.html"
    assert main(["report", str(out), "--html", str(html)]) == 0
    assert "missing from the input  no article has a title" in capsys.readouterr().out
    check = check_page(html, chromium=chromium)
    assert check.console_errors == [] and check.all_plots_drawn
    assert [p["id"] for p in check.plots] == ["story-sizes", "languages", "language-links"]
    page = html.read_text(encoding="utf-8")
    assert "No timeline of new stories" in page and "No source charts" in page and "first per language" not in page


def test_report_top_n_lists_the_n_largest_stories(small_run, tmp_path, capsys):
    sizes = sorted(pq.read_table(small_run / "stories").column("article_count").to_pylist(), reverse=True)
    assert len(sizes) >= 2
    for top in (0, 1, len(sizes), len(sizes) + 5):
        page = tmp_path / f"top-{top}.html"
        assert main(["report", str(small_run), "--top", str(top), "--html", str(page)]) == 0
        capsys.readouterr()
        html = page.read_text()
        shown = min(top, len(sizes))
        assert f"{shown} largest; click one" in html
        listed = [int(part.split(" article")[0].split(">")[-1]) for part in html.split("<details><summary><b>")[1:]]
        assert listed == sizes[:shown]
