"""A Streamlit server of the app, started fresh for one measurement, and its figures.

Shared by the benchmarks that drive the app in Chromium (``bench_load.py``,
``bench_accessibility.py``): start ``streamlit run streamlit_app.py`` headless on a free
port, and read the server process's own CPU seconds, resident memory and peak
(from ``/proc``), so that the browser's share of the machine is told apart.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from _common import ROOT, child_environment

from tests.e2e.browser import (
    APP_IDLE,
    LAUNCH_ARGS,
    free_port,
    healthy,
    streamlit_command,
)
from ui import page_list

CHROMIUM = "/usr/bin/chromium"
# Chromium's flags and the mark of an app whose script has finished, as the
# browser tests use them.
CHROMIUM_ARGS = LAUNCH_ARGS
READY = APP_IDLE
# Page paths as Streamlit derives them from pages/N_Name.py (the app's list).
PAGE_PATHS = page_list.PAGE_PATHS
# A Plotly chart that Plotly has drawn (the element exists before it draws).
DRAWN_CHART = ".js-plotly-plot"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def tree_mb(pid: int, field: str = "VmRSS") -> float:
    """``field`` of a process plus all its descendants, in MB."""
    return sum(_status_kb(p, field) for p in [pid, *_descendants(pid)]) / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # Fields 14 and 15 of stat (utime, stime) are the 12th and 13th after ")".
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def tensorflow_loaded(pid: int) -> bool:
    """Whether the process has TensorFlow's native library mapped (it was imported)."""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False
    return "libtensorflow" in maps or "_pywrap_tensorflow" in maps


class MemorySampler:
    """Samples a process's resident memory every few milliseconds, in a thread."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_mb = tree_mb(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, tree_mb(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, tree_mb(self.pid))


class Server:
    """A running app server: its URL and process id."""

    def __init__(self, url: str, pid: int) -> None:
        self.url = url
        self.pid = pid

    def cpu_seconds(self) -> float:
        """The server's own CPU seconds so far."""
        return cpu_seconds(self.pid)

    def rss_mb(self) -> float:
        """The server's resident memory now."""
        return tree_mb(self.pid)

    def peak_mb(self) -> float:
        """The server's peak resident memory since it started (VmHWM)."""
        return tree_mb(self.pid, "VmHWM")

    def tensorflow_loaded(self) -> bool:
        """Whether the server has imported TensorFlow."""
        return tensorflow_loaded(self.pid)


def _wait_for_health(url: str, server: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited early ({server.returncode})")
        if healthy(url):
            return
        time.sleep(0.2)
    raise RuntimeError("streamlit did not start")


@contextlib.contextmanager
def app_server(
    environment: dict[str, str] | None = None, timeout: float = 120
) -> Iterator[Server]:
    """Start a fresh app server; yield it once it answers its health check."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        streamlit_command(port),
        cwd=ROOT,
        env=child_environment(environment),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_health(url, server, timeout)
        yield Server(url, server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
