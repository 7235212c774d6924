"""Open a report in real headless Chromium and say what a person would see.

One Chromium launch, driven over the DevTools protocol (a websocket, through
``websocket-client``): console errors and uncaught exceptions are collected,
requests that leave the file are recorded (the page must work offline), each
Plotly div is checked for the SVG it draws, and a screenshot is saved.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import websocket

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         "--remote-debugging-port=0")
_PLOTS = """[...document.querySelectorAll('.plotly-graph-div')].map(d => ({
    id: d.id, svgs: d.querySelectorAll('svg.main-svg').length, traces: (d._fullData || []).length}))"""


class BrowserError(RuntimeError):
    pass


@dataclass
class PageCheck:
    plots: list[dict]  # {id, svgs, traces} per Plotly div
    console_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    details: int = 0  # <details> elements (expandable story member lists)

    @property
    def all_plots_drawn(self) -> bool:
        return bool(self.plots) and all(p["svgs"] > 0 and p["traces"] > 0 for p in self.plots)


def find_chromium() -> Optional[str]:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    return None


class _Session:
    """Commands and events on one page target, over the browser's websocket."""

    def __init__(self, ws_url: str, timeout: float):
        self._ws = websocket.create_connection(ws_url, timeout=timeout, suppress_origin=True)
        self._ids = itertools.count(1)
        self._session: Optional[str] = None
        self.events: list[dict] = []

    def send(self, method: str, **params) -> dict:
        msg_id = next(self._ids)
        message = {"id": msg_id, "method": method, "params": params}
        if self._session:
            message["sessionId"] = self._session
        self._ws.send(json.dumps(message))
        while True:
            reply = json.loads(self._ws.recv())
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def attach(self, target_id: str) -> None:
        self._session = None
        self._session = self.send("Target.attachToTarget", targetId=target_id, flatten=True)["sessionId"]

    def wait_for(self, method: str, deadline: float) -> None:
        if any(e.get("method") == method for e in self.events):
            return
        while time.monotonic() < deadline:
            event = json.loads(self._ws.recv())
            self.events.append(event)
            if event.get("method") == method:
                return
        raise BrowserError(f"timed out waiting for {method}")

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def close(self) -> None:
        self._ws.close()


def _errors(events: list[dict]) -> tuple[list[str], list[str]]:
    errors, external = [], []
    for e in events:
        method, params = e.get("method"), e.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            errors.append(details.get("exception", {}).get("description") or details.get("text", "exception"))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            errors.append(params["entry"].get("text", ""))
        elif method == "Network.requestWillBeSent":
            url = params.get("request", {}).get("url", "")
            if not url.startswith(("file:", "data:", "about:", "blob:")):
                external.append(url)
    return errors, external


def _devtools_url(profile: Path, process: subprocess.Popen, deadline: float) -> str:
    port_file = profile / "DevToolsActivePort"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BrowserError(f"chromium exited with status {process.returncode}")
        if port_file.is_file():
            lines = port_file.read_text().split()
            if len(lines) >= 2:
                return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        time.sleep(0.1)
    raise BrowserError("chromium did not open its DevTools port")


def _stop(process: subprocess.Popen) -> None:
    """The browser, then whatever is left of its process group: renderer, GPU and crash-handler
    processes can outlive it for a moment, writing to the profile being removed."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def check_page(html_file: Path, screenshot: Optional[Path] = None, width: int = 1280, height: int = 900,
               timeout: float = 60.0, chromium: Optional[str] = None) -> PageCheck:
    """Load ``html_file`` in a fresh headless Chromium profile, wait for the
    plots, and report what rendered; ``screenshot`` gets a PNG of the top of the page."""
    binary = chromium or find_chromium()
    if binary is None:
        raise BrowserError("chromium is not installed (Debian: apt-get install chromium; `make install` does it as root)")
    deadline = time.monotonic() + timeout
    # A helper process still dying may write to the profile while it is removed: a leftover is no failure.
    with tempfile.TemporaryDirectory(prefix="newsdedup-chromium-", ignore_cleanup_errors=True) as profile:
        process = subprocess.Popen([binary, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
                                    "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        try:
            session = _Session(_devtools_url(Path(profile), process, deadline), timeout)
            try:
                target = session.send("Target.createTarget", url="about:blank")["targetId"]
                session.attach(target)
                for domain in ("Page", "Runtime", "Log", "Network"):
                    session.send(f"{domain}.enable")
                session.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                             deviceScaleFactor=1, mobile=False)
                session.send("Page.navigate", url=Path(html_file).resolve().as_uri())
                session.wait_for("Page.loadEventFired", deadline)
                plots = session.evaluate(_PLOTS)
                # Plotly draws after load; without plotly.js on the page there is nothing to wait for.
                while (not PageCheck(plots).all_plots_drawn and session.evaluate("typeof Plotly !== 'undefined'")
                       and time.monotonic() < deadline):
                    time.sleep(0.2)
                    plots = session.evaluate(_PLOTS)
                check = PageCheck(plots, details=session.evaluate("document.querySelectorAll('details').length"))
                if screenshot is not None:
                    data = session.send("Page.captureScreenshot", format="png")["data"]
                    Path(screenshot).write_bytes(base64.b64decode(data))
                check.console_errors, check.external_requests = _errors(session.events)
                return check
            finally:
                session.close()
        finally:
            _stop(process)
