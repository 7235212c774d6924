"""The classical methods a user would reach for instead of newsdedup, for comparison.

(a) TF-IDF (word 1-2 grams, sublinear tf) cosine with average-linkage
agglomerative clustering, its threshold tuned on a dev corpus; (b) MinHash
alone (word 2-grams, 256 permutations, Jaccard 0.45, LSH candidates,
connected components). Both see title and body, normalised like newsdedup's
input; neither knows about languages or time.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from newsdedup import lsh, minhash
from newsdedup.components import connected_components
from newsdedup.evaluate import pairwise_scores
from newsdedup.normalize import normalize
from newsdedup.shingle import shingles

TFIDF_GRID = tuple(round(0.05 * i, 2) for i in range(1, 19))


def _texts(records: Sequence[dict]) -> list[str]:
    return [normalize(f"{r.get('title') or ''}\n{r.get('body') or ''}") for r in records]


def _named(records: Sequence[dict], labels) -> dict[str, str]:
    """Each record's cluster, named by its smallest member id (stable across runs)."""
    ids = [str(r["id"]) for r in records]
    first: dict = {}
    for key, label in zip(ids, labels):
        first[label] = min(first.get(label, key), key)
    return {key: first[label] for key, label in zip(ids, labels)}


def tfidf_linkage(records: Sequence[dict]) -> np.ndarray:
    """The average-linkage tree over TF-IDF cosine distances; cut it with ``tfidf_cut``."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectors = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(_texts(records))
    dist = 1.0 - (vectors @ vectors.T).toarray()
    np.fill_diagonal(dist, 0.0)
    return linkage(squareform(np.clip(dist, 0.0, None), checks=False), method="average")


def tfidf_cut(records: Sequence[dict], tree: np.ndarray, threshold: float) -> dict[str, str]:
    """Clusters whose average cosine is at least ``threshold``."""
    return _named(records, fcluster(tree, t=1.0 - threshold, criterion="distance"))


def tune_tfidf(records: Sequence[dict], gold: Mapping[str, str], grid: Sequence[float] = TFIDF_GRID) -> float:
    """The cosine threshold with the best pairwise F1 on ``records`` (the dev corpus)."""
    tree = tfidf_linkage(records)
    return max(grid, key=lambda t: (pairwise_scores(tfidf_cut(records, tree, t), gold)["f1"], -t))


def minhash_clusters(records: Sequence[dict], threshold: float = 0.45, size: int = 2, num_perm: int = 256,
                     seed: int = 1) -> dict[str, str]:
    """Connected components of LSH candidate pairs whose estimated Jaccard is at least ``threshold``."""
    ids = [str(r["id"]) for r in records]
    sigs = {k: minhash.signature(g, num_perm, seed) for k, t in zip(ids, _texts(records))
            if (g := shingles(t, "word", size))}
    bands, rows = lsh.lsh_params(threshold, num_perm)
    buckets: dict[int, list[str]] = {}
    keys = list(sigs)
    hashes = lsh.band_hashes(np.stack([sigs[k] for k in keys]), bands, rows) if keys else []
    for key, row in zip(keys, hashes):
        for band in row.tolist():
            buckets.setdefault(band, []).append(key)
    edges = {(a, b) for bucket in buckets.values() for i, a in enumerate(bucket) for b in bucket[i + 1:]
             if minhash.jaccard(sigs[a], sigs[b]) >= threshold}
    roots = connected_components(edges)
    return {k: roots.get(k, k) for k in ids}


E5_PAIR_THRESHOLD = 0.87  # tuned on the SemEval-22 training sample (../shared/data/README.md)


def e5_pair_stories(records: Sequence[dict], vectors: np.ndarray, pairs: Sequence[Mapping],
                    threshold: float = E5_PAIR_THRESHOLD) -> dict[tuple[str, str], bool]:
    """(c) The plain pair classifier: two articles share a story when the cosine of their embeddings
    (multilingual-e5-small, "query: " + first 600 characters, L2-normalised) reaches ``threshold``."""
    at = {str(r["id"]): i for i, r in enumerate(records)}
    return {(str(p["id1"]), str(p["id2"])): bool(vectors[at[str(p["id1"])]] @ vectors[at[str(p["id2"])]] >= threshold)
            for p in pairs if str(p["id1"]) in at and str(p["id2"]) in at}
