"""The Evaluate page's confusion matrices, and the songs of a cell.

A matrix whose songs can be listed is clickable: the clicked cell becomes the
one listed below it (a selectbox twin picks it with the keyboard).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from core import evaluate, songs
from ui import charts, genre_picker, readings, show, song_list

SPLIT_LABELS = {
    songs.TEST: "test tracks",
    songs.TRAINING: "training tracks",
    songs.TRACKS: "tracks of the loaded file",
}
MATRIX_SCALES = {"counts": "track counts", "shares": "share of each true genre"}
# The cell listed below the matrices (plain session keys, also the twin's).
CELL_SPLIT = "evaluate_cell_split"
CELL_TRUE = "evaluate_cell_true"
CELL_PREDICTED = "evaluate_cell_predicted"


def pick_cell(chart_key: str, split: str) -> None:
    """Callback of a clickable matrix: the clicked cell becomes the one listed below."""
    points = st.session_state[chart_key]["selection"]["points"]
    if points:
        st.session_state[CELL_SPLIT] = split
        st.session_state[CELL_TRUE] = points[0]["y"]
        st.session_state[CELL_PREDICTED] = points[0]["x"]


def selected_cell(split: str) -> tuple[Any, Any] | None:
    """The cell listed below, if it is one of this split's matrix."""
    if st.session_state.get(CELL_SPLIT) != split:
        return None
    return (
        st.session_state.get(CELL_TRUE),
        st.session_state.get(CELL_PREDICTED),
    )


@dataclass(frozen=True)
class MatrixView:
    """How the matrices are drawn: which genres, and counts or shares."""

    # The model's genres, in the order of its matrices' rows and columns.
    genres: Sequence[str]
    # The genres drawn (rows and columns), in order.
    shown_genres: Sequence[str]
    # Shares of each true genre rather than track counts.
    normalised: bool


def draw_matrix(
    column: Any,
    matrix: Any,
    title: str,
    split: str,
    chart_key: str,
    clickable: bool,
    view: MatrixView,
) -> None:
    """One confusion matrix with its reading; clickable when its songs can be listed.

    ``matrix`` holds counts (lists or an array). Only the ``view.shown_genres``
    rows and columns are drawn; shares are of all of a true genre's tracks.
    """
    full: Any = evaluate.normalise_rows(matrix) if view.normalised else matrix
    shown = evaluate.matrix_part(full, view.genres, view.shown_genres)
    counts = evaluate.matrix_part(matrix, view.genres, view.shown_genres)
    figure = charts.evaluation.confusion_matrix(
        shown,
        title,
        view.normalised,
        view.shown_genres,
        selected_cell(split) if clickable else None,
    )
    reading = readings.evaluation.confusion_matrix(
        counts, SPLIT_LABELS[split], view.shown_genres, view.normalised
    )
    options: dict[str, Any] = (
        {
            "on_select": functools.partial(pick_cell, chart_key, split),
            "selection_mode": "points",
        }
        if clickable
        else {}
    )
    with column:
        show.chart(figure, reading, chart_key, **options)


def confusion_matrices(
    train_metrics: dict,
    test_metrics: dict,
    genres: Sequence[str],
    songs_table: pd.DataFrame | None,
    splits: Sequence[str],
) -> None:
    """The training and test matrices (and the loaded file's, when it is another)."""
    st.header("Confusion matrices")
    normalised = (
        st.segmented_control(
            "Show",
            ["counts", "shares"],
            default="shares",
            required=True,
            key="evaluate_matrix_scale",
            format_func=MATRIX_SCALES.__getitem__,
        )
        == "shares"
    )
    shown_genres = genre_picker.matrix_genres(
        genres, test_metrics["confusion_matrix"], "evaluate_matrix_genres"
    )
    view = MatrixView(genres, shown_genres, normalised)
    if songs.TEST in splits:
        st.caption("Click a cell to list its songs below.")
    left, right = st.columns(2)
    for column, split_metrics, title, split in (
        (left, train_metrics, "Training tracks", songs.TRAINING),
        (right, test_metrics, "Test tracks (never seen)", songs.TEST),
    ):
        draw_matrix(
            column,
            split_metrics["confusion_matrix"],
            f"{title}: {split_metrics['n_rows']:,}",
            split,
            f"evaluate_matrix_{split}",
            split in splits,
            view,
        )
    if list(splits) == [songs.TRACKS] and songs_table is not None:
        st.warning(
            "The loaded data is not the data this model was trained on, so its "
            "training and test tracks cannot be told apart in it. The matrices "
            "above are the model's own; the one below counts every track of the "
            "loaded file, and its cells list their songs."
        )
        tracks_matrix = songs.confusion_counts(songs_table, songs.TRACKS, genres)
        draw_matrix(
            st.container(),
            tracks_matrix,
            f"Tracks of the loaded file: {int(np.sum(tracks_matrix)):,}",
            songs.TRACKS,
            "evaluate_matrix_tracks",
            True,
            view,
        )


def songs_in_a_cell(
    songs_table: pd.DataFrame | None,
    splits: Sequence[str],
    test_metrics: dict,
    genres: Sequence[str],
) -> None:
    """The songs of one cell: picked by clicking a matrix, or with the selectboxes."""
    st.subheader("Songs in a cell")
    if songs_table is None:
        st.info(
            "Listing the songs of a cell needs the dataset (load it on the **Home** "
            "page) with labelled tracks this model can predict."
        )
        return
    st.markdown(
        "Pick a cell by clicking a matrix, or here: the songs of one true genre "
        "that the model called another (or the same) genre."
    )
    split_column, true_column, predicted_column = st.columns(3)
    if st.session_state.get(CELL_SPLIT) not in splits:
        st.session_state[CELL_SPLIT] = splits[0]
    pairs = evaluate.most_confused_pairs(
        test_metrics["confusion_matrix"], genres, top=1
    )
    first_pair = (
        (pairs["true_genre"].iloc[0], pairs["predicted_genre"].iloc[0])
        if len(pairs)
        else (genres[0], genres[0])
    )
    # A cell of another model's genres is no cell of this one.
    for cell_key in (CELL_TRUE, CELL_PREDICTED):
        if st.session_state.get(cell_key) not in genres:
            st.session_state.pop(cell_key, None)
    st.session_state.setdefault(CELL_TRUE, first_pair[0])
    st.session_state.setdefault(CELL_PREDICTED, first_pair[1])
    cell_split = split_column.selectbox(
        "Tracks",
        splits,
        format_func=lambda split: SPLIT_LABELS[split],
        key=CELL_SPLIT,
    )
    true_genre = true_column.selectbox("True genre", genres, key=CELL_TRUE)
    predicted_genre = predicted_column.selectbox(
        "Predicted as", genres, key=CELL_PREDICTED
    )
    cell = songs.cell_songs(songs_table, cell_split, true_genre, predicted_genre)
    st.markdown(
        f"**{len(cell):,} {SPLIT_LABELS[cell_split]}** of {true_genre} were called "
        f"{predicted_genre}. Click a row to open that song on the Predict page."
    )
    song_list.song_table(
        cell, "evaluate_cell_songs", "evaluate_cell_open", "evaluate_open_song"
    )
