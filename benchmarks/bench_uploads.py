"""Hostile uploads (issue 29): what each one costs the app's server.

Every file of ``tests/bad_files/hostile.py`` (``corpus(scale)``: zip bombs,
a gzip bomb, HDF5 and JSON traps, files of millions of tiny rows) is uploaded
through the real app: a fresh ``streamlit run streamlit_app.py`` per file
(the dataset in ``data/``, the shipped model), driven by headless Chromium
(Playwright's async API, Debian's ``/usr/bin/chromium``). The file goes to
the uploader its ``target`` names: Home's data uploader ("data"), Home's
"Use a model you downloaded" ("model") or Batch predict's ("batch").

Per file: the server's resident memory (its whole process tree, from
``/proc``) once the page is idle (the baseline), then, from the upload on,
sampled every 20 ms until the page refuses the file (st.error), shows that
it took it (Home's success box naming it, Batch predict's download button),
ends its runs showing neither, or ``--timeout`` passes: seconds to that
answer, peak MB and growth over the baseline, the server's own CPU seconds,
the largest file it held open (a temporary table), whether it is still
alive, and the message shown. A server whose tree passes ``--kill-mb`` is
killed there ("killed at N MB after S s"), since the bombs can take all of
the machine's memory. A live server is then asked for Predict in a second
browser context: does its chart draw? A file passes when the app refuses it
with the words ``hostile.py`` expects, stays alive and draws that chart; a
file the browser itself refuses (over Streamlit's upload limit) is marked
"-", since the app never saw it.

The reference, measured in the same run: a legitimate file of each kind
through the same uploader (the dataset itself, ``data/music_genre.csv``, to
Home's data uploader, which is what people upload there; a 2,000-row CSV of
its rows to Batch predict; the shipped model's own bundle zip to Home),
against which each hostile figure is given as a ratio (memory growth,
seconds).

Usage: ``python benchmarks/bench_uploads.py [--scale 1.0] [--only NAME ...]
[--timeout 180] [--kill-mb 4000]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from _app import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DRAWN_CHART,
    PAGE_PATHS,
    READY,
    _descendants,
    app_server,
    cpu_seconds,
    tree_mb,
)
from _common import DATA, ROOT, Row, machine, repeated_rows_file, text_table

from tests.bad_files import hostile

PAGE_LOAD_MS = 120_000
# How long Predict may take to draw its chart in the second context.
PREDICT_MS = 60_000
REFERENCE_ROWS = 2_000
# With neither a refusal nor the page's sign that it took the file, the
# answer is "run ended" once the app has been idle this long after a run
# (generous: a run can pause between its two halves, e.g. around st.rerun()).
QUIET_SECONDS = 5.0
MESSAGE_CHARS = 120

# Which page each target is on, and its uploader (by its label: Home has two).
TARGET_PAGES = {"data": "Home", "model": "Home", "batch": "Batch predict"}
UPLOADER_LABELS = {
    "data": "Upload a labelled music genre CSV",
    "model": "Use a model you downloaded",
    "batch": "Tracks (CSV or JSON)",
}
ERROR = '[data-testid="stAlertContentError"]'
# An uncaught exception: Streamlit shows its traceback (in an error box too).
EXCEPTION = '[data-testid="stException"]'
# Streamlit's own refusal in the browser, before the server sees the file:
# over maxUploadSize, which the browser counts in 1,000,000-byte megabytes.
UPLOADER_ERROR = '[data-testid="stFileChip"]:has([data-testid="stFileChipIconError"])'
SUCCESS = '[data-testid="stAlertContentSuccess"]'
METRIC = '[data-testid="stMetric"]'

# Records the app's script runs from the page itself: a run can start and end
# between two polls from here.
WATCH_RUNS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const runs = {sawRunning: false, idleSince: performance.now()};
    window.__uploadRuns = runs;
    new MutationObserver(() => {
        if (app.getAttribute('data-test-script-state') === 'notRunning') {
            runs.idleSince = performance.now();
        } else {
            runs.sawRunning = true;
            runs.idleSince = null;
        }
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
RUN_ENDED = """quietMs => {
    const runs = window.__uploadRuns;
    const app = document.querySelector('[data-testid="stApp"]');
    return runs.sawRunning && runs.idleSince !== null
        && app.getAttribute('data-test-script-state') === 'notRunning'
        && performance.now() - runs.idleSince > quietMs;
}"""


@dataclass
class Upload:
    """One file to upload and where it goes."""

    name: str
    content: bytes
    target: str
    suffix: str
    # Words the refusal should hold (empty for a legitimate file).
    message_words: tuple[str, ...] = ()


@dataclass
class Outcome:
    """What one upload cost the server, and what the page said."""

    upload: Upload
    # "error", "exception", "uploader refused", "accepted", "run ended",
    # "killed", "died" or "timeout".
    answer: str
    seconds: float
    # The whole text shown (the table prints its first MESSAGE_CHARS).
    message: str
    baseline_mb: float
    peak_mb: float
    cpu_seconds: float
    largest_file_mb: float
    alive: bool
    killed_mb: float | None
    predict_chart: bool | None
    predict_seconds: float | None

    @property
    def growth_mb(self) -> float:
        """Memory the upload added to the server at its peak."""
        return self.peak_mb - self.baseline_mb


class Watchdog:
    """Samples the server tree's memory, CPU and open files; kills it past a limit.

    Runs in a thread so that a server growing by hundreds of MB a second is
    caught within one 20 ms sample, whatever the browser side is waiting for.
    """

    def __init__(self, pid: int, kill_mb: float, interval: float = 0.02) -> None:
        self.pid = pid
        self.kill_mb = kill_mb
        self.interval = interval
        self.peak_mb = tree_mb(pid)
        self.cpu = cpu_seconds(pid)
        self.largest_file_mb = 0.0
        self.started = time.perf_counter()
        self.killed_mb: float | None = None
        self.killed_after: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _open_file_mb(self) -> float:
        """The largest regular file the server holds open (deleted ones too)."""
        largest = 0
        for pid in [self.pid, *_descendants(self.pid)]:
            try:
                descriptors = os.listdir(f"/proc/{pid}/fd")
            except OSError:
                continue
            for descriptor in descriptors:
                try:
                    # stat follows the link, also to an unlinked temporary file.
                    status = os.stat(f"/proc/{pid}/fd/{descriptor}")
                except OSError:
                    continue
                if (status.st_mode & 0o170000) == 0o100000:
                    largest = max(largest, status.st_size)
        return largest / 1024**2

    def _kill_tree(self) -> None:
        for pid in [*_descendants(self.pid), self.pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def _sample(self) -> None:
        rounds = 0
        while not self._stop.is_set():
            resident = tree_mb(self.pid)
            self.peak_mb = max(self.peak_mb, resident)
            try:
                self.cpu = cpu_seconds(self.pid)
            except (OSError, IndexError):
                pass  # the server is gone: keep its last reading
            if resident > self.kill_mb:
                self.killed_mb = resident
                self.killed_after = time.perf_counter() - self.started
                self._kill_tree()
                return
            # Listing every descriptor costs more than a memory reading.
            if rounds % 10 == 0:
                self.largest_file_mb = max(self.largest_file_mb, self._open_file_mb())
            rounds += 1
            self._stop.wait(self.interval)

    def start(self) -> None:
        """Start sampling; the seconds before a kill count from here."""
        self.started = time.perf_counter()
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling (the thread has already stopped after a kill)."""
        self._stop.set()
        self._thread.join()


