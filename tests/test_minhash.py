import numpy as np
import pytest
from datasketch import MinHash

from newsdedup.minhash import EMPTY, jaccard, signature
from newsdedup.shingle import shingles

TEXTS = [
    "the kremlin urged india and pakistan to return to the negotiating table",
    "el gobierno de españa anunció hoy nuevas medidas económicas para el país",
    "x",
    " ".join(f"w{i}" for i in range(5000)),  # more shingles than one block
]


@pytest.mark.parametrize("num_perm,seed", [(128, 1), (64, 42), (256, 7)])
@pytest.mark.parametrize("text", TEXTS)
def test_signature_equals_datasketch(text, num_perm, seed):
    grams = shingles(text, "word", 3)
    reference = MinHash(num_perm=num_perm, seed=seed)
    reference.update_batch(grams)
    ours = signature(grams, num_perm, seed)
    assert ours.dtype == reference.hashvalues.dtype
    np.testing.assert_array_equal(ours, reference.hashvalues)


def test_empty_set_is_all_max():
    assert (signature([], 16, 1) == EMPTY).all()
    np.testing.assert_array_equal(signature([], 16, 1), MinHash(num_perm=16).hashvalues)


def test_jaccard_estimate_tracks_true_jaccard():
    a = {f"s{i}".encode() for i in range(0, 600)}
    b = {f"s{i}".encode() for i in range(200, 800)}  # true J = 400 / 800 = 0.5
    estimate = jaccard(signature(sorted(a), 256, 1), signature(sorted(b), 256, 1))
    assert abs(estimate - 0.5) < 0.08


def test_jaccard_needs_equal_lengths():
    with pytest.raises(ValueError):
        jaccard(signature([b"a"], 16, 1), signature([b"a"], 32, 1))


@pytest.mark.parametrize("kind,size", [("word", 3), ("word", 5), ("char", 4), ("char", 1)])
def test_compiled_kernel_equals_datasketch_with_murmur3(kind, size):
    import mmh3

    from newsdedup.normalize import fold, normalize
    from newsdedup.signing import murmur3_32, sign_texts

    texts = TEXTS + ["", "año niño é ü 😀", "a b", "Ｈｅｌｌｏ,  WORLD — “¡Año!” don't_stop\n\nStraße 12,5 %"]
    sigs, counts = sign_texts([fold(t) for t in texts], kind, size, 128, 1)  # the kernel finds the words
    for text, sig, count in zip(texts, sigs, counts):
        grams = shingles(normalize(text), kind, size)
        reference = MinHash(num_perm=128, seed=1, hashfunc=lambda b: mmh3.hash(b, 0, signed=False))
        reference.update_batch(grams)
        np.testing.assert_array_equal(sig, reference.hashvalues)
        assert (count > 0) == bool(grams)
    for data in [b"", b"a", b"abcd", b"abcde", "ñandú".encode()]:
        assert murmur3_32(data) == mmh3.hash(data, 0, signed=False)


def test_sha1_path_equals_datasketch_defaults():
    from newsdedup.signing import sign

    grams = shingles(TEXTS[0], "word", 3)
    sigs, counts = sign([TEXTS[0], ""], "word", 3, 64, 5, "sha1")
    reference = MinHash(num_perm=64, seed=5)
    reference.update_batch(grams)
    np.testing.assert_array_equal(sigs[0], reference.hashvalues)
    assert list(counts) == [len(grams), 0]


def test_matching_signatures_from_raw_text_with_either_hash():
    """``sign_matching`` signs what ``matching_text`` would give: the folded body, else the headline."""
    from newsdedup.normalize import FurnitureStripper, clean, matching_text
    from newsdedup.signing import murmur3_32, sign_matching

    stripper = FurnitureStripper.from_config([], [])
    titles, bodies = ["Ｈｅａｄｌｉｎｅ only", "Ignored headline"], ["", "The Kremlin URGED… both sides — to talk, again & again."]
    cleaned = [clean(b, stripper, 30) for b in bodies]
    for hash_name, hashfunc in (("sha1", None), ("murmur3", murmur3_32)):
        sigs, counts = sign_matching(titles, [c.content for c in cleaned], "word", 3, 64, 5, hash_name, 30)
        for title, c, sig, count in zip(titles, cleaned, sigs, counts):
            grams = shingles(matching_text(title, c, 30), "word", 3)
            reference = MinHash(num_perm=64, seed=5, **({"hashfunc": hashfunc} if hashfunc else {}))
            reference.update_batch(grams)
            np.testing.assert_array_equal(sig, reference.hashvalues)
            assert count > 0
