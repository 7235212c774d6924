"""Input records: parsing, validation, and what the later stages carry."""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Optional, Union

import numpy as np

from newsdedup.html import html_to_text
from newsdedup.language import normalize_tag
from newsdedup.normalize import Cleaned, ContentProfile

KNOWN_FIELDS = ("id", "source", "url", "language", "published_at", "title", "body")


@dataclass(frozen=True)
class Article:
    """An accepted input article. ``published_at`` is microseconds since the epoch, UTC."""

    article_id: str
    source: str
    url: Optional[str]
    language: Optional[str]
    published_at: Optional[int]
    title: str
    body: str
    extra: tuple[tuple[str, Any], ...] = ()
    origin: str = ""  # "file:line", for error messages

    @property
    def text_length(self) -> int:
        return len(self.body) or len(self.title)


@dataclass(frozen=True)
class Reject:
    file: str
    line: int
    reason: str
    detail: str
    raw: str


@dataclass(frozen=True)
class Signed:
    """An article after the copy path's own work: its signature, and the stripped body the later features start from."""

    article: Article
    cleaned: Cleaned
    signature: Optional[np.ndarray] = field(default=None, compare=False)  # None: no shingles
    # Shingles signed, repeats counted (the kernel does not de-duplicate; news text repeats few word
    # n-grams, so this is about the set size): with the signature, containment can be estimated.
    shingles: int = 0

    @property
    def article_id(self) -> str:
        return self.article.article_id


@dataclass(frozen=True)
class Member:
    """What the grouping stages need of an article; the body is left behind."""

    article_id: str
    source: str
    url: Optional[str]
    language: str
    published_at: Optional[int]
    title: str
    text_length: int
    embed_text: str
    extra: tuple[tuple[str, Any], ...] = ()
    signature: Optional[np.ndarray] = field(default=None, compare=False)
    profile: Optional[ContentProfile] = None  # for the edits a copy made to its origin
    entities: Optional[np.ndarray] = field(default=None, compare=False)  # entities.entity_hashes
    shingles: int = 0  # distinct shingles signed (Signed.shingles)

    def __reduce__(self):
        """Pickled as a tuple, arrays as raw bytes: a runner holds a million of them before grouping."""
        profile = None if self.profile is None else (self.profile.length, self.profile.credited, self.profile.cut)
        return _member, (self.article_id, self.source, self.url, self.language, self.published_at, self.title,
                         self.text_length, self.embed_text, self.extra, _raw(self.signature), profile,
                         _raw(self.entities), self.shingles)


def _raw(array: Optional[np.ndarray]) -> Optional[tuple[str, bytes]]:
    return None if array is None else (array.dtype.str, array.tobytes())


def _array(raw: Optional[tuple[str, bytes]]) -> Optional[np.ndarray]:
    return None if raw is None else np.frombuffer(raw[1], raw[0])


def _member(article_id, source, url, language, published_at, title, text_length, embed_text, extra, signature,
            profile, entities, shingles) -> Member:
    return Member(article_id, source, url, language, published_at, title, text_length, embed_text, extra,
                  _array(signature), None if profile is None else ContentProfile(*profile), _array(entities), shingles)


