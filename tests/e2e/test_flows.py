"""What people do in the app, in a real browser.

Predict, batch predict, train, bad files.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tests.bad_files.corpus import CORPUS, by_name
from tests.e2e import browser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(browser.CHROMIUM is None, reason=browser.MISSING_CHROMIUM),
]

FILE_INPUT = '[data-testid="stFileUploaderDropzoneInput"]'
CHART_CHANGED = """before => {
    const chart = document.querySelectorAll('.js-plotly-plot')[0];
    return chart && JSON.stringify(chart.data.map(t => [t.x, t.y])) !== before;
}"""


def metric_value(page, label: str) -> str:
    """The value shown by the st.metric whose label is ``label``."""
    metric = page.locator('[data-testid="stMetric"]').filter(
        has=page.get_by_text(label, exact=True)
    )
    return metric.locator('[data-testid="stMetricValue"]').first.inner_text().strip()


def test_moving_a_slider_changes_the_probability_chart(app_url, app_page):
    browser.open_page(app_page, app_url, "Predict")
    app_page.locator(".js-plotly-plot").first.wait_for()
    before = browser.plotly_data(app_page)
    slider = browser.slider(app_page, "danceability")
    start = slider.input_value()
    browser.move_slider(app_page, "danceability", 10)
    app_page.wait_for_function(CHART_CHANGED, arg=before, timeout=30_000)
    browser.wait_idle(app_page)
    assert float(slider.input_value()) > float(start)
    assert browser.plotly_data(app_page) != before
    browser.assert_no_exception(app_page)


def test_batch_predict_uploads_a_csv_and_downloads_every_row(
    app_url, app_page, tmp_path
):
    bad = by_name("nan_and_inf")  # 6 rows, 5 of which cannot be predicted
    browser.open_page(app_page, app_url, "Batch predict")
    browser.upload(app_page, bad.write(tmp_path))
    button = app_page.get_by_role("button", name=re.compile("Download the predictions"))
    button.wait_for(timeout=60_000)
    browser.wait_idle(app_page)
    assert metric_value(app_page, "Rows") == "6"
    assert metric_value(app_page, "Could not be predicted") == str(len(bad.reasons))
    assert app_page.get_by_text("Rows that could not be predicted").count() == 1
    with app_page.expect_download() as download:
        button.click()
    saved = tmp_path / "downloaded.csv"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "nan_and_inf_predictions.csv"
    table = pd.read_csv(saved, dtype=str, keep_default_na=False)
    assert len(table) == bad.rows
    reasons = table["reason"].tolist()
    for position in range(bad.rows):
        assert (reasons[position] != "") == (position in bad.reasons), reasons
    browser.assert_no_exception(app_page)


# Every refused file (but the 200 MB one: core and CLI tests cover the limit)
# and a spread of accepted ones; each upload costs the browser a few seconds.
BROWSER_CORPUS = [
    bad
    for bad in CORPUS
    if (not bad.accepted and bad.size_limit_mb is None)
    or bad.name
    in (
        "nan_and_inf",
        "unknown_key_and_mode",
        "unknown_tempo_and_duration",
        "blank_row_inside",
        "utf16_excel_unicode_text",
        "latin1_encoding",
    )
]


def upload_on_batch_predict(page, path) -> None:
    """Replace the uploaded file and wait for this file's result, not the last one's."""
    remove = page.locator('[data-testid="stFileChipDeleteBtn"] button')
    if remove.count():
        remove.first.click()
        page.get_by_text("Upload a file to start").wait_for(timeout=30_000)
    browser.upload(page, path)
    page.locator(
        '[data-testid="stMetric"], [data-testid="stAlert"]:has-text("cannot be used")'
    ).first.wait_for(timeout=60_000)
    browser.wait_idle(page)


def test_every_corpus_file_on_batch_predict_gives_a_result_or_a_plain_error(
    app_url, app_page, tmp_path
):
    browser.open_page(app_page, app_url, "Batch predict")
    for bad in BROWSER_CORPUS:
        upload_on_batch_predict(app_page, bad.write(tmp_path))
        if bad.accepted:
            assert metric_value(app_page, "Rows") == f"{bad.rows:,}", bad.name
            unpredictable = metric_value(app_page, "Could not be predicted")
            # The app's tiny shipped model imputes unknown tempo and duration.
            assert unpredictable == str(bad.unpredictable("impute")), bad.name
        else:
            alert = app_page.locator(browser.ALERT).filter(
                has_text=f"{bad.name}.csv cannot be used"
            )
            alert.wait_for(timeout=30_000)
            text = alert.inner_text().lower()
            for word in bad.message_words:
                assert word in text, (bad.name, text)
            assert app_page.get_by_text("Download the predictions").count() == 0
        browser.assert_no_exception(app_page)


def test_a_bad_dataset_on_home_shows_a_plain_error_and_keeps_the_data(
    app_url, app_page, tmp_path
):
    browser.open_page(app_page, app_url, "Home")
    browser.upload(app_page, by_name("missing_tempo_column").write(tmp_path))
    alert = app_page.locator(browser.ALERT).filter(has_text="cannot be used")
    alert.wait_for(timeout=30_000)
    browser.wait_idle(app_page)
    assert "missing the column tempo" in alert.inner_text()
    browser.assert_no_exception(app_page)
    # The synthetic dataset is still the one in use.
    assert app_page.get_by_text("120 rows").count() >= 1


def test_training_a_tiny_model_updates_evaluate(app_url, app_page):
    browser.open_page(app_page, app_url, "Evaluate")
    assert app_page.get_by_text("Shipped model").count() >= 1
    browser.go_to(app_page, "Train")
    epochs = (
        app_page.locator('[data-testid="stNumberInput"]')
        .filter(has_text="Epochs (at most)")
        .locator("input")
    )
    epochs.fill("2")
    app_page.get_by_role("button", name="Train", exact=True).click()
    result = app_page.locator("h2").filter(has_text="Result of Run 1")
    result.wait_for(timeout=120_000)
    browser.wait_idle(app_page, timeout=120_000)
    browser.assert_no_exception(app_page)
    trained_accuracy = metric_value(app_page, "Test accuracy")
    assert metric_value(app_page, "Training accuracy").endswith("%")

    browser.go_to(app_page, "Evaluate")
    browser.assert_no_exception(app_page)
    caption = app_page.get_by_text(re.compile(r"^Model: Run 1"))
    assert caption.count() == 1
    assert metric_value(app_page, "Test accuracy") == trained_accuracy


def fill_number(page, label: str, value: str) -> None:
    page.locator('[data-testid="stNumberInput"]').filter(has_text=label).locator(
        "input"
    ).fill(value)


def test_two_sessions_training_at_once_keep_their_own_runs(
    app_url, app_page, chromium_browser
):
    other_context = chromium_browser.new_context(
        viewport={"width": 1400, "height": 1000}
    )
    try:
        sessions = [app_page, other_context.new_page()]
        for seed, page in enumerate(sessions, start=1):
            browser.open_page(page, app_url, "Train")
            fill_number(page, "Epochs (at most)", "2")
            fill_number(page, "Seed", str(seed))
        # Both click Train before either has finished.
        for page in sessions:
            page.get_by_role("button", name="Train", exact=True).click()
        for page in sessions:
            page.locator("h2").filter(has_text="Result of Run 1").wait_for(
                timeout=120_000
            )
            browser.wait_idle(page, timeout=120_000)
            browser.assert_no_exception(page)
        for page in sessions:
            # A run of the other session would be numbered 2 here.
            assert page.get_by_text(re.compile(r"Run 2\b")).count() == 0
            browser.go_to(page, "Evaluate")
            assert page.get_by_text(re.compile(r"^Model: Run 1")).count() == 1
    finally:
        other_context.close()


def start_a_long_training(page, app_url: str) -> None:
    """On Train, the reference study for a thousand epochs of one-row steps: long
    enough that Stop, or a second person, lands mid-run."""
    browser.open_page(page, app_url, "Train")
    page.get_by_text("Reference study", exact=True).click()
    browser.wait_idle(page)
    fill_number(page, "Epochs (at most)", "1000")
    fill_number(page, "Batch size", "1")
    page.get_by_role("button", name="Train", exact=True).click()


def test_stopping_a_training_keeps_the_previous_model(app_url, app_page):
    start_a_long_training(app_page, app_url)
    stop = app_page.get_by_role("button", name="Stop training")
    stop.wait_for(timeout=60_000)
    app_page.locator('[data-testid="stProgress"]').wait_for(timeout=60_000)
    stop.click()
    app_page.get_by_text("Training was stopped").wait_for(timeout=60_000)
    browser.wait_idle(app_page)
    browser.assert_no_exception(app_page)
    assert app_page.locator("h2").filter(has_text="Result of Run").count() == 0
    assert app_page.get_by_text("No model trained in this session yet.").count() == 1
    browser.go_to(app_page, "Evaluate")
    assert app_page.get_by_text(re.compile(r"^Model: Shipped model")).count() == 1


def test_the_training_queue_admits_one_keeps_order_and_lets_people_leave(
    app_url, app_page, chromium_browser
):
    """One slot (the default): B waits behind A, cancels, rejoins; C waits behind B;
    B closes the tab and C moves up; A stops and C trains by itself."""
    contexts = [
        chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
        for _ in range(2)
    ]
    try:
        first, second, third = app_page, contexts[0].new_page(), contexts[1].new_page()
        start_a_long_training(first, app_url)
        first.get_by_role("button", name="Stop training").wait_for(timeout=60_000)

        browser.open_page(second, app_url, "Train")
        fill_number(second, "Epochs (at most)", "2")
        second.get_by_role("button", name="Train", exact=True).click()
        waiting = second.locator(browser.ALERT).filter(has_text="you are next")
        waiting.wait_for(timeout=30_000)
        assert (
            "1 training running on this server (at most 1 at once)"
            in waiting.inner_text()
        )
        second.get_by_role("button", name="Cancel").click()
        second.get_by_text("You left the training queue").wait_for(timeout=30_000)
        second.get_by_role("button", name="Train", exact=True).click()
        second.locator(browser.ALERT).filter(has_text="you are next").wait_for(
            timeout=30_000
        )

        browser.open_page(third, app_url, "Train")
        fill_number(third, "Epochs (at most)", "2")
        third.get_by_role("button", name="Train", exact=True).click()
        third.locator(browser.ALERT).filter(has_text="1 visitor ahead of you").wait_for(
            timeout=30_000
        )
        # The visitor ahead closes the tab: the place is freed.
        contexts[0].close()
        third.locator(browser.ALERT).filter(has_text="you are next").wait_for(
            timeout=60_000
        )
        first.get_by_role("button", name="Stop training").click()
        first.get_by_text("Training was stopped").wait_for(timeout=60_000)
        # The slot is free: the waiting visitor's training starts and ends by itself.
        third.locator("h2").filter(has_text="Result of Run 1").wait_for(timeout=120_000)
        browser.wait_idle(third, timeout=120_000)
        for page in (first, third):
            browser.assert_no_exception(page)
    finally:
        for context in contexts:
            try:
                context.close()
            except Exception:  # already closed above
                pass
