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


@pytest.mark.parametrize("hash_name", ["multilinear", "murmur3"])
@pytest.mark.parametrize("kind,size", [("word", 3), ("word", 5), ("char", 4), ("char", 1)])
def test_compiled_kernel_equals_datasketch_with_its_hashfunc(kind, size, hash_name):
    from newsdedup.normalize import fold, normalize
    from newsdedup.signing import hashfunc, sign_texts

    texts = TEXTS + ["", "año niño é ü 😀", "a b", "Ｈｅｌｌｏ,  WORLD — “¡Año!” don't_stop\n\nStraße 12,5 %"]
    for max_chars in (None, 1, 4, 9, 23):
        sigs, counts = sign_texts([fold(t) for t in texts], kind, size, 128, 1, max_chars, hash_name)
        for text, sig, count in zip(texts, sigs, counts):  # the kernel finds the words
            grams = shingles(normalize(text)[:max_chars], kind, size)
            reference = MinHash(num_perm=128, seed=1, hashfunc=hashfunc(hash_name, kind))
            reference.update_batch(grams)
            np.testing.assert_array_equal(sig, reference.hashvalues)
            assert (count > 0) == bool(grams)


def test_murmur3_is_mmh3():
    import mmh3

    from newsdedup.signing import murmur3_32

    for length in range(12):  # every tail length, in and out of whole blocks
        data = "ñandú-abcdefgh".encode()[:length]
        assert murmur3_32(data) == mmh3.hash(data, 0, signed=False)


def test_multilinear_combines_word_hashes_in_order():
    """Each word is hashed once; the keys weigh it by its place, so order matters and lengths differ."""
    from newsdedup.signing import multilinear_32, multilinear_keys, murmur3_32

    keys = [int(k) for k in multilinear_keys(3)]
    expected = (keys[0] + keys[1] * murmur3_32(b"a") + keys[2] * murmur3_32(b"bb") + keys[3] * murmur3_32(b"c")) % 2**64
    assert multilinear_32(b"a bb c", "word") == expected >> 32
    assert multilinear_32(b"c bb a", "word") != multilinear_32(b"a bb c", "word")
    assert multilinear_32(b"a bb", "word") != multilinear_32(b"a bb c", "word")
    assert multilinear_32("añb".encode(), "char") == (keys[0] + keys[1] * murmur3_32(b"a") + keys[2] * murmur3_32("ñ".encode())
                                                      + keys[3] * murmur3_32(b"b")) % 2**64 >> 32
    assert list(multilinear_keys(5)[:4]) == keys  # a shorter shingle uses the first keys of a longer one


def test_hashfunc_names():
    from newsdedup.pipeline.config import SHINGLE_HASHES, ConfigError, CopiesConfig
    from newsdedup.signing import HASHES, hashfunc, murmur3_32, sign_texts

    assert SHINGLE_HASHES == HASHES
    with pytest.raises(ConfigError, match="copies.hash must be one of 'multilinear', 'murmur3', 'sha1'"):
        CopiesConfig(hash="md5")

    assert hashfunc("murmur3", "word") is murmur3_32 and hashfunc("sha1", "word") is None
    with pytest.raises(ValueError, match="unknown hash"):
        hashfunc("md5", "word")
    with pytest.raises(ValueError, match="compiled kernel"):
        sign_texts(["a"], "word", 3, 16, 1, None, "sha1")


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
    from newsdedup.signing import HASHES, hashfunc, sign_matching

    stripper = FurnitureStripper.from_config([], [])
    titles, bodies = ["Ｈｅａｄｌｉｎｅ only", "Ignored headline"], ["", "The Kremlin URGED… both sides — to talk, again & again."]
    cleaned = [clean(b, stripper, 30) for b in bodies]
    for hash_name in HASHES:
        sigs, counts = sign_matching(titles, [c.content for c in cleaned], "word", 3, 64, 5, hash_name, 30)
        for title, c, sig, count in zip(titles, cleaned, sigs, counts):
            grams = shingles(matching_text(title, c, 30), "word", 3)
            func = hashfunc(hash_name, "word")
            reference = MinHash(num_perm=64, seed=5, **({"hashfunc": func} if func else {}))
            reference.update_batch(grams)
            np.testing.assert_array_equal(sig, reference.hashvalues)
            assert count > 0


def test_sign_defaults_errors_and_empty_batches():
    from newsdedup.signing import sign, sign_texts

    texts = ["the kremlin urged both sides", ""]
    for default, named in ((sign(texts, "word", 3, 16, 1), sign(texts, "word", 3, 16, 1, "multilinear")),
                           (sign_texts(texts, "word", 3, 16, 1), sign_texts(texts, "word", 3, 16, 1, None, "multilinear"))):
        np.testing.assert_array_equal(default[0], named[0])
    with pytest.raises(ValueError, match="unknown hash 'md5'; expected one of"):
        sign(texts, "word", 3, 16, 1, "md5")
    with pytest.raises(ValueError, match="unknown shingle kind 'sentence'"):
        sign_texts(texts, "sentence", 3, 16, 1)
    for hash_name in ("sha1", "multilinear"):
        sigs, counts = sign([], "word", 3, 16, 1, hash_name)
        assert (sigs.shape, sigs.dtype, counts.shape, counts.dtype) == ((0, 16), np.uint32, (0,), np.int64)
    sigs, counts = sign(texts, "word", 3, 16, 1, "sha1")
    assert sigs.dtype == np.uint32 and counts.dtype == np.int64 and counts.tolist() == [3, 0]
