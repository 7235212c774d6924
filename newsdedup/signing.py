"""Batched, compiled MinHash: folded texts in, datasketch-identical signatures out.

One fused Numba kernel walks each text's UTF-8 bytes, finds its words (what
``re``'s ``\\w+`` finds, as ``normalize.words`` does) and the word (or
character) n-grams that ``shingle.shingles`` would produce, hashes each
n-gram and folds it into the signature with datasketch's "affine32"
permutations: no Python object per word or shingle. The result equals
``datasketch.MinHash(num_perm, seed, hashfunc=hashfunc(hash_name, kind))``
updated with ``shingles(normalize.words(text), kind, size)`` (tests prove it);
repeated shingles cannot change a minimum, so they are not de-duplicated first.

Two shingle hashes run compiled. ``murmur3`` hashes each shingle's bytes with
MurmurHash3 (x86, 32-bit, seed 0), as ``mmh3`` does, so every byte is hashed
once per shingle it is in (five times for word 5-grams). ``multilinear``
hashes each word (or character) once with MurmurHash3 and combines the
``size`` unit hashes of a shingle with a multilinear hash, the top 32 bits of
``k0 + k1*h1 + ... + kn*hn mod 2**64``: strongly universal over the unit
hashes (Lemire and Kaser, "Strongly universal string hashing is fast", 2014)
and a few multiplications per shingle, so the kernel hashes less than the
shingles' bytes add up to.
"""

from __future__ import annotations

import sys
from functools import lru_cache, partial
from typing import Callable, Optional, Sequence

import numpy as np
from numba import njit

from newsdedup import normalize
from newsdedup.minhash import permutations, signature
from newsdedup.shingle import shingles

_C1 = np.uint32(0xCC9E2D51)
_C2 = np.uint32(0x1B873593)
_MASK = np.uint64(0xFFFFFFFF)


@njit(inline="always", cache=True)
def _rotl(x, r):
    return ((x << np.uint32(r)) | (x >> np.uint32(32 - r))) & np.uint32(0xFFFFFFFF)


@njit(inline="always", cache=True)
def _fmix(h):
    h ^= h >> np.uint32(16)
    h = np.uint32((np.uint64(h) * np.uint64(0x85EBCA6B)) & _MASK)
    h ^= h >> np.uint32(13)
    h = np.uint32((np.uint64(h) * np.uint64(0xC2B2AE35)) & _MASK)
    h ^= h >> np.uint32(16)
    return h


@njit(inline="always", cache=True)
def _mul32(a, b):
    return np.uint32((np.uint64(a) * np.uint64(b)) & _MASK)


@njit(inline="always", cache=True)
def murmur3_span(data, start, end):
    """MurmurHash3_x86_32 of ``data[start:end]`` with seed 0.

    The 1-3 tail bytes are read without branching on their number (a byte
    past ``end`` is masked off), which saves a mispredicted branch per word.
    """
    h = np.uint32(0)
    n = end - start
    blocks = n // 4
    for i in range(blocks):
        j = start + 4 * i
        k = np.uint32(data[j]) | (np.uint32(data[j + 1]) << np.uint32(8)) | (np.uint32(data[j + 2]) << np.uint32(16)) \
            | (np.uint32(data[j + 3]) << np.uint32(24))
        k = _mul32(_rotl(_mul32(k, _C1), 15), _C2)
        h ^= k
        h = np.uint32((np.uint64(_rotl(h, 13)) * np.uint64(5) + np.uint64(0xE6546B64)) & _MASK)
    tail = start + 4 * blocks
    last = data.shape[0] - 1
    k = np.uint32(data[min(tail, last)]) | (np.uint32(data[min(tail + 1, last)]) << np.uint32(8)) \
        | (np.uint32(data[min(tail + 2, last)]) << np.uint32(16))
    k &= np.uint32((1 << (8 * (n & 3))) - 1)
    h ^= _mul32(_rotl(_mul32(k, _C1), 15), _C2)  # no tail: k = 0, and so is this
    h ^= np.uint32(n)
    return _fmix(h)


