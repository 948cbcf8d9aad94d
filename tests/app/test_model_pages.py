"""Predict, Train, Evaluate and Batch predict with a real (tiny) model."""

from __future__ import annotations

import json

import pytest

from core import predict, schema
from tests.app.conftest import (
    PAGES,
    assert_clean,
    charts,
    open_app,
    small_csv_bytes,
    train_tiny,
)
from tests.conftest import csv_bytes, row


def probability_spec(app) -> dict[str, float]:
    """Genre -> probability, read from the Predict page's bar chart."""
    for chart in app.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if spec["layout"]["title"]["text"] == "Genre probabilities":
            bars = spec["data"][0]
            return dict(zip(bars["y"], bars["x"], strict=True))
    raise AssertionError("no probability chart on the page")


def typical(genre: str) -> dict[str, object]:
    """Slider positions of a typical track of ``genre`` in the small file."""
    from core import data, inputs, report

    typed = data.load_csv(small_csv_bytes(), require_label=True)
    ranges = inputs.slider_ranges(report.feature_summary(typed))
    return inputs.typical_track(ranges, report.genre_medians(typed), genre)


def test_predict_probabilities_follow_the_sliders(data_and_model):
    app = open_app("predict").run()
    before = probability_spec(app)
    assert set(before) == set(schema.GENRES)
    assert abs(sum(before.values()) - 1) < 1e-4

    # The tiny model learned the small file perfectly: sliding to a typical
    # Classical track must make Classical the likeliest genre.
    track = typical("Classical")
    for feature in schema.NUMERIC_FEATURES:
        app.slider(key=f"predict_{feature}").set_value(track[feature])
    app.run()

    assert not app.exception
    after = probability_spec(app)
    assert after != before
    assert max(after, key=after.get) == "Classical"
    readings = [h.value for h in app.subheader if h.value != "Find a song"]
    assert readings[0].startswith(("Clearly", "Mostly", "A toss-up"))


def test_predict_typical_track_preset_moves_the_sliders(data_and_model):
    app = open_app("predict").run()
    for genre in ("Rock", "Electronic"):
        app.selectbox(key="predict_genre").select(genre)
        app.button(key="predict_use_typical").click().run()

        assert not app.exception
        assert app.slider(key="predict_energy").value == typical(genre)["energy"]
        probabilities = probability_spec(app)
        assert max(probabilities, key=probabilities.get) == genre


def test_predict_without_data_uses_fixed_defaults(model_without_data):
    app = open_app("predict").run()

    assert not app.exception
    assert app.slider(key="predict_tempo").value == 120.0
    assert "no dataset loaded" in app.caption[0].value
    assert len(probability_spec(app)) == 10


def test_train_a_tiny_model_then_evaluate_it(small_data):
    app = open_app("train").run()
    assert not app.exception
    train_tiny(app, epochs=2, early_stopping_patience=0, batch_size=32)
    runs = app.session_state["runs"]
    assert len(runs) == 1
    assert runs[0]["settings"]["hidden_layers"] == [8]
    assert runs[0]["settings"]["epochs"] == 2
    labels = [metric.label for metric in app.metric]
    assert "Test accuracy" in labels and "Training accuracy" in labels
    curves = [
        json.loads(chart.proto.spec)
        for chart in app.get("plotly_chart")
        if chart.key == "train_curves"
    ]
    assert curves and len(curves[0]["data"][0]["x"]) == 2  # one point per epoch
    # The Recommended preset averages two networks, trained together: one
    # training-loss line each, over the same epochs.
    assert len(runs[0]["metrics"]["history"]) == 2
    loss_lines = [
        t for t in curves[0]["data"] if t["xaxis"] == "x" and t["name"] == "training"
    ]
    assert len(loss_lines) == 2
    runs_table = next(frame.value for frame in app.dataframe if "run" in frame.value)
    assert runs_table["run"].tolist() == ["Run 1 (Recommended, edited)"]

    app.switch_page(PAGES["evaluate"]).run()
    assert not app.exception, app.exception
    specs = charts(app, "evaluate_matrix")
    heatmaps = [spec for spec in specs if spec["data"][0]["type"] == "heatmap"]
    assert len(heatmaps) == 2
    # Plotly stores the matrix as typed binary data with its shape.
    assert heatmaps[0]["data"][0]["z"]["shape"] == "10, 10"
    assert "Run 1" in app.caption[0].value


def test_train_preset_fills_the_form(small_data):
    app = open_app("train").run()
    app.button_group[0].set_value("study").run()

    assert not app.exception
    assert app.text_input(key="train_hidden_layers").value == "35"
    assert app.selectbox(key="train_activation").value == "sigmoid"
    assert app.number_input(key="train_epochs").value == 15


