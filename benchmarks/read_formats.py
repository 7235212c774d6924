"""Reading rates per input format, and WARC extraction against the extractors alone on the same pages.

The same articles are written in every format (in memory) and read back
through ``read_records`` + ``parse_article``, single process: records per CPU
second. For WARC the reader's rate (archive parsing, trafilatura, mapping) is
set beside trafilatura alone and resiliparse alone on the same HTML pages,
the measurement behind choosing trafilatura (it also gives title and date).

Run alone: ``python benchmarks/read_formats.py [articles.jsonl] [--n 2000]``.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from newsdedup.readers import read_records  # noqa: E402
from newsdedup.records import parse_article  # noqa: E402

G2_NS = "http://iptc.org/std/nar/2006-10-01/"


def _paragraphs(body: str) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in body.split("\n") if p.strip())


G2_ITEM = ('<newsItem guid="urn:bench:{id}" version="1"><itemMeta><itemClass qcode="ninat:text"/>'
           '<provider literal="{source}"/><versionCreated>2024-01-05T10:00:00Z</versionCreated>'
           '<pubStatus qcode="stat:usable"/></itemMeta><contentMeta><headline>{title}</headline></contentMeta>'
           '<contentSet><inlineXML contenttype="application/nitf+xml"><nitf><body><body.content>{body}'
           '</body.content></body></nitf></inlineXML></contentSet></newsItem>')
NEWSML1_ITEM = ('<NewsItem><Identification><NewsIdentifier><ProviderId>bench</ProviderId><DateId>20240105</DateId>'
                '<NewsItemId>{id}</NewsItemId><RevisionId>1</RevisionId></NewsIdentifier></Identification>'
                '<NewsComponent><NewsLines><HeadLine>{title}</HeadLine></NewsLines><ContentItem><DataContent><nitf>'
                '<body><body.content>{body}</body.content></body></nitf></DataContent></ContentItem></NewsComponent>'
                '</NewsItem>')


def _xml(records, root: str, item: str) -> bytes:
    """One XML document of ``item`` per record inside ``root`` (``{}`` marks where the items go)."""
    items = "".join(item.format(id=escape(str(r["id"])), source=escape(r.get("source") or ""),
                                title=escape(r.get("title") or ""), body=_paragraphs(r.get("body") or ""))
                    for r in records)
    return root.replace("{}", items).encode()


def _ninjs(records) -> bytes:
    return json.dumps([{"uri": f"urn:bench:{r['id']}", "version": "1", "versionCreated": "2024-01-05T10:00:00Z",
                        "headlines": [{"role": "main", "value": r.get("title") or ""}],
                        "bodies": [{"role": "main", "contentType": "text/plain", "value": r.get("body") or ""}]}
                       for r in records], ensure_ascii=False).encode()


def _rss(records) -> bytes:
    items = "".join(f"<item><guid>bench-{escape(str(r['id']))}</guid><title>{escape(r.get('title') or '')}</title>"
                    f"<content:encoded>{escape(_paragraphs(r.get('body') or ''))}</content:encoded></item>"
                    for r in records)
    return ('<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Bench'
            f"</title>{items}</channel></rss>").encode()


def _pages(records) -> list[tuple[str, bytes]]:
    from wire_samples import page

    return [(f"https://news.example.com/{r['id']}", page(r.get("title") or "", (r.get("body") or "").split("\n")))
            for r in records]


def _warc(pages) -> bytes:
    from wire_samples import warc

    return warc([(url, "200 OK", "text/html", html, "2024-01-06T03:00:00Z") for url, html in pages])


def _rate(data: bytes, name: str, fmt: str) -> float:
    started = time.process_time()
    n = sum(1 for raw in read_records(io.BytesIO(data), name, fmt) if raw.error is None and parse_article(raw.record))
    return n / (time.process_time() - started)


def format_rates(records: list[dict], pages: int = 300) -> dict:
    """Records per CPU second for each format; WARC on ``pages`` of the records, beside the extractors alone."""
    import trafilatura

    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    out = {"records": len(records), "pages": min(pages, len(records))}
    g2 = _xml(records, f'<newsMessage xmlns="{G2_NS}"><itemSet>{{}}</itemSet></newsMessage>', G2_ITEM)
    newsml1 = _xml(records, '<NewsML Version="1.2">{}</NewsML>', NEWSML1_ITEM)
    for fmt, name, data in (("jsonl", "a.jsonl", lines), ("newsml", "a.xml", g2),
                            ("newsml1", "a.xml", newsml1), ("ninjs", "a.json", _ninjs(records)),
                            ("rss", "a.rss", _rss(records))):
        out[f"{fmt}_records_per_cpu_s"] = _rate(data, name, fmt)
    html = _pages(records[:pages])
    out["warc_records_per_cpu_s"] = _rate(_warc(html), "a.warc.gz", "warc")
    started = time.process_time()
    for url, page in html:
        trafilatura.bare_extraction(page, url=url, with_metadata=True, include_comments=False, include_tables=False)
    out["trafilatura_alone_pages_per_cpu_s"] = len(html) / (time.process_time() - started)
    try:
        from resiliparse.extract.html2text import extract_plain_text
        from resiliparse.parse.html import HTMLTree
    except ImportError:  # measured when installed; not a dependency
        return out
    started = time.process_time()
    for _, page in html:
        tree = HTMLTree.parse_from_bytes(page)
        (tree.title, extract_plain_text(tree, main_content=True))
    out["resiliparse_alone_pages_per_cpu_s"] = len(html) / (time.process_time() - started)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("jsonl", nargs="?", default=str(ROOT / "seeds" / "articles.jsonl"))
    parser.add_argument("--n", type=int, default=2000, help="records (repeated from the file with new ids)")
    parser.add_argument("--pages", type=int, default=300)
    args = parser.parse_args()
    base = [json.loads(line) for line in Path(args.jsonl).read_text(encoding="utf-8").splitlines() if line.strip()]
    records = [dict(base[i % len(base)], id=f"{i}") for i in range(args.n)]
    print(json.dumps(format_rates(records, args.pages), indent=1))


if __name__ == "__main__":
    main()
