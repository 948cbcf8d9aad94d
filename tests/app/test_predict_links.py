"""Links that reopen what the Predict page shows (AppTest; issue 26).

The page writes its track into the address (``st.query_params``); a new
session opened with that address shows the same track, answer and
explanation; a link it cannot open shows the typical track and says why.
"""

from __future__ import annotations

import pytest

from tests.app.conftest import PAGES, open_app
from tests.app.test_songs_pages import explained_genre, texts, top_genre

NUMERIC_SLIDERS = (
    "predict_popularity",
    "predict_energy",
    "predict_duration_ms",
    "predict_loudness",
    "predict_tempo",
    "predict_instrumentalness",
)


def what_is_shown(app) -> dict[str, object]:
    """The sliders, the answer and the explanation of a Predict page."""
    shown: dict[str, object] = {
        key: app.slider(key=key).value for key in NUMERIC_SLIDERS
    }
    shown["key"] = app.selectbox(key="predict_key").value
    shown["mode"] = app.selectbox(key="predict_mode").value
    shown["answer"] = top_genre(app)
    shown["heading"] = next(h.value for h in app.subheader if "%" in h.value)
    shown["explained"] = explained_genre(app)
    return shown


def opened_with(params: dict[str, str]):
    """A new session of the Predict page opened with these query parameters."""
    app = open_app("predict")
    for name, value in params.items():
        app.query_params[name] = value
    return app.run()


def test_a_link_reopens_a_dataset_track_and_the_genre_picked(data_and_model):
    app = open_app("predict").run()
    app.text_input(key="predict_search").input("artist 4-7").run()
    app.selectbox(key="predict_match").select_index(0).run()
    picker = app.selectbox(key="predict_explain_genre")
    picker.select(picker.options[-1]).run()
    assert not app.exception, app.exception
    params = dict(app.query_params)
    # The dataset's id of Artist 4-7's track (instance_id 4007.0), no values.
    assert params == {"track": "4007", "genre": picker.options[-1]}
    assert "?track=4007&genre=" in app.code[0].value

    again = opened_with(params)
    assert not again.exception, again.exception
    assert what_is_shown(again) == what_is_shown(app)
    assert "Artist 4-7 — Track 4-7" in again.info[0].value
    assert "the genre you picked" in texts(again)
    assert "could not be opened" not in texts(again)


def test_a_link_reopens_the_sliders_moved_away_from_a_track(data_and_model):
    app = open_app("predict").run()
    app.text_input(key="predict_search").input("artist 2-3").run()
    app.selectbox(key="predict_match").select_index(0).run()
    app.slider(key="predict_energy").set_value(0.91).run()
    app.selectbox(key="predict_mode").set_value("Minor").run()
    params = dict(app.query_params)
    assert params["track"] == "2003" and params["energy"] == "0.91"
    assert set(params) <= {"track", "energy", "mode"}

    again = opened_with(params)
    assert not again.exception, again.exception
    assert what_is_shown(again) == what_is_shown(app)
    assert "moved away from the loaded track" in texts(again)


def test_a_link_of_slider_values_reopens_them(data_and_model):
    app = open_app("predict").run()
    app.slider(key="predict_speechiness").set_value(0.8).run()
    app.slider(key="predict_tempo").set_value(150.0).run()
    app.selectbox(key="predict_key").set_value("F#").run()
    params = dict(app.query_params)
    assert params["speech"] == "0.8" and params["tempo"] == "150"
    assert params["key"] == "F#" and "track" not in params and "genre" not in params

    again = opened_with(params)
    assert not again.exception, again.exception
    assert what_is_shown(again) == what_is_shown(app)
    assert again.slider(key="predict_speechiness").value == 0.8


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"track": "123456789"}, "the loaded data has no track 123456789"),
        ({"track": "<script>"}, "its track id is not one the data could hold"),
        ({"energy": "loud"}, "its energy is not a number"),
        ({"energy": "7", "tempo": "120"}, "its energy, 7, is outside the slider's"),
        ({"key": "H"}, "its key is not one of"),
    ],
)
def test_a_link_that_cannot_be_opened_shows_the_typical_track(
    data_and_model, params, reason
):
    typical = what_is_shown(open_app("predict").run())
    app = opened_with(params)
    assert not app.exception, app.exception
    note = app.info[0].value
    assert note.startswith("The link's track could not be opened: ")
    assert reason in note and note.endswith("Showing the typical track.")
    assert what_is_shown(app) == typical
    # The address now names what the page shows.
    assert "energy" in app.query_params and "track" not in app.query_params


def test_a_link_with_an_unknown_genre_opens_its_track_and_explains_the_top_one(
    data_and_model,
):
    app = opened_with({"track": "4007", "genre": "Polka"})
    assert not app.exception, app.exception
    assert "Artist 4-7 — Track 4-7" in texts(app)
    assert "The link's explained genre is unknown" in texts(app)
    assert explained_genre(app) == top_genre(app)


def test_a_link_to_a_model_of_another_session_opens_with_the_shipped_model(
    data_and_model,
):
    app = opened_with({"track": "4007", "model": "run-0123456789ab"})
    assert not app.exception, app.exception
    assert "model trained in another session" in app.info[0].value
    assert "Artist 4-7 — Track 4-7" in texts(app)
    assert "model" not in app.query_params


def test_a_track_link_without_data_shows_the_typical_track(model_without_data):
    app = opened_with({"track": "4007"})
    assert not app.exception, app.exception
    assert "no dataset is loaded here" in app.info[0].value


def test_a_sessions_own_model_goes_into_the_link_and_is_missed_elsewhere(
    data_and_model, tiny_model_dir
):
    """A model uploaded in one session; another session opens its link without it."""
    from core import bundle

    content = bundle.bundle_zip_bytes(tiny_model_dir)
    app = open_app("home").run()
    app.file_uploader(key="home_model_upload").set_value(
        ("genrelab_model.zip", content, "application/zip")
    ).run()
    app.switch_page(PAGES["predict"]).run()
    assert not app.exception, app.exception
    params = dict(app.query_params)
    assert params["model"].startswith("run-")
    # The back button to a link of the shipped model (no model in it).
    app.query_params.clear()
    app.query_params["energy"] = "0.5"
    app.run()
    assert not app.exception, app.exception
    assert "made with **Shipped model**, which is the model in use" in texts(app)
    assert app.slider(key="predict_energy").value == 0.5

    again = opened_with(params)
    assert not again.exception, again.exception
    assert "model trained in another session" in again.info[0].value
    assert "Model: **Shipped model**" in texts(again)
    assert "model" not in again.query_params
