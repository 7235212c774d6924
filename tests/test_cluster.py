import numpy as np
import pytest
from scipy import sparse
from scipy.sparse import csgraph
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from newsdedup.cluster import cluster_stories, similarity_to_lead, time_order
from newsdedup.components import split_components
from newsdedup.stories.graph import candidate_edges, joined
from newsdedup.stories.lifetime import Lifetime
from newsdedup.stories.linkage import pair_matrices, split_component
from newsdedup.stories.similarity import BLOCK, Similarity

HOUR = 3600.0
DAY = 24 * HOUR
WINDOW = Lifetime(horizon=72 * HOUR)


def _unit(*rows):
    v = np.array(rows, dtype=np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_similar_items_share_a_story_and_others_do_not():
    vectors = _unit([1, 0.05, 0], [1, 0, 0.05], [0, 1, 0], [0, 0.98, 0.1])
    story = cluster_stories(["a", "b", "c", "d"], [0, HOUR, 2 * HOUR, 3 * HOUR], vectors, 0.9, WINDOW)
    assert story == {"a": "a", "b": "a", "c": "c", "d": "c"}


def test_time_window_separates_lookalike_events():
    vectors = _unit([1, 0, 0], [1, 0.01, 0])
    story = cluster_stories(["old", "new"], [0, 400 * 24 * HOUR], vectors, 0.9, WINDOW)
    assert story["old"] != story["new"]
    story = cluster_stories(["old", "new"], [0, 400 * 24 * HOUR], vectors, 0.9, None)
    assert story["old"] == story["new"]


def test_undated_items_cluster_with_anything():
    vectors = _unit([1, 0, 0], [1, 0.01, 0], [1, 0.02, 0])
    story = cluster_stories(["a", "b", "u"], [0, 1000 * 24 * HOUR, None], vectors, 0.9, WINDOW)
    assert story["u"] in (story["a"], story["b"])
    assert story["a"] != story["b"]


def test_average_linkage_does_not_chain():
    # a-b and b-c are similar, a-c are not: single linkage would chain all three.
    angle = np.deg2rad(22)
    vectors = _unit([1, 0, 0], [np.cos(angle), np.sin(angle), 0], [np.cos(2 * angle), np.sin(2 * angle), 0])
    story = cluster_stories(["a", "b", "c"], [0, 0, 0], vectors, 0.9, None)
    assert len(set(story.values())) == 2


def test_input_order_does_not_matter():
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(5, 16))
    vectors = np.repeat(centers, 4, axis=0) + rng.normal(scale=0.1, size=(20, 16))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    keys = [f"k{i:02d}" for i in range(20)]
    times = [float(i % 3) * HOUR for i in range(20)]
    first = cluster_stories(keys, times, vectors, 0.9, WINDOW)
    perm = rng.permutation(20)
    second = cluster_stories([keys[i] for i in perm], [times[i] for i in perm], vectors[perm], 0.9, WINDOW)
    order = time_order(keys, times)
    in_order = cluster_stories([keys[i] for i in order], [times[i] for i in order], vectors[order], 0.9, WINDOW)
    assert first == second == in_order
    assert len(set(first.values())) == 5


def test_time_order_puts_undated_last_and_breaks_ties_by_key():
    assert time_order(["d", "c", "b", "a"], [None, 5.0, 1.0, 5.0]).tolist() == [2, 3, 1, 0]


def test_similarity_to_lead_is_the_cosine_to_the_smallest_rank_of_the_story():
    vectors = _unit([1, 0], [0.6, 0.8], [0, 1], [1, 1])
    similarity = similarity_to_lead(["s", "s", "t", "s"], [(2, "x"), (1, "y"), (0, "z"), (3, "w")], vectors)
    assert similarity[1] == similarity[2] == 1.0  # the leads of s and t
    assert np.allclose(similarity, [0.6, 1.0, 1.0, (0.6 + 0.8) / np.sqrt(2)])


def test_many_items_cross_blocks():
    n = 2500  # more than one block of rows
    vectors = np.zeros((n, 4), dtype=np.float32)
    vectors[:, 0] = 1.0
    times = [i * 60.0 for i in range(n)]  # one per minute, all within 72 h
    story = cluster_stories([f"{i:05d}" for i in range(n)], times, vectors, 0.9, WINDOW)
    assert set(story.values()) == {"00000"}


def test_empty():
    assert cluster_stories([], [], np.zeros((0, 4), np.float32), 0.9, None) == {}


