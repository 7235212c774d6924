"""Which record of an id stands: versions of one wire item, resends, retractions, repeated ids.

A wire item is re-sent as it changes, under one version-free id (NewsML-G2
``guid``, ninjs ``uri``, NewsML 1.2's identifier without its revision, a
page's URL). Of the records sharing an id, the newest stands: highest
``version`` (a number), then latest ``version_created``; among equals, the
smallest digest of the raw record (content decides, never file order, so the
choice is the same for any file order or worker count). The others go to
rejects: ``superseded`` (an older version, naming the newer), ``resend``
(the same version sent again, identical), ``duplicate_id`` (identical, no
version), ``duplicate_id_conflict`` (same version or none, other content).
When the newest version is canceled or withheld, every version is
``retracted``. A correction is a newer version like any other.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, NamedTuple, Optional

from newsdedup.records import RETRACTING, RecordError, parse_datetime


class Entry(NamedTuple):
    """One record's claim to an id; ``version`` -1 and ``created`` -1 when not given."""

    article_id: str
    version: int
    created: int
    digest: str
    file: str
    line: int
    status: str = ""  # pubStatus, lower case
    versioned: bool = False  # the record names a version or version time

    def rank(self) -> tuple:
        """Smallest first: newest version, latest creation, then smallest digest and position."""
        return (-self.version, -self.created, self.digest, self.file, self.line)


def _version(value: Any) -> int:
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() else -1


def _created(value: Any) -> int:
    try:
        moment: Optional[int] = parse_datetime(value)
    except RecordError:
        moment = None
    return -1 if moment is None else moment


def entry(article_id: str, record: dict, digest: str, file: str, line: int) -> Entry:
    version, created = record.get("version"), record.get("version_created")
    return Entry(article_id, _version(version), _created(created), digest, file, line,
                 str(record.get("pub_status") or "").lower(), version is not None or created is not None)


def _label(e: Entry) -> str:
    return f"version {e.version}" if e.version >= 0 else "the version"


def decide(same_id: list[Entry]) -> Iterator[tuple[Entry, tuple[str, str]]]:
    """``(entry, (reason, detail))`` for every record of one id that does not stand (the entries given, not copies)."""
    kept, *others = sorted(same_id, key=Entry.rank)
    where = f"{kept.file}:{kept.line}"
    if kept.status in RETRACTING:
        for e in (kept, *others):
            detail = f"item {kept.article_id!r} was {kept.status} by {_label(kept)} ({where})"
            yield e, ("retracted", detail)
        return
    for e in others:
        if (e.version, e.created) != (kept.version, kept.created):
            detail = f"{_label(e)} of item {e.article_id!r} is superseded by {_label(kept)} from {where}"
            yield e, ("superseded", detail)
        elif e.digest == kept.digest:
            reason = "resend" if e.versioned else "duplicate_id"
            yield e, (reason, f"id {e.article_id!r} already used; this record is identical to the one kept "
                              f"from {where}")
        else:
            yield e, ("duplicate_id_conflict", f"id {e.article_id!r} already used; this record differs from the "
                                               f"one kept from {where}")


def decisions(entries: Iterable[Entry]) -> Iterator[tuple[tuple[str, int], tuple[str, str]]]:
    """``decide`` for every id among ``entries`` that repeats or is retracted."""
    by_id: dict[str, list[Entry]] = {}
    for e in entries:
        by_id.setdefault(e.article_id, []).append(e)
    for same_id in by_id.values():
        if len(same_id) > 1 or same_id[0].status in RETRACTING:
            for e, decision in decide(same_id):
                yield (e.file, e.line), decision
