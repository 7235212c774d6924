"""Names and numbers of an article: the evidence that tells look-alike events apart.

Two reports of the same kind of event (a DUI arrest, a rate cut) embed
alike; who was arrested and which rate was cut differ. Capitalised words
that do not open a sentence, and numbers with their separators removed
("1,000" and "1.000" agree), survive translation, so they also tie an
English report to its Spanish version. They travel as sorted 64-bit hashes.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

# A capitalised word preceded by a space that does not follow a sentence end, quote or line start.
_NAME = re.compile(r"(?<![.!?\n\"“«¿¡:])[^\S\n]+([^\W\d_a-zà-ÿ][\w'’-]*)")
_NUMBER = re.compile(r"\d[\d.,]*\d|\d")


def entity_keys(text: str) -> set[str]:
    """Case-folded names and digit-only numbers ('#' prefixed) mentioned in ``text``."""
    names = {m.casefold() for m in _NAME.findall(text) if len(m) > 1}
    numbers = {"#" + re.sub(r"[.,]", "", n) for n in _NUMBER.findall(text)}
    return names | numbers


def entity_hashes(text: str) -> np.ndarray:
    """``entity_keys`` as sorted unique uint64 hashes: compact enough to travel with a copy group."""
    digests = {int.from_bytes(hashlib.blake2b(k.encode("utf-8"), digest_size=8).digest(), "little")
               for k in entity_keys(text)}
    return np.array(sorted(digests), dtype=np.uint64)
