"""Plain text out of HTML-laden article bodies.

Scraped archives often keep the page markup. Tags and entities are not
words of the story, so they are removed before anything else looks at the
text; block elements become paragraph breaks so leads and datelines survive.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_TAG = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9]*|/[a-zA-Z][a-zA-Z0-9]*|!--)[^>]*>")
_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{2,6}|#x[0-9a-fA-F]{2,6});")
BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
          "section", "article", "header", "footer", "blockquote", "figure", "figcaption", "hr"}
SKIP_TAGS = {"script", "style", "noscript", "template"}


def looks_like_html(text: str) -> bool:
    return bool(_TAG.search(text) or _ENTITY.search(text))


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIP_TAGS:
            self._skipping += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag, attrs):
        if tag in BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in SKIP_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def html_to_text(text: str) -> str:
    """Text content of ``text``; text without markup is returned unchanged."""
    if not looks_like_html(text):
        return text
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    return join_text(parser.parts)


def join_text(parts: list[str]) -> str:
    """Pieces of text, with "\n\n" where blocks start and end, as paragraphs: spaces folded, one blank line between."""
    lines = [" ".join(line.split()) for line in "".join(parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
