"""The main flows with the keyboard alone: Tab to a control, then keys only (no mouse).

Each test loads its page by address, then reaches every control with Tab
(counting the presses, so a control that Tab cannot reach fails) and works it
with arrow keys, typing, Enter or Space: slide and hear the new answer, train
a tiny model from the form, upload a file and download its predictions.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.conftest import csv_bytes, separable_rows
from tests.e2e import browser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(browser.CHROMIUM is None, reason=browser.MISSING_CHROMIUM),
]


def tab_to(page, target, limit: int = 150) -> int:
    """Press Tab until ``target`` has the keyboard focus.

    Return how many presses it took.
    """
    target.wait_for(state="attached")
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if target.evaluate("element => document.activeElement === element"):
            return presses
    raise AssertionError(f"Tab never reached {target} in {limit} presses")


def open_file_chooser_with_enter(page, button, attempts: int = 2):
    """Tab to ``button`` and press Enter until the browser's file chooser opens.

    On a loaded CI machine a rerun can redraw the uploader between the Tab that
    focused its button and the Enter, and the key then lands nowhere; the
    second attempt tabs to the redrawn button. Keys only, never a click.
    """
    for _ in range(attempts - 1):
        browser.wait_idle(page)
        tab_to(page, button)
        try:
            with page.expect_file_chooser(timeout=20_000) as chooser:
                page.keyboard.press("Enter")
            return chooser.value
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
    browser.wait_idle(page)
    tab_to(page, button)
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Enter")
    return chooser.value


def test_a_slider_moved_with_arrow_keys_gives_a_new_answer_in_a_live_region(
    app_url, app_page
):
    browser.open_page(app_page, app_url, "Predict")
    answer = app_page.locator(browser.ANSWER)
    before = answer.inner_text().strip()
    assert re.match(r"(Clearly|Mostly|A toss-up between) ", before), before
    # On a wide screen the answer is out of sight (the chart beside the sliders
    # says it) but stays in the page for screen readers.
    box = app_page.locator(browser.ANSWER_WRAPPER).bounding_box()
    assert box is None or box["height"] <= 1, box
    assert answer.get_attribute("aria-live") == "polite"
    # A live region is only announced if it is the same element before and after.
    answer.evaluate("element => { element.dataset.seen = 'before the move'; }")

    slider = browser.slider(app_page, "valence")
    presses = tab_to(app_page, slider)
    start = float(slider.input_value())
    for _ in range(25):
        app_page.keyboard.press("ArrowRight")
    app_page.wait_for_function(browser.ANSWER_CHANGED, arg=before, timeout=30_000)
    browser.wait_idle(app_page)

    assert float(slider.input_value()) > start
    after = answer.inner_text().strip()
    assert after != before
    assert answer.evaluate("element => element.dataset.seen") == "before the move"
    # The visible heading beside the chart says the same.
    heading = app_page.locator("h3").filter(
        has_text=re.compile(r"^(Clearly|Mostly|A toss-up)")
    )
    assert heading.first.inner_text().strip() == after
    assert presses > 1
    browser.assert_no_exception(app_page)


def test_training_a_tiny_model_from_the_form_with_the_keyboard(app_url, app_page):
    browser.open_page(app_page, app_url, "Train")
    epochs = (
        app_page.locator('[data-testid="stNumberInput"]')
        .filter(has_text="Epochs (at most)")
        .locator("input")
    )
    tab_to(app_page, epochs)
    app_page.keyboard.press("Control+A")
    app_page.keyboard.type("2")
    train = app_page.get_by_role("button", name="Train", exact=True)
    tab_to(app_page, train)  # Tab away from the field also commits the 2
    app_page.keyboard.press("Enter")

    app_page.locator("h2").filter(has_text="Result of Run 1").wait_for(timeout=120_000)
    browser.wait_idle(app_page, timeout=120_000)
    browser.assert_no_exception(app_page)
    # Two epochs: its curves' sentence says so.
    assert app_page.get_by_text(re.compile(r"^After 2 epochs")).count() == 1


def test_batch_predict_upload_and_download_with_the_keyboard(
    app_url, app_page, tmp_path
):
    tracks = tmp_path / "keyboard_tracks.csv"
    tracks.write_bytes(csv_bytes(separable_rows(per_genre=3, seed=5)))
    browser.open_page(app_page, app_url, "Batch predict")

    # Streamlit 1.67 names its "Browse files" button "Upload".
    browse = app_page.locator('[data-testid="stFileUploader"] button').filter(
        has_text="Upload"
    )
    chooser = open_file_chooser_with_enter(app_page, browse)
    chooser.set_files(tracks)
    app_page.locator(f'[data-testid="stFileChipName"][title="{tracks.name}"]').wait_for(
        timeout=60_000
    )
    download = app_page.get_by_role(
        "button", name=re.compile("Download the predictions")
    )
    download.wait_for(timeout=60_000)
    browser.wait_idle(app_page)

    tab_to(app_page, download)
    with app_page.expect_download() as downloaded:
        app_page.keyboard.press("Enter")
    saved = tmp_path / "downloaded.csv"
    downloaded.value.save_as(saved)
    assert downloaded.value.suggested_filename == "keyboard_tracks_predictions.csv"
    table = pd.read_csv(saved)
    assert len(table) == 30
    assert table["predicted_genre"].notna().all()
    browser.assert_no_exception(app_page)
