"""The copy path alone (read -> normalise -> sign -> band -> group -> link) as a Beam job.

Used by the benchmark to measure docs/s of the copy-detection half of the
pipeline on DirectRunner, beside a straightforward per-element job (one
datasketch MinHash per article, one shuffle record per band) as the baseline.

Usage: python benchmarks/copy_path.py {ours,described,baseline} FILE... [--workers 2]
("described" adds the story features the full pipeline computes in the same pass).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from functools import partial

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from datasketch import MinHash, MinHashLSH

from newsdedup.memory import keep_releasing_freed_memory
from newsdedup.normalize import FurnitureStripper, clean, matching_text
from newsdedup.pipeline.config import Config
from newsdedup.pipeline.data_plane_fix import stream_stage_inputs
from newsdedup.pipeline.options import runner_for
from newsdedup.shingle import shingles
from newsdedup.transforms.describe import Describe
from newsdedup.transforms.drop_duplicate_ids import read_unique_articles
from newsdedup.transforms.find_copies import FindCopyPairs
from newsdedup.transforms.fingerprint import Fingerprint
from newsdedup.transforms.link_copies import LinkCopies
from newsdedup.transforms.read import ReadArticles, SplitFiles

def ours(p: beam.Pipeline, files, config: Config, scratch: str, described: bool = False):
    ranges = p | "Split" >> SplitFiles(files)
    articles, _ = read_unique_articles(ranges)
    signed = (articles | "Fingerprint" >> Fingerprint(config)).signed
    if described:  # with the story features the full pipeline computes in the same pass
        signed = (signed | "Describe" >> Describe(config)).members
    roots = signed | "Pairs" >> FindCopyPairs(config.copies, scratch) | "Link" >> LinkCopies()
    return roots | "Count" >> beam.combiners.Count.Globally()


class _NaiveBands(beam.DoFn):
    def __init__(self, config: Config):
        self._config = config

    def setup(self):
        norm, copies = self._config.normalize, self._config.copies
        self._stripper = FurnitureStripper.from_config(norm.furniture_patterns, norm.agencies)
        lsh = MinHashLSH(threshold=copies.threshold, num_perm=copies.num_perm)
        self._bands, self._rows = lsh.b, lsh.r

    def process(self, article):
        cfg = self._config.copies
        max_chars = self._config.normalize.max_chars
        text = matching_text(article.title, clean(article.body, self._stripper, max_chars), max_chars)
        m = MinHash(num_perm=cfg.num_perm, seed=cfg.seed)
        m.update_batch(shingles(text, cfg.shingle_kind, cfg.shingle_size))
        for band in range(self._bands):
            yield (band, m.hashvalues[band * self._rows : (band + 1) * self._rows].tobytes()), (article.article_id, m.hashvalues)


def _naive_pairs(item, threshold):
    members = sorted(item[1], key=lambda m: m[0])
    for i, (a, sa) in enumerate(members):
        for b, sb in members[:i]:
            j = float((sa == sb).mean())
            if j >= threshold:
                yield b, a, j


def baseline(p: beam.Pipeline, files, config: Config, scratch: str):
    """A straightforward job: per-article MinHash, one shuffle record per band."""
    read = p | "Split" >> SplitFiles(files) | "Read" >> ReadArticles()
    pairs = (
        read.articles
        | "Articles" >> beam.FlatMap(lambda batch: batch)
        | "Bands" >> beam.ParDo(_NaiveBands(config))
        | "Buckets" >> beam.GroupByKey()
        | "Verify" >> beam.FlatMap(_naive_pairs, config.copies.threshold)
        | "Distinct" >> beam.Distinct()
        | "AsLists" >> beam.Map(lambda pair: [pair])
    )
    return pairs | "Link" >> LinkCopies() | "Count" >> beam.combiners.Count.Globally()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("job", choices=("ours", "described", "baseline"))
    parser.add_argument("files", nargs="+")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    options = PipelineOptions(["--runner=DirectRunner", "--direct_running_mode=multi_processing",
                               f"--direct_num_workers={args.workers}", "--default_sdk_harness_log_level=WARNING"])
    build = {"ours": ours, "described": partial(ours, described=True), "baseline": baseline}[args.job]
    stream_stage_inputs()
    keep_releasing_freed_memory()  # as newsdedup run does
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="copy-path-") as scratch, \
            beam.Pipeline(runner=runner_for(options), options=options) as p:
        build(p, args.files, Config(), scratch)
    print(f"pipeline_seconds {time.perf_counter() - started:.3f}")


if __name__ == "__main__":
    main()
