"""From copy groups assigned to a story to the rows of the output tables."""

from __future__ import annotations

import dataclasses
import re
from typing import Sequence

from newsdedup import ids
from newsdedup.canonical import CanonicalPolicy
from newsdedup.copies import first_by_language
from newsdedup.records import CopyGroup, Member, Reject
from newsdedup.schema import carried_column, carried_value

# A sentence ends at . ! ? or … before a space, or at a CJK full stop; shorter
# than MIN_SENTENCE it is more likely an abbreviation or a dateline ("U.S.", "MADRID.").
_SENTENCE_END = re.compile(r"[.!?…](?=\s)|[。！？]")
MIN_SENTENCE, MAX_HEADLINE = 25, 160


def first_sentence(text: str) -> str:
    """The first sentence of ``text``, cut at a word to at most MAX_HEADLINE characters."""
    text = " ".join(text.split())
    end = next((m.end() for m in _SENTENCE_END.finditer(text) if m.end() >= MIN_SENTENCE), len(text))
    sentence = text[:end]
    if len(sentence) <= MAX_HEADLINE:
        return sentence
    cut = sentence.rfind(" ", 0, MAX_HEADLINE)
    return sentence[: cut if cut > 0 else MAX_HEADLINE].rstrip(" ,;:") + "…"


def headline(canonical: Member) -> str:
    """The story's headline: its canonical's title, else the first sentence of its
    lead (archives such as crawled pages or SemEval's often carry no title)."""
    return canonical.title.strip() or first_sentence(canonical.embed_text)


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
        "headline": headline(canonical),
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
