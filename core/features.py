"""Cleaning and splitting a labelled file: the genres learned, the rows kept, the split.

Rows are cleaned (blank, invalid, of no genre learned, unknown values) with a
count for each reason, and split with a song's repeats on one side; the
:class:`core.preprocessing.Preprocessor` is then fitted on the training rows.

scikit-learn is imported inside the functions that fit or split: it takes
about a second to import, and the Home and Data pages (which only clean and
count rows) should not pay for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core import schema
from core.config import TrainingConfig
from core.errors import DataError
from core.genres import GenreChoice, Genres, choose
from core.tables import (
    BLANK_ROW,
    EMPTY_COLUMN,
    PROBLEM_COLUMN,
    label_codes,
    track_keys,
)

UNKNOWN_REASON = "unknown {columns} (this model was trained without such rows)"


@dataclass(frozen=True)
class CleaningSummary:
    """How many rows cleaning kept and why it removed the others."""

    rows_in: int
    blank_rows: int
    invalid_rows: int
    unlabelled_rows: int
    unknown_rows_dropped: int
    rows_out: int


def unknown_key_mask(typed: pd.DataFrame) -> np.ndarray:
    """Rows with no key detected (Spotify's -1) and no problem.

    The typed key is None both for an invalid key (a row problem) and for
    an unknown one (no problem).
    """
    return typed[schema.KEY_COLUMN].isna().to_numpy() & (
        typed[PROBLEM_COLUMN].to_numpy() == ""
    )


def empty_mask(typed: pd.DataFrame) -> np.ndarray:
    """Rows with a feature whose cell was empty (core.data's ``empty_features``)."""
    if EMPTY_COLUMN not in typed.columns:
        # Rows built in code (explanations, sweeps) have every value.
        return np.zeros(len(typed), dtype=bool)
    return (typed[EMPTY_COLUMN] != "").to_numpy(dtype=bool, copy=True)


def unknown_mask(typed: pd.DataFrame) -> np.ndarray:
    """Rows with an unknown value and no problem.

    Unknown: tempo, duration or key (Spotify's ``?``, -1 and -1), or any
    feature's cell empty. A column the file lacks (popularity, filled by a
    model) is not counted.
    """
    unknown = empty_mask(typed)
    for column in schema.COLUMNS_WITH_UNKNOWNS:
        unknown |= typed[column].isna().to_numpy()
    return (unknown & (typed[PROBLEM_COLUMN].to_numpy() == "")) | unknown_key_mask(
        typed
    )


def clean(
    typed: pd.DataFrame,
    unknowns: str,
    labels: np.ndarray,
    unknown: np.ndarray | None = None,
) -> tuple[pd.DataFrame, CleaningSummary]:
    """Keep the rows a model can learn from.

    Args:
        typed: a typed frame with labels (see :mod:`core.data`).
        unknowns: ``"drop"`` removes rows with an unknown value
            (:func:`unknown_mask`); ``"impute"`` keeps them for the
            preprocessor to fill.
        labels: ``label_codes(typed, genres)``: a row of no genre (-1) is
            left out, as unlabelled.
        unknown: ``unknown_mask(typed)``, when the caller has it already.

    Returns:
        The kept rows (original index preserved) and a summary of what went.
    """
    unknown = unknown_mask(typed) if unknown is None else unknown
    problems = typed[PROBLEM_COLUMN].to_numpy()
    blank = problems == BLANK_ROW
    invalid = (problems != "") & ~blank
    unlabelled = (labels < 0) & ~blank & ~invalid
    keep = ~(blank | invalid | unlabelled)
    unknown = unknown & keep
    if unknowns == "drop":
        keep &= ~unknown
    summary = CleaningSummary(
        rows_in=len(typed),
        blank_rows=int(blank.sum()),
        invalid_rows=int(invalid.sum()),
        unlabelled_rows=int(unlabelled.sum()),
        unknown_rows_dropped=int(unknown.sum()) if unknowns == "drop" else 0,
        rows_out=int(keep.sum()),
    )
    return typed[keep], summary


def track_groups(frame: pd.DataFrame) -> np.ndarray | None:
    """One label per row naming its track (artist + title); None without the columns."""
    keys = track_keys(frame)
    return None if keys is None else keys.to_numpy()


def _seeded_split(
    items: np.ndarray, labels: np.ndarray, share: float, seed: int, stratify: bool
) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's ``train_test_split`` of ``items``: (kept, held out).

    Stratified by ``labels`` when asked and every label has two items or
    more; plain when scikit-learn cannot stratify the sizes asked.
    """
    from sklearn.model_selection import train_test_split

    stratify_by = None
    if stratify and np.unique(labels, return_counts=True)[1].min() >= 2:
        stratify_by = labels
    try:
        kept, held = train_test_split(
            items, test_size=share, random_state=seed, stratify=stratify_by
        )
    except ValueError:  # e.g. fewer held-out items than labels to stratify
        kept, held = train_test_split(items, test_size=share, random_state=seed)
    return kept, held


def _group_split(
    labels: np.ndarray, groups: np.ndarray, share: float, seed: int, stratify: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Whole groups drawn, ``share`` of them.

    Stratified by each group's first row's genre.

    (scikit-learn's ``StratifiedGroupKFold`` does the same more carefully but
    takes over 10 s on this dataset, too slow for the app's retraining.)
    """
    names, group_of_row = np.unique(np.asarray(groups), return_inverse=True)
    first_rows = np.unique(group_of_row, return_index=True)[1]
    group_labels = np.asarray(labels)[first_rows]
    _, held_groups = _seeded_split(
        np.arange(names.size), group_labels, share, seed, stratify
    )
    held = np.isin(group_of_row, held_groups)
    return np.flatnonzero(~held), np.flatnonzero(held)


def split_positions(
    labels: np.ndarray,
    groups: np.ndarray | None,
    share: float,
    seed: int,
    stratify: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of a seeded split: ``share`` of the rows held out, the rest kept.

    The one split of the project: train/test (``test_size``) and the
    validation share of the training rows (``validation_fraction``) alike.
    With ``groups`` (a track per row) every group stays on one side, so the
    held-out tracks are unseen. With ``stratify`` each genre keeps about the
    same share on both sides when every genre present has at least two rows
    (or groups); otherwise, and when scikit-learn cannot stratify the sizes
    asked, the split is plain.

    Returns:
        Positions of the kept rows and of the held-out rows.
    """
    labels = np.asarray(labels)
    if groups is not None and np.unique(groups).size >= 2:
        kept, held = _group_split(labels, groups, share, seed, stratify)
        if len(kept) and len(held):
            return kept, held
    return _seeded_split(np.arange(len(labels)), labels, share, seed, stratify)


MINIMUM_TRAINING_ROWS = 20


def check_trainable(labels: np.ndarray) -> None:
    """Refuse, in plain words, cleaned rows too few or too alike to train and test on.

    Args:
        labels: the genre index of each cleaned row.

    Raises:
        DataError: no row, a single genre, or fewer than ``MINIMUM_TRAINING_ROWS``.
    """
    if len(labels) == 0:
        raise DataError(
            "No row of this file can be used for training: each one is blank, "
            "invalid, unlabelled, or has an unknown or empty value that the "
            "'drop' setting removes."
        )
    genres_present = np.unique(labels).size
    if genres_present < 2:
        raise DataError(
            "Training needs tracks of at least two genres; "
            f"this file has {genres_present}."
        )
    if len(labels) < MINIMUM_TRAINING_ROWS:
        raise DataError(
            f"Training needs at least {MINIMUM_TRAINING_ROWS} usable rows; "
            f"this file has {len(labels)}."
        )


def without_popularity(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows with popularity unknown: a preprocessor then uses its typical value.

    What a file without a popularity column is, and what the network that
    learned without popularity sees (core.pipeline.train_audio_network).
    """
    return rows.assign(popularity=np.nan)


def choose_genres(typed: pd.DataFrame, config: TrainingConfig) -> GenreChoice:
    """The genres ``config`` learns from ``typed``, and the labelled rows it leaves out.

    Chosen among the rows that are neither blank nor invalid (those are
    counted by cleaning), so every row is counted once: a row left out here
    is one :func:`clean` counts as unlabelled.

    Raises:
        ConfigError: a merge or a chosen genre the file does not have.
        DataError: fewer than two genres to learn.
    """
    labels = (
        typed[schema.TARGET]
        if schema.TARGET in typed.columns
        else pd.Series([None] * len(typed), index=typed.index, dtype=object)
    )
    readable = (typed[PROBLEM_COLUMN] == "").to_numpy()
    return choose(
        labels[readable],
        config.genres,
        config.genre_merges,
        config.min_genre_tracks,
    )


def split(
    cleaned: pd.DataFrame, config: TrainingConfig, genres: Genres
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split cleaned rows into train and test, seeded (the study: 80/20, seed 42).

    With ``config.group_tracks`` (and artist/title columns present) no track
    is on both sides, so test scores are for songs the model never saw.

    Raises:
        DataError: too few rows, or a single genre, to train and test on.
    """
    labels = label_codes(cleaned, genres)
    check_trainable(labels)
    groups = track_groups(cleaned) if config.group_tracks else None
    kept, held = split_positions(
        labels, groups, config.test_size, config.seed, config.stratify
    )
    return cleaned.iloc[kept], cleaned.iloc[held]
