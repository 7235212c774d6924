"""``Deduplicate``: the whole job as one composite PTransform, for ``newsdedup run`` and for people's own pipelines.

Its input is a PCollection of article dicts (the fields of a JSONL line), or
what ``ReadArticleFiles`` reads: then validation and repeated ids were
settled while reading. Its output is the four tables as PCollections of row
dicts, the rows ``newsdedup run`` writes to Parquet.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from dataclasses import dataclass
from typing import Optional, Union

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import GoogleCloudOptions
from apache_beam.transforms.util import WaitOn

from newsdedup.assemble import copy_rows, reject_row
from newsdedup.canonical import CanonicalPolicy
from newsdedup.pipeline.config import Config, config_from
from newsdedup.pipeline.data_plane_fix import stream_stage_inputs
from newsdedup.transforms.assemble_stories import AssembleStories
from newsdedup.transforms.cluster_stories import ClusterStories
from newsdedup.transforms.describe import Describe
from newsdedup.transforms.embed_groups import EmbedGroups
from newsdedup.transforms.find_copies import FindCopyPairs
from newsdedup.transforms.fingerprint import Fingerprint
from newsdedup.transforms.group_copies import GroupCopies
from newsdedup.transforms.link_copies import LinkCopies
from newsdedup.transforms.scratch import remove_tree
from newsdedup.transforms.validate import ValidateArticles


@dataclass(frozen=True)
class DeduplicateResult:
    """The four tables of a run, as PCollections of row dicts (columns as in README "Output").

    ``carried_fields``: one element, the sorted names of the input fields
    carried through to ``articles`` (the extra columns of its schema).
    """

    articles: beam.PCollection
    stories: beam.PCollection
    copies: beam.PCollection
    rejects: beam.PCollection
    carried_fields: beam.PCollection


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


class Deduplicate(beam.PTransform):
    """Articles -> copies, stories and canonicals: a ``DeduplicateResult``.

    ``config``: a ``Config``, a dict of its sections, a YAML file's path, or
    None for the defaults. ``scratch``: a folder on a filesystem every worker
    reaches, for the arrays stages pass through files (signature blocks,
    vectors); by default a fresh folder under the pipeline's
    ``--temp_location``, else under the local temporary folder (enough for
    one machine). Deduplicate removes what it wrote there once the stories
    are assembled.
    """

    def __init__(self, config: Union[Config, dict, str, os.PathLike, None] = None, *, scratch: Optional[str] = None,
                 source_name: str = "input"):
        super().__init__()
        self.config = config_from(config)
        self._scratch = scratch
        self._source_name = source_name

    def _scratch_folder(self, pipeline) -> str:
        if self._scratch is not None:
            return self._scratch
        base = pipeline.options.view_as(GoogleCloudOptions).temp_location or tempfile.gettempdir()
        return FileSystems.join(base, f"newsdedup-{uuid.uuid4().hex}")

    def expand(self, articles) -> DeduplicateResult:
        if isinstance(articles, dict):  # ReadArticleFiles: validated while read
            batches, read_rejects = articles["articles"], articles["rejects"]
            pipeline = batches.pipeline
        else:
            checked = articles | "ValidateArticles" >> ValidateArticles(self._source_name)
            batches, read_rejects = checked["articles"], checked["rejects"]
            pipeline = articles.pipeline
        stream_stage_inputs()  # else DirectRunner, if it runs this, drops elements of large stage inputs
        config = self.config
        scratch = self._scratch_folder(pipeline)
        policy = CanonicalPolicy(config.canonical.source_priority)

        signed = batches | "Fingerprint" >> Fingerprint(config)
        described = signed.signed | "Describe" >> Describe(config)
        roots = (described.members
                 | "FindCopyPairs" >> FindCopyPairs(config.copies, FileSystems.join(scratch, "signatures"))
                 | "LinkCopies" >> LinkCopies())
        members = described.members | "Members" >> beam.FlatMap(lambda batch: batch)
        groups = {"members": members, "roots": roots} | "GroupCopies" >> GroupCopies(policy, contained=config.copies.containment)
        stories = (groups
                   | "EmbedGroups" >> EmbedGroups(config.stories, policy, FileSystems.join(scratch, "vectors"))
                   | "ClusterStories" >> ClusterStories(config.stories))
        rows = {"groups": groups, "stories": stories} | "AssembleStories" >> AssembleStories(policy)
        rejects = ((read_rejects, signed.rejects, described.rejects)
                   | "AllRejects" >> beam.Flatten()
                   | "RejectRows" >> beam.Map(reject_row))
        copies = groups | "CopyRows" >> beam.FlatMap(copy_rows)
        _ = (pipeline
             | "ScratchUsed" >> beam.Create([None])
             | "AfterStories" >> WaitOn(rows.stories)
             | "RemoveScratch" >> beam.Map(lambda _, folder: remove_tree(folder), scratch))
        return DeduplicateResult(articles=rows.articles, stories=rows.stories, copies=copies, rejects=rejects,
                                 carried_fields=members | "CarriedFields" >> CarriedFields())
