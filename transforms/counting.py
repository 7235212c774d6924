"""Stage counters: a Beam metric (for the manifest) that also feeds live progress."""

from __future__ import annotations

import apache_beam as beam
from apache_beam.metrics import Metrics

from newsdedup import memory, progress

NAMESPACE = "newsdedup"


class StageCounter:
    def __init__(self, name: str):
        self._name = name
        self._metric = Metrics.counter(NAMESPACE, name)

    def inc(self, n: int = 1) -> None:
        self._metric.inc(n)
        progress.report(self._name, n)


class CountingDoFn(beam.DoFn):
    """A DoFn whose progress counts are logged at the end of every bundle.

    Its setup also has the worker process hand freed memory back to the OS
    (``memory.keep_releasing_freed_memory``), once per process.
    """

    def setup(self):
        memory.keep_releasing_freed_memory()

    def finish_bundle(self):
        progress.flush()
