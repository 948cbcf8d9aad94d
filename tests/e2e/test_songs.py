"""Songs in a real browser.

Find and load a track, open a confusion cell, an explanation that follows the
sliders.
"""

from __future__ import annotations

import json
import re

import pytest

from core import schema
from tests.e2e import browser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(browser.CHROMIUM is None, reason=browser.MISSING_CHROMIUM),
]


def chart_data(page, title_start: str) -> str | None:
    """The data of the first Plotly chart whose title starts with ``title_start``."""
    return page.evaluate(
        """start => {
            for (const chart of document.querySelectorAll('.js-plotly-plot')) {
                // Streamlit's theme wraps titles in <b> tags.
                const title = ((chart.layout && chart.layout.title"""
        """ && chart.layout.title.text) || '').replace(/<[^>]+>/g, '');
                if (title.startsWith(start)) {
                    return JSON.stringify(chart.data.map(t => [t.x, t.y]));
                }
            }
            return null;
        }""",
        title_start,
    )


def draw_every_chart(page) -> None:
    """Scroll each chart into view: Plotly charts below the fold are drawn when seen."""
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    charts = page.locator('[data-testid="stPlotlyChart"]')
    for position in range(charts.count()):
        charts.nth(position).scroll_into_view_if_needed()
        charts.nth(position).locator(".js-plotly-plot").wait_for(timeout=30_000)


def slider_value(page, label: str) -> float:
    return float(browser.slider(page, label).input_value())


def choose_track(page, typed: str, listed: str) -> None:
    """Type ``typed`` into the song finder; pick the match that reads ``listed``."""
    box = page.get_by_role("textbox", name="Artist or title")
    box.fill(typed)
    box.press("Enter")
    browser.wait_idle(page)
    page.locator('[data-testid="stSelectbox"]').filter(
        has_text="Matching tracks"
    ).click()
    page.get_by_role("option", name=re.compile(listed)).click()


def test_typing_an_artist_loads_the_track_onto_the_sliders_and_the_chart(
    app_url, app_page
):
    browser.open_page(app_page, app_url, "Predict")
    app_page.locator(".js-plotly-plot").first.wait_for()
    before = chart_data(app_page, "Genre probabilities")
    danceability_before = slider_value(app_page, "danceability")
    choose_track(app_page, "artist 8-3", "Artist 8-3 — Track 8-3")
    app_page.get_by_text("Artist 8-3 — Track 8-3", exact=False).first.wait_for()
    browser.wait_idle(app_page)
    browser.assert_no_exception(app_page)
    facts = app_page.locator(browser.ALERT).filter(has_text="listed under").inner_text()
    assert "Artist 8-3 — Track 8-3" in facts and "listed under" in facts
    assert slider_value(app_page, "danceability") != danceability_before
    assert chart_data(app_page, "Genre probabilities") != before


def test_a_clicked_confusion_cell_lists_as_many_songs_as_it_counts(app_url, app_page):
    browser.open_page(app_page, app_url, "Evaluate")
    app_page.get_by_text("track counts", exact=True).click()
    browser.wait_idle(app_page)
    draw_every_chart(app_page)
    # The test matrix's click layer holds each cell's text (the counts now);
    # its cell (true i, predicted j) is the (10 i + j)-th marker.
    texts = json.loads(
        app_page.evaluate(
            """() => {
                const charts = [...document.querySelectorAll('.js-plotly-plot')];
                const test = charts.find(c => (c.layout.title.text || '')"""
            """.replace(/<[^>]+>/g, '').startsWith('Test tracks'));
                return JSON.stringify(Array.from(test.data[1].customdata));
            }"""
        )
    )
    counts = [[int(texts[10 * i + j]) for j in range(10)] for i in range(10)]
    # Pick the cell with most songs off the diagonal, or the first diagonal one.
    cells = [
        (i, j) for i in range(10) for j in range(10) if i != j and counts[i][j] > 0
    ]
    true_index, predicted_index = cells[0] if cells else (0, 0)
    genres = list(schema.GENRES)
    expected = counts[true_index][predicted_index]
    test_chart = app_page.locator(".js-plotly-plot").filter(has_text="Test tracks")
    test_chart.scroll_into_view_if_needed()
    test_chart.locator(".scatterlayer .point").nth(
        10 * true_index + predicted_index
    ).click(force=True)
    sentence = f"{expected:,} test tracks"
    app_page.get_by_text(re.compile(sentence)).first.wait_for(timeout=30_000)
    browser.wait_idle(app_page)
    browser.assert_no_exception(app_page)
    text = app_page.get_by_text(re.compile("were called")).first.inner_text()
    assert (
        f"{sentence} of {genres[true_index]} were called {genres[predicted_index]}"
        in text
    )
    # The first table in sight (those of the matrices wait in closed expanders).
    grid = app_page.locator('[data-testid="stDataFrame"]:visible').first.locator(
        '[role="grid"]'
    )
    # aria-rowcount counts the header row too.
    assert int(grid.get_attribute("aria-rowcount")) == expected + 1


