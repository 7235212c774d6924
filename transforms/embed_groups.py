"""Stage: one embedding per copy group, with Beam's RunInference.

The model is loaded once per worker process (``load_model`` runs on the
worker, never in the launcher) and fed batches sized by BatchElements.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional, Sequence

import apache_beam as beam
import numpy as np
from apache_beam.ml.inference.base import KeyedModelHandler, ModelHandler, PredictionResult, RunInference

from newsdedup.embedding.model import load_model
from newsdedup.transforms.counting import CountingDoFn, StageCounter


class SentenceTransformerHandler(ModelHandler[str, PredictionResult, Any]):
    """RunInference handler: texts in, L2-normalised float32 embeddings out."""

    def __init__(self, model: str, max_seq_length: int, batch_size: int, prefix: str = ""):
        self._model = model
        self._max_seq_length = max_seq_length
        self._batch_size = batch_size
        self._prefix = prefix

    def load_model(self):
        return load_model(self._model, self._max_seq_length)

    def run_inference(self, batch: Sequence[str], model, inference_args: Optional[dict] = None) -> Iterable[PredictionResult]:
        vectors = model.encode(
            [self._prefix + text for text in batch],
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        ).astype(np.float32)
        return [PredictionResult(text, vector) for text, vector in zip(batch, vectors)]

    def batch_elements_kwargs(self):
        return {"min_batch_size": 1, "max_batch_size": self._batch_size * 8}

    def get_metrics_namespace(self) -> str:
        return "newsdedup_embeddings"


class _Vector(CountingDoFn):
    def __init__(self):
        self.embedded = StageCounter("groups_embedded")

    def process(self, item):
        key, result = item
        self.embedded.inc()
        yield key, result.inference


class EmbedGroups(beam.PTransform):
    """``CopyGroup`` -> ``((copy_group_id, published_at, entities), embedding)`` of its canonical's lead."""

    def __init__(self, stories_config):
        super().__init__()
        cfg = stories_config
        self._handler = KeyedModelHandler(
            SentenceTransformerHandler(cfg.model, cfg.max_seq_length, cfg.batch_size, cfg.query_prefix)
        )

    def expand(self, groups):
        return (
            groups
            | "Text" >> beam.Map(lambda g: ((g.copy_group_id, g.published_at, g.canonical.entities), g.canonical.embed_text))
            | "Infer" >> RunInference(self._handler)
            | "Vector" >> beam.ParDo(_Vector())
        )
