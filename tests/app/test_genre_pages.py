"""The Train page's Genres section, and the pages of a model of other genres."""

from __future__ import annotations

import json

import pytest

from tests.app.conftest import PAGES, assert_clean, charts, open_app
from tests.bad_files.corpus import spotifyr_bytes
from tests.conftest import genre_rows

TIDY_SIX = ["edm", "latin", "pop", "r&b", "rap", "rock"]
# spotifyr's rap and rock are the study's Rap and Rock; the rest as written.
LEARNED = ["Rap", "Rock", "edm", "latin", "pop", "r&b"]


@pytest.fixture
def tidy_data(monkeypatch, tmp_path):
    """A TidyTuesday-like file (spotifyr's names) of the six genres and a
    seventh, "misc", as the dataset; no shipped model."""
    rows = genre_rows([*TIDY_SIX, "misc"], per_genre=14, seed=7)
    path = tmp_path / "spotify_songs.csv"
    path.write_bytes(spotifyr_bytes(rows))
    monkeypatch.setenv("MUSIC_GENRE_CSV", str(path))
    monkeypatch.setenv("GENRELAB_MODEL_DIR", str(tmp_path / "no_model"))
    return path


def small_settings(app) -> None:
    app.text_input(key="train_hidden_layers").set_value("32")
    app.number_input(key="train_epochs").set_value(25)
    app.number_input(key="train_ensemble_size").set_value(1)
    app.number_input(key="train_batch_size").set_value(16)


def click(app, label: str) -> None:
    next(button for button in app.button if button.label == label).click()
    app.run()


def test_the_genres_section_trains_six_genres_and_every_page_shows_them(tidy_data):
    app = open_app("train").run()
    assert not app.exception, app.exception
    section = [markdown.value for markdown in app.markdown]
    assert any("The model will learn 7 genres" in text for text in section)

    app.multiselect(key="train_genres_left_out").set_value(["misc"]).run()
    assert any(
        "Left out 14 rows (genres not chosen): misc 14." in caption.value
        for caption in app.caption
    )
    small_settings(app)
    click(app, "Train")
    assert_clean(app)
    run = app.session_state["runs"][0]
    assert run["metrics"]["test"]["genres"] == LEARNED
    assert run["settings"]["genres"] == LEARNED
    assert any(
        "6 genres learned:" in markdown.value and "r&b" in markdown.value
        for markdown in app.markdown
    )

    app.switch_page(PAGES["evaluate"]).run()
    assert not app.exception, app.exception
    heatmaps = charts(app, "evaluate_matrix")
    assert heatmaps[0]["data"][0]["x"] == LEARNED
    assert heatmaps[0]["data"][0]["z"]["shape"] == "6, 6"
    assert "6 genres: Rap, Rock, edm, latin, pop, r&b" in app.caption[0].value
    assert app.selectbox(key="evaluate_cell_true").options == LEARNED

    app.switch_page(PAGES["predict"]).run()
    assert not app.exception, app.exception
    bars = next(
        json.loads(chart.proto.spec)["data"][0]
        for chart in app.get("plotly_chart")
        if json.loads(chart.proto.spec)["layout"]["title"]["text"]
        == "Genre probabilities"
    )
    assert sorted(bars["y"]) == sorted(LEARNED)
    assert sum(bars["x"]) == pytest.approx(1.0, abs=1e-4)


def test_a_merge_from_the_section_is_learned_and_a_bad_one_says_why(tidy_data):
    app = open_app("train").run()
    app.multiselect(key="train_genres_to_merge").set_value(["Rap", "r&b"]).run()
    click(app, "Merge")
    assert [error.value for error in app.error] == [
        "Pick one or more genres and type the name to learn them as."
    ]
    app.multiselect(key="train_genres_to_merge").set_value(["Rap", "r&b"])
    app.text_input(key="train_genres_merged_name").set_value("Urban").run()
    click(app, "Merge")
    assert not app.error
    assert any("Merged: Rap + r&b learned as Urban." in m.value for m in app.markdown)
    assert any("The model will learn 6 genres" in m.value for m in app.markdown)
    assert any("Urban (28)" in m.value for m in app.markdown)

    small_settings(app)
    app.number_input(key="train_epochs").set_value(2)
    click(app, "Train")
    assert not app.exception, app.exception
    run = app.session_state["runs"][0]
    assert "Urban" in run["metrics"]["test"]["genres"]
    assert run["settings"]["genre_merges"] == ["Rap+r&b=Urban"]
