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


def load_model(name: str, max_seq_length: int):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from sentence_transformers import SentenceTransformer

    resolved = resolve_model(name)
    try:
        model = SentenceTransformer(resolved, device="cpu")
    except OSError as err:
        raise ModelNotFound(f"cannot load model {name!r} offline ({err.__class__.__name__}); "
                            "give a local sentence-transformers folder or run `make install`") from None
    model.max_seq_length = max_seq_length
    return model
