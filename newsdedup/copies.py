"""Who copied whom: the origin of a copy group, what each copy changed, and
which article first carried a story in each language.

The canonical answers "which article stands for the group" (wire agencies
first); the origin answers "which came first", so it is the earliest dated
article, with the canonical order settling ties and undated groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from newsdedup import minhash
from newsdedup.canonical import CanonicalPolicy
from newsdedup.normalize import normalize
from newsdedup.records import Member

@dataclass(frozen=True)
class Copy:
    """One row of the ``copies`` table."""

    copy_group_id: str
    origin_article_id: str
    copy_article_id: str
    origin_source: str
    copy_source: str
    lag_seconds: Optional[float]  # None when either date is missing
    similarity: float  # MinHash-estimated Jaccard between copy and origin
    truncated: bool
    headline_changed: bool
    credit_removed: bool


def similarity(a: Member, b: Member) -> float:
    """Estimated Jaccard of two members; 0.0 when either has no text to sign."""
    if a is b:
        return 1.0
    if a.signature is None or b.signature is None:
        return 0.0
    return minhash.jaccard(a.signature, b.signature)


def truncated(origin: Member, copy: Member) -> bool:
    """The copy ends in an ellipsis and is shorter: it was cut. Dropped
    paragraphs alone are not truncation (reprints drop them all the time)."""
    if origin.profile is None or copy.profile is None:
        return False
    return copy.profile.cut and copy.profile.length < origin.profile.length


def credit_removed(origin: Member, copy: Member) -> bool:
    """The origin credits an agency and the copy credits none."""
    if origin.profile is None or copy.profile is None:
        return False
    return origin.profile.credited and not copy.profile.credited


def trace_copies(copy_group_id: str, members: Sequence[Member], policy: CanonicalPolicy) -> tuple[Copy, ...]:
    """One ``Copy`` per member but the origin, by copy id; members need their signatures."""
    origin = policy.earliest(members)
    rows = []
    for member in sorted(members, key=lambda m: m.article_id):
        if member is origin:
            continue
        dated = origin.published_at is not None and member.published_at is not None
        rows.append(Copy(
            copy_group_id=copy_group_id,
            origin_article_id=origin.article_id,
            copy_article_id=member.article_id,
            origin_source=origin.source,
            copy_source=member.source,
            lag_seconds=(member.published_at - origin.published_at) / 1e6 if dated else None,
            similarity=similarity(member, origin),
            truncated=truncated(origin, member),
            headline_changed=normalize(origin.title) != normalize(member.title),
            credit_removed=credit_removed(origin, member),
        ))
    return tuple(rows)


def first_by_language(members: Iterable[Member], policy: CanonicalPolicy) -> list[dict]:
    """For each language of a story, the article that carried it first, by language."""
    by_language: dict[str, list[Member]] = {}
    for member in members:
        if member.language:
            by_language.setdefault(member.language, []).append(member)
    firsts = []
    for language in sorted(by_language):
        first = policy.earliest(by_language[language])
        firsts.append({"language": language, "article_id": first.article_id,
                       "source": first.source, "published_at": first.published_at})
    return firsts