def _ents(*names):
    from newsdedup.entities import entity_hashes

    return [entity_hashes(n) for n in names]


def test_entities_separate_lookalike_events_and_join_translations():
    # Two DUI arrests embed alike; the names tell them apart, and tie each report to its translation.
    vectors = _unit([1, 0.1, 0], [1, 0.12, 0.01], [1, 0.08, 0.02], [1, 0.11, 0.03])
    ents = _ents("Chargers receiver Vincent Jackson arrested in San Diego", "Vincent Jackson detenido en San Diego",
                 "Chargers lineman Jamal Williams arrested, 2009", "Jamal Williams detenido por DUI en 2009")
    keys = ["jackson-en", "jackson-es", "williams-en", "williams-es"]
    alone = cluster_stories(keys, [None] * 4, vectors, 0.9, None)
    assert len(set(alone.values())) == 1
    story = cluster_stories(keys, [None] * 4, vectors, 0.6, None, ents, 0.6, 0.8)
    assert story == {"jackson-en": "jackson-en", "jackson-es": "jackson-en", "williams-en": "williams-en",
                     "williams-es": "williams-en"}


def test_items_without_entities_fall_back_to_the_embedding():
    vectors = _unit([1, 0.05, 0], [1, 0, 0.05], [0, 1, 0])
    story = cluster_stories(["a", "b", "c"], [None] * 3, vectors, 0.9, None, _ents("no names here", "", "x"), 0.6, 0.8)
    assert story["a"] == story["b"] != story["c"]


def test_min_cosine_vetoes_pairs_that_only_share_names():
    vectors = _unit([1, 0, 0], [0.6, 0.8, 0], [0, 0, 1])
    ents = _ents("Gustavo Petro in Bogota", "Gustavo Petro in Bogota", "Lima Peru")
    # similarity 0.4 * 0.6 + 0.6 * 1.0 = 0.84, but the embeddings are only 0.6 alike
    veto = cluster_stories(["a", "b", "c"], [None] * 3, vectors, 0.8, None, ents, 0.6, 0.8)
    assert veto["a"] != veto["b"]
    allowed = cluster_stories(["a", "b", "c"], [None] * 3, vectors, 0.8, None, ents, 0.6, 0.5)
    assert allowed["a"] == allowed["b"] != allowed["c"]


def test_a_component_too_large_for_linkage_is_cut_along_its_weakest_links():
    rng = np.random.default_rng(7)
    # two tight stories joined by a chain of weaker look-alikes: one threshold-graph component
    centre_a, centre_b = rng.normal(size=16), rng.normal(size=16)
    vectors = [centre_a + 0.05 * rng.normal(size=16) for _ in range(6)]
    vectors += [centre_b + 0.05 * rng.normal(size=16) for _ in range(6)]
    vectors += [centre_a * (1 - w) + centre_b * w for w in np.linspace(0.2, 0.8, 6)]
    vectors = np.array([v / np.linalg.norm(v) for v in vectors], dtype=np.float32)
    keys = [f"k{i:02d}" for i in range(len(vectors))]
    times = [None] * len(keys)
    whole = cluster_stories(keys, times, vectors, 0.5, None, max_component=len(keys))
    bounded = cluster_stories(keys, times, vectors, 0.5, None, max_component=8)
    assert len(set(bounded.values())) >= len(set(whole.values()))
    for key in keys[:6]:  # each tight story stays together
        assert bounded[key] == bounded["k00"]
    for key in keys[6:12]:
        assert bounded[key] == bounded["k06"]
    assert bounded == cluster_stories(keys[::-1], times, vectors[::-1], 0.5, None, max_component=8)


def _random_items(n, seed):
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    t = np.sort(rng.uniform(0, 200 * HOUR, n))
    t[rng.random(n) < 0.1] = np.nan  # some undated
    entities = [np.unique(rng.integers(0, 60, rng.integers(0, 6))).astype(np.uint64) for _ in range(n)]
    return vectors, t, entities


