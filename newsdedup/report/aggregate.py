"""What the report shows, computed in DuckDB straight from a run's Parquet files.

Every result is bounded (top-N sources and stories, capped member lists,
bucketed sizes, one row per day or week), so the page stays small however
large the archive: nothing here brings every article into Python.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

TABLES = ("articles", "stories", "copies", "rejects")
# Story sizes are bucketed so a million-article archive gives the same ten bars.
SIZE_BUCKETS = ((1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 10), (11, 20), (21, 50), (51, 100), (101, None))


class ReportError(ValueError):
    """The folder is not a finished run this report can read."""


@dataclass(frozen=True)
class Limits:
    sources: int = 25  # sources in the per-source chart
    matrix: int = 20  # sources on each axis of the copy matrix
    stories: int = 25  # largest stories listed
    members: int = 50  # members listed per story


@dataclass(frozen=True)
class Aggregates:
    totals: dict[str, Any]
    story_sizes: list[dict]  # {size, stories}, in bucket order
    sources: list[dict]  # {source, articles, originals, reprints, copied_by_others}
    matrix: list[dict]  # {origin_source, copy_source, copies, median_lag_hours}
    languages: list[dict]  # {language, articles, stories}
    language_links: list[dict]  # {languages: "en ↔ es", stories}
    timeline: dict  # {unit: day|week, rows: [{period, stories, cross_language}]}
    largest: list[dict]  # story rows with their first members
    rejects: list[dict]  # {reason, records}
    run: dict  # from manifest.json: inputs, elapsed, versions


# The host of a URL, lower case, without user, port or "www.": the source shown for an
# article that names none. String functions after one short regular expression: a
# regular expression doing it all took 4 s per million URLs, this 1.5 s.
_SITE = r"""CREATE MACRO site(url) AS nullif(regexp_replace(lower(split_part(split_part(
    regexp_extract(url, '^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)', 1), '@', -1), ':', 1)), '^www\.', ''), '')"""


def _connect(directory: Path) -> duckdb.DuckDBPyConnection:
    """Views over the run's tables, with what is missing made NULL once for every query.

    An empty source or title is none; an article without a source is shown
    under its URL's site (a crawled page names no agency), in ``articles``
    and on both sides of ``copies``. Those sites are found once, into a table
    of the articles lacking a source, joined only when it names a site:
    finding them in every query made the report of a synthetic 1M-article
    run without sources about 25 times slower.
    """
    if not (directory / "manifest.json").is_file():
        raise ReportError(f"{directory} is not a finished newsdedup run (no manifest.json)")
    con = duckdb.connect()
    con.execute(_SITE)
    for table in TABLES:
        if not any((directory / table).glob("*.parquet")):
            raise ReportError(f"{directory} has no {table} table: was it written by an older newsdedup?")
        glob = str(directory / table / "*.parquet").replace("'", "''")
        con.execute(f"CREATE VIEW stored_{table} AS SELECT * FROM read_parquet('{glob}')")
    # (Filtering out URLs without a site here made DuckDB 5x slower; the joins leave them NULL.)
    con.execute("""CREATE TEMP TABLE url_sources AS SELECT article_id, site(url) AS source FROM stored_articles
        WHERE nullif(trim(source), '') IS NULL AND url IS NOT NULL""")
    if con.execute("SELECT count(source) FROM url_sources").fetchone()[0]:
        con.execute("""CREATE VIEW articles AS SELECT a.* REPLACE (
            coalesce(nullif(trim(a.source), ''), u.source) AS source, nullif(trim(a.title), '') AS title),
            u.source IS NOT NULL AS source_from_url
            FROM stored_articles a LEFT JOIN url_sources u ON u.article_id = a.article_id""")
        # A table: the queries read copies six times, and each view read would join twice.
        con.execute("""CREATE TEMP TABLE copies AS SELECT c.* REPLACE (
            coalesce(nullif(trim(c.origin_source), ''), o.source) AS origin_source,
            coalesce(nullif(trim(c.copy_source), ''), k.source) AS copy_source)
            FROM stored_copies c
            LEFT JOIN url_sources o ON o.article_id = c.origin_article_id
            LEFT JOIN url_sources k ON k.article_id = c.copy_article_id""")
    else:  # no join to make
        con.execute("""CREATE VIEW articles AS SELECT * REPLACE (
            nullif(trim(source), '') AS source, nullif(trim(title), '') AS title), false AS source_from_url
            FROM stored_articles""")
        con.execute("""CREATE VIEW copies AS SELECT * REPLACE (
            nullif(trim(origin_source), '') AS origin_source, nullif(trim(copy_source), '') AS copy_source)
            FROM stored_copies""")
    for table in ("stories", "rejects"):
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM stored_{table}")
    return con


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _totals(con) -> dict:
    # One scan per table: every pass over ``articles`` joins the sites of unsourced articles.
    (row,) = _rows(con, """
        SELECT count(*) AS articles, count(DISTINCT copy_group_id) AS copy_groups,
               count(DISTINCT source) AS sources, count(DISTINCT language) AS languages,
               count(title) AS titled, count(source) AS sourced, count(*) FILTER (source_from_url) AS sourced_from_url,
               count(published_at) AS dated
        FROM articles""")
    row.update(_rows(con, """
        SELECT count(*) AS copies, count(*) FILTER (truncated) AS truncated,
               count(*) FILTER (headline_changed) AS headline_changed, count(*) FILTER (credit_removed) AS credit_removed,
               median(lag_seconds) / 3600 AS median_lag_hours
        FROM copies""")[0])
    row.update(_rows(con, """
        SELECT count(*) AS stories, count(*) FILTER (len(languages) > 1) AS cross_language_stories,
               (SELECT count(*) FROM rejects) AS rejected
        FROM stories""")[0])
    row["copy_share"] = row["copies"] / row["articles"] if row["articles"] else 0.0
    row["most_copied"] = _rows(con, """
        SELECT origin_source AS source, count(*) AS copies FROM copies WHERE origin_source IS NOT NULL
        GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3""")
    return row


def gaps(totals: dict) -> list[str]:
    """What the input lacks, in words, for the page and the terminal: an archive
    often has no titles, sources or dates, and an empty chart would not say so."""
    n = totals["articles"]
    said = []
    for present, field in ((totals["titled"], "a title"), (totals["sourced"], "a source"),
                           (totals["dated"], "a publication date")):
        if present == 0:
            said.append(f"no article has {field}")
        elif present < n:
            said.append(f"{n - present:,} of {n:,} articles have no {field.split(' ', 1)[1]}")
    if totals["sourced_from_url"]:
        said.append(f"{totals['sourced_from_url']:,} articles name no source: their URL's site is shown instead")
    return said


def _story_sizes(con) -> list[dict]:
    counts = dict(con.execute("SELECT article_count, count(*) FROM stories GROUP BY 1").fetchall())
    sizes = []
    for low, high in SIZE_BUCKETS:
        label = str(low) if low == high else (f"{low}–{high}" if high else f"> {low - 1}")
        n = sum(c for size, c in counts.items() if size >= low and (high is None or size <= high))
        sizes.append({"size": label, "stories": n})
    return sizes


def _sources(con, limit: int) -> list[dict]:
    """Per source: articles others copied (originals), articles that are copies
    (reprints), and how many copies others made of it."""
    return _rows(con, """
        WITH origins AS (SELECT origin_article_id AS article_id, count(*) AS copies FROM copies GROUP BY 1),
             reprints AS (SELECT copy_article_id AS article_id FROM copies)
        SELECT a.source, count(*) AS articles,
               count(o.article_id) AS originals, count(r.article_id) AS reprints,
               coalesce(sum(o.copies), 0)::BIGINT AS copied_by_others
        FROM articles a
        LEFT JOIN origins o USING (article_id)
        LEFT JOIN reprints r USING (article_id)
        GROUP BY 1 ORDER BY articles DESC, source LIMIT ?
    """, [limit])


def _matrix(con, limit: int) -> list[dict]:
    """Copies from origin source to copy source among the sources most involved in copying."""
    return _rows(con, """
        WITH involved AS (
            SELECT source, sum(n) AS n FROM (
                SELECT origin_source AS source, count(*) AS n FROM copies GROUP BY 1
                UNION ALL SELECT copy_source, count(*) FROM copies GROUP BY 1)
            GROUP BY 1 ORDER BY n DESC, source LIMIT ?)
        SELECT origin_source, copy_source, count(*) AS copies, median(lag_seconds) / 3600 AS median_lag_hours
        FROM copies
        WHERE origin_source IN (SELECT source FROM involved) AND copy_source IN (SELECT source FROM involved)
        GROUP BY 1, 2 ORDER BY copies DESC, origin_source, copy_source
    """, [limit])


def _languages(con) -> tuple[list[dict], list[dict]]:
    languages = _rows(con, """
        SELECT coalesce(language, 'und') AS language, count(*) AS articles, count(DISTINCT story_id) AS stories
        FROM articles GROUP BY 1 ORDER BY articles DESC, language
    """)
    links = _rows(con, """
        WITH pairs AS (
            SELECT a.lang AS first, b.lang AS second
            FROM (SELECT story_id, unnest(languages) AS lang FROM stories WHERE len(languages) > 1) a
            JOIN (SELECT story_id, unnest(languages) AS lang FROM stories WHERE len(languages) > 1) b
              ON a.story_id = b.story_id AND a.lang < b.lang)
        SELECT first || ' ↔ ' || second AS languages, count(*) AS stories
        FROM pairs GROUP BY 1 ORDER BY stories DESC, languages LIMIT 30
    """)
    return languages, links


def _timeline(con) -> dict:
    """Stories by the day, week or month they were first published: about 30–400 bars whatever the span."""
    (span,) = con.execute("SELECT date_diff('day', min(first_published), max(first_published)) FROM stories").fetchone()
    unit = "day" if span is None or span <= 60 else "week" if span <= 3 * 366 else "month"
    rows = _rows(con, f"""
        SELECT strftime(date_trunc('{unit}', first_published AT TIME ZONE 'UTC'), '%Y-%m-%d') AS period,
               count(*) AS stories, count(*) FILTER (len(languages) > 1) AS cross_language
        FROM stories WHERE first_published IS NOT NULL GROUP BY 1 ORDER BY 1
    """)
    (undated,) = con.execute("SELECT count(*) FROM stories WHERE first_published IS NULL").fetchone()
    return {"unit": unit, "rows": rows, "undated": undated}


def _largest(con, stories: int, members: int) -> list[dict]:
    """The largest stories, their first article per language and first members;
    sources as the articles view names them (a URL's site where none is given)."""
    top = _rows(con, """
        SELECT story_id, nullif(trim(headline), '') AS headline, article_count, copy_group_count, languages,
               strftime(first_published AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') AS first_published
        FROM stories ORDER BY article_count DESC, story_id LIMIT ?
    """, [stories])
    ids = [s["story_id"] for s in top]
    sources = dict(con.execute("""
        SELECT story_id, count(DISTINCT source) FROM articles WHERE story_id IN (SELECT unnest(?::VARCHAR[]))
        GROUP BY 1""", [ids]).fetchall())
    firsts = _rows(con, """
        SELECT s.story_id, f.language, a.source,
               strftime(f.published_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') AS published_at
        FROM (SELECT story_id, unnest(first_by_language) AS f FROM stories
              WHERE story_id IN (SELECT unnest(?::VARCHAR[]))) s
        LEFT JOIN articles a ON a.article_id = f.article_id ORDER BY s.story_id, f.language
    """, [ids])
    listed = _rows(con, """
        SELECT story_id, article_id, source, language, title, url, is_story_canonical, is_group_canonical,
               strftime(published_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') AS published_at,
               c.origin_article_id AS copy_of
        FROM (SELECT *, row_number() OVER (PARTITION BY story_id
                        ORDER BY is_story_canonical DESC, published_at NULLS LAST, article_id) AS rank
              FROM articles WHERE story_id IN (SELECT unnest(?::VARCHAR[])))
        LEFT JOIN copies c ON c.copy_article_id = article_id
        WHERE rank <= ? ORDER BY story_id, rank
    """, [ids, members])
    for story in top:
        story["sources"] = sources.get(story["story_id"], 0)
        story["first_by_language"] = [f for f in firsts if f["story_id"] == story["story_id"]]
        story["members"] = [m for m in listed if m["story_id"] == story["story_id"]]
    return top


def aggregate(directory: Path, limits: Limits = Limits()) -> Aggregates:
    directory = Path(directory)
    con = _connect(directory)
    try:
        languages, links = _languages(con)
        manifest = json.loads((directory / "manifest.json").read_text())
        return Aggregates(
            totals=_totals(con),
            story_sizes=_story_sizes(con),
            sources=_sources(con, limits.sources),
            matrix=_matrix(con, limits.matrix),
            languages=languages,
            language_links=links,
            timeline=_timeline(con),
            largest=_largest(con, limits.stories, limits.members),
            rejects=_rows(con, "SELECT reason, count(*) AS records FROM rejects GROUP BY 1 ORDER BY 2 DESC, 1"),
            run={key: manifest.get(key) for key in ("inputs", "elapsed_seconds", "model", "versions", "counts")},
        )
    finally:
        con.close()
