"""Songs on the Predict and Evaluate pages (AppTest).

Find, explain, alike, cells, map.
"""

from __future__ import annotations

import json

import pytest

from core import data, schema, songs
from tests.app.conftest import charts, open_app, small_csv_bytes, texts

# The "where the model fails" heatmap's title starts so; the others are matrices.
ERROR_GRID_TITLE = "How often the model is wrong"


def chart_titles(app) -> list[str]:
    return [figure["layout"].get("title", {}).get("text", "") for figure in charts(app)]


@pytest.fixture
def typed_small():
    return data.load_csv(small_csv_bytes(), require_label=True)


def test_find_a_song_loads_it_onto_the_sliders(data_and_model, typed_small):
    app = open_app("predict").run()
    app.text_input(key="predict_search").input("artist 4-7").run()
    picker = app.selectbox(key="predict_match")
    assert len(picker.options) == 1
    picker.select_index(0).run()

    assert not app.exception, app.exception
    row = typed_small[typed_small["artist_name"] == "Artist 4-7"].iloc[0]
    energy = app.slider(key="predict_energy").value
    assert energy == pytest.approx(round(float(row["energy"]), 2), abs=0.005)
    assert app.selectbox(key="predict_key").value == row["key"]
    facts = app.info[0].value
    assert "Artist 4-7 — Track 4-7" in facts
    assert f"listed under {row['music_genre']}" in facts
    # The tiny model was trained on this very file: its split is known.
    assert "A **test** track" in facts or "A **training** track" in facts
    assert "top guess" in facts


def test_surprise_me_loads_a_test_track(data_and_model):
    app = open_app("predict").run()
    app.button(key="predict_surprise_wrong").click().run()
    assert not app.exception, app.exception
    shown = texts(app)
    assert "A **test** track" in shown or "no track the model got wrong" in shown
    app.button(key="predict_surprise_right").click().run()
    assert not app.exception
    assert "A **test** track" in texts(app)
    assert "is right" in texts(app)


def test_why_this_genre_adds_up_and_names_another_genre_on_request(data_and_model):
    app = open_app("predict").run()
    waterfall = next(f for f in charts(app) if f["data"][0]["type"] == "waterfall")
    steps = waterfall["data"][0]["x"]
    # typical track, the features (and "others"), then the total.
    assert waterfall["data"][0]["measure"][0] == "absolute"
    assert waterfall["data"][0]["measure"][-1] == "total"
    assert 0 <= steps[0] + sum(steps[1:-1]) <= 1
    assert "points" in texts(app)
    genre_picker = app.selectbox(key="predict_explain_genre")
    other = genre_picker.options[-1]
    genre_picker.select(other).run()
    assert not app.exception
    assert any(title.startswith(f"Why {other}:") for title in chart_titles(app))


def test_songs_alike_start_with_the_loaded_track(data_and_model):
    app = open_app("predict").run()
    app.text_input(key="predict_search").input("artist 2-3").run()
    app.selectbox(key="predict_match").select_index(0).run()
    app.segmented_control(key="predict_view").set_value("alike").run()

    assert not app.exception, app.exception
    near = next(frame.value for frame in app.dataframe if "distance" in frame.value)
    assert len(near) == 10
    assert near[songs.SONG].iloc[0] == "this track"
    assert near["distance"].iloc[0] == pytest.approx(0.0, abs=1e-6)
    assert near["distance"].is_monotonic_increasing
    assert "Closest track the model puts in another genre" in texts(app)
    assert "the same, but" in texts(app)


def test_the_map_and_the_what_if_draw(data_and_model):
    app = open_app("predict").run()
    app.segmented_control(key="predict_view").set_value("map").run()
    assert not app.exception, app.exception
    song_map = next(
        f for f in charts(app) if "map of songs" in f["layout"]["title"]["text"]
    )
    assert song_map["data"][-1]["name"] == "your track"
    app.segmented_control(key="predict_view").set_value("what_if").run()
    assert not app.exception
    assert "What if only energy changed?" in chart_titles(app)


