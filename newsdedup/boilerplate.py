"""Boilerplate: site furniture that recurs across many unrelated documents.

Scraped pages carry lines no wire pattern knows: subscription walls, adblock
notices, comment disclaimers, "IP address blocked". Embedded as a lead they
make one "story" of every page that carries them. As in the line-level
deduplication of C4 and datatrove, a segment (a line, or a sentence: scraped
bodies often come as one line) found in at least ``min_docs`` documents is
boilerplate: it is removed before leads are embedded, and a page with nothing
else is flagged, not clustered. Segments shorter than ``MIN_CHARS`` ("1.",
"St.") are never boilerplate. Counted per site where the
site is known (its furniture recurs across its own pages), across all
documents where it is not; each document counts a segment once. Callers
count one document per copy group, so a reprinted article's segments do not
count as recurring.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from typing import Iterable, Optional

MIN_DOCS = 4
MIN_CHARS = 12
_SEGMENT = re.compile(r"\n|(?<=[.!?。！？])\s+")


def segments(text: str) -> list[str]:
    """Lines, and the sentences within them."""
    return [s for s in _SEGMENT.split(text) if s.strip()]


def segment_key(segment: str, site: Optional[str] = None) -> Optional[int]:
    """A 64-bit key of the folded segment within its site (None: counted across sites); None when too short."""
    folded = " ".join(segment.casefold().split())
    if len(folded) < MIN_CHARS:
        return None
    return int.from_bytes(hashlib.blake2b(f"{site or ''}\x00{folded}".encode(), digest_size=8).digest(), "little")


def segment_keys(text: str, site: Optional[str] = None) -> set[int]:
    """The distinct keys of a document's segments."""
    return {k for k in (segment_key(s, site) for s in segments(text)) if k is not None}


def recurring(documents: Iterable[set[int]], min_docs: int = MIN_DOCS) -> frozenset[int]:
    """Keys found in at least ``min_docs`` of the documents (each a set of ``segment_keys``)."""
    counts: Counter = Counter()
    for keys in documents:
        counts.update(keys)
    return frozenset(k for k, n in counts.items() if n >= min_docs)


def strip(text: str, boilerplate: frozenset[int], site: Optional[str] = None) -> str:
    """``text`` without its boilerplate segments, the rest joined by single spaces (what a lead needs)."""
    return " ".join(s.strip() for s in segments(text) if segment_key(s, site) not in boilerplate)


def only_boilerplate(text: str, boilerplate: frozenset[int], site: Optional[str] = None) -> bool:
    """Whether every segment of ``text`` long enough to count is boilerplate (and there is one)."""
    keys = [segment_key(s, site) for s in segments(text)]
    return any(k is not None for k in keys) and all(k is None or k in boilerplate for k in keys)