def alive(pid: int) -> bool:
    """Whether the process runs (a zombie waiting to be reaped does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _playwright():
    from playwright.async_api import async_playwright

    return async_playwright()


async def _new_page(browser):
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    return await context.new_page()


async def _idle(page) -> None:
    await page.wait_for_selector(READY, timeout=PAGE_LOAD_MS)
    await page.wait_for_timeout(300)
    await page.wait_for_selector(READY, timeout=PAGE_LOAD_MS)


async def _open(page, url: str, name: str) -> None:
    await page.goto(f"{url}/{PAGE_PATHS[name]}", timeout=PAGE_LOAD_MS)
    heading = "GenreLab" if name == "Home" else name
    await (
        page.locator("h1").filter(has_text=heading).first.wait_for(timeout=PAGE_LOAD_MS)
    )
    await _idle(page)


def _uploader_input(page, target: str):
    uploader = page.locator('[data-testid="stFileUploader"]').filter(
        has_text=UPLOADER_LABELS[target]
    )
    return uploader.locator('[data-testid="stFileUploaderDropzoneInput"]')


async def _first_text(locator) -> str:
    return " ".join((await locator.first.inner_text()).split())


async def _accepted(page, target: str, file_name: str) -> str | None:
    """What the page says once it has taken the file, or None (not yet)."""
    if target == "batch":
        download = page.get_by_role("button", name="Download the predictions")
        if not await download.count():
            return None
        texts = await page.locator(METRIC).all_inner_texts()
        return "; ".join(" ".join(text.split()) for text in texts)
    # Home says so in a success box naming the file (after its st.rerun()).
    named = f"uploaded file {file_name}" if target == "data" else f"(from {file_name})"
    success = page.locator(SUCCESS).filter(has_text=named)
    if await success.count():
        return await _first_text(success)
    return None


async def _wait_for_answer(
    page, upload: Upload, file_name: str, watchdog: Watchdog, timeout: float
) -> tuple[str, str]:
    """Poll until an error, an acceptance, a kill, a crash or the timeout."""
    while True:
        if watchdog.killed_mb is not None:
            return "killed", ""
        if not alive(watchdog.pid):
            return "died", ""
        # Checked first: a traceback is drawn inside an error box as well.
        exception = page.locator(EXCEPTION)
        if await exception.count():
            return "exception", await _first_text(exception)
        error = page.locator(ERROR)
        if await error.count():
            return "error", await _first_text(error)
        refused = page.locator(UPLOADER_ERROR)
        if await refused.count():
            return "uploader refused", await _first_text(refused)
        accepted = await _accepted(page, upload.target, file_name)
        if accepted is not None:
            return "accepted", accepted
        # Neither refused nor taken: a page that ends its runs showing
        # nothing about the file must not be waited for until the timeout.
        if await page.evaluate(RUN_ENDED, QUIET_SECONDS * 1000):
            return "run ended", "nothing shown"
        if time.perf_counter() - watchdog.started > timeout:
            return "timeout", ""
        await asyncio.sleep(0.1)


async def _predict_draws(browser, url: str) -> tuple[bool, float | None]:
    """Whether a second visitor gets Predict's chart, and after how long."""
    page = await _new_page(browser)
    started = time.perf_counter()
    try:
        await page.goto(f"{url}/{PAGE_PATHS['Predict']}", timeout=PREDICT_MS)
        await page.wait_for_selector(DRAWN_CHART, timeout=PREDICT_MS)
    except Exception:  # Playwright's TimeoutError or a refused connection
        return False, None
    finally:
        await page.context.close()
    return True, time.perf_counter() - started


