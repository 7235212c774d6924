"""One typed configuration, loaded from YAML and overridable from the command line.

The dataclass defaults are the defaults; ``configs/local.yaml`` spells them
out (a test keeps the two equal). Unknown keys are errors with a suggestion,
because a misspelt threshold that is silently ignored is worse than a crash.
"""

from __future__ import annotations

import dataclasses
import difflib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml


class ConfigError(ValueError):
    """A configuration mistake, reported to the user in one line."""


# Options a runner gets unless the config sets them; other runners start from none,
# so DirectRunner's settings never reach a Dataflow, Flink or Spark job.
RUNNER_DEFAULTS = {"DirectRunner": {"direct_running_mode": "multi_processing", "direct_num_workers": 0}}


@dataclass(frozen=True)
class RunnerConfig:
    """Beam runner and its options; command-line Beam flags override these."""

    name: str = "DirectRunner"
    options: Optional[dict] = None  # None: the named runner's defaults

    def __post_init__(self) -> None:
        defaults = RUNNER_DEFAULTS.get(self.name, {})
        object.__setattr__(self, "options", {**defaults, **(self.options or {})})


@dataclass(frozen=True)
class NormalizeConfig:
    agencies: tuple[str, ...] = (
        "EFE", "AP", "AFP", "Reuters", "Prensa Latina", "ANSA", "Xinhua", "dpa", "DPA", "Europa Press",
        "Sputnik", "teleSUR", "Notimex", "AAP", "UPI", "Bloomberg",
    )
    furniture_patterns: tuple[str, ...] = (
        # Datelines: "MADRID, 7 may (EFE).-", "WASHINGTON (AP) —", "GENEVA (Reuters) -". The place's
        # class excludes "(", so a greedy {2,60} finds what a lazy one would, with less backtracking.
        r"^[^\S\n]*[\w .,'’/-]{2,60}\(\s*{agency}\s*\)[^\S\n]*(?:\.-|\.\s*–|—|–|-{1,2}|:)[^\S\n]*",
        # Credits: "Source: EFE", "Fuente: AFP", "teleSUR/ JF", "(With information from EFE)"
        r"(?im)^[^\S\n]*(?:source|sources|fuente|fuentes)\s*:.*$",
        r"(?im)^[^\S\n]*telesur\s*/.*$",
        r"(?im)^[^\S\n]*\(?\s*(?:with information from|con información de|with reporting by|con reporte de)\b.*$",
        r"(?m)^[^\S\n]*\(?\s*{agency}\s*\)?\s*$",
        # "RELATED:" blocks: the label line and the headline after it
        r"(?im)^[^\S\n]*(?:related|relacionad[oa]s?|lea también|read also|read more|see also|más información)"
        r"\s*:[^\n]*\n(?:[^\S\n]*\n)*[^\n]*$",
        # Photo captions and credits: "Photo: EFE", "Foto: EFE/Archivo", "X/ @user"
        r"(?im)^[^\S\n]*(?:photo|foto|image|imagen|video|vídeo)\s*:.*$",
        r"(?m)^[^\S\n]*(?:X|Twitter|Instagram|Facebook)\s*/\s*@\w+[^\n]*$",
        # Timestamp lines: "May 7, 2025 Hour: 8:22 am", "Wednesday, March 01, 2008", "7 de mayo de 2025"
        r"(?im)^[^\S\n]*\w+\s+\d{1,2},\s*\d{4}\s+(?:hour|hora)\s*:.*$",
        r"(?im)^[^\S\n]*(?:\w+,\s*)?\w+\s+\d{1,2},\s*\d{4}[^\S\n]*$",
        r"(?im)^[^\S\n]*(?:\w+,?\s+)?\d{1,2}\s+de\s+\w+\s+de\s+\d{4}[^\S\n]*$",
    )
    max_chars: int = 20_000


@dataclass(frozen=True)
class LanguageConfig:
    min_chars: int = 20


# Kept equal to newsdedup.signing.HASHES (a test checks); not imported, so the launcher
# validates a config without compiling the signing kernel.
SHINGLE_HASHES = ("multilinear", "murmur3", "sha1")


