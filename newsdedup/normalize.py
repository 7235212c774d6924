"""Text normalisation for matching.

Two reprints of one wire story differ in furniture (datelines, credits,
"RELATED:" blocks, photo captions), in case and in Unicode form; none of that
is evidence about whether the stories are copies, so it goes before shingling.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

_WORD = re.compile(r"\w+")
_AGENCY = "{agency}"


@dataclass(frozen=True)
class FurnitureStripper:
    """Removes wire furniture with regular expressions kept in config.

    A pattern may contain ``{agency}``, replaced by an alternation of the
    configured agency names, so one pattern serves EFE, AP, Reuters, AFP…
    """

    patterns: tuple[re.Pattern[str], ...]

    @classmethod
    def from_config(cls, patterns: Iterable[str], agencies: Iterable[str]) -> "FurnitureStripper":
        names = sorted({a for a in agencies if a}, key=lambda a: (-len(a), a))
        alternation = "(?:" + "|".join(re.escape(a) for a in names) + ")" if names else "(?!)"
        compiled = []
        for pattern in patterns:
            try:
                compiled.append(re.compile(pattern.replace(_AGENCY, alternation), re.MULTILINE))
            except re.error as err:
                raise ValueError(f"invalid furniture pattern {pattern!r}: {err}") from None
        return cls(tuple(compiled))

    def strip(self, text: str) -> str:
        for pattern in self.patterns:
            text = pattern.sub("", text)
        return text


def normalize(text: str) -> str:
    """NFKC, case-folded, punctuation dropped, words joined by single spaces.

    Idempotent: normalising normalised text changes nothing.
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(_WORD.findall(folded))


def matching_text(title: str, body: str, stripper: FurnitureStripper, max_chars: int) -> str:
    """The normalised text copies are compared on: the body without furniture.

    Headlines are rewritten by nearly every outlet that reprints, so they are
    only used when there is no body. ``max_chars`` bounds the cost of
    pathological bodies; copies share their beginning far more than their end.
    """
    text = normalize(stripper.strip(body[: max_chars * 2]))
    if not text:
        text = normalize(title)
    return text[:max_chars]


def lead(title: str, body: str, stripper: FurnitureStripper, max_chars: int) -> str:
    """Headline plus the first sentences of the body, furniture removed.

    What a reader sees first is what identifies the story; it is what the
    embedding model gets.
    """
    stripped = " ".join(stripper.strip(body).split())
    text = f"{title.strip()}. {stripped}" if title.strip() else stripped
    if len(text) <= max_chars:
        return text
    cut = text.rfind(" ", 0, max_chars)
    return text[: cut if cut > 0 else max_chars]
