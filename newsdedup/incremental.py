"""Incremental runs: a batch's fresh ids reconciled with the ids a state has already written.

A run over the batch plus the articles the state still retains finds copy
groups and stories over both (``pipeline/state.py``). Ids once written never
change: a group or story of the run that holds retained articles takes the
id those articles already have; when it holds articles of two or more old
ids (a new article bridged them), the one founded first survives and the
others are redirected to it. Only groups and stories that hold a batch
article can merge old ids: the batch is the only new evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping, Optional

from newsdedup.ids import founding_key


@dataclass(frozen=True)
class OldId:
    """The live id an old article holds, with its founding article's key (``ids.founding_key``)."""

    id: str
    founded: tuple


@dataclass
class Reconciled:
    """Final ids of the run's fresh ids, founding keys of every final id, and redirects (old -> survivor)."""

    final: dict = field(default_factory=dict)
    founded: dict = field(default_factory=dict)
    redirects: dict = field(default_factory=dict)


def _find(parent: dict, x: str) -> str:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def reconcile(members: Mapping[str, Iterable[str]], old: Mapping[str, OldId], fresh: Iterable[str],
              published: Mapping[str, Optional[int]]) -> Reconciled:
    """Map each fresh id of the run (``members``: fresh id -> its article ids) to its final id.

    ``old``: article id -> ``OldId`` for the retained articles; ``fresh``: the
    batch's article ids; ``published``: article id -> microseconds, for the
    founding key of ids that are new.
    """
    batch = set(fresh)
    parent: dict[str, str] = {}
    founded: dict[str, tuple] = {}
    touched: dict[str, list[str]] = {}
    for run_id, articles in members.items():
        articles = list(articles)
        if not any(a in batch for a in articles):
            continue
        olds = sorted({old[a].id for a in articles if a in old})
        for a in articles:
            if a in old:
                founded[old[a].id] = old[a].founded
        for o in olds:
            parent.setdefault(o, o)
        for o in olds[1:]:
            a, b = _find(parent, olds[0]), _find(parent, o)
            if a != b:
                parent[max(a, b, key=lambda k: (founded[k], k))] = min(a, b, key=lambda k: (founded[k], k))
        touched[run_id] = olds
    result = Reconciled()
    for run_id, olds in touched.items():
        if olds:
            result.final[run_id] = _find(parent, olds[0])
        else:
            result.final[run_id] = run_id
            first = min((a for a in members[run_id]), key=lambda a: founding_key(a, published.get(a)))
            result.founded[run_id] = founding_key(first, published.get(first))
    for o in parent:
        survivor = _find(parent, o)
        result.founded[survivor] = founded[survivor]
        if survivor != o:
            result.redirects[o] = survivor
    return result


def one_hop(redirects: Mapping[str, str], new: Mapping[str, str]) -> dict:
    """Earlier redirects and this run's, each old id pointing straight at a live id (one hop, acyclic)."""
    merged = {**redirects, **new}

    def live(x: str) -> str:
        seen = set()
        while x in merged and x not in seen:
            seen.add(x)
            x = merged[x]
        return x

    return {old: live(old) for old in merged}


def _first_key(entry: dict) -> tuple:
    return founding_key(entry["article_id"], entry["published_at"])


def merge_story_rows(rows: list[Optional[dict]], batch_rows: list[dict], *, new_groups: int, run_row: dict,
                     batch_ids: set) -> dict:
    """One story row from its earlier rows (the survivor's first, then the ones merged into it), the batch's
    article rows in it, how many copy groups the batch founded in it and the run's row for it (over the
    batch and the retained articles).

    Counts and sets add up; the canonical stays unless the run chose a batch
    article (a batch article outranked every retained one).
    """
    known = [r for r in rows if r is not None]
    if not known:
        return run_row
    story = dict(known[0])
    for other in known[1:]:
        story["article_count"] += other["article_count"]
        story["copy_group_count"] += other["copy_group_count"]
    story["article_count"] += len(batch_rows)
    story["copy_group_count"] += new_groups
    everything = known + [{"languages": [r["language"]] if r["language"] else [],
                           "sources": [r["source"]] if r["source"] else [],
                           "first_published": r["published_at"], "last_published": r["published_at"]}
                          for r in batch_rows]
    story["languages"] = sorted({x for r in everything for x in (r["languages"] or [])})
    story["sources"] = sorted({x for r in everything for x in (r["sources"] or [])})
    firsts = [r["first_published"] for r in everything if r["first_published"] is not None]
    lasts = [r["last_published"] for r in everything if r["last_published"] is not None]
    story["first_published"] = min(firsts) if firsts else None
    story["last_published"] = max(lasts) if lasts else None
    by_language: dict[str, dict] = {}
    entries = [e for r in known for e in (r["first_by_language"] or [])] + [
        {"language": r["language"], "article_id": r["article_id"], "source": r["source"],
         "published_at": r["published_at"]} for r in batch_rows if r["language"]]
    for entry in entries:
        current = by_language.get(entry["language"])
        if current is None or _first_key(entry) < _first_key(current):
            by_language[entry["language"]] = entry
    story["first_by_language"] = [by_language[lang] for lang in sorted(by_language)]
    if run_row["canonical_article_id"] in batch_ids:
        story["canonical_article_id"], story["headline"] = run_row["canonical_article_id"], run_row["headline"]
    return story
