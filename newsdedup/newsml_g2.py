"""NewsML-G2: ``newsItem`` documents and ``newsMessage`` packages of them, to article fields.

An item is one version of a story: ``guid`` stays, ``version`` rises,
``pubStatus`` canceled or withheld retracts it (version rules: see
``newsdedup.versions``). The text is the first usable rendition of the
``contentSet``: NITF, then XHTML, then plain text. Items that carry no text
(pictures, packages, concepts) are skipped and counted, not rejected.
"""

from __future__ import annotations

from typing import IO, Iterator, Optional

from newsdedup.nitf import body_text as nitf_body
from newsdedup.readers import RawRecord, article_record, xml_records
from newsdedup.records import SkippedRecord
from newsdedup.xmlsafe import attr, find, find_all, local, markup_text, qcode_value, text

_ITEMS = ("newsItem", "packageItem", "conceptItem", "knowledgeItem", "planningItem")
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_RENDITION_ORDER = ("nitf", "xhtml", "html", "text/plain")


def _content(item) -> Optional[str]:
    """The text of the preferred alternative in ``contentSet``: NITF, XHTML, HTML, then plain text."""
    best, best_rank = None, len(_RENDITION_ORDER)
    for alternative in find_all(item, "contentSet/*"):
        kind = (alternative.get("contenttype") or "").lower()
        rank = next((i for i, name in enumerate(_RENDITION_ORDER) if name in kind), None)
        if local(alternative) == "inlineXML" and rank is None and len(alternative):
            rank = 0 if local(alternative[0]) == "nitf" else 1
        if rank is not None and rank < best_rank:
            best, best_rank = alternative, rank
    if best is None:
        return None
    if local(best) == "inlineData":
        return text(best)
    root = best[0] if len(best) else None
    if root is None:
        return None
    if local(root) == "nitf":
        return nitf_body(root)
    body = find(root, "body")
    return markup_text(root if body is None else body)


def _names(elements) -> Optional[list]:
    names = [text(e, "name") or e.get("literal") or e.get("qcode") or e.get("uri") for e in elements]
    return [n for n in names if n] or None


def item_fields(item) -> dict:
    if local(item) != "newsItem":
        raise SkippedRecord("newsml_not_text", f"a {local(item)} carries no article text")
    item_class = qcode_value(attr(item, "itemMeta/itemClass", "qcode"))
    if item_class and item_class != "text":
        raise SkippedRecord("newsml_not_text", f"a {item_class} item carries no article text")
    provider = find(item, "itemMeta/provider")
    source = None
    if provider is not None:
        source = text(provider, "name") or provider.get("literal") or qcode_value(provider.get("qcode"))
    return {
        "id": item.get("guid"),
        "source": source or text(item, "rightsInfo/copyrightHolder/name"),
        "language": attr(item, "contentMeta/language", "tag") or item.get(_XML_LANG),
        "published_at": text(item, "itemMeta/firstCreated") or text(item, "contentMeta/contentCreated")
        or text(item, "itemMeta/versionCreated"),
        "title": text(item, "contentMeta/headline"),
        "body": _content(item),
        "version": item.get("version"),
        "version_created": text(item, "itemMeta/versionCreated"),
        "pub_status": qcode_value(attr(item, "itemMeta/pubStatus", "qcode")),
        "signal": [qcode_value(s.get("qcode")) for s in find_all(item, "itemMeta/signal") if s.get("qcode")],
        "embargo": text(item, "itemMeta/embargoed"),
        "urgency": text(item, "contentMeta/urgency"),
        "dateline": text(item, "contentMeta/dateline"),
        "located": "; ".join(_names(find_all(item, "contentMeta/located")) or []),
        "creditline": text(item, "contentMeta/creditline"),
        "copyright_holder": text(item, "rightsInfo/copyrightHolder/name")
        or attr(item, "rightsInfo/copyrightHolder", "literal"),
        "keywords": [text(k) for k in find_all(item, "contentMeta/keyword") if text(k)],
        "subjects": _names(find_all(item, "contentMeta/subject")),
        "provider": attr(item, "itemMeta/provider", "qcode") or source,
    }


def read_newsml_g2(stream: IO[bytes]) -> Iterator[RawRecord]:
    """Every item of a ``newsItem`` file or a ``newsMessage``, numbered by the line it starts on."""
    return xml_records(stream, _ITEMS, lambda item: article_record(item_fields(item), fmt="newsml"))