@dataclass(frozen=True)
class CopiesConfig:
    shingle_kind: str = "word"
    shingle_size: int = 3
    num_perm: int = 128
    seed: int = 1
    hash: str = "multilinear"
    threshold: float = 0.3
    lsh_threshold: float = 0.1
    containment: float = 0.35
    min_length_ratio: float = 0.2
    min_shingles: int = 30
    max_bucket_size: int = 1000

    def __post_init__(self) -> None:
        if self.shingle_kind not in ("word", "char"):
            raise ConfigError(f"copies.shingle_kind must be 'word' or 'char', got {self.shingle_kind!r}")
        if self.hash not in SHINGLE_HASHES:
            raise ConfigError(f"copies.hash must be one of {', '.join(map(repr, SHINGLE_HASHES))}, got {self.hash!r}")
        _check_range("copies.threshold", self.threshold, 0.0, 1.0, low_open=True)
        _check_range("copies.lsh_threshold", self.lsh_threshold, 0.0, 1.0, low_open=True)
        _check_range("copies.containment", self.containment, 0.0, 1.0, low_open=True)
        _check_range("copies.min_length_ratio", self.min_length_ratio, 0.0, 1.0)
        _check_range("copies.min_shingles", self.min_shingles, 1, 10**6)
        _check_range("copies.shingle_size", self.shingle_size, 1, 64)
        _check_range("copies.num_perm", self.num_perm, 8, 1024)
        _check_range("copies.max_bucket_size", self.max_bucket_size, 2, 10**7)


# Kept equal to newsdedup.embedding.model.BACKENDS (a test checks); not imported, so the
# launcher validates a config without importing the embedding stack.
EMBEDDING_BACKENDS = ("torch", "onnx", "onnx-int8")


@dataclass(frozen=True)
class StoriesConfig:
    model: str = "multilingual-e5-small"
    backend: str = "onnx-int8"
    threads: int = 1
    query_prefix: str = "query: "
    lead_chars: int = 600
    max_seq_length: int = 256
    batch_size: int = 32
    threshold: float = 0.45
    entity_weight: float = 0.6
    min_cosine: float = 0.80
    cosine_offset: float = 0.35
    lifetime_days: Optional[float] = 30.0
    time_scale_days: float = 3.0
    time_weight: float = 0.1
    max_links: Optional[int] = 32

    def __post_init__(self) -> None:
        if self.backend not in EMBEDDING_BACKENDS:
            raise ConfigError(f"stories.backend must be one of {', '.join(map(repr, EMBEDDING_BACKENDS))}, got {self.backend!r}")
        _check_range("stories.threads", self.threads, 0, 1024)
        _check_range("stories.threshold", self.threshold, -1.0, 1.0)
        _check_range("stories.entity_weight", self.entity_weight, 0.0, 1.0)
        _check_range("stories.min_cosine", self.min_cosine, -1.0, 1.0)
        _check_range("stories.cosine_offset", self.cosine_offset, 0.0, 2.0)
        _check_range("stories.batch_size", self.batch_size, 1, 4096)
        _check_range("stories.lead_chars", self.lead_chars, 1, 10**6)
        if self.max_links is not None:
            _check_range("stories.max_links", self.max_links, 1, 10**6)
        if self.lifetime_days is not None:
            _check_range("stories.lifetime_days", self.lifetime_days, 0.0, 10**6, low_open=True)
        _check_range("stories.time_scale_days", self.time_scale_days, 0.0, 10**6, low_open=True)
        _check_range("stories.time_weight", self.time_weight, 0.0, 1.0)

    def lifetime(self):
        """The story lifetime model (``newsdedup.stories.lifetime``) these settings describe."""
        from newsdedup.stories.lifetime import Lifetime

        day = 86400.0
        horizon = None if self.lifetime_days is None else self.lifetime_days * day
        return Lifetime(horizon=horizon, scale=self.time_scale_days * day, weight=self.time_weight)


@dataclass(frozen=True)
class CanonicalConfig:
    source_priority: tuple[str, ...] = ("EFE", "AP", "Reuters", "AFP", "Prensa Latina", "ANSA", "dpa", "Xinhua")


@dataclass(frozen=True)
class OutputConfig:
    shards: int = 1

    def __post_init__(self) -> None:
        _check_range("output.shards", self.shards, 1, 100_000)


