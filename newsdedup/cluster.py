"""Story clustering: copy groups reporting the same event, across languages.

Two steps. First a sparse graph links items whose similarity
(``stories/similarity.py``), less the time penalty of their gap, is at least
``threshold``, whose embeddings are at least ``min_cosine`` alike and whose
publication times are within the story lifetime's horizon of each other
(undated items may link to anything; ``stories/lifetime.py``,
``stories/graph.py``). Its connected components (``components.py``) are then
split by average linkage over the pairs known in time (``stories/linkage.py``),
components too large for it first cut along their weakest links
(``stories/cutting.py``). Work is quadratic only inside components.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from newsdedup.components import split_components
from newsdedup.stories.cutting import bounded
from newsdedup.stories.graph import candidate_edges
from newsdedup.stories.lifetime import Lifetime
from newsdedup.stories.linkage import split_component
from newsdedup.stories.similarity import Similarity

MAX_COMPONENT = 5000  # items per average linkage: its distance matrix is this squared (200 MB)


def _seconds(times: Sequence[Optional[float]]) -> np.ndarray:
    return np.array([np.nan if x is None else float(x) for x in times])


def time_order(keys: Sequence[str], times: Sequence[Optional[float]]) -> np.ndarray:
    """The order ``cluster_stories`` works in: by time, undated last, ties by key.

    Items handed over in this order are used in place, which spares a copy of
    the vectors (1.2 GB for the copy groups of a million articles).
    """
    return _order(keys, _seconds(times))


def _order(keys: Sequence[str], t: np.ndarray) -> np.ndarray:
    undated = np.isnan(t)
    return np.array(sorted(range(len(keys)), key=lambda i: (undated[i], 0.0 if undated[i] else t[i], keys[i])),
                    dtype=np.int64)


def similarity_to_lead(stories: Sequence[str], ranks: Sequence[tuple], vectors: np.ndarray) -> list[float]:
    """Each item's embedding cosine to its story's lead, the item of smallest rank (1.0 for the lead)."""
    lead: dict[str, int] = {}
    for i, (story, rank) in enumerate(zip(stories, ranks)):
        if story not in lead or rank < ranks[lead[story]]:
            lead[story] = i
    return [1.0 if lead[story] == i else float(np.clip(np.dot(vectors[i], vectors[lead[story]]), -1.0, 1.0))
            for i, story in enumerate(stories)]


def cluster_stories(
    keys: Sequence[str],
    times: Sequence[Optional[float]],
    vectors: np.ndarray,
    threshold: float,
    lifetime: Optional[Lifetime],
    entities: Optional[Sequence[np.ndarray]] = None,
    entity_weight: float = 0.0,
    min_cosine: Optional[float] = None,
    cosine_offset: float = 0.0,
    max_links: Optional[int] = None,
    max_component: int = MAX_COMPONENT,
) -> dict[str, str]:
    """Map each key to its story, named by the story's smallest key.

    ``vectors`` must be L2-normalised (cosine = dot product). ``times`` are
    seconds (None when unknown); ``lifetime`` (None: every pair known, no
    time penalty) says which pairs may share a story and what their gap costs.
    ``entities`` are per-item hash arrays (``entities.entity_hashes``), mixed in
    with ``entity_weight``; ``min_cosine`` (default: ``threshold``) is the
    embedding cosine below which two items never share a story; pairs without
    comparable names and numbers are judged on their cosine less ``cosine_offset``.
    ``max_links`` (None: all) bounds the links each item keeps to later items,
    strongest first: components need few, and memory stays linear in the items.
    Components above ``max_component`` items are first cut along their
    weakest links (``bounded``), so memory stays bounded at any size.
    """
    if not (len(keys) == len(times) == len(vectors)) or (entities is not None and len(entities) != len(keys)):
        raise ValueError("keys, times, vectors and entities must have the same length")
    if not keys:
        return {}
    t = _seconds(times)
    order = _order(keys, t)
    vectors = np.asarray(vectors, dtype=np.float32)
    sorted_keys = list(keys)
    if not np.array_equal(order, np.arange(len(keys))):  # in order already: no copy of the vectors
        sorted_keys, t, vectors = [keys[i] for i in order], t[order], vectors[order]
        entities = None if entities is None else [entities[i] for i in order]
    sim = Similarity(vectors, entities, entity_weight, cosine_offset)
    floor = threshold if min_cosine is None else min_cosine
    lifetime = lifetime or Lifetime()

    story = {k: k for k in sorted_keys}
    for component, inner in split_components(np.arange(len(keys)), candidate_edges(t, sim, threshold, floor, lifetime, max_links)):
        if len(component) == 1:
            continue
        for piece in bounded(component, inner, threshold, max_component):
            nodes = piece.tolist()
            labels = split_component(t, piece, sim, threshold, lifetime)
            named: dict[int, str] = {}
            for i, label in zip(nodes, labels):
                named[label] = min(named.get(label, sorted_keys[i]), sorted_keys[i])
            for i, label in zip(nodes, labels):
                story[sorted_keys[i]] = named[label]
    return story
