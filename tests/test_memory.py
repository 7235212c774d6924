"""Freed heap goes back to the OS: measured on the RSS of a fresh process holding a fragmented heap."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from conftest import SEEDS

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")

# 300 MB in 4 KB blocks, then all freed but the last, which keeps glibc from
# trimming the heap's top on its own: the pages stay in the process until trimmed.
_FRAGMENTED_HEAP = """
import threading, time
from newsdedup import memory

def rss():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS"))

blocks = [bytearray(4096) for _ in range(75_000)]
kept = blocks[-1]
del blocks
before = rss()
"""


def _python(code: str, timeout: float) -> list[str]:
    """What a fresh interpreter prints running ``code``, split into words."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def _run(body: str) -> list[str]:
    return _python(_FRAGMENTED_HEAP + textwrap.dedent(body), timeout=60)


def test_release_returns_the_free_pages():
    called, before, after = _run("""
        called = memory.release_freed_memory()
        print(called, before, rss())
    """)
    assert called == "True"
    assert int(before) - int(after) > 200e6, (before, after)


def test_without_release_the_pages_stay():
    """The baseline the other tests rely on: glibc alone keeps them."""
    before, after = _run("""
        print(before, rss())
    """)
    assert int(before) - int(after) < 50e6, (before, after)


def test_the_thread_releases_and_starts_once():
    started, threads, before, after = _run("""
        released = threading.Event()  # set by the thread's first release: no guess at how long it takes
        release = memory.release_freed_memory
        memory.release_freed_memory = lambda: release() and (released.set() or True)
        started = memory.keep_releasing_freed_memory(0.05) and memory.keep_releasing_freed_memory(0.05)
        released.wait()
        names = [t.name for t in threading.enumerate() if t.name == "newsdedup-malloc-trim"]
        print(started, len(names), before, rss())
    """)
    assert (started, threads) == ("True", "1")
    assert int(before) - int(after) > 200e6, (before, after)


@pytest.mark.parametrize("module, name, args", [("counting", "CountingDoFn", ""), ("describe", "_Describe", "Config()"),
                                                ("fingerprint", "_Fingerprint", "Config()")])
def test_counting_dofns_start_it_in_their_worker(module, name, args):
    """Every stage's DoFn counts, so every worker process that runs a stage releases; two extend setup."""
    code = f"""
        import threading
        from newsdedup.pipeline.config import Config
        from newsdedup.transforms.{module} import {name}
        {name}({args}).setup()
        print(sum(t.name == "newsdedup-malloc-trim" for t in threading.enumerate()))
    """
    assert _python(textwrap.dedent(code), timeout=120)[-1:] == ["1"]


def test_the_launcher_starts_it_before_the_job(monkeypatch, tmp_path, model_name):
    """DirectRunner's runner is the launcher process: at 1M articles, the largest of the tree."""
    import apache_beam as beam

    from newsdedup.pipeline import run as launcher
    from newsdedup.pipeline.config import load_config

    calls = []
    monkeypatch.setattr(launcher.memory, "keep_releasing_freed_memory", lambda: calls.append("memory"))

    def job_starts(pipeline, *args, **kwargs):
        calls.append("job")
        raise RuntimeError("stopped where the job would start")

    monkeypatch.setattr(beam.Pipeline, "run", job_starts)
    config = load_config(overrides=[f"stories.model={model_name}"])
    with pytest.raises(launcher.PipelineFailed, match="stopped where the job would start"):
        launcher.run([str(SEEDS)], str(tmp_path / "out"), config)
    assert calls == ["memory", "job"]
