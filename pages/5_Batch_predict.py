"""Batch predict page: predict the genre of every track in an uploaded CSV.

The file is predicted a chunk at a time (core.export.predict_file) and the
table goes to a temporary file on disk, so the server's memory does not grow
with the upload; the page keeps a preview, and the download reads the file.
"""

from __future__ import annotations

import io
import tempfile

import pandas as pd
import streamlit as st

from core import conformal, evaluate, export, formats, novelty, predict
from core.errors import GenreLabError
from core.limits import LIMITS
from ui import (
    cache,
    charts,
    genre_column,
    genre_picker,
    navigation,
    readings,
    show,
    state,
)

navigation.page_frame(
    "Batch predict",
    "Upload a file of tracks with their Spotify audio features (the Kaggle "
    "dataset's format, an Exportify playlist export, a Spotify dataset such as "
    "the Spotify Tracks Dataset, or the Spotify Web API's audio-features JSON) "
    "to get the model's two likeliest genres and every genre's probability for "
    "each track. Rows that cannot be predicted keep their place with the "
    "reason. When the file has genres, you also see how often the model was "
    "right.",
)

model, model_error = state.active_model()
if model is None:
    navigation.no_model_notice(model_error)
    st.stop()
# The model's genres, in the order of its probability columns.
GENRES = model.bundle.genres.names
PROBABILITY_COLUMNS = predict.probability_columns(GENRES)
st.caption(f"Model: **{model.choice.name}**, {len(GENRES)} genres")

with st.expander("Where do I get such a file?", icon=":material/help:"):
    st.markdown(
        """
- **The Kaggle dataset** [Prediction of music genre](https://www.kaggle.com/datasets/vicsuperman/prediction-of-music-genre)
  (`music_genre.csv`, the Home page downloads it): 50,000 tracks of the ten
  genres, each with its popularity, its audio features and its genre. The
  model learned from it.
- **An [Exportify](https://exportify.net) export** of one of your Spotify
  playlists (CSV): per track its name, artists, album, popularity, artist
  genres and audio features (`Danceability`, `Key`, `Duration (ms)`, ...).
  Rows whose audio features are empty cannot be predicted.
- **A Spotify dataset** such as Kaggle's
  [Spotify Tracks Dataset](https://www.kaggle.com/datasets/maharshipandya/-spotify-tracks-dataset)
  (`dataset.csv`): 114,000 tracks of 114 genres (`track_genre`) with
  popularity and audio features. Nine of its genres are among the shipped
  model's ten (it has no Rap); tracks of genres a model does not have are
  predicted but not scored (train a model of its genres on the Train page). The
  TidyTuesday [Spotify Songs](https://github.com/rfordatascience/tidytuesday/tree/master/data/2020/2020-01-21)
  (`spotify_songs.csv`, spotifyr's names such as `track_popularity` and
  `playlist_genre`) is read as well.
- **The Spotify Web API's audio features** (`GET /v1/audio-features?ids=...`,
  saved as a `.json` file): the audio features of up to 100 tracks, without
  names and without popularity, for which the model then uses a typical
  value (its predictions are less sure). Spotify stopped giving audio
  features to new apps in November 2024.

Any table with the same columns works: names are matched ignoring case,
spaces and brackets, keys may be names (`C#`, `c#`) or Spotify's numbers
(0 = C ... 11 = B, -1 = none found), modes `Major`/`Minor` or 1/0, and a
gzip-compressed file is read as it is.
"""
    )

uploaded = st.file_uploader(
    "Tracks (CSV or JSON)",
    type=["csv", "json", "gz"],
    key="batch_upload",
    help="Columns: popularity, acousticness, danceability, duration_ms, energy, "
    "instrumentalness, key, liveness, loudness, mode, speechiness, tempo, valence "
    "(and optionally music_genre, artist_name, track_name), in any case; "
    "Exportify's and Spotify's own names work too. "
    f"Up to {LIMITS.upload_mb:g} MB and {LIMITS.rows:,} tracks (a JSON file: "
    f"{LIMITS.json_mb:g} MB), also once a gzip file is unpacked.",
)
st.caption(
    "A bigger file? The command line predicts a file of any "
    "size, a chunk at a time: `python -m core predict --model models/default "
    "--input tracks.csv --output predictions.csv`."
)
if model.bundle.conformal is None:
    coverage = None
    st.caption(conformal.NO_SETS)
