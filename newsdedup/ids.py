"""Stable identifiers, derived from content rather than run order.

A copy group's and a story's id name their founding article: the earliest
published, then the smallest id (undated articles last). It is the article a
group or story had first, so one run over a whole archive and incremental runs
over its days (``newsdedup/incremental.py``) give the same ids wherever they
give the same partition; the canonical could change as later articles arrive.
"""

from __future__ import annotations

import hashlib
from typing import Iterable, Optional, Protocol


class Dated(Protocol):
    article_id: str
    published_at: Optional[int]


def stable_id(prefix: str, *parts: str) -> str:
    digest = hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:16]
    return f"{prefix}-{digest}"


def founding_key(article_id: str, published_at: Optional[int]) -> tuple:
    """Earliest publication first, undated last, then the smallest id."""
    return (published_at is None, 0 if published_at is None else published_at, article_id)


def founder(articles: Iterable[Dated]) -> Dated:
    return min(articles, key=lambda a: founding_key(a.article_id, a.published_at))


def copy_group_id(founding_article_id: str) -> str:
    """An article founds at most one copy group, so its id names it."""
    return stable_id("cg", founding_article_id)


def story_id(founding_article_id: str) -> str:
    return stable_id("st", founding_article_id)