@njit(cache=True)
def _fold(sig, hashes, n, a, b):
    """datasketch affine32 over pre-mixed hashes: sig[p] = min(a[p] * h + b[p] mod 2**32)."""
    for p in range(sig.shape[0]):
        ap, bp = a[p], b[p]
        m = sig[p]
        for i in range(n):
            m = min(m, np.uint32(ap * hashes[i] + bp))  # uint32 wrap-around is the mod 2**32
        sig[p] = m


@lru_cache(maxsize=8)
def multilinear_keys(size: int) -> np.ndarray:
    """``k0..k_size``: SplitMix64 from a fixed seed, so every run and runner shares them."""
    state, keys = 0x6E657773646564, []  # "newsded"
    for _ in range(size + 1):
        state = (state + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        keys.append(z ^ (z >> 31))
    out = np.array(keys, dtype=np.uint64)
    out.setflags(write=False)
    return out


@njit(cache=True)
def _combine(units, n, size, keys, hashes):
    """Multilinear hash of each run of ``size`` unit hashes (all ``n`` when fewer) into ``hashes``; their count."""
    width = min(n, size)
    count = n - width + 1
    for j in range(count):
        acc = keys[0]
        for i in range(width):
            acc += keys[i + 1] * units[j + i]  # uint64 wrap-around is the mod 2**64
        hashes[j] = _fmix(np.uint32(acc >> np.uint64(32)))
    return count


@lru_cache(maxsize=1)
def word_chars() -> np.ndarray:
    """1 for each code point ``re``'s ``\\w`` matches (alphanumeric or ``_``), 0 for the rest."""
    table = np.fromiter((chr(c).isalnum() for c in range(sys.maxunicode + 1)), dtype=np.uint8, count=sys.maxunicode + 1)
    table[ord("_")] = 1
    return table


@njit(inline="always", cache=True)
def _code_point(data, i):
    """The code point at ``data[i]`` and its length in UTF-8 bytes."""
    b = np.int64(data[i])
    if b < 0x80:
        return b, 1
    if b < 0xE0:
        return ((b & 0x1F) << 6) | (np.int64(data[i + 1]) & 0x3F), 2
    if b < 0xF0:
        return ((b & 0x0F) << 12) | ((np.int64(data[i + 1]) & 0x3F) << 6) | (np.int64(data[i + 2]) & 0x3F), 3
    return (((b & 0x07) << 18) | ((np.int64(data[i + 1]) & 0x3F) << 12) | ((np.int64(data[i + 2]) & 0x3F) << 6)
            | (np.int64(data[i + 3]) & 0x3F)), 4


@njit(cache=True)
def _word_spans(data, lo, hi, is_word, starts, ends):
    """Byte spans of the words in ``data[lo:hi]``; their number.

    Branch-free where a word starts or ends (both positions are always
    written, and kept by advancing a count), since word boundaries are
    what a branch predictor cannot guess.
    """
    n = m = 0
    previous = np.uint8(0)
    i = lo
    while i < hi:
        if data[i] < 0x80:  # most news text: no decoding
            word, width = is_word[data[i]], 1
        else:
            cp, width = _code_point(data, i)
            word = is_word[cp]
        starts[n] = i
        ends[m] = i
        n += word & (previous ^ 1)
        m += previous & (word ^ 1)
        previous = word
        i += width
    ends[m] = hi
    return n


@njit(cache=True)
def _cut_words(data, starts, ends, n, max_chars):
    """Shortens the spans to what ``normalize.words(text)[:max_chars]`` keeps; the number kept."""
    chars = 0
    for w in range(n):
        if w > 0:  # the space before this word
            if chars + 1 >= max_chars:
                return w
            chars += 1
        for i in range(starts[w], ends[w]):
            if data[i] & 0xC0 == 0x80:
                continue  # a UTF-8 continuation byte: not a character of its own
            if chars >= max_chars:
                ends[w] = i
                return w + 1
            chars += 1
        if chars >= max_chars:
            return w + 1
    return n


@njit(cache=True)
def _word_hashes(data, lo, hi, is_word, max_chars, starts, ends, out):
    """MurmurHash3 of each word of ``normalize.words(text)[:max_chars]``, for ``text = data[lo:hi]``, into ``out``.

    Words are hashed where they lie in ``data``: the space-joined text is
    never built. Returns the number of words (a cut-off last word counts).
    """
    n = _word_spans(data, lo, hi, is_word, starts, ends)
    if hi - lo >= max_chars:  # the joined text has at most one character per byte
        n = _cut_words(data, starts, ends, n, max_chars)
    for w in range(n):
        out[w] = murmur3_span(data, starts[w], ends[w])
    return n


@njit(cache=True)
def _join_words(data, lo, hi, is_word, max_chars, char_mode, out, starts):
    """``normalize.words(text)[:max_chars]`` without a trailing space, for ``text = data[lo:hi]``, into ``out``.

    Returns its length in bytes and its number of units: words, or in
    ``char_mode`` characters (spaces too), whose start offsets go to ``starts``.
    """
    n = chars = units = 0
    i = lo
    while i < hi:
        cp, width = _code_point(data, i)
        if not is_word[cp]:
            i += width
            continue
        if n > 0:  # a word after another: one space between them
            if chars + 1 >= max_chars:
                break
            if char_mode:
                starts[units] = n
                units += 1
            out[n] = 32
            n += 1
            chars += 1
        if not char_mode:
            starts[units] = n
            units += 1
        while True:  # the word's characters, up to the next non-word one
            if chars >= max_chars:
                return n, units
            if char_mode:
                starts[units] = n
                units += 1
            for k in range(width):
                out[n + k] = data[i + k]
            n += width
            chars += 1
            i += width
            if i >= hi:
                break
            cp, width = _code_point(data, i)
            if not is_word[cp]:
                break
    return n, units


@njit(cache=True)
def _sign_batch(data, offsets, is_word, max_chars, char_mode, size, keys, a, b, out, counts):
    """Signs each ``data[offsets[d]:offsets[d + 1]]``; ``keys`` empty: ``murmur3``, else ``multilinear``."""
    multilinear = keys.shape[0] > 0
    text = np.empty(data.shape[0] + 1, dtype=np.uint8)
    starts = np.empty(data.shape[0] + 1, dtype=np.int64)
    ends = np.empty(data.shape[0] + 1, dtype=np.int64)
    units = np.empty(data.shape[0] + 1, dtype=np.uint64)
    hashes = np.empty(data.shape[0] + 1, dtype=np.uint32)
    sep = 0 if char_mode else 1
    for d in range(offsets.shape[0] - 1):
        if multilinear and not char_mode:
            n = _word_hashes(data, offsets[d], offsets[d + 1], is_word, max_chars, starts, ends, units)
        else:
            hi, n = _join_words(data, offsets[d], offsets[d + 1], is_word, max_chars, char_mode, text, starts)
            starts[n] = hi + sep  # one past the last unit (and its separator)
            if multilinear:
                for k in range(n):
                    units[k] = murmur3_span(text, starts[k], starts[k + 1] - sep)
        if n == 0:
            counts[d] = 0
            continue
        if multilinear:
            count = _combine(units, n, size, keys, hashes)
        else:  # each run of ``size`` units (all ``n`` when fewer): its bytes, without the separator after it
            width = min(n, size)
            count = n - width + 1
            for j in range(count):
                hashes[j] = _fmix(murmur3_span(text, starts[j], starts[j + width] - sep))
        _fold(out[d], hashes, count, a, b)
        counts[d] = count


COMPILED_HASHES = ("multilinear", "murmur3")
HASHES = (*COMPILED_HASHES, "sha1")


def murmur3_32(data: bytes) -> int:
    """MurmurHash3 (x86, 32-bit, seed 0) of one byte string: the ``murmur3`` shingle hash."""
    buf = np.frombuffer(data, dtype=np.uint8)
    return int(murmur3_span(buf, 0, len(buf)))


def multilinear_32(shingle: bytes, kind: str) -> int:
    """The ``multilinear`` hash of one shingle as ``shingle.shingles`` encodes it."""
    units = shingle.split(b" ") if kind == "word" else [c.encode() for c in shingle.decode()]
    keys = [int(k) for k in multilinear_keys(len(units))]
    return ((keys[0] + sum(k * murmur3_32(u) for k, u in zip(keys[1:], units))) % (1 << 64)) >> 32


def hashfunc(hash_name: str, kind: str) -> Optional[Callable[[bytes], int]]:
    """The ``hashfunc`` that makes ``datasketch.MinHash`` agree with ``sign`` (None: datasketch's default)."""
    if hash_name == "multilinear":
        return partial(multilinear_32, kind=kind)
    if hash_name == "murmur3":
        return murmur3_32
    if hash_name == "sha1":
        return None
    raise ValueError(f"unknown hash {hash_name!r}; expected one of {HASHES}")


def sign(texts: Sequence[str], kind: str, size: int, num_perm: int, seed: int, hash_name: str = "multilinear",
         max_chars: Optional[int] = None) -> tuple[np.ndarray, np.ndarray]:
    """Signatures (len(texts) x num_perm, uint32) and shingle counts (0: no shingle, no signature)
    of each ``normalize.words(text)[:max_chars]``.

    Texts come folded (``normalize.fold``) or already normalised; words are
    found here. ``multilinear`` and ``murmur3`` run the compiled kernel;
    ``sha1`` (datasketch's default hashfunc) shingles and hashes in Python,
    for interoperability with sketches made with datasketch's defaults,
    tens of times slower.
    """
    if hash_name in COMPILED_HASHES:
        return sign_texts(texts, kind, size, num_perm, seed, max_chars, hash_name)
    if hash_name != "sha1":
        raise ValueError(f"unknown hash {hash_name!r}; expected one of {HASHES}")
    grams = [shingles(normalize.words(t)[:max_chars], kind, size) for t in texts]
    out = np.stack([signature(g, num_perm, seed) for g in grams]) if texts else np.zeros((0, num_perm), np.uint32)
    return out, np.array([len(g) for g in grams], dtype=np.int64)


def sign_texts(texts: Sequence[str], kind: str, size: int, num_perm: int, seed: int,
               max_chars: Optional[int] = None, hash_name: str = "multilinear") -> tuple[np.ndarray, np.ndarray]:
    """``sign`` with the compiled kernel."""
    if kind not in ("word", "char"):
        raise ValueError(f"unknown shingle kind {kind!r}")
    if hash_name not in COMPILED_HASHES:
        raise ValueError(f"the compiled kernel hashes with one of {COMPILED_HASHES}, not {hash_name!r}")
    encoded = [t.encode("utf-8", "surrogatepass") for t in texts]  # lone surrogates are never word characters
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8) if offsets[-1] else np.zeros(1, dtype=np.uint8)
    a, b = permutations(num_perm, seed)
    keys = multilinear_keys(size) if hash_name == "multilinear" else np.zeros(0, dtype=np.uint64)
    out = np.full((len(encoded), num_perm), np.uint32(0xFFFFFFFF), dtype=np.uint32)
    counts = np.zeros(len(encoded), dtype=np.int64)
    limit = len(data) + 1 if max_chars is None else max_chars
    _sign_batch(data, offsets, word_chars(), limit, kind == "char", size, keys, a, b, out, counts)
    return out, counts


def sign_matching(titles: Sequence[str], contents: Sequence[str], kind: str, size: int, num_perm: int, seed: int,
                  hash_name: str, max_chars: int) -> tuple[np.ndarray, np.ndarray]:
    """``sign`` of ``normalize.matching_text`` for each title and stripped body (``Cleaned.content``).

    The matching text itself is never built: the kernel finds the words in
    the folded body, and falls back to the headline where the body has none.
    """
    sigs, counts = sign([normalize.fold(c) for c in contents], kind, size, num_perm, seed, hash_name, max_chars)
    no_body = np.flatnonzero(counts == 0)
    if len(no_body):
        titled = sign([normalize.fold(titles[i]) for i in no_body], kind, size, num_perm, seed, hash_name, max_chars)
        sigs[no_body], counts[no_body] = titled
    return sigs, counts
