import pytest

from newsdedup.shingle import shingles


def test_word_shingles_are_distinct_sorted_ngrams():
    assert shingles("a b c a b c", "word", 2) == [b"a b", b"b c", b"c a"]


def test_short_text_is_one_shingle_and_empty_is_none():
    assert shingles("a b", "word", 5) == [b"a b"]
    assert shingles("", "word", 3) == []
    assert shingles("   ", "char", 3) == []


def test_char_shingles_span_word_boundaries():
    assert shingles("ab cd", "char", 3) == sorted([b"ab ", b"b c", b" cd"])


def test_unicode_is_utf8_encoded():
    assert shingles("año niño", "word", 1) == sorted(["año".encode(), "niño".encode()])


def test_bad_arguments():
    with pytest.raises(ValueError):
        shingles("a", "line", 2)
    with pytest.raises(ValueError):
        shingles("a", "word", 0)
