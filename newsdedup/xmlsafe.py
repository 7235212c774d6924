"""XML for the wire readers: a parser that touches no network and expands no entity, and the small helpers they share.

Wire XML arrives from outside: an entity bomb or an external DTD must cost
nothing, so entities stay unexpanded and no DTD is loaded. Element lookups
go by local name, because the same NITF body comes with and without a
namespace depending on the wrapper it travels in.
"""

from __future__ import annotations

import io
import re
from functools import lru_cache
from html.entities import name2codepoint
from typing import Iterator, Optional

from lxml import etree

from newsdedup.html import BLOCK_TAGS, SKIP_TAGS, join_text
from newsdedup.records import RecordError

_SAFE = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True,
             remove_pis=True)
_DECLARATION = re.compile(rb"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9._-]+)([\"'])")
_SINGLE_BYTE = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "windows-1252", "cp1252", "us-ascii", "ascii"}


def repair_declared_encoding(data: bytes) -> bytes:
    """A document declared single-byte (iso-8859-1) whose bytes are UTF-8: its declaration says UTF-8.

    A real feed case: read as declared, every accented letter would turn into
    two. Bytes that are not valid UTF-8 keep their declaration.
    """
    match = _DECLARATION.match(data[:200])
    if not match or match.group(2).decode().lower() not in _SINGLE_BYTE or data.isascii():
        return data
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    return data[:match.start(2)] + b"UTF-8" + data[match.end(2):]


_NAMED_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_ENTITIES = {b"amp", b"lt", b"gt", b"quot", b"apos"}


def repair_html_entities(data: bytes) -> bytes:
    """HTML's named entities (``&nbsp;``, ``&eacute;``) as character references, where the document defines none.

    NITF's DTD declares them, but the DTD is never loaded (``_SAFE``): without
    this, one ``&nbsp;`` would lose a whole file.
    """
    if b"<!ENTITY" in data or b"&" not in data:
        return data

    def reference(match: re.Match) -> bytes:
        name = match.group(1)
        code = name2codepoint.get(name.decode("ascii"))
        return match.group(0) if name in _XML_ENTITIES or code is None else b"&#%d;" % code

    return _NAMED_ENTITY.sub(reference, data)


def iter_elements(data: bytes, names: tuple[str, ...]) -> Iterator[etree._Element]:
    """Each complete element named one of ``names`` (any namespace), in document order.

    Raises ``BadXml`` with line and column where the document breaks, after
    yielding what came before: one broken item costs only what follows it.
    """
    tags = tuple(f"{{*}}{name}" for name in names) + names
    parser = etree.iterparse(io.BytesIO(data), events=("end",), tag=tags, **_SAFE)
    try:
        for _, element in parser:
            yield element
            element.clear(keep_tail=True)
    except etree.XMLSyntaxError as err:
        fatal = next((e for e in parser.error_log if e.level_name == "FATAL"), None)  # the cause, not the last word
        line, column, message = (fatal.line, fatal.column, fatal.message) if fatal else (*err.position, err.msg)
        raise BadXml(line, f"malformed XML at line {line}, column {column}: {message}") from None


class BadXml(RecordError):
    def __init__(self, line: int, detail: str):
        super().__init__("bad_xml", detail)
        self.line = line


def local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


@lru_cache(maxsize=None)
def _xpath(path: str) -> etree.XPath:
    anywhere = path.startswith("//")
    steps = "/".join("*" if step == "*" else f"*[local-name()='{step}']" for step in path.lstrip("/").split("/"))
    return etree.XPath((".//" if anywhere else "./") + steps)


def find_all(element, path: str) -> list:
    """Elements along ``path`` of local names: "a/b" from the children, "//a/b" from anywhere below."""
    return _xpath(path)(element)


def find(element, path: str):
    found = find_all(element, path)
    return found[0] if found else None


def text(element, path: str = "") -> Optional[str]:
    """The stripped text of the first element along ``path`` (the element itself when empty), or None."""
    target = find(element, path) if path else element
    if target is None:
        return None
    value = " ".join(" ".join(target.itertext()).split())
    return value or None


def attr(element, path: str, name: str) -> Optional[str]:
    target = find(element, path) if path else element
    value = None if target is None else target.get(name)
    return value.strip() or None if value else None


def qcode_value(qcode: Optional[str]) -> Optional[str]:
    """The code of a NewsML-G2 QCode, without its scheme alias: "stat:canceled" -> "canceled"."""
    return qcode.rpartition(":")[2] if qcode else None


_XML_BLOCKS = BLOCK_TAGS | {"hl1", "hl2", "block", "body.content", "media-caption"}  # NITF's blocks too


def markup_text(element) -> str:
    """Text of an XML body (NITF, XHTML), paragraphs kept, as ``html_to_text`` gives it for HTML.

    Walked in the tree lxml already built: serialising it for the HTML parser
    cost two thirds of reading a NewsML item.
    """
    parts: list[str] = []

    def walk(node) -> None:
        name = local(node)
        if name in SKIP_TAGS:
            return
        block = name in _XML_BLOCKS
        if block:
            parts.append("\n\n")
        parts.append(node.text or "")
        for child in node:
            walk(child)
            parts.append(child.tail or "")
        if block:
            parts.append("\n\n")

    walk(element)
    return join_text(parts)
