"""Accessibility: axe-core's WCAG 2 A/AA violations on every page (issue 20).

Starts a fresh ``streamlit run streamlit_app.py`` per data situation and opens
every page (Home, Data, Train, Evaluate, Predict, Batch predict) in headless
Chromium (Playwright's async API, Debian's ``/usr/bin/chromium``) at desktop
(1400 x 1000) and phone (390 x 844) size, each page a new session by its
address. Once the page's script run is over and its charts are drawn,
axe-core (shipped by the ``axe-playwright-python`` package) runs the rules
tagged wcag2a, wcag2aa, wcag21a and wcag21aa, twice:

- **in view**: at the size as it is (what a visitor sees before scrolling);
- **whole page**: every expander opened and the window made as tall as the
  page (same width, so the same layout), then once more per further tab of
  each ``st.tabs``. Streamlit scrolls the page inside ``stMain``, and axe-core
  skips text that its scrolling parent clips, so below the first screen
  nothing would be checked otherwise.

The figures are the union of both (an element counts once per rule).
Data situations:

- **data**: the default environment (``data/music_genre.csv``, the shipped
  model in ``models/``);
- **no data**: ``MUSIC_GENRE_CSV`` set to a file that does not exist (the
  shipped model stays).

Prints one line per page, size and violated rule: the rule id, its impact and
the number of elements; ``--details`` adds each element's selector and, for
colour contrast, its colours and ratio. Exits with 1 when any violation is
found.

Usage: ``python benchmarks/bench_accessibility.py [--only data nodata]
[--sizes desktop phone] [--details]``
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from _app import CHROMIUM, CHROMIUM_ARGS, PAGE_PATHS, READY, app_server

SIZES = {
    "desktop": {"width": 1400, "height": 1000},
    "phone": {"width": 390, "height": 844},
}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": WCAG_TAGS},
    "resultTypes": ["violations"],
}
# Opens every closed st.expander (a <details>; its content is not rendered shut).
OPEN_EXPANDERS = """() => document
    .querySelectorAll('[data-testid="stExpander"] details:not([open]) > summary')
    .forEach(summary => summary.click())"""
# The tallest scrolled content: the main area and the sidebar scroll by themselves.
CONTENT_HEIGHT = """() => Math.max(...[
    '[data-testid="stMain"]', '[data-testid="stSidebarContent"]'
].map(selector => document.querySelector(selector)?.scrollHeight ?? 0))"""
TIMEOUT = 120_000  # ms: the first visit to a page may import TensorFlow


async def _idle(page) -> None:
    await page.wait_for_selector(READY, timeout=TIMEOUT)
    # A run can start a few ms after the last one ended (a fragment, a chart
    # selection); charts draw after the run: wait a little and check again.
    await page.wait_for_timeout(1000)
    await page.wait_for_selector(READY, timeout=TIMEOUT)


async def scan_page(browser, axe, url: str, name: str, size: str) -> list[dict]:
    """Open one page in a new session at one size; axe-core's violations on it."""
    context = await browser.new_context(viewport=SIZES[size])
    try:
        page = await context.new_page()
        await page.goto(f"{url}/{PAGE_PATHS[name]}", timeout=TIMEOUT)
        heading = "GenreLab" if name == "Home" else name
        await (
            page.locator("h1").filter(has_text=heading).first.wait_for(timeout=TIMEOUT)
        )
        await _idle(page)
        found = [await _violations(axe, page)]
        await page.evaluate(OPEN_EXPANDERS)
        await _idle(page)
        await _whole_page(page, size)
        found.append(await _violations(axe, page))
        tabs = page.locator('[data-baseweb="tab-list"] [role="tab"]')
        for index in range(await tabs.count()):
            if await tabs.nth(index).get_attribute("aria-selected") == "true":
                continue  # the tab shown already (the first of its list)
            await tabs.nth(index).click()
            await _idle(page)
            await _whole_page(page, size)
            found.append(await _violations(axe, page))
        return merge(found)
    finally:
        await context.close()


