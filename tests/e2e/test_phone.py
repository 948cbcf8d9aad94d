"""A phone-sized window (390 x 844).

The answer stays in view while sliding; no page scrolls sideways.
"""

from __future__ import annotations

import sys

import pytest

from core import schema
from tests.e2e import browser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(browser.CHROMIUM is None, reason=browser.MISSING_CHROMIUM),
]

PHONE = {"width": 390, "height": 844}
# A phone-sized mobile window.
WINDOW = {
    "viewport": PHONE,
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}


@pytest.fixture
def phone_page(chromium_browser, request, tmp_path):
    """A page in a phone-sized mobile window; a screenshot if the test fails."""
    yield from browser.page_for_a_test(chromium_browser, request, False, **WINDOW)


def inside(box: dict, width: int, height: int) -> bool:
    return (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= width
        and box["y"] + box["height"] <= height
    )


@pytest.mark.parametrize("feature", ["danceability", "valence"])
def test_after_a_slider_move_the_new_answer_is_in_view_without_scrolling(
    app_url, phone_page, feature
):
    """danceability is the third slider, valence the last (far down the list)."""
    page = phone_page
    browser.open_page(page, app_url, "Predict")
    answer = page.locator(browser.ANSWER)
    before = answer.inner_text().strip()
    slider = browser.slider(page, feature)
    # Focusing the slider scrolls it into view, as reaching it by Tab or touch would.
    slider.focus()
    page.wait_for_timeout(300)
    for _ in range(25):
        slider.press("ArrowRight")
    page.wait_for_function(browser.ANSWER_CHANGED, arg=before, timeout=30_000)
    browser.wait_idle(page)
    browser.assert_no_exception(page)

    after = answer.inner_text().strip()
    assert after != before
    top_genre = next(
        (genre for genre in sorted(schema.GENRES, key=after.find) if genre in after),
        None,
    )
    assert top_genre is not None, after
    answer_box = page.locator(browser.ANSWER_BOX).bounding_box()
    slider_box = (
        page.locator('[data-testid="stSlider"]')
        .filter(has=page.locator(f'input[type="range"][aria-label="{feature}"]'))
        .bounding_box()
    )
    sys.stdout.write(
        f"\n{feature}: answer box {answer_box}, slider box {slider_box}, "
        f"answer {after!r}\n"
    )
    # The answer and the slider being moved are both on screen, one above the other.
    assert inside(answer_box, **PHONE), answer_box
    assert inside(slider_box, **PHONE), slider_box
    assert answer_box["y"] + answer_box["height"] <= slider_box["y"], (
        answer_box,
        slider_box,
    )
    # Nothing covers the answer (Streamlit's header is fixed at the top).
    covered = page.evaluate(
        "([x, y]) => !document.elementFromPoint(x, y)"
        ".closest('.st-key-predict_answer')",
        [
            answer_box["x"] + answer_box["width"] / 2,
            answer_box["y"] + answer_box["height"] / 2,
        ],
    )
    assert not covered
    # The compact bar shows the top genre's share.
    bar = page.locator(f'{browser.ANSWER_BOX} [data-testid="stProgress"]')
    assert bar.inner_text().strip().startswith(top_genre)


def test_the_compact_answer_is_shown_only_on_narrow_screens(app_url, app_page):
    """Desktop keeps its layout.

    The chart beside the sliders, no compact answer in sight.
    """
    for width, shown in ((1400, False), (390, True)):
        app_page.set_viewport_size({"width": width, "height": 900})
        browser.open_page(app_page, app_url, "Predict")
        box = app_page.locator(browser.ANSWER_WRAPPER).bounding_box()
        assert (
            box is not None and box["width"] > 100 and box["height"] > 20
        ) == shown, (
            width,
            box,
        )


# Scroll width of the page and of its main area, and any element sticking out
# of the window that no scrolling box of its own holds (a table that scrolls
# inside itself is fine; the page itself must not scroll sideways).
OVERFLOW = (
    """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    const width = document.documentElement.clientWidth;
    const sticking = [];
    for (const element of main.querySelectorAll('*')) {
        const box = element.getBoundingClientRect();
        if (box.width === 0 || box.height === 0 || box.right <= width + 1) continue;
        let held = false;
        for (let parent = element.parentElement; parent && parent !== main;
             parent = parent.parentElement) {
            if (['auto', 'scroll', 'hidden', 'clip']"""
    """.includes(getComputedStyle(parent).overflowX)) {
                held = true;
                break;
            }
        }
        if (!held) sticking.push((element.dataset.testid || element.tagName)"""
    """ + ' ' + Math.round(box.right));
    }
    const titles = [...document.querySelectorAll('.js-plotly-plot')].flatMap(chart => {
        const frame = chart.getBoundingClientRect();
        return [...chart.querySelectorAll('.gtitle')]
            .filter(title => title.getBoundingClientRect().right > frame.right + 1)
            .map(title => title.textContent);
    });
    return {page: document.documentElement.scrollWidth, main: main.scrollWidth, width,
            sticking, titles};
}"""
)


@pytest.mark.parametrize("name", list(browser.PAGE_PATHS))
def test_every_page_fits_a_phone_without_sideways_scrolling(app_url, phone_page, name):
    browser.open_page(phone_page, app_url, name)
    # As tall as the page, so that every chart is drawn (Plotly draws a chart
    # once it is in view); the width stays a phone's.
    height = phone_page.evaluate(
        "() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight"
    )
    phone_page.set_viewport_size(
        {"width": PHONE["width"], "height": max(height, PHONE["height"])}
    )
    phone_page.wait_for_timeout(1000)
    browser.wait_idle(phone_page)
    found = phone_page.evaluate(OVERFLOW)
    assert found["page"] <= found["width"] and found["main"] <= found["width"], found
    assert not found["sticking"], found
    assert not found["titles"], f"chart titles cut off: {found['titles']}"