else:
    coverage = st.selectbox(
        "Add a prediction set to each track",
        (None, *conformal.COVERAGE_CHOICES),
        format_func=lambda value: (
            "No" if value is None else f"Yes, {value:.0%} sure (column prediction_set)"
        ),
        key="batch_coverage",
        help="The genres each track is one of, this sure: for tracks like "
        "the training data, that many sets in 100 hold the track's genre.",
    )
if uploaded is None:
    st.info("Upload a file to start. Its data stays in this browser tab.")
    st.stop()

content = uploaded.getvalue()
fingerprint = state.digest(content)
pending, label = genre_column.choose(
    content, key=f"batch_label_{fingerprint}", required=False
)
if pending:
    st.stop()
key = f"{model.choice.key}:{fingerprint}:{label or ''}:{coverage}"
kept = cache.kept_result(cache.BATCH_RESULT, key)
if kept is None:
    # Rough row count for the progress bar (a quoted title may hold a newline).
    expected_rows = max(content.count(b"\n"), 1)
    progress = st.progress(0.0, text="Predicting...")

    def show_progress(rows: int) -> None:
        progress.progress(
            min(rows / expected_rows, 1.0), text=f"Predicted {rows:,} rows..."
        )

    # Anonymous: the system deletes it once this session lets go of it.
    table_file = tempfile.TemporaryFile()
    writer = io.TextIOWrapper(table_file, encoding="utf-8", newline="")
    try:
        result = export.predict_file(
            model.bundle,
            content,
            writer,
            on_progress=show_progress,
            limited=True,
            label=label,
            coverage=coverage,
        )
    except GenreLabError as upload_error:
        writer.close()
        progress.empty()
        cache.keep_result(cache.BATCH_RESULT, key, None)
        st.error(f"{uploaded.name} cannot be used: {upload_error}")
        st.stop()
    except BaseException:
        # A rerun or a stop in mid-file: the half-written table goes now,
        # not when the session is collected.
        writer.close()
        raise
    writer.flush()
    writer.detach()
    progress.empty()
    kept = {"result": result, "table_file": table_file}
    cache.keep_result(cache.BATCH_RESULT, key, kept)

result: export.BatchResult = kept["result"]


def download_stem(name: str) -> str:
    """The upload's name without its extensions (tracks.csv.gz -> tracks)."""
    for suffix in (".gz", ".csv", ".json"):
        name = name.removesuffix(suffix)
    return name


def table_bytes() -> bytes:
    """The whole predictions table, read from disk when the button is clicked."""
    table_file = kept["table_file"]
    table_file.seek(0)
    return table_file.read()


columns = st.columns(3)
columns[0].metric("Rows", f"{result.rows:,}")
columns[1].metric("Predicted", f"{result.predicted:,}")
columns[2].metric("Could not be predicted", f"{result.unpredicted:,}")
if coverage is not None:
    st.caption(conformal.guarantee_sentence(coverage))
if result.understood is not None:
    st.info(result.understood.sentence(), icon=":material/fact_check:")
    for note in result.understood.filled_notes():
        st.warning(note, icon=":material/warning:")
if result.network is not None and result.network.sentence:
    # Which of the model's two networks predicted the file, and why (issue 25).
    st.info(result.network.sentence, icon=":material/alt_route:")
st.download_button(
    "Download the predictions (CSV)",
    table_bytes,
    file_name=f"{download_stem(uploaded.name)}_predictions.csv",
    mime="text/csv",
    key="batch_download",
    icon=":material/download:",
    on_click="ignore",
)

st.header("Predictions")
table = result.preview
if result.rows > len(table):
    st.caption(
        f"The first {len(table):,} of {result.rows:,} rows; the download has them all."
    )
