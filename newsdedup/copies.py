"""Who copied whom: the origin of a copy group, what each copy changed, and
which article first carried a story in each language.

The canonical answers "which article stands for the group" (wire agencies
first); the origin answers "which came first", so it is the earliest dated
article. Where dates cannot tell (equal, or missing), containment does: a
cut copy is contained in its origin, so the article with the most shingles
is the origin, and the canonical order settles what is left.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from newsdedup import minhash
from newsdedup.canonical import CanonicalPolicy
from newsdedup.containment import containment as estimated_containment
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
    containment: float  # MinHash-estimated share of the copy's shingles that occur in the origin
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


def containment(copy: Member, origin: Member) -> float:
    """Estimated share of ``copy``'s shingles that occur in ``origin``; 0.0 when either has no text to sign."""
    if copy is origin:
        return 1.0
    return float(estimated_containment(similarity(copy, origin), copy.shingles, origin.shingles))


_KEPT = 0.5  # a contained copy that keeps less than this share of its origin's shingles was cut


def truncated(origin: Member, copy: Member, contained: float) -> bool:
    """The copy was cut: it ends in an ellipsis and is shorter, or it is contained in the origin
    (``contained``: ``copies.containment``) and keeps less than half of it (lead kept, the rest dropped)."""
    share = containment(copy, origin)
    if copy.shingles and share >= contained and share * copy.shingles < _KEPT * origin.shingles:
        return True
    if origin.profile is None or copy.profile is None:
        return False
    return copy.profile.cut and copy.profile.length < origin.profile.length


def credit_removed(origin: Member, copy: Member) -> bool:
    """The origin credits an agency and the copy credits none."""
    if origin.profile is None or copy.profile is None:
        return False
    return origin.profile.credited and not copy.profile.credited


def origin_of(members: Sequence[Member], policy: CanonicalPolicy) -> Member:
    """The earliest dated member; among those of that date (or all, when none is dated), the one that
    contains the others: the most shingles."""
    first = policy.earliest(members)
    tied = [m for m in members if m.published_at == first.published_at]
    return min(tied, key=lambda m: (-m.shingles, policy.earliest_key(m)))


def trace_copies(copy_group_id: str, members: Sequence[Member], policy: CanonicalPolicy, *,
                 contained: float) -> tuple[Copy, ...]:
    """One ``Copy`` per member but the origin, by copy id; members need their signatures and shingle counts.
    ``contained`` is ``copies.containment``, for ``truncated``."""
    origin = origin_of(members, policy)
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
            containment=containment(member, origin),
            truncated=truncated(origin, member, contained),
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