@pytest.mark.parametrize(
    ("widget", "key", "value", "said"),
    [
        ("text_input", "train_hidden_layers", "64, lots", "'lots' is not"),
        (
            "number_input",
            "train_numeric_bins",
            1,
            "Bins per numeric feature must be 0 (off)",
        ),
    ],
    ids=["hidden_layers", "one_bin"],
)
def test_train_refuses_a_bad_setting_with_a_plain_message_and_keeps_the_page(
    small_data, widget, key, value, said
):
    app = open_app("train").run()
    getattr(app, widget)(key=key).set_value(value)
    next(button for button in app.button if button.label == "Train").click()
    app.run()

    assert not app.exception
    assert said in app.error[0].value
    assert app.session_state["runs"] == []


def test_batch_predict_a_small_file(data_and_model):
    genres = ("Electronic", "Hip-Hop")
    rows = [
        row(
            **{
                name: str(value)
                for name, value in typical(genre).items()
                if name != "duration_ms"
            },
            music_genre=genre,
        )
        for genre in genres
    ] + [row(key="H")]
    app = open_app("batch").run()
    app.get("file_uploader")[0].set_value(("mine.csv", csv_bytes(rows), "text/csv"))
    app.run()

    assert_clean(app)
    predictions = app.dataframe[0].value
    assert predictions[predict.PREDICTED].tolist()[:2] == list(genres)
    reasons = app.dataframe[1].value
    assert reasons["row"].tolist() == [3]
    assert "key 'H'" in reasons[predict.REASON].iloc[0]
    assert [metric.value for metric in app.metric][:3] == ["3", "2", "1"]
    assert any(
        json.loads(c.proto.spec)["data"][0]["type"] == "heatmap"
        for c in app.get("plotly_chart")
    )


def test_batch_predict_refuses_a_bad_file_and_keeps_working(data_and_model):
    app = open_app("batch").run()
    app.get("file_uploader")[0].set_value(("bad.csv", b"\x00\x01binary", "text/csv"))
    app.run()

    assert not app.exception
    assert "bad.csv cannot be used" in app.error[0].value
    app.get("file_uploader")[0].set_value(("good.csv", small_csv_bytes(), "text/csv"))
    app.run()
    assert_clean(app)


def test_train_says_when_the_last_training_was_stopped(small_data):
    app = open_app("train")
    # What a click on Stop leaves behind: the run started but never finished.
    app.session_state["training_in_progress"] = True
    app.run()

    assert not app.exception
    assert "Training was stopped" in app.warning[0].value
    assert app.session_state["training_in_progress"] is False
    assert app.session_state["runs"] == []


def test_train_form_covers_every_setting(small_data):
    """Each TrainingConfig field has a widget on the page.

    So people can change all of them.
    """
    import dataclasses

    from core.config import TrainingConfig

    app = open_app("train").run()
    assert not app.exception
    keys = {
        widget.key
        for kind in ("selectbox", "number_input", "slider", "checkbox", "text_input")
        for widget in getattr(app, kind)
    }
    keys |= {widget.key for widget in app.multiselect}
    # The genre choice is the Genres section's: leave out, merge, a minimum.
    genre_widgets = {
        "genres": "train_genres_left_out",
        "genre_merges": "train_genres_to_merge",
        "min_genre_tracks": "train_min_genre_tracks",
    }
    missing = [
        field.name
        for field in dataclasses.fields(TrainingConfig)
        if genre_widgets.get(field.name, f"train_{field.name}") not in keys
    ]
    assert missing == []


def test_predict_what_if_sweeps_numbers_and_keys(data_and_model):
    app = open_app("predict").run()
    app.segmented_control(key="predict_view").set_value("what_if").run()
    app.selectbox(key="predict_what_if_feature").select("tempo").run()
    assert not app.exception
    sweep = next(
        json.loads(chart.proto.spec)
        for chart in app.get("plotly_chart")
        if chart.key == "predict_what_if"
    )
    # One line per genre, and the genres' names at the lines' ends.
    assert len(sweep["data"]) == len(schema.GENRES) + 1
    assert sweep["data"][-1]["text"] == list(schema.GENRES)
    assert sweep["layout"]["xaxis"]["title"]["text"] == "tempo (beats per minute)"

    app.selectbox(key="predict_what_if_feature").select("key").run()
    assert_clean(app)
    sweep = next(
        json.loads(chart.proto.spec)
        for chart in app.get("plotly_chart")
        if chart.key == "predict_what_if"
    )
    assert list(sweep["data"][0]["x"]) == list(schema.KEYS)