async def measure(
    browser, upload: Upload, folder: Path, timeout: float, kill_mb: float
) -> Outcome:
    """Upload one file to a fresh server and record what it costs."""
    path = folder / f"{upload.name}{upload.suffix}"
    path.write_bytes(upload.content)
    with app_server() as server:
        page = await _new_page(browser)
        await _open(page, server.url, TARGET_PAGES[upload.target])
        # Let the first run's leftovers (caches, a preload) settle.
        await page.wait_for_timeout(1000)
        baseline_mb = server.rss_mb()
        cpu_before = server.cpu_seconds()
        await page.evaluate(WATCH_RUNS)
        watchdog = Watchdog(server.pid, kill_mb)
        watchdog.start()
        try:
            await _uploader_input(page, upload.target).set_input_files(path)
            answer, message = await _wait_for_answer(
                page, upload, path.name, watchdog, timeout
            )
            seconds = time.perf_counter() - watchdog.started
        finally:
            watchdog.stop()
        if watchdog.killed_after is not None:
            seconds = watchdog.killed_after
        await page.context.close()
        # A killed server can take a moment to be gone from /proc (it frees
        # gigabytes first): it is not asked for Predict.
        server_alive = watchdog.killed_mb is None and alive(server.pid)
        chart, chart_seconds = (
            await _predict_draws(browser, server.url) if server_alive else (None, None)
        )
        # Predict may have been the last straw.
        server_alive = server_alive and alive(server.pid)
        path.unlink()
        return Outcome(
            upload=upload,
            answer=answer,
            seconds=seconds,
            message=message,
            baseline_mb=baseline_mb,
            peak_mb=watchdog.peak_mb,
            cpu_seconds=watchdog.cpu - cpu_before,
            largest_file_mb=watchdog.largest_file_mb,
            alive=server_alive,
            killed_mb=watchdog.killed_mb,
            predict_chart=chart,
            predict_seconds=chart_seconds,
        )