@pytest.mark.parametrize("weight", [0.0, 0.6])
def test_pair_matrices_by_blocks_equal_the_whole_matrix(weight):
    """Distances, known counts and gaps: by blocks of rows as from the whole matrix (to the last bit or
    two: BLAS may round a product differently for a block of rows than for the whole)."""
    n = 2 * BLOCK + 37  # three blocks of rows, the last one short
    vectors, t, entities = _random_items(n, 3)
    sim = Similarity(vectors, entities, weight)
    idx = np.sort(np.random.default_rng(4).choice(n, n - 20, replace=False))
    dist, count, gap = pair_matrices(t, idx, sim, WINDOW)
    whole = 1.0 - sim.combine(sim.embedding(idx, idx), idx, idx)
    gaps = np.abs(t[idx][:, None] - t[idx][None, :])
    known = ~(gaps > 72 * HOUR)
    np.fill_diagonal(known, False)
    expected = np.clip((whole + whole.T) / 2.0, 0.0, None) * known
    np.testing.assert_allclose(dist, expected, rtol=1e-5, atol=1e-6)
    assert np.array_equal(count, known) and np.array_equal(dist, dist.T)
    assert np.array_equal(gap, np.nan_to_num(gaps, nan=-1.0).astype(np.float32))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_linkage_over_known_pairs_is_scipys_average_linkage_when_every_pair_is_known(seed):
    vectors, t, entities = _random_items(120, seed)
    sim = Similarity(vectors, entities, 0.6)
    idx = np.arange(120)
    labels = split_component(t, idx, sim, 0.5, Lifetime())
    d = 1.0 - sim.combine(sim.embedding(idx, idx), idx, idx)
    d = np.clip((d + d.T) / 2.0, 0.0, None)
    np.fill_diagonal(d, 0.0)
    expected = fcluster(linkage(squareform(d, checks=False), method="average"), t=0.5, criterion="distance")
    same = labels[:, None] == labels[None, :]
    assert np.array_equal(same, expected[:, None] == expected[None, :])
    assert len(set(labels.tolist())) > 5


def test_pairs_beyond_the_horizon_are_unknown_not_dissimilar():
    # a and c are 20 days apart: unknown. b, 10 days from each, is like both: all three one story,
    # where counting a-c as far apart (the old 72-hour wall, pairwise) kept c out.
    vectors = _unit([1, 0.05, 0], [1, 0.02, 0.02], [1, 0, 0.05])
    life = Lifetime(horizon=15 * DAY)
    story = cluster_stories(["a", "b", "c"], [0, 10 * DAY, 20 * DAY], vectors, 0.99, life)
    assert set(story.values()) == {"a"}


def test_a_story_lives_through_its_follow_ups_but_a_lookalike_months_later_stays_apart():
    vectors = _unit(*([[1, 0.01 * i, 0] for i in range(5)]))
    days = [0, 12, 25, 37, 200]  # follow-ups every 12-13 days; then nothing for five months
    life = Lifetime(horizon=30 * DAY, scale=7 * DAY, weight=0.01)
    story = cluster_stories(["s0", "s1", "s2", "s3", "later"], [d * DAY for d in days], vectors, 0.98, life)
    assert story == {"s0": "s0", "s1": "s0", "s2": "s0", "s3": "s0", "later": "later"}


def test_time_weighs_as_evidence_decaying_with_the_gap():
    vectors = _unit([1, 0, 0], [1, 0.2, 0])  # cosine 0.98
    life = Lifetime(horizon=30 * DAY, scale=7 * DAY, weight=0.05)
    near = cluster_stories(["a", "b"], [0, 1 * DAY], vectors, 0.96, life)
    far = cluster_stories(["a", "b"], [0, 20 * DAY], vectors, 0.96, life)
    undated = cluster_stories(["a", "b"], [0, None], vectors, 0.96, life)
    assert near["b"] == "a" and far["b"] == "b" and undated["b"] == "a"
    assert life.penalty(np.array([0.0, 7 * DAY, 1e9, np.nan])).tolist() == pytest.approx(
        [0.0, 0.05 * (1 - np.exp(-0.5)), 0.05, 0.0])


def test_components_match_scipy_and_carry_their_edges():
    rng = np.random.default_rng(5)
    nodes = np.sort(rng.choice(5000, 900, replace=False))
    a, b = np.sort(rng.choice(nodes, (2, 700)), axis=0)
    keep = a < b
    edges = (a[keep].astype(np.int32), b[keep].astype(np.int32), rng.random(int(keep.sum())).astype(np.float32))
    local = np.searchsorted(nodes, edges[:2])
    count, labels = csgraph.connected_components(
        sparse.coo_matrix((np.ones(len(edges[0])), tuple(local)), shape=(len(nodes), len(nodes))), directed=False)
    found = list(split_components(nodes, tuple(e.copy() for e in edges)))
    assert len(found) == count
    for label, (members, (ea, eb, es)) in enumerate(found):
        assert members.tolist() == nodes[labels == label].tolist()  # numbered by smallest node, members sorted
        mine = np.isin(edges[0], members)
        assert ea.tolist() == edges[0][mine].tolist() and eb.tolist() == edges[1][mine].tolist()  # in input order
        assert es.tobytes() == edges[2][mine].tobytes()
    numbered = list(split_components(np.arange(5000), tuple(e.copy() for e in edges)))
    assert sum(len(m) for m, _ in numbered) == 5000


