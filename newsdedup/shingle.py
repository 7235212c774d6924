"""Shingling: the sets whose Jaccard similarity MinHash estimates."""

from __future__ import annotations

SHINGLE_KINDS = ("word", "char")


def shingles(text: str, kind: str, size: int) -> list[bytes]:
    """Distinct n-grams of normalised ``text``, sorted, UTF-8 encoded.

    Word shingles join ``size`` consecutive words with a space; a text shorter
    than one shingle yields itself, so short items still match their copies.
    Character shingles run over the space-joined text. Empty text yields none.
    """
    if size < 1:
        raise ValueError("shingle size must be at least 1")
    if kind == "word":
        units: list[str] = text.split()
        joiner = " "
    elif kind == "char":
        units = list(" ".join(text.split()))
        joiner = ""
    else:
        raise ValueError(f"unknown shingle kind {kind!r}; expected one of {SHINGLE_KINDS}")
    if not units:
        return []
    if len(units) <= size:
        return [joiner.join(units).encode()]
    grams = {joiner.join(units[i : i + size]) for i in range(len(units) - size + 1)}
    return sorted(g.encode() for g in grams)
