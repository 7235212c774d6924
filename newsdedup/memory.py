"""Hand freed heap back to the operating system, so a process's RSS follows what it holds.

glibc's malloc keeps the memory Python frees in its arenas for reuse. A
DirectRunner job frees a stage's data in bulk and then moves on to stages that
allocate differently, so its processes kept most of their peaks: at 1M articles
the runner process sat at 7.1 GiB while embedding, and ``malloc_trim(0)``, called
into it from a debugger, returned 3.8 GiB of that. The runner's and the
workers' peaks add up, so what each keeps from an earlier stage counts
against a later stage's peak: releasing every 2 s took the 1M job's process
tree from 16.6 to 12.6 GiB at its peak, in no more time (benchmarks/notes.md).

Elsewhere (macOS, musl) there is no ``malloc_trim`` and this does nothing."""

from __future__ import annotations

import ctypes
import threading
import time
from typing import Callable, Optional

PERIOD_SECONDS = 2.0


def _find_malloc_trim() -> Optional[Callable[[int], int]]:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


_MALLOC_TRIM = _find_malloc_trim()
_lock = threading.Lock()
_started = False


def release_freed_memory() -> bool:
    """Return the free pages of every malloc arena to the OS now; False where malloc cannot."""
    if _MALLOC_TRIM is None:
        return False
    _MALLOC_TRIM(0)
    return True


def keep_releasing_freed_memory(period_seconds: float = PERIOD_SECONDS) -> bool:
    """Release freed memory every ``period_seconds`` from a daemon thread, started once per process.

    A thread rather than calls at stage ends: DirectRunner runs a large stage
    as one bundle, and a stage's own temporaries are freed while it runs.
    """
    global _started
    if _MALLOC_TRIM is None:
        return False
    with _lock:
        if not _started:
            _started = True
            threading.Thread(target=_release_forever, args=(period_seconds,), name="newsdedup-malloc-trim",
                             daemon=True).start()
    return True


def _release_forever(period_seconds: float) -> None:
    while True:
        time.sleep(period_seconds)
        release_freed_memory()
