"""Helpers for the browser tests: start Streamlit, drive Chromium, read the page.

Chromium is Debian's (``apt-get install chromium``), driven by the Python
Playwright package through ``executable_path``; ``playwright install`` is never
used (it downloads browsers, which CI cannot).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from ui import page_list

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RESULTS = PROJECT_ROOT / "test-results"
CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
MISSING_CHROMIUM = (
    "Chromium is not installed: run `apt-get update && apt-get install -y chromium` "
    "(Debian) to run the browser tests; `playwright install` is not used."
)
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# The Predict page's compact answer (ui/predict_panel.py, answer()): its
# container, Streamlit's wrapper of it (what the page's CSS hides or pins),
# its polite live region (role="status"), and a check that the region's text
# is no longer ``before``.
ANSWER_BOX = ".st-key-predict_answer"
ANSWER_WRAPPER = '[data-testid="stLayoutWrapper"]:has(> .st-key-predict_answer)'
ANSWER = '.st-key-predict_answer [role="status"]'
ANSWER_CHANGED = """before => {
    const answer = document.querySelector('.st-key-predict_answer [role="status"]');
    return answer && answer.innerText.trim() !== before;
}"""
ALERT = '[data-testid="stAlert"]'
EXCEPTION = '[data-testid="stException"]'
# Menu labels drawn by ui.navigation (the built-in menu is hidden), in order,
# from the app's own list of pages.
MENU_LABELS = tuple(label for _, label, _ in page_list.PAGES)
# Page paths as Streamlit derives them from pages/N_Name.py.
PAGE_PATHS = page_list.PAGE_PATHS


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def healthy(url: str) -> bool:
    """Whether the Streamlit server at ``url`` answers its health check."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


def streamlit_command(port: int) -> list[str]:
    """``streamlit run streamlit_app.py``, headless on ``port`` of 127.0.0.1.

    The same for the browser tests and the benchmarks: no usage statistics, no
    file watcher.
    """
    return [
        sys.executable,
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
        "--server.fileWatcherType",
        "none",
    ]


@contextlib.contextmanager
def streamlit_server(environment: dict[str, str], log: Path) -> Iterator[str]:
    """Run ``streamlit run streamlit_app.py`` headless; yield its URL; stop it after.

    Args:
        environment: extra environment variables (data and model locations).
        log: file that receives the server's output (read it when a test fails).
    """
    port = free_port()
    command = streamlit_command(port)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **environment}
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        server = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 60
            while not healthy(url):
                if server.poll() is not None:
                    raise RuntimeError(
                        f"streamlit exited with {server.returncode}:\n{log.read_text()}"
                    )
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start:\n{log.read_text()}")
                time.sleep(0.25)
            yield url
        finally:
            # Ctrl-C is Streamlit's own way out; TensorFlow threads can make
            # it slow, so it gets a few seconds before a kill.
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=5)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


def launch_page(playwright, timeout: float, width: int = 1400, height: int = 900):
    """Chromium and one page of ``width`` by ``height`` pixels (the screenshot
    scripts); ``timeout`` in ms for every wait on it. Close the Chromium after."""
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
    page = chromium.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(timeout)
    return chromium, page


def page_for_a_test(
    chromium_browser, request, full_page: bool, **context_options
) -> Iterator:
    """A new browser context and page (a fixture's body: ``yield from`` it); after
    the test, a screenshot in test-results if the test failed, then the context
    closed. ``context_options`` go to ``new_context`` (viewport, is_mobile ...)."""
    context = chromium_browser.new_context(**context_options)
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        RESULTS.mkdir(exist_ok=True)
        name = request.node.name.replace("/", "_").replace("[", "-").rstrip("]")
        page.screenshot(path=str(RESULTS / f"{name}.png"), full_page=full_page)
    context.close()


def slider(page, label: str):
    """The keyboard target of the slider named ``label``.

    Streamlit draws sliders with react-aria: the keyboard target is a hidden
    range input (implicit role "slider"), not a [role="slider"] element.
    """
    return page.locator(
        f'[data-testid="stSlider"] input[type="range"][aria-label="{label}"]'
    )


def move_slider(page, label: str, steps: int):
    """Focus the slider named ``label`` and press the right arrow ``steps`` times."""
    target = slider(page, label)
    target.focus()
    for _ in range(steps):
        target.press("ArrowRight")
    return target


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until the script run is over (and give the page a moment to draw)."""
    page.wait_for_selector(APP_IDLE, timeout=timeout)
    # A widget change may start a new run a few ms after the last one ended.
    page.wait_for_timeout(300)
    page.wait_for_selector(APP_IDLE, timeout=timeout)


def open_page(page, url: str, name: str, timeout: float = 60_000) -> None:
    """Load a page by its address (a new session) and wait for its title."""
    page.goto(f"{url}/{PAGE_PATHS[name]}")
    heading = "GenreLab" if name == "Home" else name
    page.locator("h1").filter(has_text=heading).first.wait_for(timeout=timeout)
    wait_idle(page, timeout)


def go_to(page, name: str, timeout: float = 60_000) -> None:
    """Switch page through the sidebar menu (keeps the session, unlike goto)."""
    page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]').filter(
        has_text=name
    ).get_by_text(name, exact=True).click()
    heading = "GenreLab" if name == "Home" else name
    page.locator("h1").filter(has_text=heading).first.wait_for(timeout=timeout)
    wait_idle(page, timeout)


def menu_labels(page) -> list[str]:
    """The labels of the sidebar menu, top to bottom."""
    links = page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]')
    links.nth(len(MENU_LABELS) - 1).wait_for()
    # Each link's text starts with its icon's ligature name ("home"): keep the label.
    return [text.strip().splitlines()[-1].strip() for text in links.all_inner_texts()]


def assert_no_exception(page) -> None:
    """No Streamlit exception box (a traceback) anywhere on the page."""
    exceptions = page.locator(EXCEPTION)
    assert exceptions.count() == 0, exceptions.first.inner_text()


def plotly_data(page, index: int = 0) -> str:
    """The data of the index-th Plotly chart on the page, as JSON text."""
    return page.evaluate(
        """index => {
            const charts = document.querySelectorAll('.js-plotly-plot');
            if (charts.length <= index) return null;
            return JSON.stringify(charts[index].data.map(t => [t.x, t.y]));
        }""",
        index,
    )


def upload(page, path: Path, timeout: float = 60_000) -> None:
    """Put a file in the page's first file uploader and wait until the app has read it.

    The first uploader is the page's table of tracks (Home also has a second
    one, for a model zip). The uploader must show the new file's name before
    anything on the page is read: an upload sent while a script run is still
    going can be dropped.
    """
    wait_idle(page, timeout)
    name = page.locator(f'[data-testid="stFileChipName"][title="{path.name}"]')
    for _ in range(2):
        page.locator(
            '[data-testid="stFileUploaderDropzoneInput"]'
        ).first.set_input_files(path)
        try:
            name.first.wait_for(timeout=10_000)
            break
        except Exception:  # Playwright's TimeoutError: try the upload once more
            continue
    name.first.wait_for(timeout=timeout)
    wait_idle(page, timeout)