def references(targets: set[str], folder: Path) -> dict[str, Upload]:
    """A legitimate file for each uploader: what an upload there normally costs."""
    from core.bundle import bundle_zip_bytes

    made = {
        "data": Upload("reference_dataset", DATA.read_bytes(), "data", ".csv"),
        "batch": Upload(
            "reference_2000_rows",
            repeated_rows_file(folder, REFERENCE_ROWS).read_bytes(),
            "batch",
            ".csv",
        ),
        "model": Upload(
            "reference_shipped_model",
            bundle_zip_bytes(ROOT / "models" / "default"),
            "model",
            ".zip",
        ),
    }
    return {target: made[target] for target in sorted(targets)}


def _note(what: str) -> None:
    print(f"bench_uploads: {what}", file=sys.stderr, flush=True)


async def run_all(
    uploads: list[Upload], timeout: float, kill_mb: float
) -> tuple[dict[str, Outcome], list[Outcome]]:
    """The references first, then every hostile file, each on a fresh server."""
    with tempfile.TemporaryDirectory(prefix="genrelab-uploads-") as temporary:
        folder = Path(temporary)
        legitimate = references({upload.target for upload in uploads}, folder)
        async with _playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            reference_outcomes = {}
            for target, upload in legitimate.items():
                _note(f"reference {upload.name} ...")
                reference_outcomes[target] = await measure(
                    browser, upload, folder, timeout, kill_mb
                )
                _note(f"  {_summary(reference_outcomes[target])}")
            outcomes = []
            for upload in uploads:
                _note(f"{upload.name} ({len(upload.content) / 1024:,.0f} KB) ...")
                outcomes.append(
                    await measure(browser, upload, folder, timeout, kill_mb)
                )
                _note(f"  {_summary(outcomes[-1])}")
            await browser.close()
    return reference_outcomes, outcomes


def _answer(outcome: Outcome) -> str:
    if outcome.killed_mb is not None:
        return f"killed at {outcome.killed_mb:,.0f} MB after {outcome.seconds:.1f} s"
    if outcome.answer == "timeout":
        return f"no answer after {outcome.seconds:.0f} s"
    if outcome.answer == "died":
        return f"server died after {outcome.seconds:.1f} s"
    return f"{outcome.answer} after {outcome.seconds:.1f} s"


def _summary(outcome: Outcome) -> str:
    if outcome.predict_chart is None:
        chart = "-"
    elif outcome.predict_chart:
        chart = f"yes ({outcome.predict_seconds:.1f} s)"
    else:
        chart = "no"
    return (
        f"{_answer(outcome)}; peak {outcome.peak_mb:,.0f} MB "
        f"(+{outcome.growth_mb:,.0f}); CPU {outcome.cpu_seconds:.1f} s; "
        f"open file {outcome.largest_file_mb:,.0f} MB; "
        f"{'alive' if outcome.alive else 'DEAD'}; Predict chart: {chart}"
    )