async def _violations(axe, page) -> list[dict]:
    return (await axe.run(page, options=AXE_OPTIONS)).response["violations"]


async def _whole_page(page, size: str) -> None:
    """Make the window as tall as the page's content, at the same width."""
    height = await page.evaluate(CONTENT_HEIGHT)
    wanted = max(SIZES[size]["height"], height + 50)
    if wanted != page.viewport_size["height"]:
        await page.set_viewport_size({"width": SIZES[size]["width"], "height": wanted})
        await page.wait_for_timeout(500)


def merge(found: list[list[dict]]) -> list[dict]:
    """Violations of several scans of one page, each element once per rule."""
    merged: dict[str, dict] = {}
    for violations in found:
        for violation in violations:
            kept = merged.setdefault(violation["id"], {**violation, "nodes": []})
            targets = {str(node["target"]) for node in kept["nodes"]}
            kept["nodes"].extend(
                node
                for node in violation["nodes"]
                if str(node["target"]) not in targets
            )
    return list(merged.values())


def _node_detail(violation: dict, node: dict) -> str:
    target = " ".join(str(part) for part in node["target"])
    for check in node.get("any", []):
        data = check.get("data") or {}
        if isinstance(data, dict) and "contrastRatio" in data:
            return (
                f"{target}: {data.get('fgColor')} on {data.get('bgColor')} "
                f"{data['contrastRatio']}:1 (needs {data.get('expectedContrastRatio')})"
            )
    return target


async def measure(situations: list[str], sizes: list[str]) -> list[dict]:
    """Every page at every size in every data situation: one row per rule."""
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import async_playwright

    axe = Axe()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        environments = {
            "data": {},
            "nodata": {"MUSIC_GENRE_CSV": str(Path(folder) / "missing.csv")},
        }
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            for situation in situations:
                with app_server(environments[situation]) as server:
                    for size in sizes:
                        for name in PAGE_PATHS:
                            started = time.perf_counter()
                            violations = await scan_page(
                                browser, axe, server.url, name, size
                            )
                            print(
                                f"bench_accessibility: {situation} {size} {name}: "
                                f"{sum(len(v['nodes']) for v in violations)} elements "
                                f"({time.perf_counter() - started:.1f} s)",
                                file=sys.stderr,
                                flush=True,
                            )
                            rows.append(
                                {
                                    "situation": situation,
                                    "size": size,
                                    "page": name,
                                    "violations": violations,
                                }
                            )
            await browser.close()
    return rows


def report(rows: list[dict], details: bool) -> str:
    """One line per page, size and violated rule; totals at the end."""
    lines = [f"{'data':<7}{'size':<9}{'page':<15}{'rule':<28}{'impact':<10}elements"]
    total = 0
    by_rule: dict[str, int] = {}
    for row in rows:
        prefix = f"{row['situation']:<7}{row['size']:<9}{row['page']:<15}"
        if not row["violations"]:
            lines.append(f"{prefix}{'(none)':<28}{'':<10}0")
        for violation in row["violations"]:
            count = len(violation["nodes"])
            total += count
            by_rule[violation["id"]] = by_rule.get(violation["id"], 0) + count
            lines.append(
                f"{prefix}{violation['id']:<28}{violation['impact'] or '':<10}{count}"
            )
            if details:
                lines.extend(
                    f"    {_node_detail(violation, node)}"
                    for node in violation["nodes"]
                )
    rules = ", ".join(f"{rule} {count}" for rule, count in sorted(by_rule.items()))
    lines.append(f"total: {total} violating elements ({rules or 'none'})")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", nargs="+", choices=["data", "nodata"], default=["data", "nodata"]
    )
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    parser.add_argument(
        "--details", action="store_true", help="each element's selector and colours"
    )
    arguments = parser.parse_args()
    rows = asyncio.run(measure(arguments.only, arguments.sizes))
    print(report(rows, arguments.details))
    return 1 if any(row["violations"] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
