"""Every cache of the app, in one place: what is computed once and kept.

Caching follows Streamlit's guidance:

- ``st.cache_resource`` for what every session reads and none changes: the
  typed dataset, the shipped model, the training queue, and the song-level
  tables of a model and a dataset (read-only objects, handed out without a
  copy; a few entries at most, since each holds a table of the whole dataset);
- ``st.cache_data`` for reports, metrics and one track's results (passed in
  as arguments: widget values and content keys; ``max_entries``);
- the session's own results that a cached function cannot make (they draw
  progress: a batch prediction, the cross-validated genre check), kept in
  ``st.session_state`` with what they were made from (:func:`kept_result`).

The model key is the shipped model's or a session run's id, the data key the
dataset's content key (see ``ui.state``), so a result never outlives what it
was made from. Arguments with a leading underscore are not hashed: the key
before them stands for them.

Nothing here imports TensorFlow at module level: the Home and Data pages use
this module and must stay quick.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from core import (
    corrections,
    counterfactual,
    data,
    explain,
    formats,
    label_issues,
    predict,
    reading,
    report,
    segments,
    shapley,
    songs,
    tables,
    understanding,
)
from core import training_queue as training_queues
from core.bundle import METRICS_FILE, Bundle
from core.errors import GenreLabError
from core.held_out import HeldOut, held_out_predictions

# --- The server's shared resources --------------------------------------------------


@dataclass(frozen=True)
class ClusterConnection:
    """The server's Dask client, in a box."""

    # Held in a box: st.cache_resource refuses to return an awaitable, which
    # a distributed.Client is.
    client: Any


@st.cache_resource
def cluster_connection(address: str) -> ClusterConnection:
    """The one Dask client of a scheduler address (raises GenreLabError, not cached)."""
    from core import cluster

    return ClusterConnection(cluster.open_client(cluster.parse_address(address)))


@st.cache_resource
def training_queue() -> training_queues.TrainingQueue:
    """The one training queue every session of this server shares."""
    return training_queues.TrainingQueue(
        slots=training_queues.slots_from_environment(), stale_seconds=60.0
    )


# --- The dataset ------------------------------------------------------------------


@st.cache_resource(max_entries=3, show_spinner="Reading the data...")
def dataset(
    key: str, _content: bytes | None, path: str | None, genre_column: str | None = None
) -> tuple[pd.DataFrame, understanding.Understood]:
    """The typed dataset of a file (its bytes or its path) and what was understood.

    Raises:
        GenreLabError: the file is not a usable labelled file (not cached).
    """
    # One frame shared, read-only, by every session: st.cache_data would hand
    # each script run its own unpickled copy (7% of the server's CPU with 8
    # visitors on Predict, and 40 MB a copy). ``key`` stands for the content;
    # the leading underscore keeps Streamlit from hashing megabytes of bytes.
    understood = understanding.Understood()
    source = _content if _content is not None else path
    assert source is not None  # the file's bytes, or its path
    typed = data.load_csv(
        source,
        require_label=True,
        summary=understood,
        label=genre_column,
    )
    return typed, understood


@st.cache_data(max_entries=8)
def label_columns(content: bytes) -> formats.LabelColumns:
    """:func:`core.reading.label_columns` of an upload.

    None found when the file cannot be read: loading it then says why.
    """
    try:
        return reading.label_columns(content)
    except GenreLabError:
        return formats.LabelColumns((), ())


@st.cache_data(max_entries=3, show_spinner="Analysing the data...")
def data_report(
    key: str, _typed: pd.DataFrame, _understood: understanding.Understood | None = None
) -> dict:
    """:func:`core.report.data_report`, cached per data content."""
    return report.data_report(_typed, _understood)


@st.cache_data(max_entries=3)
def feature_summary(key: str, _typed: pd.DataFrame) -> pd.DataFrame:
    """:func:`core.report.feature_summary`, cached per data content."""
    return report.feature_summary(_typed)


@st.cache_data(max_entries=3)
def genre_medians(key: str, _typed: pd.DataFrame) -> pd.DataFrame:
    """:func:`core.report.genre_medians`, cached per data content."""
    return report.genre_medians(_typed)


# --- The shipped model ------------------------------------------------------------


@st.cache_data(max_entries=2)
def shipped_metrics(stamp: str, folder: str) -> dict | None:
    """The shipped model's metrics file (``stamp``: its folder and mtime)."""
    try:
        return json.loads((Path(folder) / METRICS_FILE).read_text())
    except (OSError, ValueError):
        return None


@st.cache_resource(max_entries=2, show_spinner="Loading the model...")
def shipped_bundle(stamp: str | None, folder: str) -> Any:
    """The shipped model's bundle (raises GenreLabError, not cached)."""
    # Imported here: loading a model imports TensorFlow (seconds, ~500 MB).
    from core import bundle

    return bundle.load_bundle(Path(folder))


# --- Song-level results of a model and a dataset (Predict, Evaluate) ---------------


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


@st.cache_data(
    max_entries=4, show_spinner="Shuffling features to measure importance..."
)
def importance_table(model_key: str, data_key: str, _bundle, _typed) -> pd.DataFrame:
    """Permutation importance, cached per model and data."""
    return explain.permutation_importance_table(_bundle, _typed)


@st.cache_data(max_entries=2, show_spinner=False)
def model_comparison(data_key: str, _typed) -> pd.DataFrame:
    """core.compare.compare_models, cached per data content."""
    from core import compare

    return compare.compare_models(_typed)


@st.cache_data(max_entries=2, show_spinner=False)
def policy_comparison(data_key: str, _typed) -> pd.DataFrame:
    """core.compare.drop_vs_impute, cached per data content."""
    from core import compare

    return compare.drop_vs_impute(_typed)


# --- One track's results (Predict), shared by every session -------------------------


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


# --- Results kept in this session -------------------------------------------------

# Session keys of the results below.
BATCH_RESULT = "batch_result"  # the last upload's batch prediction
CROSS_VALIDATED = "data_cross_validated_issues"  # the last check of every track


def kept_result(name: str, made_from: object) -> Any | None:
    """The result kept in this session under ``name``, if made from ``made_from``.

    For results a cached function cannot make (they draw progress while
    they are made), one per name and session.
    """
    kept = st.session_state.get(name)
    if kept and kept["made_from"] == made_from:
        return kept["result"]
    return None


def keep_result(name: str, made_from: object, result: Any) -> None:
    """Keep ``result`` in this session under ``name`` (None: forget the last one)."""
    st.session_state[name] = (
        None if result is None else {"made_from": made_from, "result": result}
    )
