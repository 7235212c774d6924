"""From copy groups assigned to a story to the rows of the output tables."""

from __future__ import annotations

import dataclasses
from typing import Sequence

from newsdedup import ids
from newsdedup.canonical import CanonicalPolicy
from newsdedup.copies import first_by_language
from newsdedup.records import CopyGroup, Reject
from newsdedup.schema import carried_column, carried_value


def assemble_story(
    groups: Sequence[tuple[CopyGroup, float]], policy: CanonicalPolicy
) -> tuple[dict, list[dict]]:
    """The story row and its article rows, from ``(group, similarity to the lead group)``.

    The story canonical is chosen among the group canonicals with the same
    policy (the lead group's); the story id names its founding article
    (``ids.founder``); ``similarity_to_canonical`` is the cosine
    between an article's group embedding and the lead group's
    (``cluster.similarity_to_lead``).
    """
    canonical = min((group.canonical for group, _ in groups), key=policy.key)
    story = ids.story_id(ids.founder(m for group, _ in groups for m, _ in group.members).article_id)
    rows = []
    for group, similarity in groups:
        for member, jaccard in group.members:
            row = {
                "article_id": member.article_id,
                "story_id": story,
                "copy_group_id": group.copy_group_id,
                "is_group_canonical": member.article_id == group.canonical.article_id,
                "is_story_canonical": member.article_id == canonical.article_id,
                "similarity_to_canonical": round(similarity, 6),
                "jaccard_to_group_canonical": jaccard,
                "language": member.language,
                "source": member.source,
                "url": member.url,
                "published_at": member.published_at,
                "title": member.title,
            }
            for name, value in member.extra:
                row[carried_column(name)] = carried_value(value)
            rows.append(row)
    dates = [r["published_at"] for r in rows if r["published_at"] is not None]
    story_row = {
        "story_id": story,
        "canonical_article_id": canonical.article_id,
        "headline": canonical.title,
        "languages": sorted({r["language"] for r in rows if r["language"]}),
        "sources": sorted({r["source"] for r in rows if r["source"]}),
        "article_count": len(rows),
        "copy_group_count": len(groups),
        "first_published": min(dates) if dates else None,
        "last_published": max(dates) if dates else None,
        "first_by_language": first_by_language((m for g, _ in groups for m, _ in g.members), policy),
    }
    return story_row, rows


def copy_rows(group: CopyGroup) -> list[dict]:
    """The ``copies`` rows of one copy group (none for a group of one)."""
    return [dataclasses.asdict(c) for c in group.copies]


def reject_row(reject: Reject) -> dict:
    return {"file": reject.file, "line": reject.line, "reason": reject.reason, "detail": reject.detail, "raw": reject.raw}
