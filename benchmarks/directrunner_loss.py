"""Reproduce DirectRunner losing elements of a large buffered PCollection.

No newsdedup code in the job: Create | Reshuffle | FlatMap makes SEEDS x PER_SEED elements of
SIZE bytes, and a second stage reads them back next to a side input (as GroupCopies does). The
two counters should match; in `multi_processing` mode they do not once the buffer reaches about
1 GB, unless `--fix` first applies newsdedup's fix (pipeline/data_plane_fix.py).

    python benchmarks/directrunner_loss.py 100 10000 2000 [--fix] [beam options...]
"""
import sys
import time

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.options.pipeline_options import PipelineOptions

from newsdedup.pipeline.data_plane_fix import stream_stage_inputs

MADE = Metrics.counter("loss", "made")
READ = Metrics.counter("loss", "read")


def main(argv):
    seeds, per_seed, size = (int(a) for a in argv[:3])
    beam_args = argv[3:]
    if "--fix" in beam_args:
        beam_args.remove("--fix")
        stream_stage_inputs()
    options = PipelineOptions(["--runner=DirectRunner", "--direct_running_mode=multi_processing",
                               "--direct_num_workers=2"] + beam_args)

    def make(seed):
        for j in range(per_seed):
            MADE.inc()
            yield seed * per_seed + j, b"x" * size

    def read_back(element, total):
        READ.inc()
        return element[0]

    started = time.time()
    with beam.Pipeline(options=options) as p:
        big = p | beam.Create(list(range(seeds))) | beam.Reshuffle() | beam.FlatMap(make)
        total = big | "Total" >> beam.combiners.Count.Globally()
        _ = big | "ReadBack" >> beam.Map(read_back, total=beam.pvalue.AsSingleton(total))
    counters = {c.key.metric.name: c.committed for c in p.result.metrics().query()["counters"]}
    print(f"made {counters['made']:,} read {counters['read']:,} "
          f"expected {seeds * per_seed:,} in {time.time() - started:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
