"""Output tables: their Arrow schemas, in one place so writers and readers agree."""

from __future__ import annotations

import json
from typing import Any, Iterable

import pyarrow as pa

TIMESTAMP = pa.timestamp("us", tz="UTC")

ARTICLES = pa.schema([
    pa.field("article_id", pa.string(), nullable=False),
    pa.field("story_id", pa.string(), nullable=False),
    pa.field("copy_group_id", pa.string(), nullable=False),
    pa.field("is_group_canonical", pa.bool_(), nullable=False),
    pa.field("is_story_canonical", pa.bool_(), nullable=False),
    pa.field("similarity_to_canonical", pa.float64(), nullable=False),
    pa.field("jaccard_to_group_canonical", pa.float64(), nullable=False),
    pa.field("language", pa.string()),
    pa.field("source", pa.string()),
    pa.field("url", pa.string()),
    pa.field("published_at", TIMESTAMP),
    pa.field("title", pa.string()),
])

STORIES = pa.schema([
    pa.field("story_id", pa.string(), nullable=False),
    pa.field("canonical_article_id", pa.string(), nullable=False),
    pa.field("headline", pa.string()),
    pa.field("languages", pa.list_(pa.string())),
    pa.field("sources", pa.list_(pa.string())),
    pa.field("article_count", pa.int64(), nullable=False),
    pa.field("copy_group_count", pa.int64(), nullable=False),
    pa.field("first_published", TIMESTAMP),
    pa.field("last_published", TIMESTAMP),
    pa.field("first_by_language", pa.list_(pa.struct([
        pa.field("language", pa.string()),
        pa.field("article_id", pa.string()),
        pa.field("source", pa.string()),
        pa.field("published_at", TIMESTAMP),
    ]))),
])

COPIES = pa.schema([
    pa.field("copy_group_id", pa.string(), nullable=False),
    pa.field("origin_article_id", pa.string(), nullable=False),
    pa.field("copy_article_id", pa.string(), nullable=False),
    pa.field("origin_source", pa.string()),
    pa.field("copy_source", pa.string()),
    pa.field("lag_seconds", pa.float64()),
    pa.field("similarity", pa.float64(), nullable=False),
    pa.field("containment", pa.float64(), nullable=False),
    pa.field("truncated", pa.bool_(), nullable=False),
    pa.field("headline_changed", pa.bool_(), nullable=False),
    pa.field("credit_removed", pa.bool_(), nullable=False),
])

REJECTS = pa.schema([
    pa.field("file", pa.string(), nullable=False),
    pa.field("line", pa.int64(), nullable=False),
    pa.field("reason", pa.string(), nullable=False),
    pa.field("detail", pa.string()),
    pa.field("raw", pa.string()),
])

TABLES = {"articles": ARTICLES, "stories": STORIES, "copies": COPIES, "rejects": REJECTS}
SORT_KEYS = {"articles": ("article_id",), "stories": ("story_id",), "copies": ("copy_group_id", "copy_article_id"),
             "rejects": ("file", "line", "reason")}


def carried_column(name: str) -> str:
    """Input fields keep their name unless it is one of ours."""
    return f"input_{name}" if name in ARTICLES.names else name


def articles_schema(carried: Iterable[str]) -> pa.Schema:
    """The articles schema plus one string column per carried input field."""
    schema = ARTICLES
    for name in sorted({carried_column(n) for n in carried}):
        schema = schema.append(pa.field(name, pa.string()))
    return schema


def carried_value(value: Any) -> Any:
    """Carried fields are strings: text as is, anything else as JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
