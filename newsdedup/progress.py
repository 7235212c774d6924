"""Live progress across worker processes, through the log they already write.

Beam's metrics reach the launcher only when the job ends. For progress,
workers also log their counter increments (``report``), batched to about one
line a second, and the launcher tails the log and sums them (``Monitor``).
On a distributed runner the lines land in the runner's logs and its own UI
shows progress; the metrics stay the source of truth for the manifest.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Optional

_LOGGER = logging.getLogger("newsdedup.progress")
_LINE = re.compile(r"^INFO[: ]newsdedup\.progress: ?((?:\w+=\d+ ?)+)$")
_FLUSH_SECONDS = 1.0

_pending: Counter = Counter()
_lock = threading.Lock()
_last_flush = time.monotonic()


def report(name: str, n: int = 1, force: bool = False) -> None:
    """Count ``n`` more of ``name`` in this process; log the batch about once a second."""
    global _last_flush
    with _lock:
        if n:
            _pending[name] += n
        now = time.monotonic()
        if not _pending or (not force and now - _last_flush < _FLUSH_SECONDS):
            return
        line = " ".join(f"{k}={v}" for k, v in sorted(_pending.items()))
        _pending.clear()
        _last_flush = now
    if _LOGGER.getEffectiveLevel() > logging.INFO:
        _LOGGER.setLevel(logging.INFO)
    _LOGGER.info(line)


def flush() -> None:
    """Log what this process counted so far; DoFns call it at the end of a bundle."""
    report("", 0, force=True)


def parse(line: str) -> Optional[Counter]:
    match = _LINE.match(line.strip())
    if not match:
        return None
    return Counter({k: int(v) for k, v in (pair.split("=") for pair in match.group(1).split())})


class Monitor(threading.Thread):
    """Tails ``log`` and calls ``show(totals)`` when the totals change."""

    def __init__(self, log: Path, show: Callable[[Counter], None], interval: float = 1.0):
        super().__init__(daemon=True)
        self._log, self._show, self._interval = log, show, interval
        self._stop_event = threading.Event()
        self.totals: Counter = Counter()

    def _poll(self, stream) -> bool:
        changed = False
        for line in stream.readlines():
            counts = parse(line)
            if counts:
                self.totals.update(counts)
                changed = True
        return changed

    def run(self) -> None:
        while not self._log.exists() and not self._stop_event.wait(self._interval):
            pass
        if not self._log.exists():
            return
        with open(self._log, errors="replace") as stream:
            while not self._stop_event.wait(self._interval):
                if self._poll(stream):
                    self._show(self.totals)
            if self._poll(stream):
                self._show(self.totals)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()
