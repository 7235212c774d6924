"""Beam pipeline options: the config's runner section, then command-line Beam flags."""

from __future__ import annotations

import os
from typing import Sequence

from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions
from apache_beam.portability.api import beam_provision_api_pb2
from apache_beam.runners.portability.fn_api_runner import fn_runner
from apache_beam.runners.portability.portable_runner import JobServiceHandle

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


def runner_for(options: PipelineOptions):
    """The runner object to build the pipeline with: FnApiRunner for ``DirectRunner``, else None (Beam's own).

    Since Beam 2.68 DirectRunner first tries Prism: it downloads Prism's binary
    from GitHub at run time and, where that works, runs the job there. A run
    must make no network call, and the local runs are measured and tested on
    FnApiRunner (``data_plane_fix`` patches it), so a DirectRunner job goes
    straight to FnApiRunner, with its options passed on to the workers as
    DirectRunner does when it falls back.
    """
    if options.view_as(StandardOptions).runner != "DirectRunner":
        return None
    encoded = JobServiceHandle.encode_pipeline_options(options.get_all_options())
    return fn_runner.FnApiRunner(provision_info=fn_runner.ExtendedProvisionInfo(
        beam_provision_api_pb2.ProvisionInfo(pipeline_options=encoded)))
