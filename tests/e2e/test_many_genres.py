"""A model of 60 genres in a real browser: Evaluate stays readable (issue 30).

The server reads a 60-genre file and ships a tiny model trained on it. At
1400 px the Evaluate page must not scroll sideways, its matrices show a part
of the 60 genres (the most mixed up), and Predict's bars show the likeliest
ten and "all others".
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import csv_bytes, genre_rows, tiny_config
from tests.e2e import browser
from tests.e2e.test_phone import OVERFLOW

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(browser.CHROMIUM is None, reason=browser.MISSING_CHROMIUM),
]

GENRES = [f"style {number:02d}" for number in range(60)]


@pytest.fixture(scope="module")
def sixty_genre_url(tmp_path_factory) -> Iterator[str]:
    from core import bundle, data, pipeline

    folder = tmp_path_factory.mktemp("sixty")
    data_path = folder / "music_genre.csv"
    data_path.write_bytes(csv_bytes(genre_rows(GENRES, per_genre=8, seed=12)))
    typed = data.load_csv(data_path, require_label=True)
    run = pipeline.train_from_frame(typed, tiny_config(unknowns="impute", epochs=6))
    model_dir = bundle.save_bundle(run.bundle, folder / "model")
    environment = {
        "MUSIC_GENRE_CSV": str(data_path),
        "GENRELAB_MODEL_DIR": str(model_dir),
    }
    with browser.streamlit_server(environment, folder / "streamlit.log") as url:
        yield url


def full_height(page) -> None:
    """As tall as the page, so that every chart is drawn; 1400 px wide."""
    height = page.evaluate(
        "() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight"
    )
    page.set_viewport_size({"width": 1400, "height": max(height, 1000)})
    page.wait_for_timeout(1000)
    browser.wait_idle(page)


def test_a_sixty_genre_evaluate_page_does_not_scroll_sideways(
    sixty_genre_url, app_page
):
    browser.open_page(app_page, sixty_genre_url, "Evaluate")
    full_height(app_page)
    browser.assert_no_exception(app_page)
    found = app_page.evaluate(OVERFLOW)
    assert found["page"] <= found["width"] and found["main"] <= found["width"], found
    assert not found["sticking"], found
    assert app_page.get_by_text("60 genres are too many for one readable grid").count()
    # Each matrix shows a part: 12 of the 60 genres along each side.
    sides = app_page.evaluate(
        """() => [...document.querySelectorAll('.js-plotly-plot')]
            .filter(chart => chart.data && chart.data[0].type === 'heatmap'
                    && String(chart.data[0].x[0]).startsWith('style'))
            .map(chart => chart.data[0].x.length)"""
    )
    # The training and test matrices (the error-rate heatmap is of features).
    assert sides == [12, 12], sides


def test_a_sixty_genre_prediction_shows_ten_bars_and_all_others(
    sixty_genre_url, app_page
):
    browser.open_page(app_page, sixty_genre_url, "Predict")
    full_height(app_page)
    browser.assert_no_exception(app_page)
    bars = app_page.evaluate(
        """() => [...document.querySelectorAll('.js-plotly-plot')]
            .map(chart => chart.data && chart.data[0])
            .filter(trace => trace && trace.type === 'bar'
                    && trace.orientation === 'h'
                    && [...trace.y].some(name => String(name).startsWith('style')))
            .map(trace => [...trace.y])[0]"""
    )
    assert len(bars) == 11, bars
    assert "all 50 others" in bars
