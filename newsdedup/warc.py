"""WARC archives of HTML pages (Common Crawl's CC-NEWS), one article per HTTP response.

Records are read one at a time (warcio), never the whole archive. A page's
title, text and publication date come from trafilatura (measured against
resiliparse in benchmarks/read_formats.py); its source is the site's domain.
``WARC-Date`` is when the page was fetched, not published: it is kept as
``version_created``, so a page fetched twice keeps its latest fetch. Responses
that are not HTML or not 200 are skipped and counted by reason; requests,
metadata and warcinfo records are the archive's bookkeeping, not pages.
"""

from __future__ import annotations

import hashlib
import re
from typing import IO, Iterator, Optional
from urllib.parse import urlsplit

from newsdedup.readers import RawRecord, article_record, raw_record
from newsdedup.records import RecordError, SkippedRecord

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_HTML_LANG = re.compile(rb"<html[^>]*?\slang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?)", re.I)


def site(url: Optional[str]) -> Optional[str]:
    """The site's domain, without ``www.``: a page's source when the archive names none."""
    host = urlsplit(url or "").hostname
    return host.removeprefix("www.") if host else None


def extract(html: bytes, url: Optional[str]) -> dict:
    """Title, body, publication date and language of one page (trafilatura; the html lang attribute)."""
    import trafilatura

    document = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                           include_tables=False)
    title = (document.title or "").strip() if document else ""
    body = (document.text or "").strip() if document else ""
    if title and body.startswith(title):  # the page's h1 leads the extracted text
        body = body[len(title):].lstrip()
    lang = _HTML_LANG.search(html[:4096])
    return {"title": title, "body": body, "published_at": document.date if document else None,
            "language": (document.language if document else None) or (lang.group(1).decode() if lang else None)}


def _skip(record) -> Optional[SkippedRecord]:
    status = record.http_headers.get_statuscode() if record.http_headers else None
    if status != "200":
        return SkippedRecord("warc_not_200", f"HTTP status {status}")
    kind = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
    if kind not in _HTML_TYPES:
        return SkippedRecord("warc_not_html", f"content type {kind or 'unknown'}")
    return None


_TRAILER = 4  # an uncompressed archive's last record ends in CRLF CRLF past its offset


class _Counted:
    """A stream that counts the bytes read from it: what is left after the last record is a truncation."""

    def __init__(self, stream: IO[bytes]):
        self._stream, self.read_bytes = stream, 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self.read_bytes += len(data)
        return data


def _check_whole(record) -> None:
    """Raise when a record ends before its Content-Length: warcio reads a truncated member quietly."""
    while record.raw_stream.read(1 << 16):
        pass
    if getattr(record.raw_stream, "limit", 0) > 0:
        raise EOFError(f"the record ends {record.raw_stream.limit} bytes before its Content-Length")


def read_warc(stream: IO[bytes], ids_only: bool = False) -> Iterator[RawRecord]:
    """Each HTML response of a WARC (plain or gzip) file, numbered by its place among the file's records.

    ``ids_only``: the page is not extracted; its id, fetch time and payload
    digest are all the version decisions need.
    """
    from warcio.archiveiterator import ArchiveIterator

    position = 0
    counted = _Counted(stream)
    records = ArchiveIterator(counted)
    try:
        for record in records:
            position += 1
            if record.rec_type is None:  # what warcio makes of a cut-off header
                raise EOFError("a record without a whole WARC header")
            if record.rec_type != "response":
                _check_whole(record)
                continue
            skipped = _skip(record)
            payload = record.content_stream().read() if skipped is None else b""
            _check_whole(record)
            if skipped is not None:
                yield RawRecord(position, None, skipped, "")
                continue
            url = record.rec_headers.get_header("WARC-Target-URI")
            fields = {"id": url, "source": site(url), "url": url,
                      "version_created": record.rec_headers.get_header("WARC-Date")}
            if ids_only:
                yield RawRecord(position, fields, None, hashlib.blake2b(payload, digest_size=16).hexdigest())
                continue
            article = article_record({**fields, **extract(payload, url)}, fmt="warc")
            article.setdefault("title", "")  # an empty page is rejected for its text, not its fields
            yield RawRecord(position, article, None, raw_record(article))
        if counted.read_bytes - records.offset > _TRAILER:  # warcio stops quietly at a broken record header
            raise EOFError(f"{counted.read_bytes - records.offset} bytes after the last whole record")
    except Exception as err:  # a truncated or corrupt archive: the records before it stand
        detail = f"cannot read past WARC record {position} (offset {records.offset}): {err.__class__.__name__}: {err}"
        yield RawRecord(position + 1, None, RecordError("unreadable_file", detail), "")