def test_predict_without_data_says_what_songs_need_and_still_explains(
    model_without_data,
):
    app = open_app("predict").run()
    assert not app.exception, app.exception
    assert "Finding real songs needs the dataset" in texts(app)
    assert any(f["data"][0]["type"] == "waterfall" for f in charts(app))
    for view, words in (
        ("alike", "sound alike need the dataset"),
        ("map", "map of songs needs the dataset"),
    ):
        app.segmented_control(key="predict_view").set_value(view).run()
        assert not app.exception
        assert words in texts(app)


def test_a_confusion_cell_lists_as_many_songs_as_it_counts(
    data_and_model, tiny_model_dir
):
    from core import bundle as bundles

    metrics = bundles.load_bundle(tiny_model_dir).metrics
    app = open_app("evaluate").run()
    assert not app.exception, app.exception
    app.selectbox(key="evaluate_cell_split").select(songs.TEST).run()
    test_matrix = metrics["test"]["confusion_matrix"]
    for true_genre, predicted in (("Rock", "Rock"), ("Jazz", "Blues")):
        app.selectbox(key="evaluate_cell_true").select(true_genre).run()
        app.selectbox(key="evaluate_cell_predicted").select(predicted).run()
        assert not app.exception
        expected = test_matrix[schema.GENRES.index(true_genre)][
            schema.GENRES.index(predicted)
        ]
        table = next(
            frame.value for frame in app.dataframe if songs.LISTED in frame.value
        )
        assert len(table) == expected
        assert (
            f"**{expected:,} test tracks** of {true_genre} were called {predicted}"
            in texts(app)
        )


def test_evaluate_draws_reliability_map_and_average_effect(data_and_model):
    app = open_app("evaluate").run()
    assert not app.exception, app.exception
    titles = chart_titles(app)
    assert "When the model is this sure, how often is it right?" in titles
    assert any("map of songs" in title for title in titles)
    assert "Average effect of speechiness" in titles
    assert "When it says" in texts(app)
    # The clickable matrices carry a marker per cell.
    matrices = [
        f
        for f in charts(app)
        if f["data"][0]["type"] == "heatmap"
        and not f["layout"]["title"]["text"].startswith(ERROR_GRID_TITLE)
    ]
    assert len(matrices) == 2
    assert all(len(f["data"][1]["x"]) == 100 for f in matrices)
    app.selectbox(key="evaluate_average_feature").select("key").run()
    assert not app.exception
    assert "Average effect of key" in chart_titles(app)


def test_evaluate_without_data_says_what_the_song_sections_need(model_without_data):
    app = open_app("evaluate").run()
    assert not app.exception, app.exception
    shown = texts(app)
    assert "Listing the songs of a cell needs the dataset" in shown
    assert "Checking the percentages needs the dataset" in shown
    assert "The map of songs needs the dataset" in shown


def test_other_data_than_the_models_is_said_and_counted_as_tracks(
    small_data, tiny_model_dir, monkeypatch, tmp_path
):
    from tests.conftest import csv_bytes, separable_rows

    other = tmp_path / "other.csv"
    other.write_bytes(csv_bytes(separable_rows(per_genre=4, seed=11)))
    monkeypatch.setenv("MUSIC_GENRE_CSV", str(other))
    monkeypatch.setenv("GENRELAB_MODEL_DIR", str(tiny_model_dir))
    app = open_app("evaluate").run()
    assert not app.exception, app.exception
    assert "not the data this model was trained on" in texts(app)
    assert app.selectbox(key="evaluate_cell_split").options == [
        "tracks of the loaded file"
    ]
    assert "Tracks of the loaded file: 40" in chart_titles(app)


def test_open_a_song_of_a_cell_on_predict(data_and_model):
    app = open_app("evaluate").run()
    app.selectbox(key="evaluate_cell_true").select("Rock").run()
    app.selectbox(key="evaluate_cell_predicted").select("Rock").run()
    song = app.selectbox(key="evaluate_cell_open").value
    app.button(key="evaluate_open_song").click().run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Predict"
    assert "listed under Rock" in app.info[0].value
    assert song is not None


def _ask_for_the_chart_code() -> None:
    from ui import preload

    preload.chart_code()


