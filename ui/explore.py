"""Cached song-level results for the Predict and Evaluate pages.

From core.songs and core.explain. Each is computed once per model and dataset
and shared by every session (``st.cache_resource``: read-only objects, handed
out without a copy; a few entries at most, since each holds a table of the
whole dataset). The model key is the shipped model's or a session run's id,
the data key the dataset's content key (see ui.state), so a result never
outlives what it was made from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core import (
    corrections,
    counterfactual,
    explain,
    label_issues,
    predict,
    segments,
    shapley,
    songs,
    tables,
)
from core.bundle import Bundle
from core.errors import GenreLabError
from core.held_out import HeldOut, held_out_predictions

# A row index of the loaded data the Predict page loads on arrival (set by
# the Evaluate page's "open on Predict").
PENDING_TRACK = "predict_pending_track"


@st.cache_resource(max_entries=2, show_spinner="Listing the songs...")
def song_index(data_key: str, _typed: pd.DataFrame) -> pd.DataFrame:
    """:func:`core.songs.song_index` of the loaded data."""
    return songs.song_index(_typed)


@st.cache_resource(max_entries=2, show_spinner=False)
def model_data(
    model_key: str, data_key: str, _bundle: Bundle, _typed: pd.DataFrame
) -> pd.DataFrame:
    """:func:`core.corrections.model_data`: the data with the model's own fixes.

    Keyed by the model, whose corrections never change once trained.
    """
    return corrections.model_data(_typed, _bundle.info)


@st.cache_resource(max_entries=3, show_spinner="Predicting every track of the data...")
def predictions_table(
    model_key: str, data_key: str, _bundle: Bundle, _typed: pd.DataFrame
) -> pd.DataFrame:
    """:func:`core.songs.predictions_table`.

    Every labelled row's prediction and split.
    """
    return songs.predictions_table(_bundle, _typed)


@st.cache_resource(
    max_entries=2, show_spinner="Placing every track by how the model hears it..."
)
def sound_index(
    model_key: str, data_key: str, _bundle: Bundle, _typed: pd.DataFrame
) -> songs.SoundIndex:
    """:func:`core.songs.sound_index`, for songs that sound alike."""
    return songs.sound_index(_bundle, _typed)


@st.cache_resource(max_entries=3, show_spinner="Drawing the map of songs...")
def song_map(
    model_key: str, data_key: str, split: str, _bundle: Bundle, _typed: pd.DataFrame
) -> explain.SongMap:
    """:func:`core.explain.song_map` of one split's tracks.

    With their facts for hovering.
    """
    table = predictions_table(model_key, data_key, _bundle, _typed)
    rows = table[table[songs.SPLIT] == split]
    typed_rows = _typed.loc[rows.index]
    result = explain.song_map(_bundle, typed_rows)
    facts = rows.loc[result.points.index]
    result.points = result.points[["x", "y"]].join(
        facts[[songs.SONG, songs.TRUE_GENRE, songs.LISTED, "predicted_genre"]]
    )
    return result


@st.cache_data(max_entries=4, show_spinner=False)
def reliability(
    model_key: str,
    data_key: str,
    split: str,
    _table: pd.DataFrame,
    genres: tuple[str, ...],
) -> dict:
    """:func:`core.explain.reliability` of one split's rows of a predictions table.

    ``genres``: the model's, in the order of its probability columns.
    """
    rows = _table[_table[songs.SPLIT] == split]
    codes = {genre: code for code, genre in enumerate(genres)}
    labels = rows[songs.TRUE_GENRE].map(codes).to_numpy()
    probabilities = rows[predict.probability_columns(genres)].to_numpy()
    return explain.reliability(labels, probabilities)


@st.cache_data(max_entries=8, show_spinner="Setting every track to each value...")
def partial_dependence(
    model_key: str,
    data_key: str,
    split: str,
    feature: str,
    _bundle: Bundle,
    _typed: pd.DataFrame,
    _table: pd.DataFrame,
) -> pd.DataFrame:
    """:func:`core.explain.partial_dependence_table` over one split's tracks."""
    rows = _table[_table[songs.SPLIT] == split]
    return explain.partial_dependence_table(_bundle, _typed.loc[rows.index], feature)


@st.cache_data(max_entries=256, show_spinner=False)
def shapley_values(
    model_key: str, values: dict[str, float | str], _bundle: Bundle
) -> shapley.Shapley:
    """:func:`core.shapley.shapley_values` of one track, shared by every session.

    Most visitors open Predict on the same typical track, and each
    explanation runs the network on 8,192 variations of it: a third of the
    server's CPU for a crowd opening Predict, before this cache (measured;
    docs/performance.md). A track a slider made new is computed as before.
    """
    return shapley.shapley_values(_bundle, values)


@st.cache_data(max_entries=256, show_spinner=False)
def predicted_track(
    model_key: str, values: dict[str, float | str], _bundle: Bundle
) -> tuple[pd.DataFrame, pd.DataFrame | str]:
    """A track's typed row and its prediction (or why none), shared by every session.

    Every visitor's Predict page opens on the same typical track, and typing
    its one-row frame took 13-15 ms, predicting it 7 ms. Measured as the
    server's CPU for a returning browser's new session on Predict (8
    sessions, twice): 0.100 s before this cache, 0.087 s with it.
    """
    row = tables.track_rows([values])
    try:
        return row, predict.predict_frame(_bundle, row)
    except GenreLabError as error:
        return row, str(error)


@st.cache_data(max_entries=64, show_spinner="Looking for the smallest change...")
def genre_change(
    model_key: str,
    values: dict[str, float | str],
    genre: str,
    locked: tuple[str, ...],
    bounds: dict[str, tuple[float, float]],
    steps: dict[str, float],
    _bundle: Bundle,
) -> counterfactual.Counterfactual:
    """:func:`core.counterfactual.counterfactual` of one track (about 0.1 s CPU)."""
    return counterfactual.counterfactual(
        _bundle, values, genre, locked, bounds=bounds, steps=steps
    )


@st.cache_data(max_entries=3, show_spinner="Predicting the tracks it did not learn...")
def held_out(
    model_key: str, data_key: str, _bundle: Bundle, _typed: pd.DataFrame
) -> HeldOut:
    """:func:`core.held_out.held_out_predictions`: the tracks the model did not learn.

    What both "where the model fails" and "whose genre looks wrong" are
    measured on, predicted once.
    """
    return held_out_predictions(_bundle, _typed)


@st.cache_data(max_entries=3, show_spinner=False)
def segment_report(
    model_key: str, data_key: str, _held_out: HeldOut
) -> segments.SegmentReport:
    """:func:`core.segments.segments_of` the held-out tracks (model and data keyed)."""
    return segments.segments_of(_held_out)


@st.cache_data(max_entries=3, show_spinner=False)
def label_issues_of(
    model_key: str, data_key: str, _held_out: HeldOut
) -> label_issues.LabelIssues:
    """:func:`core.label_issues.label_issues_of` the held-out tracks."""
    return label_issues.label_issues_of(_held_out)


def random_generator() -> np.random.Generator:
    """A generator for "Surprise me" (a new draw on every click)."""
    return np.random.default_rng()
