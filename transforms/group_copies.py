"""Stage: gather each copy group and choose its canonical article."""

from __future__ import annotations

import dataclasses

import apache_beam as beam
from apache_beam.pvalue import AsDict, TaggedOutput

from newsdedup import ids
from newsdedup.canonical import CanonicalPolicy
from newsdedup.copies import similarity, trace_copies
from newsdedup.records import CopyGroup, Member
from newsdedup.transforms.counting import CountingDoFn, StageCounter

_LINKED = "linked"


def build_group(members: list[Member], policy: CanonicalPolicy, *, contained: float) -> CopyGroup:
    """The group, its canonical and who copied whom.

    Signatures and edit profiles are used here and dropped; the lead and the
    names only the canonical's are used (embedding, story clustering), so the
    members keep what the output rows need (``contained``: ``copies.containment``, for ``truncated``).
    A runner holds every group until
    stories are known, a million of them in a 1M-article archive.
    """
    canonical = policy.choose(members)
    group_id = ids.copy_group_id(ids.founder(members).article_id)
    scored = [(dataclasses.replace(m, signature=None, profile=None, embed_text="", entities=None), similarity(m, canonical))
              for m in sorted(members, key=lambda m: m.article_id)]
    dated = [m.published_at for m in members if m.published_at is not None]
    return CopyGroup(
        copy_group_id=group_id,
        canonical=dataclasses.replace(canonical, signature=None),
        members=tuple(scored),
        published_at=min(dated) if dated else None,
        copies=trace_copies(group_id, members, policy, contained=contained),
    )


class _Route(CountingDoFn):
    """An article no pair names is a group of one at once; the others go to their root."""

    def __init__(self, policy: CanonicalPolicy, contained: float):
        self._policy, self._contained = policy, contained
        self.groups = StageCounter("copy_groups")

    def process(self, member: Member, roots: dict):
        root = roots.get(member.article_id)
        if root is None:
            self.groups.inc()
            yield build_group([member], self._policy, contained=self._contained)
        else:
            yield TaggedOutput(_LINKED, (root, member))


class _BuildGroup(CountingDoFn):
    def __init__(self, policy: CanonicalPolicy, contained: float):
        self._policy, self._contained = policy, contained
        self.groups = StageCounter("copy_groups")

    def process(self, item):
        self.groups.inc()
        yield build_group(list(item[1]), self._policy, contained=self._contained)


class GroupCopies(beam.PTransform):
    """``{"members": Member, "roots": (article_id, root)}`` -> ``CopyGroup``.

    Articles without a copy form a group of one, so every article has a group.
    The roots (one per article that has a copy) reach the members as a side
    input, so only members of shared groups cross a shuffle. A join would
    shuffle every member, and a runner like DirectRunner holds each shuffle
    whole: the members of a 1M-article archive three times over (the join's
    inputs, the join, the gathering by root), 2 KB each.
    """

    def __init__(self, policy: CanonicalPolicy, *, contained: float):
        super().__init__()
        self._policy, self._contained = policy, contained

    def expand(self, inputs):
        routed = inputs["members"] | "Route" >> beam.ParDo(_Route(self._policy, self._contained),
                                                           AsDict(inputs["roots"])).with_outputs(_LINKED, main="alone")
        shared = routed[_LINKED] | "Gather" >> beam.GroupByKey() | "Canonical" >> beam.ParDo(
            _BuildGroup(self._policy, self._contained))
        return (routed.alone, shared) | "AllGroups" >> beam.Flatten()
