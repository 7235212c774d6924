"""Finding and loading the sentence-transformers model, offline."""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Optional

from newsdedup import memory

MODEL_HOME = Path(sys.prefix) / "share" / "newsdedup" / "models"


class ModelNotFound(FileNotFoundError):
    pass


def resolve_model(name: str) -> str:
    """A model path, an installed model name, or a sentence-transformers hub name.

    Installed models live under ``<venv>/share/newsdedup/models`` (``make
    install`` converts multilingual-e5-small there). A hub name is only
    loaded from the local cache: newsdedup never downloads at run time.
    """
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path.resolve())
    installed = MODEL_HOME / name
    if installed.is_dir():
        return str(installed)
    if path.is_absolute() or name.startswith((".", "~")) or name.count("/") > 1:
        raise ModelNotFound(f"model folder {name} does not exist")
    return name


BACKENDS = ("torch", "onnx", "onnx-int8")


def check_backend(resolved: str, backend: str) -> None:
    """Fail early, in the launcher, when an ONNX backend was asked for and not exported."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown embedding backend {backend!r}; one of {', '.join(BACKENDS)}")
    if backend == "torch":
        return
    from newsdedup.embedding.onnx_backend import onnx_file

    path = onnx_file(resolved, backend)
    if not path.is_file():
        raise ModelNotFound(f"model {resolved} has no {backend} export ({path} is missing); run `make install`, "
                            f"or python -m newsdedup.embedding.onnx_backend {resolved}")


def load_model(name: str, max_seq_length: int, backend: str = "torch", threads: int = 1):
    """A model whose ``encode`` gives L2-normalised embeddings, loaded offline.

    ``torch``: sentence-transformers on PyTorch, fp32. ``onnx`` / ``onnx-int8``:
    the same model exported to ONNX by ``make install`` (``onnx_backend``), run by
    ONNX Runtime in fp32 or with dynamic int8 weights, on ``threads`` threads
    (0: one per core; 1 by default, as runners start one worker process per core).
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    resolved = resolve_model(name)
    if backend != "torch":
        from newsdedup.embedding.onnx_backend import OnnxEncoder

        check_backend(resolved, backend)
        return OnnxEncoder(resolved, backend, max_seq_length, threads)

    from sentence_transformers import SentenceTransformer

    try:
        model = SentenceTransformer(resolved, device="cpu")
    except OSError as err:
        raise ModelNotFound(f"cannot load model {name!r} offline ({err.__class__.__name__}); "
                            "give a local sentence-transformers folder or run `make install`") from None
    model.max_seq_length = max_seq_length
    return model


IDLE_SECONDS = 10.0


class ReleasedWhenIdle:
    """A model that lets go of its weights after ``idle_seconds`` unused, and reloads them when next asked.

    Beam keeps a RunInference model for the life of the worker process (its
    shared-object cache holds the last one acquired; apache/beam#21443), and a
    DirectRunner worker lives on through every later stage: both workers held
    their model through story clustering, where the job peaks (0.45 GiB
    returned by a worker that loaded it and encoded 4,000 texts; 0.68 GiB by
    the idle worker of a 100k run). A reload costs about a second; the weights
    are the same, so are the embeddings.
    """

    def __init__(self, load: Callable[[], Any], idle_seconds: float = IDLE_SECONDS):
        self._load = load
        self._idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._model: Optional[Any] = None
        self._in_use = 0
        self._last_used = 0.0
        with self._lock:
            self._ensure_loaded()

    @property
    def loaded(self) -> Optional[Any]:
        """The model while its weights are held, else None."""
        return self._model

    def encode(self, *args, **kwargs):
        with self._lock:
            model = self._ensure_loaded()
            self._in_use += 1
        try:
            return model.encode(*args, **kwargs)
        finally:
            with self._lock:
                self._in_use -= 1
                self._last_used = time.monotonic()

    def _ensure_loaded(self) -> Any:
        if self._model is None:
            self._model = self._load()
            self._last_used = time.monotonic()
            threading.Thread(target=self._release_when_idle, name="newsdedup-model-release", daemon=True).start()
        return self._model

    def _release_when_idle(self) -> None:
        while True:
            time.sleep(min(self._idle_seconds, 5.0))
            with self._lock:
                if self._in_use or time.monotonic() - self._last_used < self._idle_seconds:
                    continue
                self._model = None
            gc.collect()  # torch modules hold reference cycles
            memory.release_freed_memory()
            return
