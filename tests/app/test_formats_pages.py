"""Batch predict and the Home upload with files in Spotify's other formats (issue 15).

The same tracks are uploaded as the Kaggle CSV, an Exportify export, the
Spotify Tracks Dataset and the Web API's audio-features JSON: each upload
must predict every row (or keep it with a reason), give the same
probabilities as the Kaggle file, and say what was understood.
"""

from __future__ import annotations

import numpy as np
import pytest

from core import bundle as bundles
from core import data, export, predict, schema, understanding
from tests.app.conftest import assert_clean, open_app
from tests.app.test_pages import texts
from tests.bad_files.corpus import (
    by_name,
    exportify_bytes,
    spotify_tracks_bytes,
    web_api_json_bytes,
)
from tests.conftest import COLUMNS, csv_bytes, row, separable_rows
from ui import state

TRACKS = separable_rows(per_genre=2, seed=11)[:12]


def upload(app, name: str, content: bytes):
    app.get("file_uploader")[0].set_value((name, content, "application/octet-stream"))
    return app.run()


def metrics(app) -> list[str]:
    return [metric.value for metric in app.metric][:3]


def shown_probabilities(app) -> np.ndarray:
    return (
        app.dataframe[0]
        .value[predict.probability_columns(schema.GENRES)]
        .to_numpy(dtype=float)
    )


def expected_sentence(model_dir, content: bytes) -> str:
    return export.predict_file(
        bundles.load_bundle(model_dir), content
    ).understood.sentence()


FORMATS = {
    "tracks.csv": csv_bytes(TRACKS),
    "playlist.csv": exportify_bytes(TRACKS),
    "dataset.csv": spotify_tracks_bytes(TRACKS),
}


@pytest.mark.parametrize("name", list(FORMATS))
def test_each_table_format_gives_the_kaggle_probabilities_and_says_what_was_read(
    name, data_and_model, tiny_model_dir
):
    app = upload(open_app("batch").run(), "tracks.csv", FORMATS["tracks.csv"])
    kaggle = shown_probabilities(app)
    app = upload(open_app("batch").run(), name, FORMATS[name])

    assert_clean(app)
    assert metrics(app) == ["12", "12", "0"]
    np.testing.assert_allclose(shown_probabilities(app), kaggle, rtol=0, atol=1e-12)
    shown = [element.value for element in app.info]
    assert expected_sentence(tiny_model_dir, FORMATS[name]) in shown, shown
    assert not app.warning  # every feature was in the file
    preview = app.dataframe[0].value
    assert preview["artist_name"].tolist() == [t["artist_name"] for t in TRACKS]


def test_web_api_json_is_predicted_with_the_typical_popularity_and_says_so(
    data_and_model, tiny_model_dir
):
    model = bundles.load_bundle(tiny_model_dir)
    typical = model.preprocessor.typical["popularity"]
    app = upload(
        open_app("batch").run(),
        "same.csv",
        csv_bytes([{**t, "popularity": repr(typical)} for t in TRACKS]),
    )
    kaggle = shown_probabilities(app)
    content = web_api_json_bytes(TRACKS, nulls=(3,))
    app = upload(open_app("batch").run(), "features.json", content)

    assert_clean(app)
    assert metrics(app) == ["13", "12", "1"]
    probabilities = shown_probabilities(app)
    # The null entry moves the later tracks one row down the file, and a row's
    # last bits depend on its place in the network's block of rows
    # (core.forward.Network.outputs): equal to float32's precision.
    np.testing.assert_allclose(
        np.delete(probabilities, 3, axis=0), kaggle, rtol=1e-5, atol=1e-9
    )
    assert np.isnan(probabilities[3]).all()
    understood = export.predict_file(model, content).understood
    assert understood.sentence() in [element.value for element in app.info]
    assert "popularity missing (typical value" in understood.sentence()
    warnings = [element.value for element in app.warning]
    assert warnings == understood.filled_notes()
    assert warnings[0].startswith("popularity was not in the file: the typical value ")
    reasons = app.dataframe[1].value
    assert reasons["row"].tolist() == [4] and reasons["reason"].tolist() == [
        "blank row"
    ]


def test_an_exportify_playlist_with_unknown_and_out_of_range_keys(data_and_model):
    # The tiny shipped model imputes: a track with no key (-1) is predicted.
    content = exportify_bytes(TRACKS, keys={0: "-1", 1: "12"}, modes={2: "2"})
    app = upload(open_app("batch").run(), "playlist.csv", content)

    assert_clean(app)
    assert metrics(app) == ["12", "10", "2"]
    reasons = app.dataframe[1].value
    assert reasons["row"].tolist() == [2, 3]
    assert reasons["reason"].tolist() == [
        "key 12 is not a pitch class 0 to 11 (or -1, no key)",
        "mode 2 is not 1 (major) or 0 (minor)",
    ]
    # What was read of the file (the other note says how unusual its tracks are).
    (sentence,) = [e.value for e in app.info if e.value.startswith("Read ")]
    assert sentence.startswith("Read 12 tracks from an Exportify playlist: ")
    assert (
        "1 track with no key detected (-1) predicted with the model's typical key"
        in (sentence)
    )


