"""The Batch predict page's parts: the upload, its prediction, and what it says.

The file is predicted a chunk at a time (core.export.predict_file) and the
table goes to a temporary file on disk, so the server's memory does not grow
with the upload; the page keeps a preview, and the download reads the file.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from core import conformal, evaluate, export, formats, novelty, predict
from core.errors import GenreLabError
from core.limits import LIMITS
from ui import cache, charts, genre_picker, readings, show, state

WHERE_TO_GET_A_FILE = """
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


@dataclass(frozen=True)
class PredictedFile:
    """An upload's predictions, kept in the session until the upload changes."""

    # What export.predict_file found: counts, preview, scores, novelty.
    result: export.BatchResult
    # The whole predictions table, on disk (deleted once the session lets go).
    table_file: IO[bytes]

    def table_bytes(self) -> bytes:
        """The whole predictions table, read from disk when the button is clicked."""
        self.table_file.seek(0)
        return self.table_file.read()


def where_to_get_a_file() -> None:
    """An expander naming the files that work and where to get them."""
    with st.expander("Where do I get such a file?", icon=":material/help:"):
        st.markdown(WHERE_TO_GET_A_FILE)


def upload_box() -> UploadedFile | None:
    """The file uploader (and where to go for a bigger file); the upload or None."""
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
    return uploaded


def coverage_choice(bundle: Any) -> float | None:
    """How sure each track's prediction set is (None: no sets, or none possible)."""
    if bundle.conformal is None:
        st.caption(conformal.NO_SETS)
        return None
    return st.selectbox(
        "Add a prediction set to each track",
        (None, *conformal.COVERAGE_CHOICES),
        format_func=lambda value: (
            "No" if value is None else f"Yes, {value:.0%} sure (column prediction_set)"
        ),
        key="batch_coverage",
        help="The genres each track is one of, this sure: for tracks like "
        "the training data, that many sets in 100 hold the track's genre.",
    )


def predicted_file(
    model_key: str,
    bundle: Any,
    name: str,
    content: bytes,
    label: str | None,
    coverage: float | None,
) -> PredictedFile | None:
    """The upload's predictions, with a progress bar the first time.

    Kept in the session (ui.cache.BATCH_RESULT) for this model, content,
    genre column and coverage; None when the file cannot be used (said
    with st.error).
    """
    key = f"{model_key}:{state.digest(content)}:{label or ''}:{coverage}"
    kept = cache.kept_result(cache.BATCH_RESULT, key)
    if kept is not None:
        return kept
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
            bundle,
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
        st.error(f"{name} cannot be used: {upload_error}")
        return None
    except BaseException:
        # A rerun or a stop in mid-file: the half-written table goes now,
        # not when the session is collected.
        writer.close()
        raise
    writer.flush()
    writer.detach()
    progress.empty()
    kept = PredictedFile(result, table_file)
    cache.keep_result(cache.BATCH_RESULT, key, kept)
    return kept


def download_stem(name: str) -> str:
    """The upload's name without its extensions (tracks.csv.gz -> tracks)."""
    for suffix in (".gz", ".csv", ".json"):
        name = name.removesuffix(suffix)
    return name


def summary(predicted: PredictedFile, coverage: float | None, name: str) -> None:
    """Rows predicted or not, what was understood of the file, and the download."""
    result = predicted.result
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
        predicted.table_bytes,
        file_name=f"{download_stem(name)}_predictions.csv",
        mime="text/csv",
        key="batch_download",
        icon=":material/download:",
        on_click="ignore",
    )


def predictions(result: export.BatchResult, genres: Sequence[str]) -> None:
    """The preview of the predictions table: names, top two, every probability."""
    probability_columns = predict.probability_columns(genres)
    st.header("Predictions")
    table = result.preview
    if result.rows > len(table):
        st.caption(
            f"The first {len(table):,} of {result.rows:,} rows; the download has "
            "them all."
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
    shown = table[first_columns + probability_columns].copy()
    # Rows are numbered as in a spreadsheet under the header (1 = first data row).
    shown.insert(0, "row", shown.index + 1)
    st.dataframe(
        shown,
        width="stretch",
        hide_index=True,
        column_config={
            column: st.column_config.ProgressColumn(
                column.removeprefix("p_"),
                min_value=0.0,
                max_value=1.0,
                format="percent",
            )
            for column in probability_columns
        },
    )


def unpredicted_rows(result: export.BatchResult) -> None:
    """The rows that could not be predicted, with the reason (nothing if none)."""
    if not result.unpredicted:
        return
    st.header("Rows that could not be predicted")
    st.markdown("`row` counts data rows from 1 (the line under the header).")
    if result.unpredicted > len(result.unpredictable):
        st.caption(
            f"The first {len(result.unpredictable):,} of {result.unpredicted:,}; "
            "the download gives every row's reason."
        )
    st.dataframe(result.unpredictable, hide_index=True, width="stretch")


def novelty_section(result: export.BatchResult) -> None:
    """How unlike the training tracks the file is (issue 25; nothing if unknown)."""
    if result.novelty is None:
        return
    # How far to trust the file's predictions: its share of tracks unlike the
    # training ones, and the features that moved most.
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


def scores_section(scores: dict | None, genres: Sequence[str]) -> None:
    """How often the model was right on the file's labelled rows, or why unknown."""
    if scores is not None and scores["n_rows"]:
        _scores(scores, genres)
    elif scores is None:
        st.caption(
            "The file has no genre column "
            f"({formats.listed(formats.LABEL_NAMES, conjunction='or')}) with one of "
            "the model's genres, so accuracy cannot be measured."
        )


def _scores(scores: dict, genres: Sequence[str]) -> None:
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
    shown_genres = genre_picker.matrix_genres(genres, matrix, "batch_matrix_genres")
    # Counts, or each true genre's shares (an array).
    full: Any = evaluate.normalise_rows(matrix) if normalised else matrix
    show.chart(
        charts.evaluation.confusion_matrix(
            evaluate.matrix_part(full, genres, shown_genres),
            "Confusion matrix",
            normalised,
            shown_genres,
        ),
        readings.evaluation.confusion_matrix(
            evaluate.matrix_part(matrix, genres, shown_genres),
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
