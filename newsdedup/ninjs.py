"""ninjs 1.x, 2.x and 3.x (IPTC's JSON news item), to article fields.

3.x renamed the fields to camelCase (``versionCreated``); 1.x and AP's JSON
use lower case with underscores (``versioncreated``, ``body_text``). Keys
are compared folded (lower case, no underscores), so one mapping reads all
three. A file holds one item, a list of items, or one item per line.
"""

from __future__ import annotations

import json
from typing import IO, Any, Iterator, Optional

from newsdedup.html import html_to_text
from newsdedup.readers import RawRecord, article_record, decode_line, raw_record, read_all
from newsdedup.records import RecordError


def _fold(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k).lower().replace("_", ""): _fold(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fold(v) for v in value]
    return value


def _by_role(items: Any, preferred: tuple[str, ...]) -> Optional[dict]:
    """The entry of a 2.x/3.x ``headlines``/``bodies`` list: main role and preferred content type first."""
    entries = [e for e in items if isinstance(e, dict) and e.get("value")] if isinstance(items, list) else []
    if not entries:
        return None

    def rank(entry: dict) -> tuple:
        kind = str(entry.get("contenttype") or "")
        role = str(entry.get("role") or "main")
        return (role != "main", next((i for i, p in enumerate(preferred) if p in kind), len(preferred)))

    return min(entries, key=rank)


def _names(values: Any) -> Optional[list]:
    if not isinstance(values, list):
        return [values] if isinstance(values, str) and values else None
    names = [v.get("name") or v.get("code") or v.get("uri") if isinstance(v, dict) else v for v in values]
    return [n for n in names if n] or None


def _body(item: dict) -> Optional[str]:
    bodies = _by_role(item.get("bodies"), ("text/plain", "html", "nitf"))
    if bodies is not None:
        return html_to_text(str(bodies["value"]))
    for name in ("bodytext", "bodyhtml", "bodyxhtml", "bodynitf"):
        if isinstance(item.get(name), str):
            return html_to_text(item[name])
    return None


def _holder(value: Any) -> Optional[str]:
    return value.get("name") if isinstance(value, dict) else value


def item_fields(raw: Any) -> dict:
    if not isinstance(raw, dict):
        raise RecordError("not_an_object", f"a ninjs item must be a JSON object, got {type(raw).__name__}")
    item = _fold(raw)
    headline = _by_role(item.get("headlines"), ("text/plain",))
    sources = _names(item.get("infosources"))
    located = item.get("located")
    return {
        "id": item.get("uri"),
        "source": item.get("provider") if isinstance(item.get("provider"), str) else (
            sources[0] if sources else _holder(item.get("copyrightholder"))),
        "url": next((link.get("href") for link in item.get("links") or [] if isinstance(link, dict)
                     and link.get("rel") in ("self", "canonical", "alternate") and link.get("href")), None),
        "language": item.get("language"),
        "published_at": item.get("firstcreated") or item.get("contentcreated") or item.get("versioncreated"),
        "title": headline["value"] if headline else item.get("headline"),
        "body": _body(item),
        "version": item.get("version"),
        "version_created": item.get("versioncreated"),
        "pub_status": item.get("pubstatus"),
        "signal": _names(item.get("signals")),
        "embargo": item.get("embargoed"),
        "urgency": item.get("urgency"),
        "located": located.get("name") if isinstance(located, dict) else located,
        "creditline": item.get("creditline") or item.get("byline") or item.get("by"),
        "copyright_holder": _holder(item.get("copyrightholder")),
        "keywords": _names(item.get("keywords")),
        "subjects": _names(item.get("subject") or item.get("subjects")),
        "etag": item.get("etag"),
        "provider": sources[0] if sources else item.get("provider"),
    }


def _lines(text: str) -> Iterator[tuple[int, Any, Optional[RecordError]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                yield number, json.loads(line), None
            except json.JSONDecodeError as err:
                yield number, line, RecordError("bad_json", f"invalid JSON: {err.msg} at column {err.colno}")


def _items(text: str) -> Iterator[tuple[int, Any, Optional[RecordError]]]:
    """(position, item, error): a document's items numbered from 1, or each line's item by its line."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        first = next((line for line in text.splitlines() if line.strip()), "")
        try:
            json.loads(first)
        except json.JSONDecodeError:  # one document, broken
            yield err.lineno, text, RecordError("bad_json", f"invalid JSON: {err.msg} at line {err.lineno}, "
                                                           f"column {err.colno}")
            return
        yield from _lines(text)
        return
    for position, item in enumerate(document if isinstance(document, list) else [document], start=1):
        yield position, item, None


def read_ninjs(stream: IO[bytes]) -> Iterator[RawRecord]:
    """The items of a ninjs file: one document (an item or a list), or one item per line."""
    data, stopped = read_all(stream)
    text = decode_line(data).lstrip("\ufeff")
    position = 0
    for position, item, error in _items(text) if text.strip() else ():
        if error is None:
            try:
                record = article_record(item_fields(item), fmt="ninjs")
                yield RawRecord(position, record, None, raw_record(record))
                continue
            except RecordError as err:
                error = err
        yield RawRecord(position, None, error, raw_record(item) if isinstance(item, dict) else str(item))
    if stopped:
        yield RawRecord(position + 1, None, RecordError("unreadable_file", f"the file ends early: {stopped}"), "")
