"""The newsdedup pipeline graph: stages composed, nothing computed here."""

from __future__ import annotations

from functools import partial
from typing import Sequence

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from newsdedup.assemble import copy_rows, reject_row
from newsdedup.canonical import CanonicalPolicy
from newsdedup.schema import SORT_KEYS, articles_schema
from newsdedup import schema as schemas
from newsdedup.pipeline.config import Config
from newsdedup.transforms.assemble_stories import AssembleStories
from newsdedup.transforms.cluster_stories import ClusterStories
from newsdedup.transforms.describe import Describe
from newsdedup.transforms.drop_duplicate_ids import read_unique_articles
from newsdedup.transforms.embed_groups import EmbedGroups
from newsdedup.transforms.find_copies import FindCopyPairs
from newsdedup.transforms.fingerprint import Fingerprint
from newsdedup.transforms.group_copies import GroupCopies
from newsdedup.transforms.link_copies import LinkCopies
from newsdedup.transforms.read import SplitFiles
from newsdedup.transforms.write_tables import WriteTable


def _fixed_schema(table: str, _extra: Sequence[str] = ()):
    return schemas.TABLES[table]


@beam.ptransform_fn
def CarriedFields(members):  # noqa: N802 - a PTransform
    """The sorted names of the input fields carried through to ``articles``."""
    return (
        members
        | "FieldNames" >> beam.FlatMap(lambda m: [name for name, _ in m.extra])
        | "Distinct" >> beam.Distinct()
        | "Sorted" >> beam.combiners.ToList()
        | "Sort" >> beam.Map(sorted)
    )


def scratch_directory(directory: str) -> str:
    """Where stages leave files for later stages (signature blocks, group vectors); removed before the output is committed."""
    return FileSystems.join(directory, "_scratch")


def build(p: beam.Pipeline, files: Sequence[str], config: Config, directory: str, metadata: dict) -> None:
    """Add the whole job to ``p``; tables land under ``directory``, scratch files under ``scratch_directory``."""
    policy = CanonicalPolicy(config.canonical.source_priority)
    ranges = p | "SplitFiles" >> SplitFiles(files)
    articles, read_rejects = read_unique_articles(ranges)
    signed = articles | "Fingerprint" >> Fingerprint(config)
    described = signed.signed | "Describe" >> Describe(config)
    blocks = FileSystems.join(scratch_directory(directory), "signatures")
    roots = described.members | "FindCopyPairs" >> FindCopyPairs(config.copies, blocks) | "LinkCopies" >> LinkCopies()
    members = described.members | "Members" >> beam.FlatMap(lambda batch: batch)
    groups = {"members": members, "roots": roots} | "GroupCopies" >> GroupCopies(policy, contained=config.copies.containment)
    vectors = FileSystems.join(scratch_directory(directory), "vectors")
    stories = groups | "EmbedGroups" >> EmbedGroups(config.stories, policy, vectors) | "ClusterStories" >> ClusterStories(
        config.stories)
    rows = {"groups": groups, "stories": stories} | "AssembleStories" >> AssembleStories(policy)
    rejects = (*read_rejects, signed.rejects, described.rejects) | "AllRejects" >> beam.Flatten() | "RejectRows" >> beam.Map(reject_row)

    shards = config.output.shards
    carried = members | "CarriedFields" >> CarriedFields()
    rows.articles | "WriteArticles" >> WriteTable(
        directory, "articles", articles_schema, SORT_KEYS["articles"], shards, metadata, extra_columns=carried)
    rows.stories | "WriteStories" >> WriteTable(
        directory, "stories", partial(_fixed_schema, "stories"), SORT_KEYS["stories"], shards, metadata)
    groups | "CopyRows" >> beam.FlatMap(copy_rows) | "WriteCopies" >> WriteTable(
        directory, "copies", partial(_fixed_schema, "copies"), SORT_KEYS["copies"], shards, metadata)
    rejects | "WriteRejects" >> WriteTable(
        directory, "rejects", partial(_fixed_schema, "rejects"), SORT_KEYS["rejects"], shards, metadata)
