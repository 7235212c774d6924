"""Beam pipeline options: the config's runner section, then command-line Beam flags."""

from __future__ import annotations

import os
from typing import Sequence

from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions

from newsdedup.pipeline.config import ConfigError, RunnerConfig


def pipeline_options(runner: RunnerConfig, beam_args: Sequence[str]) -> PipelineOptions:
    flags = [f"--runner={runner.name}"]
    for key, value in sorted(runner.options.items()):
        if key == "direct_num_workers" and value == 0:
            value = os.cpu_count() or 1
        if isinstance(value, bool):
            if value:
                flags.append(f"--{key}")
        elif isinstance(value, (list, tuple)):
            flags.extend(f"--{key}={v}" for v in value)
        else:
            flags.append(f"--{key}={value}")
    options = PipelineOptions(flags + list(beam_args))
    direct = options.view_as(DirectOptions)
    if direct.direct_running_mode == "multi_threading":
        raise ConfigError(
            "direct_running_mode=multi_threading is refused: it was measured to lose records; "
            "use multi_processing (or in_memory)")
    if options.view_as(StandardOptions).runner in (None, ""):
        raise ConfigError("no Beam runner named; set runner.name in the config or pass --runner")
    return options
