"""Figure 6: one small server, many visitors (issue 18).

Every scenario starts a fresh ``streamlit run streamlit_app.py`` (the real
dataset in ``data/``, the shipped model) and drives it with headless Chromium
(Playwright's async API, Debian's ``/usr/bin/chromium``), one browser context
per visitor, so each visitor is a session of its own:

- **cold start**: on a fresh server, the first visitor opens Home (time until
  the page has painted and finished its run); on another fresh server, the
  first visitor opens Predict by a deep link (time until the probability
  chart is drawn).
- **walk**: one visitor opens Home, Predict, Evaluate and Batch predict
  through the menu; then the server's resident memory and whether it has
  loaded TensorFlow (its native library in ``/proc/<pid>/maps``).
- **predict crowd**: on a warm server (one visit to Predict first), N
  visitors (N = 1, 4, 8) open Predict at the same moment: time to the chart
  per visitor, the server's own CPU seconds (``/proc/<pid>/stat``; the
  browser shares the machine, so its CPU is left out) and peak memory; then
  the CPU of serving Streamlit's own files (JavaScript, CSS, fonts) to one
  new browser, fetched again alone, as the reference.
- **train crowd**: 4 visitors on the Train page click Train (Recommended
  preset) at the same moment: time to the result per visitor, CPU, peak memory.
- **batch upload**: one visitor uploads a 100,000-row file (the dataset's rows
  repeated, written to a temporary folder) on Batch predict: memory added to
  the server until the download button shows.

Usage: ``python benchmarks/bench_load.py [--only cold walk predict train batch]
[--crowds 1 4 8] [--trainers 4]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _app import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DRAWN_CHART,
    PAGE_PATHS,
    READY,
    MemorySampler,
    app_server,
)
from _common import Row, repeated_rows_file, text_table

from core.training_queue import DEFAULT_SLOTS, SLOTS_VARIABLE

LONG = 600_000  # ms: four trainings at once can take minutes
UPLOAD_ROWS = 100_000
# Issue 18's targets.
COLD_RATIO_TARGET = 2.0
COLD_ROUNDS = 3  # fresh servers per page; the medians are compared
WALK_TARGET_MB = 400.0
TRAIN_RATIO_TARGET = 0.7
TRAIN_PEAK_TARGET_MB = 1200.0
UPLOAD_TARGET_MB = 150.0
PREDICT_CPU_TARGET = 0.5


async def _idle(page, timeout: float = LONG) -> None:
    await page.wait_for_selector(READY, timeout=timeout)
    await page.wait_for_timeout(300)
    await page.wait_for_selector(READY, timeout=timeout)


async def _browser(playwright):
    return await playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )


async def _new_page(browser):
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    return await context.new_page()


async def _open_until(page, url: str, name: str, selector: str) -> float:
    started = time.perf_counter()
    await page.goto(f"{url}/{PAGE_PATHS[name]}", timeout=LONG)
    await page.wait_for_selector(selector, timeout=LONG)
    return time.perf_counter() - started


async def _go_to(page, name: str) -> None:
    await (
        page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]')
        .filter(has_text=name)
        .get_by_text(name, exact=True)
        .click()
    )
    heading = "GenreLab" if name == "Home" else name
    await page.locator("h1").filter(has_text=heading).first.wait_for(timeout=LONG)
    await _idle(page)


def _playwright():
    from playwright.async_api import async_playwright

    return async_playwright()


@contextlib.asynccontextmanager
async def _fresh_server_page(name: str):
    """A fresh app server and one visitor's page, open at ``name`` and idle.

    Yields (server, page); the page and the browser close afterwards.
    """
    async with _playwright() as playwright:
        browser = await _browser(playwright)
        with app_server() as server:
            page = await _new_page(browser)
            await _open_until(page, server.url, name, "h1")
            await _idle(page)
            yield server, page
            await page.context.close()
        await browser.close()


async def cold_start(rounds: int = COLD_ROUNDS) -> dict[str, list[float]]:
    """First visitor of a fresh server: Home paint, and Predict by deep link.

    ``rounds`` fresh servers for each page, taken in turns, since one start
    varies by half a second here.
    """
    timings: dict[str, list[float]] = {"Home": [], "Home title": [], "Predict": []}
    async with _playwright() as playwright:
        browser = await _browser(playwright)
        for _ in range(rounds):
            for name, selector in (("Home", "h1"), ("Predict", DRAWN_CHART)):
                with app_server() as server:
                    page = await _new_page(browser)
                    started = time.perf_counter()
                    seconds = await _open_until(page, server.url, name, selector)
                    if name == "Home":
                        # Home has painted when its run is over (the title
                        # comes first; the data's status after it).
                        timings["Home title"].append(seconds)
                        await page.wait_for_selector(READY, timeout=LONG)
                        seconds = time.perf_counter() - started
                    timings[name].append(seconds)
                    await page.context.close()
        await browser.close()
    return timings


async def walk() -> dict:
    """One visitor walks Home, Predict, Evaluate, Batch predict; server memory after."""
    async with _fresh_server_page("Home") as (server, page):
        for name in ("Predict", "Evaluate", "Batch predict"):
            await _go_to(page, name)
            if name == "Predict":
                await page.wait_for_selector(DRAWN_CHART, timeout=LONG)
        await page.wait_for_timeout(2000)
        return {
            "rss_mb": server.rss_mb(),
            "peak_mb": server.peak_mb(),
            "tensorflow": server.tensorflow_loaded(),
        }


async def predict_crowd(visitors: int) -> dict:
    """N visitors open Predict at once on a warm server."""
    async with _playwright() as playwright:
        browser = await _browser(playwright)
        with app_server() as server:
            warm = await _new_page(browser)
            await _open_until(warm, server.url, "Predict", DRAWN_CHART)
            await _idle(warm)
            await warm.context.close()
            await asyncio.sleep(2)
            pages = [await _new_page(browser) for _ in range(visitors)]
            requested: list[str] = []
            pages[0].on("request", lambda request: requested.append(request.url))
            cpu_before = server.cpu_seconds()
            with MemorySampler(server.pid) as memory:
                times = await asyncio.gather(
                    *(
                        _open_until(page, server.url, "Predict", DRAWN_CHART)
                        for page in pages
                    )
                )
                await asyncio.gather(*(_idle(page) for page in pages))
                # Work the server does after the last chart (e.g. the what-if).
                await asyncio.sleep(1)
            cpu = server.cpu_seconds() - cpu_before
            for page in pages:
                await page.context.close()
            static = await asyncio.to_thread(_fetch_static_files, server, requested)
        await browser.close()
    return {"times": times, "cpu": cpu, "peak_mb": memory.peak_mb, **static}


def _fetch_static_files(server, urls: list[str]) -> dict:
    """The server's CPU for Streamlit's own files one new browser loads.

    Fetched again, one by one, with nothing else going on: the part of a
    visitor's CPU that is Streamlit's static file serving (JavaScript, CSS,
    fonts), which no page of the app can change. A returning browser keeps
    them (they are served as immutable).
    """
    files = sorted({url for url in urls if "/static/" in url})
    cpu_before = server.cpu_seconds()
    size = sum(len(urllib.request.urlopen(url).read()) for url in files)
    return {
        "static_cpu": server.cpu_seconds() - cpu_before,
        "static_files": len(files),
        "static_mb": size / 1024**2,
    }


async def _train_and_wait(page, started: float) -> float:
    await page.get_by_role("button", name="Train", exact=True).click()
    await page.get_by_text("Result of Run 1").first.wait_for(timeout=LONG)
    return time.perf_counter() - started


async def train_crowd(trainers: int, slots: int | None = None) -> dict:
    """N visitors click Train (Recommended) on the Train page at the same moment.

    ``slots``: trainings the server lets run at once (None: the app's default).
    """
    environment = {} if slots is None else {SLOTS_VARIABLE: str(slots)}
    async with _playwright() as playwright:
        browser = await _browser(playwright)
        with app_server(environment) as server:
            pages = [await _new_page(browser) for _ in range(trainers)]
            await asyncio.gather(
                *(_open_until(page, server.url, "Train", "h1") for page in pages)
            )
            await asyncio.gather(*(_idle(page) for page in pages))
            cpu_before = server.cpu_seconds()
            with MemorySampler(server.pid, interval=0.1) as memory:
                started = time.perf_counter()
                times = await asyncio.gather(
                    *(_train_and_wait(page, started) for page in pages)
                )
            cpu = server.cpu_seconds() - cpu_before
            for page in pages:
                await page.context.close()
        await browser.close()
    return {"times": times, "cpu": cpu, "peak_mb": memory.peak_mb}


async def _upload_and_wait(page, path: Path) -> None:
    remove = page.locator('[data-testid="stFileChipDeleteBtn"] button')
    if await remove.count():
        await remove.first.click()
        await page.get_by_text("Upload a file to start").wait_for(timeout=LONG)
        await _idle(page)
    await page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        path
    )
    await page.locator(f'[data-testid="stFileChipName"][title="{path.name}"]').wait_for(
        timeout=LONG
    )
    await page.get_by_role("button", name="Download the predictions").first.wait_for(
        timeout=LONG
    )
    await _idle(page)


async def batch_upload(rows: int = UPLOAD_ROWS) -> dict:
    """Memory the server adds to predict a 100,000-row upload on Batch predict.

    A 1,000-row file is predicted first, so that what any upload pays once
    per server (scikit-learn's import for the scores, the page's first run)
    is not counted as this file's.
    """
    with tempfile.TemporaryDirectory(prefix="genrelab-bench-") as folder:
        warm_up = repeated_rows_file(Path(folder), 1_000)
        path = repeated_rows_file(Path(folder), rows)
        async with _fresh_server_page("Batch predict") as (server, page):
            await _upload_and_wait(page, warm_up)
            await page.wait_for_timeout(1000)
            before = server.rss_mb()
            with MemorySampler(server.pid) as memory:
                started = time.perf_counter()
                await _upload_and_wait(page, path)
                seconds = time.perf_counter() - started
                await page.wait_for_timeout(2000)
            after = server.rss_mb()
        size_mb = path.stat().st_size / 1024**2 if path.exists() else 0.0
    return {
        "before_mb": before,
        "peak_mb": memory.peak_mb,
        "after_mb": after,
        "seconds": seconds,
        "file_mb": size_mb,
    }


def _times(values: list[float]) -> str:
    return f"mean {statistics.mean(values):.1f} s [{min(values):.1f}-{max(values):.1f}]"


def run(
    only: list[str] | None = None,
    crowds: tuple[int, ...] = (1, 4, 8),
    trainers: int = 4,
    upload_rows: int = UPLOAD_ROWS,
) -> list[Row]:
    """Measure figure 6; return the table rows."""
    chosen = only or ["cold", "walk", "predict", "train", "batch"]
    rows = []

    def note(what: str) -> None:
        print(f"bench_load: {what} ...", file=sys.stderr, flush=True)

    if "cold" in chosen:
        note("cold")
        timings = asyncio.run(cold_start())
        home, title, predict = (statistics.median(timings[name]) for name in timings)

        def spread(name: str) -> str:
            low, high = min(timings[name]), max(timings[name])
            return f"median of {len(timings[name])} [{low:.1f}-{high:.1f}]"

        ratio = predict / home
        rows.append(
            Row(
                "6. Fresh server, first visitor opens Predict by a link: first chart",
                f"{predict:.1f} s, {spread('Predict')}",
                f"Home painted in {home:.1f} s, {spread('Home')} (its title "
                f"{title:.1f} s, {spread('Home title')}; fresh servers)",
                f"{ratio:.2f} ({predict / title:.2f} of the title's time)",
                f"<= {COLD_RATIO_TARGET:g}x Home",
                ratio <= COLD_RATIO_TARGET,
            )
        )
    if "walk" in chosen:
        note("walk")
        result = asyncio.run(walk())
        rows.append(
            Row(
                "6. Server after one visitor walks "
                "Home, Predict, Evaluate, Batch predict",
                f"{result['rss_mb']:.0f} MB resident "
                f"(peak {result['peak_mb']:.0f} MB); "
                f"TensorFlow loaded: {'yes' if result['tensorflow'] else 'no'}",
                "-",
                f"{result['rss_mb'] / WALK_TARGET_MB:.2f} of target",
                f"<= {WALK_TARGET_MB:.0f} MB, no TensorFlow",
                result["rss_mb"] <= WALK_TARGET_MB and not result["tensorflow"],
            )
        )
    if "predict" in chosen:
        for visitors in crowds:
            note(f"predict crowd of {visitors}")
            result = asyncio.run(predict_crowd(visitors))
            per_visitor = result["cpu"] / visitors
            rows.append(
                Row(
                    f"6. {visitors} visitor(s) open Predict at once (warm server)",
                    f"chart after {_times(result['times'])}; server CPU "
                    f"{result['cpu']:.1f} s ({per_visitor:.2f} s per visitor); "
                    f"peak {result['peak_mb']:.0f} MB",
                    f"Streamlit's own files for one new browser "
                    f"({result['static_files']} files, {result['static_mb']:.1f} MB) "
                    f"fetched alone: {result['static_cpu']:.2f} CPU s",
                    f"{per_visitor / PREDICT_CPU_TARGET:.2f} of target",
                    f"<= {PREDICT_CPU_TARGET} CPU s per visitor",
                    per_visitor <= PREDICT_CPU_TARGET,
                )
            )
    if "train" in chosen:
        note(f"train, {trainers} slots (all at once, the reference)")
        together = asyncio.run(train_crowd(trainers, slots=trainers))
        note("train, the app's default slots")
        queued = asyncio.run(train_crowd(trainers))
        ratio = statistics.mean(queued["times"]) / statistics.mean(together["times"])
        rows.append(
            Row(
                f"6. {trainers} visitors click Train (Recommended) at once, queued "
                f"({DEFAULT_SLOTS} at a time)",
                f"result after {_times(queued['times'])}; server CPU "
                f"{queued['cpu']:.0f} s; peak {queued['peak_mb']:.0f} MB",
                f"all {trainers} at once: {_times(together['times'])}, CPU "
                f"{together['cpu']:.0f} s, peak {together['peak_mb']:.0f} MB",
                f"{ratio:.2f}",
                f"mean <= {TRAIN_RATIO_TARGET}x all-at-once, peak <= "
                f"{TRAIN_PEAK_TARGET_MB:.0f} MB",
                ratio <= TRAIN_RATIO_TARGET
                and queued["peak_mb"] <= TRAIN_PEAK_TARGET_MB,
            )
        )
    if "batch" in chosen:
        note("batch")
        result = asyncio.run(batch_upload(upload_rows))
        added = result["peak_mb"] - result["before_mb"]
        rows.append(
            Row(
                f"6. Batch predict, {upload_rows:,}-row upload "
                f"({result['file_mb']:.0f} MB)",
                f"+{added:.0f} MB at peak ({result['before_mb']:.0f} -> "
                f"{result['peak_mb']:.0f} MB; {result['after_mb']:.0f} MB after); "
                f"result in {result['seconds']:.1f} s",
                "-",
                f"{added / UPLOAD_TARGET_MB:.2f} of target",
                f"<= +{UPLOAD_TARGET_MB:.0f} MB",
                added <= UPLOAD_TARGET_MB,
            )
        )
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", nargs="+", choices=["cold", "walk", "predict", "train", "batch"]
    )
    parser.add_argument("--crowds", nargs="+", type=int, default=[1, 4, 8])
    parser.add_argument("--trainers", type=int, default=4)
    parser.add_argument("--upload-rows", type=int, default=UPLOAD_ROWS)
    arguments = parser.parse_args()
    print(
        text_table(
            run(
                arguments.only,
                tuple(arguments.crowds),
                arguments.trainers,
                arguments.upload_rows,
            )
        )
    )
