"""The comparison baselines do what they claim on the seeds corpus."""

from newsdedup.baselines import minhash_clusters, tfidf_cut, tfidf_linkage, tune_tfidf
from newsdedup.components import connected_components
from newsdedup.evaluate import pairwise_scores


def test_minhash_finds_only_reprints(seed_records):
    roots = connected_components([(r["id"], r["copy_of"]) for r in seed_records if r.get("copy_of")])
    chains = {r["id"]: roots.get(r["id"], r["id"]) for r in seed_records}
    s = pairwise_scores(minhash_clusters(seed_records), chains)
    assert s["precision"] == 1.0 and 0.3 < s["recall"] < 1.0


def test_tfidf_is_tuned_and_cannot_cross_languages(seed_records):
    gold = {r["id"]: r["gold_cluster"] for r in seed_records}
    threshold = tune_tfidf(seed_records, gold)
    found = tfidf_cut(seed_records, tfidf_linkage(seed_records), threshold)
    assert pairwise_scores(found, gold)["f1"] > pairwise_scores(tfidf_cut(seed_records, tfidf_linkage(seed_records), 0.9), gold)["f1"]
    lang = {r["id"]: r.get("language") for r in seed_records}
    crossing = [(a, b) for a in found for b in found if a < b and found[a] == found[b] and lang[a] and lang[b] and lang[a] != lang[b]]
    assert len(crossing) < 5


def test_e5_pair_baseline_is_a_cosine_threshold_scored_by_pair_scores():
    import numpy as np

    from newsdedup.baselines import e5_pair_stories
    from newsdedup.evaluate import pair_scores

    records = [{"id": "a"}, {"id": "b"}, {"id": "c"}]
    vectors = np.array([[1.0, 0.0], [0.96, 0.28], [0.0, 1.0]])  # a·b = 0.96, a·c = 0
    pairs = [{"id1": "a", "id2": "b", "overall": 1.0, "lang1": "en", "lang2": "de"},
             {"id1": "a", "id2": "c", "overall": 4.0, "lang1": "en", "lang2": "en"},
             {"id1": "a", "id2": "x", "overall": 1.0, "lang1": "en", "lang2": "en"}]
    same = e5_pair_stories(records, vectors, pairs, threshold=0.9)
    assert same == {("a", "b"): True, ("a", "c"): False}
    report = pair_scores({}, pairs, same)
    assert report["cross-language"]["f1"] == 1.0 and report["same-language"]["pairs"] == 1 and report["missing"] == 1
