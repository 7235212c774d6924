"""Stable identifiers, derived from content rather than run order."""

from __future__ import annotations

import hashlib


def stable_id(prefix: str, *parts: str) -> str:
    digest = hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:16]
    return f"{prefix}-{digest}"


def copy_group_id(canonical_article_id: str) -> str:
    """An article is canonical of at most one copy group, so its id names it."""
    return stable_id("cg", canonical_article_id)


def story_id(canonical_article_id: str) -> str:
    return stable_id("st", canonical_article_id)
