"""Language identification for articles that arrive without a language.

py3langid: langid.py's model (97 languages) shipped inside the package, so it
runs offline; it is fast, deterministic and small, which matters because it
runs once per article without a language tag.
"""

from __future__ import annotations

import re
from functools import lru_cache

UNDETERMINED = "und"
_LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE)


def detect(text: str, min_chars: int = 20) -> str:
    """ISO 639-1 code of ``text``, or ``und`` when there is too little to tell."""
    if len(text.strip()) < min_chars:
        return UNDETERMINED
    lang, _prob = _identifier().classify(text[:5000])
    return lang


def normalize_tag(tag: str) -> str | None:
    """``en-US`` -> ``en``; None for something that is not a language tag."""
    tag = tag.strip()
    if not _LANG_TAG.match(tag):
        return None
    return re.split(r"[-_]", tag)[0].lower()
