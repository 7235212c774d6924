"""Names and numbers of an article: the evidence that tells look-alike events apart.

Two reports of the same kind of event (a DUI arrest, a rate cut) embed
alike; who was arrested and which rate was cut differ. Capitalised words
that do not open a sentence, and numbers with their separators removed
("1,000" and "1.000" agree), survive translation, so they also tie an
English report to its Spanish version. They travel as sorted 64-bit hashes
whose top bits name the script the name is written in (``SCRIPT_SHIFT``), so
names that cannot be compared (a Chinese and a Russian report of one event)
can be told from names that differ.
"""

from __future__ import annotations

import bisect
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


SCRIPT_SHIFT = 60  # hash bits above this one: the script class (0: numbers)
_SCRIPTS = (  # (first code point past the block, class); blocks in order, anything else 15
    (0x0030, 15), (0x003A, 0), (0x0370, 1), (0x0400, 3), (0x0530, 2), (0x0590, 15), (0x0600, 5), (0x0780, 4),
    (0x0900, 15), (0x0E00, 6), (0x0E80, 9), (0x1E00, 15), (0x1F00, 1), (0x2000, 3), (0x2E80, 15), (0xA000, 7),
    (0xAC00, 15), (0xD7B0, 8), (0xFB50, 15), (0xFE00, 4), (0xFE70, 15), (0xFF00, 4),
)
_SCRIPT_ENDS = [end for end, _ in _SCRIPTS]


def script_class(key: str) -> int:
    """0 numbers, 1 Latin, 2 Cyrillic, 3 Greek, 4 Arabic, 5 Hebrew, 6 Indic, 7 CJK, 8 Hangul, 9 Thai, 15 other:
    the block of the key's first character (numbers start with '#')."""
    if key.startswith("#"):
        return 0
    at = bisect.bisect_right(_SCRIPT_ENDS, ord(key[0]))
    return _SCRIPTS[at][1] if at < len(_SCRIPTS) else 15


def entity_hashes(text: str) -> np.ndarray:
    """``entity_keys`` as sorted unique uint64 hashes, each key's ``script_class`` in the top bits:
    compact enough to travel with a copy group."""
    low = (1 << SCRIPT_SHIFT) - 1
    digests = {(script_class(k) << SCRIPT_SHIFT)
               | (int.from_bytes(hashlib.blake2b(k.encode("utf-8"), digest_size=8).digest(), "little") & low)
               for k in entity_keys(text)}
    return np.array(sorted(digests), dtype=np.uint64)


def name_script(hashes: np.ndarray) -> int:
    """The script most of an item's names are written in (ties: the smaller class); 0 when it names only numbers."""
    classes = (np.asarray(hashes, dtype=np.uint64) >> np.uint64(SCRIPT_SHIFT)).astype(np.int64)
    classes = classes[classes > 0]
    return int(np.bincount(classes).argmax()) if len(classes) else 0
