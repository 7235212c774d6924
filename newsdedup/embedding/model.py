"""Finding and loading the sentence-transformers model, offline."""

from __future__ import annotations

import os
import sys
from pathlib import Path

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
