"""Text normalisation for matching.

Two reprints of one wire story differ in furniture (datelines, credits,
"RELATED:" blocks, photo captions), in case and in Unicode form; none of that
is evidence about whether the stories are copies, so it goes before shingling.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Optional

_WORD = re.compile(r"\w+")
_AGENCY = "{agency}"


def _alternation(agencies: Iterable[str]) -> str:
    """A regex matching any agency name, longest first; matches nothing when there are none."""
    names = sorted({a for a in agencies if a}, key=lambda a: (-len(a), a))
    return "(?:" + "|".join(re.escape(a) for a in names) + ")" if names else "(?!)"


_LEADING_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")


def _from_newline(pattern: str) -> Optional[str]:
    """``pattern`` with its leading ``^`` turned into a literal newline, or None.

    A pattern that starts at a line start makes ``re`` try every position of
    the text; one that starts with a literal character lets it jump from
    newline to newline, three to four times faster on news bodies. Only a
    pattern whose top level starts with ``^`` (not an alternation) is
    rewritten, so the text it removes does not change; at most a newline
    at the edge of a match that starts on an empty line stays.
    """
    flags = _LEADING_FLAGS.match(pattern)
    rest = pattern[flags.end():] if flags else pattern
    if not rest.startswith("^"):
        return None
    if _has_top_level_branch(rest):
        return None  # "^a|^b": the second branch would keep its "^"
    return (flags.group(0) if flags else "") + r"\n" + rest[1:]


def _has_top_level_branch(pattern: str) -> bool:
    """Whether ``pattern`` has a ``|`` outside every group and character class."""
    depth, i = 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 1
        elif char == "[":  # skip the class; a "]" right after "[" or "[^" is a member
            i += 2 if pattern[i + 1 : i + 2] == "^" else 1
            i += 1 if pattern[i : i + 1] == "]" else 0
            while i < len(pattern) and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
        i += 1
    return False


@dataclass(frozen=True)
class FurnitureStripper:
    """Removes wire furniture with regular expressions kept in config.

    A pattern may contain ``{agency}``, replaced by an alternation of the
    configured agency names, so one pattern serves EFE, AP, Reuters, AFP…
    Patterns are applied one after another, each to what the previous left.
    """

    patterns: tuple[tuple[re.Pattern[str], bool], ...]  # (compiled, starts with the newline it keeps)

    @classmethod
    def from_config(cls, patterns: Iterable[str], agencies: Iterable[str]) -> "FurnitureStripper":
        alternation = _alternation(agencies)
        compiled = []
        for pattern in patterns:
            expanded = pattern.replace(_AGENCY, alternation)
            try:
                plain = re.compile(expanded, re.MULTILINE)  # reports a bad pattern as the user wrote it
                fast = _from_newline(expanded)
                compiled.append((re.compile(fast, re.MULTILINE), True) if fast else (plain, False))
            except re.error as err:
                raise ValueError(f"invalid furniture pattern {pattern!r}: {err}") from None
        return cls(tuple(compiled))

    def strip(self, text: str) -> str:
        return self.split(text)[0]

    def split(self, text: str) -> tuple[str, list[str]]:
        """The text without furniture, and the furniture removed (for credit detection)."""
        removed: list[str] = []

        def drop(match: re.Match[str]) -> str:
            removed.append(match.group(0))
            return ""

        def drop_after_newline(match: re.Match[str]) -> str:
            removed.append(match.group(0)[1:])
            return "\n"

        text = "\n" + text  # every line, the first too, now follows a newline
        for pattern, from_newline in self.patterns:
            if from_newline:
                text = pattern.sub(drop_after_newline, text)
            else:
                text = "\n" + pattern.sub(drop, text[1:])
        return text[1:], removed


def credit_pattern(agencies: Iterable[str]) -> re.Pattern[str]:
    """Matches an agency name as a word: furniture that names one credits it."""
    return re.compile(rf"\b{_alternation(agencies)}\b")


_CUT_MARK = re.compile(r"(?:…|\.\.\.)\]?\s*$")
_EDGE_CHARS = 120
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n")


@dataclass(frozen=True)
class ContentProfile:
    """What the edits between a copy and its origin are judged on, without the body."""

    length: int  # characters of body text without furniture, whitespace collapsed
    credited: bool  # an agency is named in furniture, the dateline or a short sign-off
    cut: bool  # the text ends with an ellipsis: cut off by whoever published it


@dataclass(frozen=True)
class Cleaned:
    """A body bounded and stripped of furniture once, for every use that follows.

    Stripping is the costliest per-article step of the copy path (a dozen
    regular expressions over the body); matching text, lead and profile all
    start from it.
    """

    body: str  # the raw body, bounded to what any use reads
    content: str  # without furniture
    furniture: tuple[str, ...]  # what was removed


def clean(body: str, stripper: FurnitureStripper, max_chars: int) -> Cleaned:
    """Bound ``body`` to ``2 * max_chars`` characters (normalising only shrinks text) and strip it."""
    bounded = body[: max_chars * 2]
    content, furniture = stripper.split(bounded)
    return Cleaned(bounded, content, tuple(furniture))


def content_profile(cleaned: Cleaned, credit: re.Pattern[str]) -> ContentProfile:
    """Credits are looked for where wires put them: the furniture, the first
    line's dateline ("COPIAPÓ (Chile), 16 jul (EFE).-") and a short last
    paragraph ("— Reuters"), before which a cut text's ellipsis may stand."""
    body, content, furniture = cleaned.body, cleaned.content, cleaned.furniture
    paragraphs = [p for p in _PARAGRAPH_BREAK.split(content) if p.strip()] or [""]
    short_last = len(paragraphs) > 1 and len(paragraphs[-1]) <= _EDGE_CHARS
    sign_off = paragraphs[-1] if short_last else ""
    return ContentProfile(
        length=len(" ".join(content.split())),
        credited=any(credit.search(place) for place in (*furniture, body[:_EDGE_CHARS], sign_off)),
        cut=any(_CUT_MARK.search(p) for p in paragraphs[-2 if short_last else -1:]),
    )


def fold(text: str) -> str:
    """NFKC and case-folded: the form words are found in (``words``, or the signing kernel)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def words(text: str) -> str:
    """The words of ``text`` (what ``\\w+`` finds), joined by single spaces."""
    return " ".join(_WORD.findall(text))


def normalize(text: str) -> str:
    """NFKC, case-folded, punctuation dropped, words joined by single spaces.

    Idempotent: normalising normalised text changes nothing.
    """
    return words(fold(text))


def matching_text(title: str, cleaned: Cleaned, max_chars: int) -> str:
    """The normalised text copies are compared on: the body without furniture.

    Headlines are rewritten by nearly every outlet that reprints, so they are
    only used when there is no body. ``max_chars`` bounds the cost of
    pathological bodies; copies share their beginning far more than their end.
    The pipeline never builds this text: ``signing.sign_matching`` signs it
    from the folded body.
    """
    text = normalize(cleaned.content) or normalize(title)
    return text[:max_chars].rstrip(" ")  # a cut just after a space must not leave it


def lead(title: str, cleaned: Cleaned, max_chars: int) -> str:
    """Headline plus the first sentences of the body, furniture removed.

    What a reader sees first is what identifies the story; it is what the
    embedding model gets.
    """
    stripped = " ".join(cleaned.content[: max_chars * 2].split())
    text = f"{title.strip()}. {stripped}" if title.strip() else stripped
    if len(text) <= max_chars:
        return text
    cut = text.rfind(" ", 0, max_chars)
    return text[: cut if cut > 0 else max_chars]
