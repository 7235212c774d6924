"""newsdedup: multilingual news-wire deduplication.

The top-level package holds the pure algorithms (no Beam imports);
`newsdedup.transforms` wraps them as Beam PTransforms and
`newsdedup.pipeline` composes the stages and parses options.

The public Python API, imported on first use so that the algorithms stay
importable without Beam:

- ``Deduplicate``: the whole job as a composite PTransform over article dicts,
  giving a ``DeduplicateResult`` of four PCollections of row dicts.
- ``dedupe``: a list of dicts, a pandas DataFrame or a pyarrow Table in; the
  four tables back as DataFrames.
- ``load_config``: the typed config, from YAML and ``KEY=VALUE`` overrides.
"""

__version__ = "0.1.0"

__all__ = ["Deduplicate", "DeduplicateResult", "dedupe", "load_config"]

_PUBLIC = {
    "Deduplicate": "newsdedup.transforms.deduplicate",
    "DeduplicateResult": "newsdedup.transforms.deduplicate",
    "dedupe": "newsdedup.pipeline.dedupe",
    "load_config": "newsdedup.pipeline.config",
}


def __getattr__(name: str):
    if name in _PUBLIC:
        import importlib

        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'newsdedup' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *__all__])
