"""Stage: one embedding per copy group, with Beam's RunInference.

The model is loaded once per worker process (``load_model`` runs on the
worker, never in the launcher) and released when idle (``ReleasedWhenIdle``),
so the stages after this one have the worker's memory. Batches are formed
from content, not from bundles: padding a text beside others changes its
embedding in the last bits, and the output must not depend on the runner. Groups are spread over
hash buckets, sorted by length (which also minimises padding) and cut into
``batch_size`` chunks; each chunk is one RunInference example.

Each chunk's vectors go to a file of their own under a scratch folder of
the run (``vectors_dir``, on any Beam filesystem); the records carry its
name. Files are named by the chunk's keys, so a retried bundle rewrites the
same file with the same bytes.
"""

from __future__ import annotations

import hashlib
import zlib
from typing import Any, Iterable, Optional, Sequence

import apache_beam as beam
import numpy as np
from apache_beam.io.filesystems import FileSystems
from apache_beam.ml.inference.base import ModelHandler, PredictionResult, RunInference

from newsdedup.canonical import CanonicalPolicy
from newsdedup.embedding.model import ReleasedWhenIdle, load_model
from newsdedup.records import EmbeddedGroups
from newsdedup.transforms.counting import CountingDoFn, StageCounter
from newsdedup.transforms.scratch import load_arrays, save_arrays

BUCKETS = 64

Chunk = tuple[tuple[Any, str], ...]  # ((key, text), ...)


class SentenceTransformerHandler(ModelHandler[Chunk, PredictionResult, Any]):
    """RunInference handler: a chunk of keyed texts in, L2-normalised float32 embeddings out.

    ``backend`` (``stories.backend``): ``torch`` runs sentence-transformers, ``onnx`` and
    ``onnx-int8`` run the model's ONNX export with ONNX Runtime (``onnx_backend``);
    all three answer ``encode`` alike.
    """

    def __init__(self, model: str, max_seq_length: int, batch_size: int, prefix: str = "", backend: str = "torch",
                 threads: int = 1):
        self._model = model
        self._max_seq_length = max_seq_length
        self._batch_size = batch_size
        self._prefix = prefix
        self._backend = backend
        self._threads = threads

    def load_model(self):
        return ReleasedWhenIdle(lambda: load_model(self._model, self._max_seq_length, self._backend, self._threads))

    def run_inference(self, batch: Sequence[Chunk], model, inference_args: Optional[dict] = None) -> Iterable[PredictionResult]:
        results = []
        for chunk in batch:
            vectors = model.encode(
                [self._prefix + text for _, text in chunk],
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            ).astype(np.float32)
            results.append(PredictionResult(chunk, vectors))
        return results

    def batch_elements_kwargs(self):
        return {"min_batch_size": 1, "max_batch_size": 1}  # each example is already a batch

    def get_metrics_namespace(self) -> str:
        return "newsdedup_embeddings"


def _chunks(item, batch_size: int):
    _, entries = item
    ordered = sorted(entries, key=lambda e: (len(e[1]), e[0][0]))
    for start in range(0, len(ordered), batch_size):
        yield tuple(ordered[start : start + batch_size])


def save_vectors(directory: str, keys: Sequence[str], vectors: np.ndarray) -> str:
    """Write one chunk's vectors as .npy; returns the file's path."""
    name = hashlib.sha1("\n".join(keys).encode()).hexdigest()
    return save_arrays(FileSystems.join(directory, f"{name}.npy"), [np.asarray(vectors, dtype=np.float32)])


def load_vectors(path: str) -> np.ndarray:
    return load_arrays(path, 1)[0]


class _Collect(CountingDoFn):
    def __init__(self, vectors_dir: str):
        self._vectors_dir = vectors_dir
        self.embedded = StageCounter("groups_embedded")

    def process(self, result: PredictionResult):
        self.embedded.inc(len(result.example))
        keys, published_at, entities, ranks = zip(*(key for key, _ in result.example))
        yield EmbeddedGroups(keys, published_at, entities, ranks, save_vectors(self._vectors_dir, keys, result.inference))


class EmbedGroups(beam.PTransform):
    """``CopyGroup`` -> ``EmbeddedGroups``: its canonical's lead embedded, a chunk of groups per record.

    The vectors land in files under ``vectors_dir``, which the caller removes after the run.
    """

    def __init__(self, stories_config, policy: CanonicalPolicy, vectors_dir: str):
        super().__init__()
        cfg = stories_config
        self._policy = policy
        self._vectors_dir = vectors_dir
        self._batch_size = cfg.batch_size
        self._handler = SentenceTransformerHandler(cfg.model, cfg.max_seq_length, cfg.batch_size, cfg.query_prefix,
                                                   cfg.backend, cfg.threads)

    def expand(self, groups):
        batch_size, rank = self._batch_size, self._policy.key
        return (
            groups
            | "Bucket" >> beam.Map(lambda g: (zlib.crc32(g.copy_group_id.encode()) % BUCKETS,
                                              ((g.copy_group_id, g.published_at, g.canonical.entities, rank(g.canonical)),
                                               g.canonical.embed_text)))
            | "Gather" >> beam.GroupByKey()
            | "Chunk" >> beam.FlatMap(_chunks, batch_size)
            | "Infer" >> RunInference(self._handler)
            | "Collect" >> beam.ParDo(_Collect(self._vectors_dir))
        )
