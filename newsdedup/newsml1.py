"""AFP's NewsML 1.2: ``NewsItem``s with NITF bodies, to article fields.

The public identifier ends in the revision
(``urn:newsml:afp.com:20240105:TX-PAR-ABC12:2``); the item's version-free id
is the same URN without it, and the revision is its ``version``.
"""

from __future__ import annotations

from typing import IO, Iterator

from newsdedup.nitf import body_text as nitf_body
from newsdedup.readers import RawRecord, article_record, xml_records
from newsdedup.records import RecordError
from newsdedup.xmlsafe import attr, find, find_all, markup_text, text

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _item_id(item) -> str:
    ident = find(item, "Identification/NewsIdentifier")
    if ident is None:
        raise RecordError("missing_id", "the NewsItem has no NewsIdentifier")
    parts = [text(ident, name) for name in ("ProviderId", "DateId", "NewsItemId")]
    if all(parts):
        return "urn:newsml:" + ":".join(parts)
    public = text(ident, "PublicIdentifier") or ""
    return public.rpartition(":")[0] or public


def _body(item) -> str:
    for content in find_all(item, "//ContentItem"):
        data = find(content, "DataContent")
        if data is None:
            continue
        nitf = find(data, "//nitf")
        if nitf is not None:
            return nitf_body(nitf)
        return markup_text(data) if len(data) else (text(data) or "")
    return ""


def item_fields(item) -> dict:
    lines = find(item, "NewsComponent/NewsLines")
    line = (lambda name: text(lines, name)) if lines is not None else (lambda name: None)
    return {
        "id": _item_id(item),
        "source": attr(item, "//AdministrativeMetadata/Provider/Party", "FormalName") or line("CreditLine"),
        "language": attr(item, "//DescriptiveMetadata/Language", "FormalName") or item.get(_XML_LANG),
        "published_at": text(item, "NewsManagement/FirstCreated"),
        "title": line("HeadLine"),
        "body": _body(item),
        "version": text(item, "Identification/NewsIdentifier/RevisionId"),
        "version_created": text(item, "NewsManagement/ThisRevisionCreated"),
        "pub_status": (attr(item, "NewsManagement/Status", "FormalName") or "").lower() or None,
        "embargo": text(item, "NewsManagement/StatusWillChange/DateAndTime"),
        "urgency": attr(item, "NewsManagement/Urgency", "FormalName"),
        "dateline": line("DateLine"),
        "located": "; ".join(p.get("Value") for p in find_all(item, "//DescriptiveMetadata/Location/Property")
                             if p.get("FormalName") == "City" and p.get("Value")),
        "creditline": line("CreditLine"),
        "copyright_holder": line("CopyrightLine"),
        "keywords": [text(k) for k in find_all(lines, "KeywordLine") if text(k)] if lines is not None else None,
        "subjects": [s.get("FormalName") for s in find_all(item, "//SubjectCode/*") if s.get("FormalName")],
        "provider": text(item, "Identification/NewsIdentifier/ProviderId"),
    }


def read_newsml1(stream: IO[bytes]) -> Iterator[RawRecord]:
    """Every ``NewsItem`` of a NewsML 1.2 document, numbered by the line it starts on."""
    return xml_records(stream, ("NewsItem",), lambda item: article_record(item_fields(item), fmt="newsml1"))
