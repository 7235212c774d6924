import functools
import itertools
import random

import pytest

from newsdedup.normalize import FurnitureStripper, clean, matching_text
from newsdedup.pipeline.config import Config
from newsdedup.shingle import shingles
from newsdedup.simulate import (EDIT_KINDS, HARSH_EDITS, generate_corpus, kept_share, paragraphs, random_edits, reprint,
                                simulate_reprints)

CFG = Config().normalize
STRIPPER = FurnitureStripper.from_config(CFG.furniture_patterns, CFG.agencies)


@pytest.fixture(scope="module")
def originals(seed_records):
    return [r for r in seed_records if not r.get("copy_of")]


def _match(record):
    return matching_text(record["title"], clean(record["body"], STRIPPER, CFG.max_chars), CFG.max_chars)


def _jaccard(a, b):
    x, y = _shingles(a), _shingles(b)
    return len(x & y) / len(x | y)


def _shingles(record):
    """Cached by text, never on the record: the seeds' records are shared by every test of the session."""
    return _text_shingles(record["title"], record["body"])


@functools.lru_cache(maxsize=None)
def _text_shingles(title, body):
    return frozenset(shingles(_match({"title": title, "body": body}), "word", 3))


def test_kept_share_counts_words_as_a_multiset():
    assert kept_share("a b a c", "a c x") == 0.5
    assert kept_share("A, b.", "a b") == 1.0
    assert kept_share("", "anything") == 1.0


def test_short_bodies_are_cut_into_sentence_pairs():
    assert paragraphs("One. Two. Three. Four. Five.") == ["One. Two.", "Three. Four.", "Five."]
    assert paragraphs("a\nb\n\nc") == ["a", "b", "c"]


@pytest.mark.parametrize("kind", EDIT_KINDS)
def test_each_edit_kind_does_what_it_says(originals, kind):
    clean = [r for r in originals if STRIPPER.strip(r["body"]) == r["body"]]
    article = max(clean, key=lambda r: len(paragraphs(r["body"])))
    copy = reprint(article, random.Random(3), "x", 0.8, [kind], ["Unrelated headline about something else"])
    assert copy["copy_of"] == article["id"] and copy["edits"] == [kind] and copy["strength"] == 0.8
    before, after = paragraphs(article["body"]), paragraphs(copy["body"])
    if kind == "headline":
        assert copy["title"] != article["title"] and copy["body"] == "\n".join(before)
    else:
        assert copy["title"] == article["title"]
    if kind in ("credit_dateline", "related"):
        # Furniture only: the default stripper takes the text back to the original.
        assert copy["body"] != article["body"] and _match(copy) == _match(article)
        assert copy["kept"] == 1.0
    if kind == "reorder":
        assert after != before and sorted(after) == sorted(before) and copy["kept"] == 1.0
    if kind == "drop_paragraphs":
        assert len(after) < len(before) and set(after) <= set(before)
    if kind == "lead_trim":
        assert after[1:] == before[1:] and len(after[0]) < len(before[0])
    if kind == "truncate":
        assert copy["body"].endswith("…") and len(copy["body"]) < 0.6 * len(article["body"])
    if kind == "typos":
        assert len(after) == len(before) and copy["body"] != article["body"]
    if kind in ("drop_paragraphs", "lead_trim", "truncate", "typos"):
        assert 0.2 < copy["kept"] < 1.0
    if kind == "cut":  # the lead, then whole sentences from the start of the rest: at 0.8, a fifth of it or a sentence more
        lines = copy["body"].split("\n")
        assert lines[0] == before[0] and len(lines) == 2
        rest, kept_rest = " ".join(before[1:]).split(), lines[1].split()
        assert kept_rest == rest[: len(kept_rest)] and 0.2 <= len(kept_rest) / len(rest) < 0.5  # whole sentences
    if kind == "paraphrase":  # words kept, but a fifth of the sentences reworded: their word 3-grams are new
        assert len(after) == len(before) and 0.8 < copy["kept"] < 1.0
        assert _jaccard(copy, article) < 0.9
    if kind == "merge":  # fewer paragraphs, the same words in the same order
        assert len(after) < len(before) and _match(copy) == _match(article) and copy["kept"] == 1.0


def test_cut_keeps_half_to_a_fifth_of_the_rest(originals):
    article = max(originals, key=lambda r: len(r["body"]))
    kept = [reprint(article, random.Random(1), "x", s, ["cut"])["kept"] for s in (0.0, 0.2, 0.5, 0.8)]
    assert kept == sorted(kept, reverse=True) and kept[0] < 0.65 and kept[-1] > 0.15


def test_random_edits_add_the_harsh_ones_only_when_asked():
    plain = [random_edits(random.Random(k)) for k in range(200)]
    assert not {e for edits in plain for e in edits} & set(HARSH_EDITS)
    harsh = [random_edits(random.Random(k), harsh=True) for k in range(200)]
    assert {e for edits in harsh for e in edits} >= set(HARSH_EDITS)


def test_strength_controls_how_much_text_is_lost(originals):
    article = originals[0]
    kept = [reprint(article, random.Random(1), "x", s, ["truncate"])["kept"] for s in (0.2, 0.5, 0.8)]
    assert kept[0] > kept[1] > kept[2]


def test_unknown_edits_and_strengths_are_refused(originals):
    with pytest.raises(ValueError, match="unknown edit"):
        reprint(originals[0], random.Random(1), "x", 0.5, ["rewrite_everything"])
    with pytest.raises(ValueError, match="strength"):
        reprint(originals[0], random.Random(1), "x", 1.5, ["typos"])


def test_simulated_reprints_are_deterministic_and_labelled(originals):
    first = simulate_reprints(originals, seed=5, per_article=2)
    assert first == simulate_reprints(originals, seed=5, per_article=2)
    assert first != simulate_reprints(originals, seed=6, per_article=2)
    assert len(first) == 2 * len(originals) and len({r["id"] for r in first}) == len(first)
    ids = {r["id"] for r in originals}
    assert all(r["copy_of"] in ids and set(r["edits"]) <= set(EDIT_KINDS) for r in first)
    assert {k for r in first for k in r["edits"]} == set(EDIT_KINDS)


def test_generated_corpus_has_the_requested_size_and_shares(originals):
    corpus = list(generate_corpus(originals, 2000, seed=11))
    assert corpus == list(generate_corpus(originals, 2000, seed=11))
    assert len(corpus) == 2000 and len({r["id"] for r in corpus}) == 2000
    reprints = [r for r in corpus if r["copy_of"]]
    assert 0.35 < len(reprints) / len(corpus) < 0.45
    seen = set()
    for record in corpus:
        if record["copy_of"]:
            assert record["copy_of"] in seen and record["gold_cluster"] == record["copy_of"]
        else:
            seen.add(record["id"])
            assert record["gold_cluster"] == record["id"]
    assert {r["language"] for r in corpus if not r["copy_of"]} >= {"en", "es"}


def test_synthetic_originals_are_distinct_and_their_reprints_are_copies(originals):
    corpus = list(generate_corpus(originals, 400, seed=2))
    synthetic = [r for r in corpus if not r["copy_of"]][len(originals):]
    assert len(synthetic) > 100
    pairs = list(itertools.islice(itertools.combinations(synthetic, 2), 3000))
    assert max(_jaccard(a, b) for a, b in pairs) < 0.2
    by_id = {r["id"]: r for r in corpus}
    light = [r for r in corpus if r["copy_of"] and r["kept"] >= 0.8]
    assert light and min(_jaccard(r, by_id[r["copy_of"]]) for r in light) > 0.5
