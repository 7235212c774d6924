"""NITF 3.x: a standalone document, or the body of a NewsML item, to article fields.

NITF dates are ISO 8601 basic ("20240105T101500+0100"); ``date.issue`` is
publication, ``date.release`` an embargo (kept apart from ``published_at``).
"""

from __future__ import annotations

from typing import IO, Iterator

from newsdedup.readers import RawRecord, article_record, xml_records
from newsdedup.xmlsafe import attr, find, find_all, markup_text, text


def body_text(nitf) -> str:
    """The story text of a ``<nitf>`` element: ``body.content``, paragraphs kept."""
    content = find(nitf, "//body.content")
    return markup_text(content) if content is not None else ""


def nitf_fields(nitf) -> dict:
    docdata = find(nitf, "head/docdata")
    located = find(nitf, "//dateline/location")
    fields = {
        "title": text(nitf, "body/body.head/hedline/hl1") or text(nitf, "head/title"),
        "body": body_text(nitf),
        "language": nitf.get("{http://www.w3.org/XML/1998/namespace}lang") or attr(nitf, "head/meta", "lang"),
        "source": attr(docdata, "doc.copyright", "holder") if docdata is not None else None,
        "dateline": text(nitf, "//dateline"),
        "located": text(located) if located is not None else None,
        "creditline": text(nitf, "//distributor"),
        "byline": text(nitf, "//byline"),
    }
    if docdata is not None:
        fields.update({
            "id": attr(docdata, "doc-id", "id-string"),
            "published_at": attr(docdata, "date.issue", "norm"),
            "embargo": attr(docdata, "date.release", "norm"),
            "urgency": attr(docdata, "urgency", "ed-urg"),
            "version": attr(docdata, "du-key", "version"),
            "copyright_holder": attr(docdata, "doc.copyright", "holder"),
            "keywords": [k.get("key") for k in find_all(docdata, "key-list/keyword") if k.get("key")] or None,
            "subjects": [s.get("tobject.subject.refnum") or s.get("tobject.subject.type")
                         for s in find_all(nitf, "head/tobject/tobject.subject")] or None,
        })
        if not fields["source"]:
            fields["source"] = attr(docdata, "doc-id", "regsrc")
    return fields


def read_nitf(stream: IO[bytes]) -> Iterator[RawRecord]:
    """Each ``<nitf>`` document of a file (one, as a rule), numbered by its line."""
    return xml_records(stream, ("nitf",), lambda nitf: article_record(nitf_fields(nitf), fmt="nitf"))