def test_predict_asks_the_browser_for_the_chart_code_first(data_and_model):
    """A hidden, empty chart first in the sidebar (ui.preload), once per session."""
    from streamlit.testing.v1 import AppTest

    from ui import preload

    app = AppTest.from_function(_ask_for_the_chart_code).run()
    assert not app.exception
    (chart,) = app.sidebar.get("plotly_chart")
    assert json.loads(chart.proto.spec)["data"] == preload.EMPTY_CHART["data"]
    assert preload.STYLE in [element.value for element in app.sidebar.markdown]
    assert app.session_state[preload.ASKED]
    app.run()
    assert not app.sidebar.get("plotly_chart")
    # Predict asks first and removes the empty chart once it is done.
    page = open_app("predict").run()
    assert not page.exception
    assert page.session_state[preload.ASKED]
    assert not page.sidebar.get("plotly_chart")
    assert page.get("plotly_chart")


def top_genre(app) -> str:
    """The top genre, as the answer's heading names it first."""
    heading = next(element.value for element in app.subheader if "%" in element.value)
    return min(
        (genre for genre in schema.GENRES if genre in heading), key=heading.index
    )


def explained_genre(app) -> str:
    """The genre the waterfall chart explains ("Why Rock: ...")."""
    title = next(title for title in chart_titles(app) if title.startswith("Why "))
    return title.removeprefix("Why ").split(":")[0]


def load_typical_tracks_until_the_top_genre_changes(app) -> tuple[str, str]:
    """Load typical tracks of each genre in turn; return the first two top genres."""
    presets = app.selectbox(key="predict_genre").options
    app.selectbox(key="predict_genre").select(presets[0]).run()
    app.button(key="predict_use_typical").click().run()
    first = top_genre(app)
    for preset in presets[1:]:
        app.selectbox(key="predict_genre").select(preset).run()
        app.button(key="predict_use_typical").click().run()
        assert not app.exception, app.exception
        if top_genre(app) != first:
            return first, top_genre(app)
    raise AssertionError("every typical track has the same top genre")


def test_the_explanation_follows_the_top_genre_of_a_new_track(data_and_model):
    app = open_app("predict").run()
    first, second = load_typical_tracks_until_the_top_genre_changes(app)
    assert explained_genre(app) == second != first
    assert app.selectbox(key="predict_explain_genre").value == second
    assert "the genre you picked" not in texts(app)
    # A song from the finder too: its own top genre is explained.
    app.text_input(key="predict_search").input("artist 8-3").run()
    app.selectbox(key="predict_match").select_index(0).run()
    assert not app.exception, app.exception
    assert explained_genre(app) == top_genre(app)


def test_a_genre_picked_on_purpose_stays_and_is_named(data_and_model):
    app = open_app("predict").run()
    picker = app.selectbox(key="predict_explain_genre")
    picked = picker.options[-1]
    picker.select(picked).run()
    first, second = load_typical_tracks_until_the_top_genre_changes(app)
    assert not app.exception, app.exception
    top = top_genre(app)
    if top == picked:  # the new track made the picked genre the top one
        pytest.skip("the picked genre became the top genre")
    assert explained_genre(app) == picked
    assert (
        f"Explaining **{picked}**, the genre you picked; the top genre is **{top}**"
        in texts(app)
    )
    # Picking the top genre itself follows the top genre again.
    app.selectbox(key="predict_explain_genre").select(top).run()
    app.selectbox(key="predict_genre").select(
        app.selectbox(key="predict_genre").options[0]
    ).run()
    app.button(key="predict_use_typical").click().run()
    assert explained_genre(app) == top_genre(app)
    assert "the genre you picked" not in texts(app)


def test_issue_26_eminem_after_a_country_track_explains_hip_hop(
    real_data_path, monkeypatch
):
    """The issue's own example, on the real data with the shipped model."""
    monkeypatch.setenv("MUSIC_GENRE_CSV", str(real_data_path))
    monkeypatch.delenv("GENRELAB_MODEL_DIR", raising=False)
    app = open_app("predict").run()
    app.selectbox(key="predict_genre").select("Country").run()
    app.button(key="predict_use_typical").click().run()
    assert explained_genre(app) == top_genre(app) == "Country"
    app.text_input(key="predict_search").input("eminem never over").run()
    app.selectbox(key="predict_match").select_index(0).run()
    assert not app.exception, app.exception
    assert "Eminem — You’re Never Over" in app.info[0].value
    assert top_genre(app) == "Hip-Hop"
    assert explained_genre(app) == "Hip-Hop"
    assert dict(app.query_params) == {"track": "51215"}
