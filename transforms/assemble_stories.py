"""Stage: join groups with their story and emit story and article rows."""

from __future__ import annotations

import apache_beam as beam
from apache_beam.pvalue import AsDict, TaggedOutput

from newsdedup.assemble import assemble_story
from newsdedup.canonical import CanonicalPolicy
from newsdedup.transforms.counting import CountingDoFn, StageCounter


def _by_story(group, stories: dict):
    story_key, similarity = stories[group.copy_group_id]
    return story_key, (group, similarity)


class _Assemble(CountingDoFn):
    def __init__(self, policy: CanonicalPolicy):
        self._policy = policy
        self.articles = StageCounter("articles_written")

    def process(self, item):
        groups = sorted(item[1], key=lambda gv: gv[0].copy_group_id)
        story_row, rows = assemble_story(groups, self._policy)
        self.articles.inc(len(rows))
        yield TaggedOutput("stories", story_row)
        yield from rows


class AssembleStories(beam.PTransform):
    """``{"groups": CopyGroup, "stories": (copy_group_id, (story_key, similarity))}`` ->
    article rows (main) and story rows (``stories``).

    Each group finds its story in a side input (two short strings and a
    float per group) rather than by a join, which would hold every group in
    a runner like DirectRunner twice more.
    """

    def __init__(self, policy: CanonicalPolicy):
        super().__init__()
        self._policy = policy

    def expand(self, inputs):
        return (
            inputs["groups"]
            | "ByStory" >> beam.Map(_by_story, AsDict(inputs["stories"]))
            | "Gather" >> beam.GroupByKey()
            | "Rows" >> beam.ParDo(_Assemble(self._policy)).with_outputs("stories", main="articles")
        )