def test_labels_of_the_spotify_tracks_dataset_are_scored_and_others_reported(
    data_and_model,
):
    content = spotify_tracks_bytes(
        TRACKS, labels={0: "k-pop", 1: "k-pop", 2: "Hip Hop"}
    )
    app = upload(open_app("batch").run(), "dataset.csv", content)

    assert_clean(app)
    assert "How often the model was right" in [h.value for h in app.header]
    scored = [m.value for m in app.metric if m.label == "Rows scored"]
    assert scored == ["10"]
    # What was read of the file (the other note says how unusual its tracks are).
    (sentence,) = [e.value for e in app.info if e.value.startswith("Read ")]
    assert "2 labels not one of the model's genres, not scored ('k-pop' 2)" in sentence


def test_a_bad_file_in_another_format_is_refused_in_plain_words(data_and_model):
    app = open_app("batch").run()
    for bad in (
        "html_page_saved_as_csv",
        "only_track_names",
        "two_columns_for_energy",
        "json_but_not_audio_features",
    ):
        app = upload(app, by_name(bad).file_name, by_name(bad).content)
        assert not app.exception
        (error,) = [element.value for element in app.error]
        assert error.startswith(f"{by_name(bad).file_name} cannot be used: ")
        for word in by_name(bad).message_words:
            assert word in error.lower(), (word, error)


def test_a_gzip_compressed_upload_is_read(data_and_model):
    import gzip

    app = upload(
        open_app("batch").run(), "tracks.csv.gz", gzip.compress(FORMATS["tracks.csv"])
    )
    assert_clean(app)
    assert metrics(app) == ["12", "12", "0"]
    assert any("Kaggle music genre dataset" in e.value for e in app.info)


def test_the_page_says_where_to_get_such_a_file(data_and_model):
    app = open_app("batch").run()
    (expander,) = [e for e in app.expander if e.label == "Where do I get such a file?"]
    help_text = " ".join(element.value for element in expander.markdown)
    for words in (
        "Prediction of music genre",
        "Exportify",
        "Spotify Tracks Dataset",
        "audio-features",
        "popularity",
        "0 = C",
    ):
        assert words in help_text, words


# --- Home: the dataset upload ------------------------------------------------------


def test_home_upload_in_the_spotify_tracks_format_says_what_was_understood(no_data):
    rows = separable_rows(per_genre=3, seed=5)
    content = spotify_tracks_bytes(rows)
    app = upload(open_app("home").run(), "dataset.csv", content)

    assert_clean(app)
    understood = understanding.Understood()
    data.load_csv(content, require_label=True, summary=understood)
    assert "30 rows" in texts(app)
    assert understood.sentence() in [element.value for element in app.caption]
    assert understood.sentence().startswith(
        "Read 30 tracks from the Spotify Tracks Dataset: "
        "'track_genre' used as music_genre, 'artists' as artist_name"
    )


def test_home_refuses_a_dataset_without_popularity_in_plain_words(no_data):
    content = csv_bytes([row()] * 3, [c for c in COLUMNS if c != "popularity"])
    app = upload(open_app("home").run(), "no_popularity.csv", content)

    assert not app.exception
    (error,) = [element.value for element in app.error]
    assert error.startswith(
        "no_popularity.csv cannot be used: This file has no popularity"
    )
    assert "training and the data report need each track's own" in error


# --- the genre column, chosen by a person (issue 30) ----------------------------------


def styled_bytes(rows) -> bytes:
    """Labelled tracks whose genre column is named ``style`` (not a known name)."""
    columns = ["style" if column == "music_genre" else column for column in COLUMNS]
    renamed = [
        {
            ("style" if name == "music_genre" else name): value
            for name, value in track.items()
        }
        for track in rows
    ]
    return csv_bytes(renamed, columns)


def test_home_asks_for_the_genre_column_of_a_file_without_one_by_name(no_data):
    from tests.app.conftest import small_csv_bytes

    content = styled_bytes(separable_rows(per_genre=3, seed=5))
    app = upload(open_app("home").run(), "styled.csv", content)
    assert_clean(app)
    picker = app.selectbox(key=f"home_label_{state.digest(content)}")
    assert picker.options == ["style"] and picker.value is None
    assert "style looks like genres" in " ".join(c.value for c in app.caption)
    assert "uploaded file styled.csv" not in texts(app)

    picker.select("style").run()
    assert_clean(app)
    assert "30 rows" in texts(app)
    assert "uploaded file styled.csv" in texts(app)
    # A file with its genre column named as GenreLab knows needs no picker.
    app = upload(open_app("home").run(), "tracks.csv", small_csv_bytes())
    assert not app.selectbox and "121 rows" in texts(app)


def test_batch_predict_scores_a_file_once_its_genre_column_is_chosen(data_and_model):
    content = styled_bytes(TRACKS)
    app = upload(open_app("batch").run(), "styled.csv", content)
    assert_clean(app)
    assert metrics(app) == ["12", "12", "0"]
    assert "How often the model was right" not in [h.value for h in app.header]

    app.selectbox(key=f"batch_label_{state.digest(content)}").select("style").run()
    assert_clean(app)
    assert "How often the model was right" in [h.value for h in app.header]