class RecordError(ValueError):
    """A record that cannot be accepted; ``reason`` is a short stable code."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class SkippedRecord(RecordError):
    """Not an article (a WARC redirect, a picture item): counted by reason, neither accepted nor rejected."""


_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y")


def _parse_date_text(value: str) -> datetime:
    """ISO 8601; failing that, RFC 2822 (feeds) or an English "March 01, 2008" dateline."""
    text = value.strip()
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            pass
    raise RecordError("bad_date", f"published_at is not an ISO 8601 date: {value!r}")


def parse_datetime(value: Any) -> Optional[int]:
    """A date (ISO 8601, RFC 2822, English dateline, epoch seconds) to microseconds UTC.

    Times without a zone are taken as UTC.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, bool):
        raise RecordError("bad_date", f"published_at must be a date, got {value!r}")
    elif isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise RecordError("bad_date", f"published_at is not a finite number: {value!r}")
        try:
            moment = datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise RecordError("bad_date", f"published_at is out of range: {value!r}") from None
    elif isinstance(value, str):
        moment = _parse_date_text(value)
    else:
        raise RecordError("bad_date", f"published_at must be a string, got {type(value).__name__}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    delta = moment - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def repaired(text: str) -> str:
    """A lone surrogate (JSON's ``"\\ud800"`` decodes to one) as U+FFFD: no UTF-8 encoder takes it, Beam's and
    Parquet's included, and one such record took the whole run down."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def _text(record: dict, name: str) -> str:
    value = record.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordError("bad_type", f"{name} must be a string, got {type(value).__name__}")
    return repaired(value)


def _optional_text(record: dict, name: str) -> Optional[str]:
    return _text(record, name).strip() or None


def _carried(value: Any) -> Any:
    """Extra fields travel as JSON-able values; NaN (pandas' missing) becomes None."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (datetime,)):
        return value.isoformat()
    if isinstance(value, str):
        return repaired(value)
    if isinstance(value, (list, dict)):
        return json.loads(repaired(json.dumps(value, ensure_ascii=False, default=str)))
    return value


def record_id(record: Any) -> str:
    """The article id of one decoded record, as ``parse_article`` accepts it; raises RecordError."""
    if not isinstance(record, dict):
        raise RecordError("not_an_object", f"expected a JSON object, got {type(record).__name__}")
    raw_id = record.get("id")
    if raw_id is None or (isinstance(raw_id, str) and not raw_id.strip()):
        raise RecordError("missing_id", "the record has no id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int)):
        raise RecordError("bad_type", f"id must be a string or an integer, got {type(raw_id).__name__}")
    return repaired(str(raw_id).strip())


RETRACTING = ("canceled", "cancelled", "withheld")  # pubStatus values that retract a wire item


def retraction(record: dict) -> bool:
    """A canceled or withheld wire item: often empty, it still retracts its item (``newsdedup.versions``)."""
    return str(record.get("pub_status") or "").lower() in RETRACTING


def parse_article(record: Any, origin: str = "") -> Article:
    """Validate one decoded record; raises RecordError naming what is wrong."""
    article_id = record_id(record)
    if "title" not in record and "body" not in record and not retraction(record):
        fields = ", ".join(sorted(map(str, record))[:12])
        raise RecordError("missing_text", f"the record has neither a title nor a body field (fields: {fields})")
    title, body = html_to_text(_text(record, "title")), html_to_text(_text(record, "body"))
    if not title.strip() and not body.strip() and not retraction(record):
        raise RecordError("empty_text", "both title and body are empty")
    language = _optional_text(record, "language")
    if language is not None:
        language = normalize_tag(language)
    extra = tuple(sorted((k, _carried(v)) for k, v in record.items() if k not in KNOWN_FIELDS))
    return Article(
        article_id=article_id,
        source=_text(record, "source").strip(),
        url=_optional_text(record, "url"),
        language=language,
        published_at=parse_datetime(record.get("published_at")),
        title=title,
        body=body,
        extra=extra,
        origin=origin,
    )


def article_origin(article: Article) -> tuple[str, int]:
    """(file, line) an article was read from."""
    path, _, line = article.origin.rpartition(":")
    return path, int(line) if line.isdigit() else 0


def article_raw(article: Article) -> str:
    """An accepted article as a record again, for the rejects table."""
    return raw_text({"id": article.article_id, "source": article.source, "url": article.url,
                     "language": article.language, "published_at": article.published_at,
                     "title": article.title, "body": article.body, **dict(article.extra)})


def record_digest(raw: str) -> str:
    """The content digest repeated ids, resends and seen articles are decided on: the same text, the same digest."""
    return hashlib.blake2b(raw.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def raw_text(record: Union[dict, str, bytes]) -> str:
    """The raw record as text, for the rejects table."""
    if isinstance(record, bytes):
        return record.decode("utf-8", errors="replace")
    if isinstance(record, str):
        return repaired(record)
    return repaired(json.dumps(record, ensure_ascii=False, sort_keys=True, default=str))


@dataclass(frozen=True)
class CopyGroup:
    """Articles that are copies of one another, with the one that stands for them."""

    copy_group_id: str
    canonical: Member
    members: tuple[tuple[Member, float], ...]  # (member, estimated Jaccard to the canonical), by id
    published_at: Optional[int]  # earliest known publication in the group
    copies: tuple = ()  # newsdedup.copies.Copy: who copied whom, by copy id


@dataclass(frozen=True)
class EmbeddedGroups:
    """Copy groups with their embeddings, one RunInference chunk per record.

    Story clustering gathers every group in one worker: a record per chunk,
    rather than a tuple per group, keeps that worker's copy small. The
    vectors themselves wait in a file (``vectors_file``), read straight
    into the clustering array: through a runner's data plane they would
    be copied three or four times on each side (0.9 GiB each at 1M articles).
    """

    keys: tuple[str, ...]  # copy_group_id
    published_at: tuple[Optional[int], ...]  # the group's earliest, microseconds
    entities: tuple[Optional[np.ndarray], ...]  # the canonical's, entities.entity_hashes
    ranks: tuple[tuple, ...]  # the canonical's CanonicalPolicy.key: a story's lead is its smallest
    vectors_file: str  # .npy of (len(keys), dim) float32, L2-normalised, in key order