def test_evaluate_comparisons_run_behind_their_buttons(data_and_model):
    app = open_app("evaluate").run()
    assert not app.exception
    titles = [
        json.loads(c.proto.spec)["layout"]["title"]["text"]
        for c in app.get("plotly_chart")
    ]
    assert "Accuracy lost when a feature is shuffled" in titles
    assert "Test accuracy by cleaning policy" not in titles

    app.button(key="evaluate_compare_policies").click().run()
    assert_clean(app)
    titles = [
        json.loads(c.proto.spec)["layout"]["title"]["text"]
        for c in app.get("plotly_chart")
    ]
    assert "Test accuracy by cleaning policy" in titles
    policies = next(frame.value for frame in app.dataframe if "policy" in frame.value)
    assert policies["policy"].tolist() == ["drop", "impute"]

    app.button(key="evaluate_compare_models").click().run()
    assert not app.exception, app.exception
    titles = [
        json.loads(c.proto.spec)["layout"]["title"]["text"]
        for c in app.get("plotly_chart")
    ]
    assert "Test scores by model" in titles
    models = next(frame.value for frame in app.dataframe if "model" in frame.value)
    assert len(models) >= 2 and models["accuracy"].between(0, 1).all()
    # The first comparison stays on the page.
    assert "Test accuracy by cleaning policy" in titles


@pytest.mark.parametrize("page", ["evaluate", "predict", "batch"])
def test_model_pages_work_with_the_shipped_model_and_no_data(page, model_without_data):
    app = open_app(page).run()

    assert_clean(app)
    if page == "evaluate":
        # The model's own scores need no data; importance and comparisons do.
        assert len(app.get("plotly_chart")) == 2
        assert any("need the dataset" in info.value for info in app.info)


def test_a_downloaded_model_zip_uploaded_on_home_becomes_the_model_in_use(
    small_data, tiny_model_dir
):
    """The Train page's download, loaded back in a new session (no shipped model)."""
    from core import bundle

    content = bundle.bundle_zip_bytes(tiny_model_dir)
    app = open_app("home").run()
    assert any("No model yet" in info.value for info in app.info)
    app.file_uploader(key="home_model_upload").set_value(
        ("genrelab_model.zip", content, "application/zip")
    ).run()

    assert_clean(app)
    assert any(s.value == "Using Run 1 (from genrelab_model.zip)." for s in app.success)
    assert "In use: **Run 1 (from genrelab_model.zip)**" in [
        m.value for m in app.markdown
    ]
    # A rerun does not add it a second time.
    app.run()
    assert len(app.session_state["runs"]) == 1

    app.switch_page(PAGES["predict"]).run()
    assert not app.exception, app.exception
    assert set(probability_spec(app)) == set(schema.GENRES)


def test_a_file_that_is_not_a_model_zip_is_refused_on_home(small_data):
    app = open_app("home").run()
    app.file_uploader(key="home_model_upload").set_value(
        ("notes.zip", b"just some text", "application/zip")
    ).run()

    assert not app.exception, app.exception
    assert [error.value for error in app.error] == [
        "notes.zip cannot be used: This is not a GenreLab model bundle (a .zip "
        "downloaded from the Train page)."
    ]
    assert app.session_state["runs"] == []
    assert app.subheader[0].value == "Data"  # the page goes on


def test_a_bomb_bundle_on_home_is_refused_and_the_model_in_use_stays(
    small_data, tiny_model_dir
):
    """Issue 29: a 300 MB weights file in a few KB of zip, after a good model."""
    from core import bundle
    from tests.bad_files import hostile

    app = open_app("home").run()
    app.file_uploader(key="home_model_upload").set_value(
        ("genrelab_model.zip", bundle.bundle_zip_bytes(tiny_model_dir), "x")
    ).run()
    assert "In use: **Run 1 (from genrelab_model.zip)**" in [
        m.value for m in app.markdown
    ]

    bomb = hostile.nested_zip_bomb(300 * hostile.MB)
    app.file_uploader(key="home_model_upload").set_value(
        ("bomb.zip", bomb, "application/zip")
    ).run()

    assert not app.exception, app.exception
    assert "bomb.zip cannot be used: The model file is too large" in app.error[0].value
    assert "In use: **Run 1 (from genrelab_model.zip)**" in [
        m.value for m in app.markdown
    ]
    assert len(app.session_state["runs"]) == 1


def test_a_gzip_bomb_on_home_is_refused_and_the_data_in_use_stays(small_data):
    """Issue 29: a gzip that unpacks past the limit, after a good upload."""
    from tests.bad_files import hostile

    app = open_app("home").run()
    app.get("file_uploader")[0].set_value(
        ("good.csv", small_csv_bytes(), "text/csv")
    ).run()
    assert app.session_state["data_upload"]["name"] == "good.csv"

    app.get("file_uploader")[0].set_value(
        ("bomb.csv.gz", hostile.gzip_bomb(500_000), "application/gzip")
    ).run()

    assert not app.exception, app.exception
    assert "bomb.csv.gz cannot be used: The file is too large once unpacked" in (
        app.error[0].value
    )
    assert app.session_state["data_upload"]["name"] == "good.csv"
    assert "loaded from uploaded file good.csv" in app.success[0].value
