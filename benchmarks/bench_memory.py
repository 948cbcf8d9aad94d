"""Figure 5: resident memory of the running app once the model is loaded.

Starts ``streamlit run streamlit_app.py`` (headless, on a free port), opens
the Home page and then the Predict page in headless Chromium (Playwright,
Debian's ``/usr/bin/chromium``), waits until the page has finished running and
shows its probabilities (so the model is loaded), moves a slider a few times,
and reads the server's resident memory (``VmRSS`` of the server process and
any children, ``VmHWM`` for its peak). Target: under 1 GB.

The model is ``models/default`` when it has been shipped, else a bundle
trained into a temporary folder and given to the app with
``GENRELAB_MODEL_DIR``.

Usage: ``python benchmarks/bench_memory.py``
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from _common import PYTHON, ROOT, Row, text_table
from bench_pages import model_folder

TARGET_MB = 1024.0
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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


def wait_for_server(port: int, server: subprocess.Popen, timeout: float = 120) -> None:
    """Wait until Streamlit answers its health check."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("streamlit exited early")
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/_stcore/health", timeout=2
            ) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("streamlit did not start")


def open_pages(port: int) -> dict[str, float]:
    """Open Home then Predict in Chromium; return seconds until each was ready."""
    from playwright.sync_api import sync_playwright

    timings = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            for name, path in (("home", ""), ("predict", "Predict")):
                started = time.perf_counter()
                page.goto(f"http://127.0.0.1:{port}/{path}", timeout=180_000)
                page.wait_for_selector(READY, timeout=180_000)
                if name == "predict":
                    # The probability chart appears once the model has answered.
                    page.wait_for_selector(
                        '[data-testid="stPlotlyChart"]', timeout=180_000
                    )
                    page.wait_for_selector(READY, timeout=180_000)
                timings[name] = time.perf_counter() - started
            # A few slider moves, as a person would make.
            slider = page.locator(
                '[data-testid="stSlider"] [role="slider"], '
                '[data-testid="stSlider"] input[type="range"]'
            ).first
            moves = 0
            if slider.count():
                slider.focus()
                for _ in range(5):
                    page.keyboard.press("ArrowRight")
                    page.wait_for_timeout(300)
                    moves += 1
                page.wait_for_selector(READY, timeout=60_000)
            timings["slider_moves"] = moves
        finally:
            browser.close()
    return timings


def run() -> list[Row]:
    """Measure figure 5; return the table rows."""
    with tempfile.TemporaryDirectory(prefix="genrelab-bench-") as folder:
        bundle_dir, which = model_folder(Path(folder))
        port = free_port()
        environment = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=str(ROOT))
        if which != "models/default":
            environment["GENRELAB_MODEL_DIR"] = str(bundle_dir)
        server = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "streamlit",
                "run",
                "streamlit_app.py",
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
            ],  # fmt: skip
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_server(port, server)
            idle_mb = tree_mb(server.pid)
            timings = open_pages(port)
            time.sleep(2)
            loaded_mb = tree_mb(server.pid)
            peak_mb = tree_mb(server.pid, "VmHWM")
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    return [
        Row(
            "5. Running app, resident memory with the model loaded",
            f"{loaded_mb:.0f} MB after Home + Predict + "
            f"{timings['slider_moves']:.0f} slider moves "
            f"(peak {peak_mb:.0f} MB); model: {which}",
            f"{idle_mb:.0f} MB idle server; pages ready in "
            f"{timings['home']:.1f} s (Home), {timings['predict']:.1f} s (Predict)",
            f"{loaded_mb / TARGET_MB:.2f} of target",
            f"< {TARGET_MB:.0f} MB",
            loaded_mb < TARGET_MB,
        )
    ]


if __name__ == "__main__":
    print(text_table(run()))
