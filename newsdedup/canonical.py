"""Which article stands for a copy group or a story."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Protocol, Sequence, TypeVar


class Candidate(Protocol):
    article_id: str
    source: str
    published_at: Optional[int]
    text_length: int


C = TypeVar("C", bound=Candidate)


@dataclass(frozen=True)
class CanonicalPolicy:
    """Source priority, then earliest publication, then most complete text,
    then the smallest article id, so the choice never depends on input order.

    Sources are matched case-insensitively; a source missing from the list
    ranks after every listed one.
    """

    source_priority: Sequence[str] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_rank", {s.casefold(): i for i, s in enumerate(self.source_priority)})

    def source_rank(self, source: str) -> int:
        return self._rank.get((source or "").casefold(), len(self._rank))  # type: ignore[attr-defined]

    def key(self, c: Candidate) -> tuple:
        undated = c.published_at is None
        return (self.source_rank(c.source), undated, 0 if undated else c.published_at, -c.text_length, c.article_id)

    def choose(self, candidates: Iterable[C]) -> C:
        return min(candidates, key=self.key)

    def earliest_key(self, c: Candidate) -> tuple:
        """Earliest publication first; the source priority, completeness and id
        order what the dates cannot (ties, and articles without a date)."""
        undated = c.published_at is None
        return (undated, 0 if undated else c.published_at, self.source_rank(c.source), -c.text_length, c.article_id)

    def earliest(self, candidates: Iterable[C]) -> C:
        return min(candidates, key=self.earliest_key)