def test_the_explanation_follows_a_slider(app_url, app_page):
    browser.open_page(app_page, app_url, "Predict")
    draw_every_chart(app_page)
    before = chart_data(app_page, "Why ")
    titles = app_page.evaluate(
        "() => [...document.querySelectorAll('.js-plotly-plot')]"
        ".map(c => c.layout.title.text)"
    )
    assert before is not None, titles
    browser.move_slider(app_page, "speechiness", 15)
    # Until the reruns are over, interrupted ones may leave stale copies of the chart.
    browser.wait_idle(app_page)
    app_page.locator('[data-testid="stPlotlyChart"]').filter(
        has_text="Why "
    ).scroll_into_view_if_needed()
    app_page.wait_for_function(
        """before => {
            for (const chart of document.querySelectorAll('.js-plotly-plot')) {
                // Streamlit's theme wraps titles in <b> tags.
                const title = ((chart.layout && chart.layout.title"""
        """ && chart.layout.title.text) || '').replace(/<[^>]+>/g, '');
                if (title.startsWith('Why ')) {
                    return JSON.stringify(chart.data.map(t => [t.x, t.y])) !== before;
                }
            }
            return false;
        }""",
        arg=before,
        timeout=30_000,
    )
    browser.wait_idle(app_page)
    browser.assert_no_exception(app_page)
    assert chart_data(app_page, "Why ") != before


def predict_state(page) -> dict[str, str]:
    """What a Predict page shows: its answer, a slider and the explained genre."""
    explained = page.locator('[data-testid="stSelectbox"]').filter(
        has_text="Explain the genre"
    )
    return {
        "answer": page.locator(browser.ANSWER).inner_text(),
        "speechiness": str(slider_value(page, "speechiness")),
        "danceability": str(slider_value(page, "danceability")),
        "explained": explained.inner_text(),  # its label and value
    }


def test_a_link_opens_the_same_track_and_answer_in_a_new_browser(
    app_url, app_page, chromium_browser
):
    browser.open_page(app_page, app_url, "Predict")
    choose_track(app_page, "artist 8-3", "Artist 8-3 — Track 8-3")
    browser.wait_idle(app_page)
    # A slider moved away from the track goes into the address too.
    browser.move_slider(app_page, "speechiness", 5)
    browser.wait_idle(app_page)
    app_page.wait_for_function(
        "() => location.search.includes('track=8003')"
        " && location.search.includes('speech=')"
    )
    browser.assert_no_exception(app_page)
    address = app_page.url
    shown = predict_state(app_page)
    copied = app_page.locator('[data-testid="stCode"]').filter(has_text="track=")
    assert copied.inner_text().strip() == address

    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        other = context.new_page()
        other.goto(address)
        other.locator("h1").filter(has_text="Predict").first.wait_for(timeout=60_000)
        browser.wait_idle(other)
        # The link's speechiness is not the track's own: a variation of it.
        other.get_by_text("moved away from the loaded track").wait_for()
        browser.assert_no_exception(other)
        assert predict_state(other) == shown
        assert other.url == address
    finally:
        context.close()


def test_a_link_is_the_first_visit_of_a_freshly_started_server(fresh_app_url, app_page):
    """A shared link wakes the app: the page opens on its track and genre."""
    app_page.goto(f"{fresh_app_url}/Predict?track=8003&genre=jazz")
    app_page.locator("h1").filter(has_text="Predict").first.wait_for(timeout=60_000)
    browser.wait_idle(app_page)
    app_page.get_by_text("Artist 8-3 — Track 8-3", exact=False).first.wait_for()
    browser.assert_no_exception(app_page)
    app_page.get_by_text("Explaining Jazz, the genre you picked").wait_for()
    assert "track=8003" in app_page.url and "genre=Jazz" in app_page.url
