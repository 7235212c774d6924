"""Stage: copy groups -> stories, by embedding and entity similarity within the story lifetime.

All group embeddings meet in one worker (384 floats and the canonical's
entity hashes per copy group, not per article): clustering needs to see
every candidate neighbour, and entity IDF is counted over all groups. They
arrive as EmbedGroups' chunks; each chunk's vectors are read from its file
straight into one array, in clustering order, so the worker holds the
vectors once.
"""

from __future__ import annotations

import apache_beam as beam
import numpy as np

from newsdedup.cluster import cluster_stories, similarity_to_lead, time_order
from newsdedup.transforms.counting import CountingDoFn, StageCounter
from newsdedup.transforms.embed_groups import load_vectors


class _Cluster(CountingDoFn):
    def __init__(self, cfg):
        self._cfg = cfg
        self._lifetime = cfg.lifetime()
        self.stories = StageCounter("stories")

    def process(self, item):
        chunks = list(item[1])
        keys = [key for c in chunks for key in c.keys]
        times = [None if ts is None else ts / 1e6 for c in chunks for ts in c.published_at]
        order = time_order(keys, times)
        position = np.empty_like(order)
        position[order] = np.arange(len(order))
        vectors, start = None, 0
        for c in chunks:
            block = load_vectors(c.vectors_file)
            if vectors is None:
                vectors = np.empty((len(keys), block.shape[1]), np.float32)
            vectors[position[start : start + len(c.keys)]] = block
            start += len(c.keys)
        entities = [np.zeros(0, np.uint64) if e is None else e for c in chunks for e in c.entities]
        ranks = [rank for c in chunks for rank in c.ranks]
        keys, times, entities, ranks = ([values[i] for i in order] for values in (keys, times, entities, ranks))
        cfg = self._cfg
        story_of = cluster_stories(keys, times, vectors, cfg.threshold, self._lifetime, entities, cfg.entity_weight,
                                   cfg.min_cosine, cfg.cosine_offset, cfg.max_links)
        stories = [story_of[key] for key in keys]
        self.stories.inc(len(set(stories)))
        yield from zip(keys, zip(stories, similarity_to_lead(stories, ranks, vectors)))


class ClusterStories(beam.PTransform):
    """``EmbeddedGroups`` -> ``(copy_group_id, (story_key, similarity to the story's lead group))``."""

    def __init__(self, stories_config):
        super().__init__()
        self._cfg = stories_config

    def expand(self, chunks):
        return (
            chunks
            | "OneKey" >> beam.Map(lambda chunk: (None, chunk))
            | "All" >> beam.GroupByKey()
            | "Cluster" >> beam.ParDo(_Cluster(self._cfg))
        )
