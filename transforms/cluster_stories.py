"""Stage: copy groups -> stories, by embedding and entity similarity within a time window.

All group embeddings meet in one worker (384 floats and the canonical's
entity hashes per copy group, not per article): clustering needs to see
every candidate neighbour, and entity IDF is counted over all groups.
"""

from __future__ import annotations

import apache_beam as beam
import numpy as np

from newsdedup.cluster import cluster_stories
from newsdedup.transforms.counting import CountingDoFn, StageCounter


class _Cluster(CountingDoFn):
    def __init__(self, cfg):
        self._cfg = cfg
        self._window = None if cfg.window_hours is None else cfg.window_hours * 3600.0
        self.stories = StageCounter("stories")

    def process(self, item):
        entries = sorted(item[1], key=lambda e: e[0][0])
        keys = [cgid for (cgid, _, _), _ in entries]
        times = [None if ts is None else ts / 1e6 for (_, ts, _), _ in entries]
        entities = [np.zeros(0, np.uint64) if ents is None else ents for (_, _, ents), _ in entries]
        vectors = np.stack([vec for _, vec in entries]) if entries else np.zeros((0, 1), np.float32)
        cfg = self._cfg
        story_of = cluster_stories(keys, times, vectors, cfg.threshold, self._window, entities, cfg.entity_weight,
                                   cfg.min_cosine, cfg.name_guard)
        self.stories.inc(len(set(story_of.values())))
        for key, (_, vector) in zip(keys, entries):
            yield key, (story_of[key], vector)


class ClusterStories(beam.PTransform):
    """``((copy_group_id, published_at, entities), embedding)`` -> ``(copy_group_id, (story_key, embedding))``."""

    def __init__(self, stories_config):
        super().__init__()
        self._cfg = stories_config

    def expand(self, vectors):
        return (
            vectors
            | "OneKey" >> beam.Map(lambda kv: (None, kv))
            | "All" >> beam.GroupByKey()
            | "Cluster" >> beam.ParDo(_Cluster(self._cfg))
        )