first_columns = [
    column
    for column in (
        "artist_name",
        "track_name",
        "music_genre",
        predict.PREDICTED,
        predict.SECOND,
        predict.PREDICTION_SET,
    )
    if column in table.columns
]
if (table[predict.FILLED] != "").any():
    # What the model filled in (an empty cell, a missing column), per row.
    first_columns.append(predict.FILLED)
shown = table[first_columns + PROBABILITY_COLUMNS].copy()
# Rows are numbered as in a spreadsheet under the header (1 = first data row).
shown.insert(0, "row", shown.index + 1)
st.dataframe(
    shown,
    width="stretch",
    hide_index=True,
    column_config={
        column: st.column_config.ProgressColumn(
            column.removeprefix("p_"), min_value=0.0, max_value=1.0, format="percent"
        )
        for column in PROBABILITY_COLUMNS
    },
)

if result.unpredicted:
    st.header("Rows that could not be predicted")
    st.markdown("`row` counts data rows from 1 (the line under the header).")
    if result.unpredicted > len(result.unpredictable):
        st.caption(
            f"The first {len(result.unpredictable):,} of {result.unpredicted:,}; "
            "the download gives every row's reason."
        )
    st.dataframe(result.unpredictable, hide_index=True, width="stretch")

if result.novelty is not None:
    # How far to trust the file's predictions (issue 25): its share of tracks
    # unlike the training ones, and the features that moved most.
    st.header("How unlike the training tracks")
    share_sentence, features_sentence = novelty.file_sentences(result.novelty)
    (st.warning if novelty.file_is_unusual(result.novelty) else st.info)(
        share_sentence, icon=":material/travel_explore:"
    )
    st.markdown(features_sentence)
    with st.expander("Every feature against the training tracks"):
        st.dataframe(
            novelty.shift_table(result.novelty), hide_index=True, width="stretch"
        )

scores = result.scores
if scores is not None and scores["n_rows"]:
    st.header("How often the model was right")
    st.markdown(
        "Over the rows that have a genre and got a prediction. Each row of the "
        "matrix is a true genre, each column the predicted one."
    )
    columns = st.columns(3)
    columns[0].metric("Accuracy", f"{scores['accuracy']:.1%}")
    top2 = scores.get("top2_accuracy")
    columns[1].metric(
        "Right genre in its top 2", "n/a" if top2 is None else f"{top2:.1%}"
    )
    columns[2].metric("Rows scored", f"{scores['n_rows']:,}")
    if "by_novelty" in scores:
        # Issue 25: on a file from another source, how often the model is
        # right as its tracks get less like the ones it learned from.
        st.markdown(novelty.BAND_SENTENCE)
        st.dataframe(
            novelty.band_table(scores["by_novelty"]), hide_index=True, width="stretch"
        )
    normalised = st.toggle("Show shares of each true genre", key="batch_normalised")
    matrix = scores["confusion_matrix"]
    shown_genres = genre_picker.matrix_genres(GENRES, matrix, "batch_matrix_genres")
    full = evaluate.normalise_rows(matrix) if normalised else matrix
    show.chart(
        charts.evaluation.confusion_matrix(
            evaluate.matrix_part(full, GENRES, shown_genres),
            "Confusion matrix",
            normalised,
            shown_genres,
        ),
        readings.evaluation.confusion_matrix(
            evaluate.matrix_part(matrix, GENRES, shown_genres),
            "scored rows",
            shown_genres,
            normalised,
        ),
        "batch_matrix",
    )
    st.dataframe(
        pd.DataFrame.from_dict(scores["per_genre"], orient="index"),
        width="stretch",
        column_config={
            name: st.column_config.NumberColumn(format="%.2f")
            for name in ("precision", "recall", "f1")
        },
    )
elif scores is None:
    st.caption(
        "The file has no genre column "
        f"({formats.listed(formats.LABEL_NAMES, conjunction='or')}) with one of "
        "the model's genres, so accuracy cannot be measured."
    )
