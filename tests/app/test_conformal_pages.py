"""Prediction sets on the Predict and Batch predict pages (issue 26, part 3)."""

from __future__ import annotations

import pytest

from core import conformal, schema
from tests.app.conftest import open_app, push_sliders_to_max, small_csv_bytes
from tests.conftest import csv_bytes, row, tiny_config


def texts(app, element: str) -> list[str]:
    return [item.value for item in app.get(element)]


@pytest.fixture(scope="module")
def calibrated_model_dir(tmp_path_factory):
    """A tiny model with a calibration share, trained on the small file."""
    from core import bundle, data, pipeline

    typed = data.load_csv(small_csv_bytes(), require_label=True)
    config = tiny_config(epochs=30, unknowns="impute", calibration_fraction=0.3)
    run = pipeline.train_from_frame(typed, config)
    return bundle.save_bundle(run.bundle, tmp_path_factory.mktemp("sets") / "default")


@pytest.fixture
def calibrated(small_data, calibrated_model_dir, monkeypatch):
    monkeypatch.setenv("GENRELAB_MODEL_DIR", str(calibrated_model_dir))


def test_predict_says_how_sure_in_words_and_warns_for_unlike_tracks(calibrated):
    app = open_app("predict").run()
    assert not app.exception, app.exception
    sentence = next(text for text in texts(app, "markdown") if "sure it is" in text)
    assert sentence.startswith("**90% sure it is")
    named = sentence.removeprefix("**90% sure it is").strip(" *.")
    named = named.removeprefix("one of: ").split(", ")
    assert set(named) <= set(schema.GENRES)
    assert conformal.explanation(0.9) in texts(app, "caption")
    # A surer answer names at least as many genres.
    app.radio(key="predict_coverage").set_value(0.95).run()
    surer = next(text for text in texts(app, "markdown") if "sure it is" in text)
    assert surer.startswith("**95% sure it is")
    assert surer.count(",") >= sentence.count(",")
    assert not any("promise does not hold" in text for text in texts(app, "warning"))
    # A track far from every training track: the promise is said not to hold.
    push_sliders_to_max(app)
    assert not app.exception
    assert any("promise does not hold" in text for text in texts(app, "warning"))


def test_predict_says_plainly_when_the_model_has_no_sets(data_and_model):
    app = open_app("predict").run()
    assert not app.exception
    assert conformal.NO_SETS in texts(app, "caption")
    assert not any("sure it is" in text for text in texts(app, "markdown"))


def test_batch_predict_can_add_the_prediction_set_column(calibrated):
    app = open_app("batch").run()
    app.selectbox(key="batch_coverage").set_value(0.8)
    app.get("file_uploader")[0].set_value(
        ("mine.csv", csv_bytes([row(), row(energy="0.9")]), "text/csv")
    )
    app.run()
    assert not app.exception, app.exception
    preview = app.dataframe[0].value
    sets = preview[conformal.PREDICTION_SET].tolist()
    assert [text.split("; ")[0] for text in sets] == preview["predicted_genre"].tolist()
    assert conformal.guarantee_sentence(0.8) in texts(app, "caption")
