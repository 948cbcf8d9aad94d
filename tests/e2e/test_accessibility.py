"""No WCAG 2 A/AA violation (axe-core) on any page.

Desktop and phone, with and without data. axe-core comes with the
``axe-playwright-python`` package. Each page is scanned with every expander
open and the window as tall as the page, at the same width (axe-core skips
text that Streamlit's scrolling main area clips, so below the first screen
nothing would be checked otherwise), then once more per further tab of every
``st.tabs``: whatever the pages gain later is checked too.
"""

from __future__ import annotations

import pytest

from tests.e2e import browser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(browser.CHROMIUM is None, reason=browser.MISSING_CHROMIUM),
]

SIZES = {
    "desktop": {"width": 1400, "height": 1000},
    "phone": {"width": 390, "height": 844},
}
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
# Opens every closed st.expander; returns how many it opened.
OPEN_EXPANDERS = """() => {
    const closed = document.querySelectorAll(
        '[data-testid="stExpander"] details:not([open]) > summary');
    closed.forEach(summary => summary.click());
    return closed.length;
}"""
# The main area and the sidebar scroll by themselves: the taller of the two.
CONTENT_HEIGHT = """() => Math.max(...[
    '[data-testid="stMain"]', '[data-testid="stSidebarContent"]'
].map(selector => document.querySelector(selector)?.scrollHeight ?? 0))"""


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def _settle(page) -> None:
    # Charts draw after the script run, and a fragment may run once more.
    page.wait_for_timeout(500)
    browser.wait_idle(page)


def _violations(axe, page) -> list[dict]:
    return axe.run(page, options=AXE_OPTIONS).response["violations"]


def _whole_page(page, size: dict[str, int]) -> None:
    height = max(size["height"], page.evaluate(CONTENT_HEIGHT) + 50)
    if height != page.viewport_size["height"]:
        page.set_viewport_size({"width": size["width"], "height": height})
        page.wait_for_timeout(300)


def scan(axe, page, size: dict[str, int]) -> list[dict]:
    """axe-core's violations on the whole open page, each tab shown in turn."""
    if page.evaluate(OPEN_EXPANDERS):
        _settle(page)
    _whole_page(page, size)
    found = [_violations(axe, page)]
    tabs = page.locator('[data-baseweb="tab-list"] [role="tab"]')
    for index in range(tabs.count()):
        if tabs.nth(index).get_attribute("aria-selected") == "true":
            continue  # shown already
        tabs.nth(index).click()
        _settle(page)
        _whole_page(page, size)
        found.append(_violations(axe, page))
    merged: dict[str, dict] = {}
    for violations in found:
        for violation in violations:
            kept = merged.setdefault(violation["id"], {**violation, "nodes": []})
            seen = {str(node["target"]) for node in kept["nodes"]}
            kept["nodes"] += [
                n for n in violation["nodes"] if str(n["target"]) not in seen
            ]
    return list(merged.values())


def describe(page_name: str, violations: list[dict]) -> str:
    """One page's violations.

    Rule, impact, summary; per element its selector, HTML, why.
    """
    lines = []
    for violation in violations:
        lines.append(
            f"{page_name}: {violation['id']} ({violation['impact']}): "
            f"{violation['help']} [{len(violation['nodes'])} elements]"
        )
        for node in violation["nodes"][:10]:
            target = " ".join(str(part) for part in node["target"])
            html = " ".join(node.get("html", "").split())[:160]
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {target}\n        {html}\n        {summary}")
    return "\n".join(lines)


@pytest.mark.parametrize("size_name", list(SIZES))
@pytest.mark.parametrize("situation", ["data and model", "no data"])
def test_no_wcag_violation_on_any_page(request, app_page, axe, situation, size_name):
    url = request.getfixturevalue(
        "app_url" if situation == "data and model" else "no_data_app_url"
    )
    size = SIZES[size_name]
    failures = []
    for name in browser.PAGE_PATHS:
        app_page.set_viewport_size(size)
        browser.open_page(app_page, url, name)
        _settle(app_page)
        browser.assert_no_exception(app_page)
        violations = scan(axe, app_page, size)
        if violations:
            failures.append(describe(name, violations))
    assert not failures, (
        f"WCAG 2 A/AA violations ({situation}, {size_name} "
        f"{size['width']}x{size['height']}):\n" + "\n".join(failures)
    )
