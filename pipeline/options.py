"""Beam pipeline options: the config's runner section, then command-line Beam flags."""

from __future__ import annotations

import contextlib
import importlib
import os
from typing import Sequence

from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions, _BeamArgumentParser
from apache_beam.portability.api import beam_provision_api_pb2
from apache_beam.runners.portability.fn_api_runner import fn_runner
from apache_beam.runners.portability.portable_runner import JobServiceHandle

from newsdedup.pipeline.config import ConfigError, RunnerConfig


# Runners whose options are defined outside Beam's pipeline_options module; each
# imports only where its extra is installed (apache-beam[dask] for DaskRunner).
_RUNNER_OPTION_MODULES = ("apache_beam.runners.dask.dask_runner", "apache_beam.runners.render")


class _OptionParser(_BeamArgumentParser):
    def error(self, message):
        raise ConfigError(message)


def beam_option_parser() -> _BeamArgumentParser:
    """A parser holding every flag Beam accepts, built as Beam builds its own.

    Beam's ``get_all_options`` parses flags with the registered ``PipelineOptions``
    subclasses and drops the rest with a log line nobody sees, so a misspelt flag
    would leave its option at the default; the command line checks against this
    parser instead. A bad value raises ConfigError.
    """
    for module in _RUNNER_OPTION_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    classes: dict[str, type] = {}
    for cls in PipelineOptions.__subclasses__():
        classes.setdefault(str(cls), cls)  # as Beam does: a class redefined in __main__ counts once
    parser = _OptionParser(allow_abbrev=False, add_help=False)
    for cls in classes.values():
        cls._add_argparse_args(parser)  # the hook Beam itself calls
    return parser


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
