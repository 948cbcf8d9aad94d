"""How far to trust a prediction, on the pages (issue 25)."""

from __future__ import annotations

from core import bundle, card_figures
from tests.app.conftest import open_app, push_sliders_to_max
from tests.conftest import csv_bytes, row


def texts(app, element: str) -> list[str]:
    return [item.value for item in app.get(element)]


def test_predict_says_how_unlike_the_training_tracks_the_track_is(data_and_model):
    app = open_app("predict").run()
    assert not app.exception
    # A typical track: a quiet caption, no warning.
    assert any(text.startswith("Novelty ") for text in texts(app, "caption"))
    assert not any("trust it less" in text for text in texts(app, "warning"))
    push_sliders_to_max(app)
    assert not app.exception
    assert any("trust it less" in text for text in texts(app, "warning"))


def test_batch_predict_gives_the_share_of_unusual_tracks(data_and_model):
    extreme = row(energy="1.0", danceability="1.0", popularity="99.0", tempo="240.0")
    app = open_app("batch").run()
    app.get("file_uploader")[0].set_value(
        ("mine.csv", csv_bytes([row(), extreme]), "text/csv")
    )
    app.run()
    assert not app.exception, app.exception
    assert "How unlike the training tracks" in texts(app, "header")
    shares = texts(app, "info") + texts(app, "warning")
    assert any("of the 2 predicted tracks are unlike" in text for text in shares)
    assert any("training tracks" in text for text in texts(app, "markdown"))


def test_batch_predict_scores_a_labelled_file_by_novelty(data_and_model):
    from core import novelty
    from tests.app.conftest import small_csv_bytes

    app = open_app("batch").run()
    app.get("file_uploader")[0].set_value(("mine.csv", small_csv_bytes(), "text/csv"))
    app.run()
    assert not app.exception, app.exception
    assert novelty.BAND_SENTENCE in texts(app, "markdown")
    bands = next(
        frame.value for frame in app.dataframe if "novelty" in frame.value.columns
    )
    assert bands["novelty"].tolist() == ["0-50", "50-75", "75-95", "95-100"]
    assert bands["tracks"].sum() == 120  # the 120 tracks; not the blank row


def test_evaluate_gives_the_other_source_figures(data_and_model, monkeypatch):
    monkeypatch.setenv("GENRELAB_MODEL_DIR", str(bundle.DEFAULT_MODEL_DIR))
    app = open_app("evaluate").run()
    assert not app.exception
    section = next(
        text
        for text in texts(app, "markdown")
        if text.startswith("## On tracks from another source")
    )
    # The shipped model's own recorded figures, as its card gives them.
    assert section == card_figures.other_source_section(
        bundle.load_bundle(bundle.DEFAULT_MODEL_DIR).metrics
    ).rstrip("\n")
    assert "| spotify_songs.csv, with their popularity (the network without " in (
        section
    )


def test_evaluate_says_when_a_model_has_no_other_source_figures(data_and_model):
    app = open_app("evaluate").run()
    assert not app.exception
    assert card_figures.NO_OTHER_SOURCE in texts(app, "info")