@dataclass(frozen=True)
class StateConfig:
    """Incremental runs (``--state``): how long articles stay matchable by later batches."""

    horizon_days: float = 30.0

    def __post_init__(self) -> None:
        _check_range("state.horizon_days", self.horizon_days, 0.0, 10**5, low_open=True)


@dataclass(frozen=True)
class Config:
    runner: RunnerConfig = field(default_factory=RunnerConfig)
    normalize: NormalizeConfig = field(default_factory=NormalizeConfig)
    language: LanguageConfig = field(default_factory=LanguageConfig)
    copies: CopiesConfig = field(default_factory=CopiesConfig)
    stories: StoriesConfig = field(default_factory=StoriesConfig)
    canonical: CanonicalConfig = field(default_factory=CanonicalConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    state: StateConfig = field(default_factory=StateConfig)

    def to_dict(self) -> dict:
        return _plain(dataclasses.asdict(self))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _check_range(name: str, value: float, low: float, high: float, low_open: bool = False) -> None:
    if value < low or value > high or (low_open and value == low):
        bracket = "(" if low_open else "["
        raise ConfigError(f"{name} must be in {bracket}{low}, {high}], got {value!r}")


def _coerce(name: str, value: Any, hint: Any) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Union:
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)][0]
        return _coerce(name, value, inner)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{name} must be a list, got {value!r}")
        return tuple(_coerce(f"{name}[{i}]", v, args[0]) for i, v in enumerate(value))
    if hint is dict or origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{name} must be a mapping, got {value!r}")
        return dict(value)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint in (int, float, str, bool) and not (isinstance(value, hint) and not (hint is int and isinstance(value, bool))):
        raise ConfigError(f"{name} must be {hint.__name__}, got {value!r}")
    return value


def _build(cls: type, data: Any, prefix: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{prefix.rstrip('.') or 'config'} must be a mapping, got {data!r}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    kwargs = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if key not in hints:
            close = difflib.get_close_matches(str(key), names, n=1)
            valid = [f"{prefix}{n}" for n in close] or [f"{prefix}{n}" for n in names]
            hint = f"did you mean {valid[0]!r}?" if close else f"valid keys: {', '.join(valid)}"
            raise ConfigError(f"unknown config key {path!r}; {hint}")
        if dataclasses.is_dataclass(hints[key]):
            kwargs[key] = _build(hints[key], value, f"{path}.")
        else:
            # Mappings (runner options) extend the class's own defaults in __post_init__.
            kwargs[key] = _coerce(path, value, hints[key])
    return cls(**kwargs)


def _yaml_problem(err: yaml.YAMLError) -> str:
    """One line: what PyYAML found wrong, and where."""
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    return f"{problem} at line {mark.line + 1}, column {mark.column + 1}" if mark else problem


def _apply_override(data: dict, override: str) -> None:
    if "=" not in override:
        raise ConfigError(f"--set expects KEY=VALUE, got {override!r}")
    key, raw = override.split("=", 1)
    parts = key.strip().split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"--set {key}: {part!r} is not a section")
    try:
        node[parts[-1]] = yaml.safe_load(raw)
    except yaml.YAMLError as err:
        raise ConfigError(f"--set {key}: value is not valid YAML: {_yaml_problem(err)}") from None


def load_config(path: Optional[str | Path] = None, overrides: typing.Sequence[str] = ()) -> Config:
    """Defaults, updated by the YAML file at ``path``, updated by ``--set`` overrides."""
    data: dict = {}
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as err:
            raise ConfigError(f"cannot read config {path}: {err.strerror}") from None
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as err:
            raise ConfigError(f"config {path} is not valid YAML: {_yaml_problem(err)}") from None
    for override in overrides:
        _apply_override(data, override)
    return _build(Config, data, "")


def config_from(value: "Config | dict | str | Path | None") -> Config:
    """A ``Config`` from itself, a dict of sections (as in the YAML), a YAML file's path, or None (the defaults)."""
    if isinstance(value, Config):
        return value
    if value is None or isinstance(value, (str, Path)):
        return load_config(value)
    if isinstance(value, dict):
        return _build(Config, value, "")
    raise ConfigError(f"config must be a Config, a dict or a YAML path, got {type(value).__name__}")