def test_candidate_edges_joined_in_order_and_released():
    rng = np.random.default_rng(3)
    parts = [(rng.integers(0, 99, n).astype(np.int32), rng.integers(0, 99, n).astype(np.int32),
              rng.random(n).astype(np.float32)) for n in (4, 0, 7, 1)]
    expected = [np.concatenate(field) for field in zip(*parts)]
    together = joined(parts)
    assert parts == [None] * 4  # each part let go once copied
    for got, want in zip(together, expected):
        assert got.dtype == want.dtype and np.array_equal(got, want)
    assert [len(field) for field in joined([])] == [0, 0, 0]


def test_max_links_keeps_each_items_strongest_links_to_later_items():
    rng = np.random.default_rng(5)
    n = BLOCK + 40  # rows in two blocks
    vectors = _unit(*(np.array([1.0, 0, 0]) + 0.1 * rng.standard_normal((n, 3))))
    sim = Similarity(vectors, None, 0.0)
    t = np.zeros(n)
    every = candidate_edges(t, sim, 0.9, 0.9, Lifetime())
    a, b, s = candidate_edges(t, sim, 0.9, 0.9, Lifetime(), max_links=3)
    assert np.all(np.bincount(a, minlength=n) <= 3) and np.bincount(every[0]).max() > 3
    for i in range(n):
        mine = every[0] == i
        strongest = np.sort(np.flatnonzero(mine)[np.argsort(-every[2][mine], kind="stable")[:3]])
        assert np.array_equal(b[a == i], every[1][strongest])  # kept in column order
        assert np.array_equal(s[a == i], every[2][strongest])
    assert np.all(np.diff(a) >= 0)


def test_max_links_breaks_ties_toward_the_earlier_item():
    vectors = _unit(*[[1.0, 0.0]] * 6)  # every pair alike to the bit
    a, b, _ = candidate_edges(np.zeros(6), Similarity(vectors, None, 0.0), 0.9, 0.9, Lifetime(), max_links=2)
    assert list(zip(a.tolist(), b.tolist())) == [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3), (2, 4), (3, 4), (3, 5), (4, 5)]


def test_a_story_stays_whole_when_each_item_keeps_one_link():
    rng = np.random.default_rng(6)
    story_a = np.array([1.0, 0, 0]) + 0.05 * rng.standard_normal((30, 3))
    story_b = np.array([0, 1.0, 0]) + 0.05 * rng.standard_normal((30, 3))
    keys = [f"k{i:02d}" for i in range(60)]
    times = [i * HOUR for i in range(60)]
    story = cluster_stories(keys, times, _unit(*story_a, *story_b), 0.9, WINDOW, max_links=1)
    assert story == cluster_stories(keys, times, _unit(*story_a, *story_b), 0.9, WINDOW)
    assert sorted(set(story.values())) == ["k00", "k30"]


def test_names_that_cannot_be_compared_do_not_count_against_a_pair():
    from newsdedup.entities import SCRIPT_SHIFT, entity_hashes, name_script

    vectors = _unit([1, 0.6, 0], [1, 0.6, 0.05], [1, 0.6, -0.05])  # cosines about 0.998
    ents = [entity_hashes("Xi Jinping visited Moscow on Tuesday"), entity_hashes("Си Цзиньпин посетил Москву во вторник"),
            entity_hashes("Donald Trump visited Paris on Tuesday")]
    assert [name_script(e) for e in ents] == [1, 2, 1]
    assert all(int(h) >> SCRIPT_SHIFT == 2 for h in ents[1])
    sim = Similarity(vectors, ents, 0.6)
    assert sim.comparable(np.arange(3), np.arange(3)).tolist() == [[True, False, True], [False, True, False],
                                                                 [True, False, True]]
    story = cluster_stories(["en", "ru"], [None] * 2, vectors[:2], 0.6, None, ents[:2], 0.6, 0.8)
    assert story["ru"] == story["en"]
    story = cluster_stories(["en", "other"], [None] * 2, vectors[[0, 2]], 0.6, None, [ents[0], ents[2]], 0.6, 0.8)
    assert story["other"] != story["en"]  # Latin names that differ still tell events apart
