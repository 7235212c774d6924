"""The report as one self-contained HTML page: plotly.js and the styles are
inlined, so the file opens offline, from a mail attachment or a share."""

from __future__ import annotations

import html
from typing import Iterable

import plotly
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from newsdedup.report.aggregate import Aggregates, gaps

_CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": "hover",
           "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
_BLUE, _ORANGE, _GREY = "#1f77b4", "#ff7f0e", "#b8c2cc"

_STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2430;
       margin: 0 auto; max-width: 1180px; padding: 24px; background: #fafbfc; }
h1 { margin: 0 0 4px; font-size: 26px; } h2 { margin: 36px 0 8px; font-size: 20px; }
.sub { color: #5b6675; margin: 0 0 20px; } .note { color: #5b6675; font-size: 13px; margin: 4px 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid #e3e7ec; border-radius: 8px; padding: 12px 14px; }
.card b { display: block; font-size: 26px; } .card span { color: #5b6675; font-size: 13px; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
@media (max-width: 900px) { .grid { grid-template-columns: 1fr; } }
.panel { background: #fff; border: 1px solid #e3e7ec; border-radius: 8px; padding: 8px; }
details { background: #fff; border: 1px solid #e3e7ec; border-radius: 8px; margin: 6px 0; padding: 8px 12px; }
summary { cursor: pointer; } summary .meta { color: #5b6675; font-size: 13px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin-top: 8px; }
th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eef1f4; vertical-align: top; }
th { color: #5b6675; font-weight: 600; } .tag { background: #eef3fb; border-radius: 4px; padding: 0 5px; }
.absent { color: #5b6675; background: #fff; border: 1px dashed #cdd4dc; border-radius: 8px; padding: 10px 14px;
          margin: 8px 0; align-self: start; } .none { color: #8a94a3; font-style: italic; }
"""


def _figure(fig: go.Figure, div_id: str, height: int = 380) -> str:
    """A figure as a div plus its plotting call; the div id is fixed so the page is reproducible."""
    fig.update_layout(template="plotly_white", height=height, margin=dict(l=10, r=10, t=40, b=10),
                      font=dict(size=12), legend=dict(orientation="h", y=-0.15))
    body = fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=_CONFIG)
    return f'<div class="panel">{body}</div>'


def story_sizes_figure(agg: Aggregates) -> go.Figure:
    sizes = agg.story_sizes
    fig = go.Figure(go.Bar(x=[s["size"] for s in sizes], y=[s["stories"] for s in sizes], marker_color=_BLUE,
                           hovertemplate="%{y} stories of %{x} articles<extra></extra>"))
    return fig.update_layout(title="Story sizes", xaxis_title="articles per story", yaxis_title="stories",
                             xaxis_type="category")


def sources_figure(agg: Aggregates) -> go.Figure:
    rows = list(reversed(agg.sources))  # largest on top of a horizontal bar chart
    names = [r["source"] or "(no source)" for r in rows]
    parts = [
        ("originals others copied", [r["originals"] for r in rows], _BLUE),
        ("reprints of another source", [r["reprints"] for r in rows], _ORANGE),
        ("neither", [r["articles"] - r["originals"] - r["reprints"] for r in rows], _GREY),
    ]
    fig = go.Figure([go.Bar(y=names, x=values, name=name, orientation="h", marker_color=color,
                            hovertemplate="%{y}: %{x} " + name + "<extra></extra>") for name, values, color in parts])
    return fig.update_layout(title="Per source: originates or reprints", barmode="stack", xaxis_title="articles")


def matrix_figure(agg: Aggregates) -> go.Figure:
    cells = agg.matrix
    origins = sorted({c["origin_source"] for c in cells})
    copiers = sorted({c["copy_source"] for c in cells})
    counts = [[None] * len(copiers) for _ in origins]
    lags = [[""] * len(copiers) for _ in origins]
    for c in cells:
        i, j = origins.index(c["origin_source"]), copiers.index(c["copy_source"])
        counts[i][j] = c["copies"]
        lags[i][j] = "n/a" if c["median_lag_hours"] is None else f"{c['median_lag_hours']:.1f} h"
    fig = go.Figure(go.Heatmap(
        z=counts, x=copiers, y=origins, customdata=lags, colorscale="Blues", zmin=0, hoverongaps=False,
        texttemplate="%{z}", colorbar=dict(title="copies"),
        hovertemplate="%{y} → %{x}<br>%{z} copies, median lag %{customdata}<extra></extra>"))
    return fig.update_layout(title="Who copies whom (origin source → copying source; hover for median lag)",
                             xaxis_title="copied by", yaxis_title="origin", xaxis_tickangle=-40)


def languages_figure(agg: Aggregates) -> go.Figure:
    langs = agg.languages
    fig = go.Figure([
        go.Bar(x=[r["language"] for r in langs], y=[r["articles"] for r in langs], name="articles", marker_color=_BLUE),
        go.Bar(x=[r["language"] for r in langs], y=[r["stories"] for r in langs], name="stories", marker_color=_ORANGE),
    ])
    return fig.update_layout(title="Language mix", barmode="group", xaxis_type="category")


def links_figure(agg: Aggregates) -> go.Figure:
    links = list(reversed(agg.language_links))
    fig = go.Figure(go.Bar(y=[r["languages"] for r in links], x=[r["stories"] for r in links], orientation="h",
                           marker_color=_BLUE, width=0.6, hovertemplate="%{y}: %{x} stories<extra></extra>"))
    return fig.update_layout(title="Cross-language links (stories carried in both)", xaxis_title="stories",
                             yaxis_type="category")


def timeline_figure(agg: Aggregates) -> go.Figure:
    rows = agg.timeline["rows"]
    periods = [r["period"] for r in rows]
    fig = go.Figure([
        go.Bar(x=periods, y=[r["stories"] - r["cross_language"] for r in rows], name="one language",
               marker_color=_BLUE),
        go.Bar(x=periods, y=[r["cross_language"] for r in rows], name="crossed languages", marker_color=_ORANGE),
    ])
    return fig.update_layout(title=f"New stories per {agg.timeline['unit']} (UTC)",
                             barmode="stack", yaxis_title="stories")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _cards(agg: Aggregates) -> str:
    t = agg.totals
    lag = "n/a" if t["median_lag_hours"] is None else f"{t['median_lag_hours']:.1f} h"
    cards = [
        (f"{t['articles']:,}", "articles"),
        (f"{t['copy_share']:.0%}", f"are copies ({t['copies']:,})"),
        (f"{t['stories']:,}", "stories"),
        (f"{t['cross_language_stories']:,}", "cross-language stories"),
        (f"{t['sources']:,}", "sources"),
        (f"{t['languages']:,}", "languages"),
        (lag, "median copy lag"),
        (f"{t['rejected']:,}", "records rejected"),
    ]
    return '<div class="cards">' + "".join(f"<div class=card><b>{_esc(v)}</b><span>{_esc(k)}</span></div>"
                                           for v, k in cards) + "</div>"


def _none(words: str) -> str:
    return f'<span class="none">{_esc(words)}</span>'


def _absent(why: str) -> str:
    """The line that stands where a section has no data to show."""
    return f'<p class="absent">{_esc(why)}</p>'


# Member columns a run may lack altogether: (heading, key, totals count of articles having it, words when missing).
_OPTIONAL_COLUMNS = (("published (UTC)", "published_at", "dated", "undated"), ("source", "source", "sourced", "no source"))


def _member_rows(members: Iterable[dict], columns: list[tuple], titled: bool) -> str:
    rows = []
    for m in members:
        role = "story canonical" if m["is_story_canonical"] else (
            f"copy of {m['copy_of']}" if m["copy_of"] else "original")
        cells = [_esc(m["article_id"])]  # "copy of" names it
        cells += [_esc(m[key]) if m[key] else _none(words) for _, key, _, words in columns]
        cells.append(_esc(m["language"]))
        if titled:
            title = _esc(m["title"]) if m["title"] else _none("no title")
            if m["url"] and str(m["url"]).startswith(("http://", "https://")):
                title = f'<a href="{_esc(m["url"])}" rel="noopener noreferrer">{title}</a>'
            cells.append(title)
        cells.append(_esc(role))
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return "".join(rows)


def _firsts(firsts: Iterable[dict]) -> str:
    """Who carried each language first, as far as sources and dates say: a language with neither is left out."""
    said = []
    for f in firsts:
        known = " ".join(str(v) for v in (f["source"], f["published_at"]) if v)
        if known:
            said.append(f"{f['language']}: {known}")
    return f" · first per language: {'; '.join(said)}" if said else ""


def _largest(agg: Aggregates) -> str:
    t = agg.totals
    # A column no article fills is left out (the page says above what the input lacks).
    columns = [c for c in _OPTIONAL_COLUMNS if t[c[2]]]
    titled = bool(t["titled"]) or any(m["url"] for s in agg.largest for m in s["members"])
    head = "<th>article</th>" + "".join(f"<th>{name}</th>" for name, *_ in columns) + "<th>lang</th>" + (
        "<th>title</th>" if titled else "") + "<th>role</th>"
    blocks = []
    for s in agg.largest:
        shown = len(s["members"])
        more = (f'<p class="note">first {shown} of {s["article_count"]:,} articles shown; '
                f"query the Parquet tables for the rest</p>") if s["article_count"] > shown else ""
        langs = " ".join(f'<span class="tag">{_esc(lang)}</span>' for lang in s["languages"] or [])
        headline = _esc(s["headline"]) if s["headline"] else _none("no headline: its canonical article has no title or text")
        meta = [_count(s["article_count"], "article"), _count(s["copy_group_count"], "copy group")]
        if t["sourced"]:
            meta.append(_count(s["sources"], "source"))
        if t["dated"]:
            meta.append(f"first {s['first_published'] or 'undated'}")
        blocks.append(
            f"<details><summary><b>{headline}</b> {langs}<br><span class=meta>"
            f"{_esc(' · '.join(meta) + _firsts(s['first_by_language']))}</span></summary>"
            f"<table><tr>{head}</tr>{_member_rows(s['members'], columns, titled)}</table>{more}</details>")
    return "".join(blocks)


def _matrix_absent(agg: Aggregates) -> str:
    """Why there is no copy matrix, or "" when there is one to draw."""
    copies = agg.totals["copies"]
    if not copies:
        return "No copy matrix: no article was found to copy another."
    names = sorted({c["origin_source"] for c in agg.matrix} | {c["copy_source"] for c in agg.matrix})
    if len(names) >= 2:
        return ""
    found = f"{copies:,} cop{'y' if copies == 1 else 'ies'} found"
    return (f"No copy matrix: it needs copies between two named sources, and the {found} "
            f"{'are all within ' + names[0] if names else 'name no source'}.")


def _edits(agg: Aggregates) -> str:
    t = agg.totals
    headlines = (f'{t["headline_changed"]:,} with a changed headline, ' if t["titled"]
                 else "")  # without titles no headline can change
    return (f'<p class="note">Edits detected in {t["copies"]:,} copies: {t["truncated"]:,} truncated, '
            f'{headlines}{t["credit_removed"]:,} without the origin\'s agency credit.</p>')


def render(agg: Aggregates, title: str) -> str:
    """The whole page, from aggregates only: its size does not grow with the archive.

    A section without data is one line saying why, never an empty chart.
    """
    t = agg.totals
    inputs = ", ".join(agg.run.get("inputs") or [])
    undated = agg.timeline["undated"]
    timeline_note = (f'<p class="note">Not on the timeline: {undated:,} undated stor{"y" if undated == 1 else "ies"}.</p>'
                     if undated and agg.timeline["rows"] else "")
    lacking = gaps(t)
    rejects = "".join(f"<tr><td>{_esc(r['reason'])}</td><td>{r['records']:,}</td></tr>" for r in agg.rejects)
    matrix_absent = _matrix_absent(agg)
    sections = [
        f"<h1>{_esc(title)}</h1><p class=sub>inputs: {_esc(inputs)} · "
        f"model: {_esc(agg.run.get('model'))} · plotly {_esc(plotly.__version__)}</p>",
        _cards(agg),
        f'<p class="note"><b>Missing from the input:</b> {_esc("; ".join(lacking))}.</p>' if lacking else "",
        "<h2>Stories</h2><div class=grid>",
        _figure(story_sizes_figure(agg), "story-sizes"),
        _figure(timeline_figure(agg), "timeline") if agg.timeline["rows"]
        else _absent("No timeline of new stories: no article has a publication date."),
        f"</div>{timeline_note}",
        "<h2>Sources</h2>",
    ]
    if t["sources"]:
        sections += [
            _figure(sources_figure(agg), "sources", height=max(380, 22 * len(agg.sources) + 120)),
            _absent(matrix_absent) if matrix_absent else _figure(
                matrix_figure(agg), "copy-matrix", height=max(420, 24 * len({c["origin_source"] for c in agg.matrix}) + 200)),
        ]
    else:
        sections.append(_absent("No source charts or copy matrix: no article names its source, "
                                "and none has a URL to take its site from."))
    sections += [
        _edits(agg),
        "<h2>Languages</h2><div class=grid>",
        _figure(languages_figure(agg), "languages"),
        _figure(links_figure(agg), "language-links") if agg.language_links
        else _absent("No cross-language links: no story holds articles in more than one language."),
        "</div>",
        f"<h2>Largest stories</h2><p class=note>{len(agg.largest)} largest; click one for its articles."
        f"{'' if t['titled'] else ' No article has a title: a headline is the first sentence of its story canonical.'}</p>",
        _largest(agg),
    ]
    if rejects:
        sections.append(f"<h2>Rejected records</h2><table><tr><th>reason</th><th>records</th></tr>{rejects}</table>")
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width, initial-scale=1'>"
        f"<title>{_esc(title)}</title><style>{_STYLE}</style>"
        f"<script type=\"text/javascript\">{get_plotlyjs()}</script></head><body>"
        + "\n".join(sections)
        + "</body></html>\n"
    )
