"""RSS 2.0 and Atom feeds (feedparser), to article fields.

The full text (``content:encoded``, Atom ``content``) is preferred over the
summary (``description``); HTML becomes text as for any other input. A feed
whose bytes contradict its declared encoding is repaired first
(``xmlsafe.repair_declared_encoding``). Entries are numbered by position: a
feed parser gives no lines. A feed whose XML breaks keeps the entries
feedparser's lenient parser recovers, and the break is rejected.
"""

from __future__ import annotations

from typing import IO, Iterator, Optional
from urllib.parse import urlsplit
from xml.sax import SAXException

import feedparser

from newsdedup.html import html_to_text
from newsdedup.readers import RawRecord, article_record, raw_record, read_all
from newsdedup.records import RecordError
from newsdedup.xmlsafe import repair_declared_encoding


def _body(entry) -> Optional[str]:
    contents = [c for c in entry.get("content") or [] if c.get("value")]
    html = next((c for c in contents if "html" in (c.get("type") or "")), None)
    chosen = html or (contents[0] if contents else None)
    value = chosen["value"] if chosen else entry.get("summary")
    return html_to_text(value) if value else None


def entry_fields(entry, feed) -> dict:
    link = entry.get("link") or None
    source = feed.get("title") or (urlsplit(feed.get("link") or link or "").hostname or None)
    return {
        "id": entry.get("id") or link,
        "source": source,
        "url": link,
        "language": feed.get("language") or next((c.get("language") for c in entry.get("content") or []
                                                  if c.get("language")), None),
        "published_at": entry.get("published") or entry.get("updated"),
        "title": html_to_text(entry.get("title") or ""),
        "body": _body(entry),
        "version_created": entry.get("updated") if "updated" in entry else None,
        "creditline": entry.get("author"),
        "copyright_holder": entry.get("rights") or feed.get("rights"),
        "keywords": [t.get("term") for t in entry.get("tags") or [] if t.get("term")],
    }


def read_feed(stream: IO[bytes]) -> Iterator[RawRecord]:
    data, stopped = read_all(stream)
    if not data.strip() and not stopped:
        return
    # No sanitising nor URL rewriting: the HTML becomes text (scripts and styles dropped) right after.
    parsed = feedparser.parse(repair_declared_encoding(data), sanitize_html=False, resolve_relative_uris=False)
    entries = parsed.entries
    for position, entry in enumerate(entries, start=1):
        record = article_record(entry_fields(entry, parsed.feed), fmt="rss")
        yield RawRecord(position, record, None, raw_record(record))
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    broken = isinstance(problem, SAXException)  # not an encoding note: the XML breaks, the last entry may be cut
    if not entries and not parsed.get("version"):
        problem, broken = problem or "neither RSS nor Atom", True
    if stopped or broken:
        where = getattr(problem, "getLineNumber", lambda: None)()
        reason = "unreadable_file" if stopped else "bad_feed"
        detail = f"the file ends early: {stopped}" if stopped else (
            f"malformed feed{f' at line {where}' if where else ''}: {problem}")
        yield RawRecord(len(entries) + 1, None, RecordError(
            reason, f"{detail}; {len(entries)} entries read before by the lenient parser, the last may be cut"), "")
