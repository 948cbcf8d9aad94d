"""The small helpers every module shares about a typed frame's rows.

A typed frame (:func:`core.data.load_csv`) says in ``row_problem`` why a row
cannot be used and in ``empty_features`` which features a model must fill;
its tracks are named by Spotify id or artist and title, and its genres are
turned into a model's codes here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from core import schema
from core.errors import DataError
from core.genres import Genres

PROBLEM_COLUMN = "row_problem"

# The row problem of a row with no value at all.
BLANK_ROW = "blank row"

# The row problem of a row with values, but none of the audio features.
NO_AUDIO_FEATURES = "no audio features (every one is empty)"

# The features whose cell is empty in a row without a problem, joined with
# EMPTY_SEPARATOR in schema.FEATURE_COLUMNS order ("" when none): a model
# that fills in unknown values fills them, another gives the row a reason.
EMPTY_COLUMN = "empty_features"

EMPTY_SEPARATOR = ", "

NAME_COLUMNS: tuple[str, ...] = ("artist_name", "track_name")


def has_track_names(frame: pd.DataFrame) -> bool:
    """Whether a frame names its tracks (artist and title columns)."""
    return set(NAME_COLUMNS) <= set(frame.columns)


# How core.pipeline keeps repeats of a song together, as the model card says it.
GROUPED_BY_TRACK_ID = "Spotify track id"

GROUPED_BY_NAMES = "artist and title"


def track_grouping(frame: pd.DataFrame) -> str | None:
    """What :func:`track_keys` groups ``frame``'s rows by; None: nothing."""
    if schema.TRACK_ID in frame.columns:
        return GROUPED_BY_TRACK_ID
    return GROUPED_BY_NAMES if has_track_names(frame) else None


def track_keys(frame: pd.DataFrame) -> pd.Series | None:
    """One key per row naming its track; None when the file names no track.

    The Spotify track id when the file has one (a row without an id falls
    back to its artist + title), else artist + title. The same song appears
    several times in a file, often under different genres: splits, fusion
    accuracy and the duplicate report all group by it.
    """
    grouping = track_grouping(frame)
    if grouping is None:
        return None
    names = None
    if has_track_names(frame):
        artist, title = NAME_COLUMNS
        names = "\x1f" + frame[artist].astype(str) + "\x1f" + frame[title].astype(str)
    if grouping == GROUPED_BY_NAMES:
        assert names is not None  # grouped by names only when it has them
        return names.str.slice(1)
    ids = frame[schema.TRACK_ID].astype(object)
    has_id = ids.notna() & (ids.astype(str).str.strip() != "")
    fallback = (
        names
        if names is not None
        else pd.Series("\x1frow " + frame.index.astype(str), index=frame.index)
    )
    # An id never starts with the separator: ids and the fallbacks cannot collide.
    return ids.astype(str).where(has_id, fallback)


def fingerprint(typed: pd.DataFrame) -> str:
    """A short digest of a typed frame's rows (identity, features, genre).

    Saved with a model at training: the same fingerprint later means the
    same data, so the model's train/test split can be recomputed from it.
    The row order counts; the file's layout (delimiter, quoting) does not.
    """
    import hashlib

    columns = [
        column
        for column in (*schema.IDENTITY_COLUMNS, *schema.FEATURE_COLUMNS, schema.TARGET)
        if column in typed.columns
    ]
    hashes = pd.util.hash_pandas_object(typed[columns], index=False).to_numpy()
    return hashlib.sha256(hashes.tobytes()).hexdigest()[:20]


def label_codes(typed: pd.DataFrame, genres: Genres) -> np.ndarray:
    """Each row's genre as its index in ``genres`` (-1: no label, or none of them)."""
    if schema.TARGET not in typed.columns:
        return np.full(len(typed), -1, dtype=np.int64)
    return genres.codes(typed[schema.TARGET])


def _number(value: float | str | None) -> float:
    """A feature's value as a float; NaN when unknown (None or NaN)."""
    return np.nan if value is None else float(value)


def track_rows(tracks: Sequence[Mapping[str, float | str | None]]) -> pd.DataFrame:
    """Typed rows of tracks given by their feature values, one row per track.

    The one way a track made of numbers becomes rows a model predicts: the
    Predict page's sliders, a shared link, Shapley coalitions and
    counterfactual candidates. The values are a track's own, already in
    range (sliders and links are held to the data's ranges): numbers, None
    or NaN for an unknown one, key and mode as GenreLab spells them. The rows
    equal what reading the same values from a file gives
    (:func:`core.data.load_csv`), without writing them as text and typing
    them back.

    Raises:
        DataError: a track lacks a feature.
    """
    missing = [
        name
        for name in schema.FEATURE_COLUMNS
        if any(name not in track for track in tracks)
    ]
    if missing:
        what = "column" if len(missing) == 1 else "columns"
        raise DataError(f"A track is missing the {what} {', '.join(missing)}.")
    columns: dict[str, object] = {}
    empty: list[np.ndarray] = []
    for name in schema.FEATURE_COLUMNS:
        values = [track[name] for track in tracks]
        if name in schema.NUMERIC_FEATURES:
            numbers = np.array([_number(value) for value in values], dtype=np.float64)
            unknown = np.isnan(numbers)
            columns[name] = numbers
        else:
            unknown = np.array([value is None for value in values], dtype=bool)
            columns[name] = pd.array(
                [None if value is None else str(value) for value in values],
                dtype="str",
            )
        empty.append(np.where(unknown, name, ""))
    frame = pd.DataFrame(columns)
    frame[PROBLEM_COLUMN] = pd.array([""] * len(frame), dtype="str")
    named = (
        [
            EMPTY_SEPARATOR.join(name for name in row if name)
            for row in zip(*empty, strict=True)
        ]
        if len(frame)
        else []
    )
    frame[EMPTY_COLUMN] = pd.array(named, dtype="str")
    return frame
