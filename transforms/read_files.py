"""Stage: article files -> validated articles with unique ids, rejects aside: what ``newsdedup run`` feeds ``Deduplicate``."""

from __future__ import annotations

from typing import Optional, Sequence

import apache_beam as beam

from newsdedup.transforms.drop_duplicate_ids import read_unique_articles
from newsdedup.transforms.read import SplitFiles


class ReadArticleFiles(beam.PTransform):
    """Expanded file paths -> ``{"articles": lists of Article, "rejects": Reject}``, the form ``Deduplicate`` takes as read.

    Files are read twice (ids first, then articles; ``drop_duplicate_ids.py``)
    so that no stage has to hold every article while repeated ids are settled.
    """

    def __init__(self, files: Sequence[str], *, input_format: Optional[str] = None, skip: Sequence = ()):
        super().__init__()
        self._files = sorted(files)
        self._input_format = input_format  # every file read as this format (``--format``), whatever its name
        self._skip = list(skip)  # ((file, line), (reason, detail)) dropped into the rejects

    def expand(self, pbegin):
        ranges = pbegin | "SplitFiles" >> SplitFiles(self._files, forced_format=self._input_format)
        articles, rejects = read_unique_articles(ranges, skip=self._skip)
        return {"articles": articles, "rejects": rejects | "ReadRejects" >> beam.Flatten()}