def _size(content: bytes) -> str:
    kilobytes = len(content) / 1024
    return f"{kilobytes:,.0f} KB" if kilobytes < 1024 else f"{kilobytes / 1024:.1f} MB"


def _ratio(value: float, reference: float, floor: float) -> str:
    # A reference near zero (a few MB of growth) would make any ratio huge
    # and meaningless: it is counted as at least ``floor``.
    return f"{value / max(reference, floor):,.1f}x"


def _refused_as_wanted(outcome: Outcome) -> bool | None:
    """Issue 29's bar: the app's refusal naming the problem, a live server, Predict.

    None when the browser refused the file itself (over Streamlit's upload
    limit): the app never saw it, so the figure says nothing about the app.
    """
    if outcome.answer == "uploader refused":
        return None
    # The words are looked for in the reason only: a file's name may hold them.
    reason = outcome.message.lower().partition("cannot be used:")[2]
    return (
        outcome.answer == "error"
        and all(word in reason for word in outcome.upload.message_words)
        and outcome.alive
        and bool(outcome.predict_chart)
    )


def table_rows(reference: dict[str, Outcome], outcomes: list[Outcome]) -> list[Row]:
    """One row per reference and per hostile file."""
    rows = []
    for target, outcome in reference.items():
        rows.append(
            Row.informative(
                f"reference: {outcome.upload.name} -> {target} "
                f"({_size(outcome.upload.content)})",
                _summary(outcome),
            )
        )
    for outcome in outcomes:
        base = reference[outcome.upload.target]
        words = ", ".join(f"'{word}'" for word in outcome.upload.message_words)
        rows.append(
            Row(
                f"{outcome.upload.name} -> {outcome.upload.target} "
                f"({_size(outcome.upload.content)})",
                _summary(outcome),
                f"+{base.growth_mb:,.0f} MB, {base.seconds:.1f} s",
                f"mem {_ratio(outcome.growth_mb, base.growth_mb, 1.0)}, "
                f"time {_ratio(outcome.seconds, base.seconds, 0.1)}",
                f"error with {words}; alive; chart",
                _refused_as_wanted(outcome),
            )
        )
    return rows


def corpus_uploads(scale: float, only: list[str] | None) -> list[Upload]:
    """The hostile corpus at ``scale``, or the files ``only`` names."""
    items = hostile.corpus(scale)
    known = [item.name for item in items]
    unknown = sorted(set(only or []) - set(known))
    if unknown:
        raise SystemExit(f"unknown file(s) {unknown}; known: {', '.join(known)}")
    return [
        Upload(item.name, item.content, item.target, item.suffix, item.message_words)
        for item in items
        if not only or item.name in only
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--only", nargs="+", metavar="NAME")
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument("--kill-mb", type=float, default=4000.0)
    arguments = parser.parse_args()
    started = time.perf_counter()
    _note(f"building the hostile corpus at scale {arguments.scale:g} ...")
    uploads = corpus_uploads(arguments.scale, arguments.only)
    built = time.perf_counter() - started
    reference, outcomes = asyncio.run(
        run_all(uploads, arguments.timeout, arguments.kill_mb)
    )
    print(
        f"Hostile uploads at scale {arguments.scale:g} (timeout "
        f"{arguments.timeout:g} s, kill at {arguments.kill_mb:,.0f} MB); corpus "
        f"built in {built:.0f} s; whole run {time.perf_counter() - started:.0f} s"
    )
    print(text_table(table_rows(reference, outcomes)))
    print(f"\nMessages shown (first {MESSAGE_CHARS} characters):")
    for outcome in [*reference.values(), *outcomes]:
        print(f"- {outcome.upload.name}: {outcome.message[:MESSAGE_CHARS] or '(none)'}")
    print(f"\n{machine()}")


if __name__ == "__main__":
    main()
