"""A labelled file's rows the model did not learn from, with its probabilities.

What "where it fails" (:mod:`core.segments`) and "whose genre looks wrong"
(:mod:`core.label_issues`) are measured on. Both would mislead on tracks the
model trained on: it remembers them. So when the file is the model's own
training data (its fingerprint matches, see :func:`core.songs.model_split`),
only its test tracks are kept; any other labelled file is taken whole.
For training tracks themselves, :func:`cross_validated_predictions` trains
models that each leave a fold of tracks out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core import predict, songs
from core.bundle import Bundle
from core.config import TrainingConfig
from core.errors import GenreLabError
from core.genres import Genres
from core.history import ProgressHook
from core.tables import label_codes


@dataclass(frozen=True)
class HeldOut:
    """The rows scored and how many of the file's rows were left out, and why."""

    # The typed rows kept (index: each row's 0-based position in its file).
    rows: pd.DataFrame
    # Each kept row's listed genre, as its index in ``genres``.
    labels: np.ndarray
    # The model's genre probabilities for each kept row (rows x genres).
    probabilities: np.ndarray
    # Rows the model could not predict (blank, invalid, unknown values it drops).
    unpredictable: int
    # Predictable rows whose genre is missing or not one of the model's.
    unlabelled: int
    # The model's own training rows, left out (0 for any other file).
    learned: int
    # True when the file is the model's training data: the rows are its test rows.
    test_split: bool
    # The genres of the probabilities' columns.
    genres: Genres
    # How many models cross-validated the probabilities (0: the model's own).
    folds: int = 0

    @property
    def wrong(self) -> np.ndarray:
        """Whether the model's first genre differs from the listed one, per row."""
        return self.probabilities.argmax(axis=1) != self.labels


def held_out_predictions(bundle: Bundle, typed: pd.DataFrame) -> HeldOut:
    """Predict a labelled typed frame and keep the rows the model never learned from.

    Args:
        bundle: the model.
        typed: a labelled typed frame (``core.data.load_csv(...,
            require_label=True)``).

    Returns:
        The kept rows, their genres and probabilities, and the counts of the
        rows left out.
    """
    membership = songs.model_split(bundle, typed)
    learned = np.zeros(len(typed), dtype=bool)
    if membership is not None:
        learned = (membership == songs.TRAINING).to_numpy()
    candidates = typed[~learned]
    # A whole file is predicted as `python -m core predict` does (the same bits).
    first_row = 0 if membership is None else None
    predictions = predict.predict_frame(bundle, candidates, first_row=first_row)
    predicted = (predictions[predict.REASON] == "").to_numpy()
    labels = label_codes(candidates, bundle.genres)
    kept = predicted & (labels >= 0)
    columns = predict.probability_columns(bundle.genres.names)
    return HeldOut(
        rows=candidates[kept],
        labels=labels[kept],
        probabilities=predictions.loc[kept, columns].to_numpy(dtype=np.float64),
        unpredictable=int((~predicted).sum()),
        unlabelled=int((predicted & (labels < 0)).sum()),
        learned=int(learned.sum()),
        test_split=membership is not None,
        genres=bundle.genres,
    )


MAX_FOLDS = 10


def check_folds(folds: int) -> None:
    """Refuse a number of folds that cannot cross-validate, in plain words.

    Raises:
        GenreLabError: ``folds`` outside 2 to ``MAX_FOLDS``.
    """
    if not 2 <= folds <= MAX_FOLDS:
        raise GenreLabError(
            f"Folds must be a whole number from 2 to {MAX_FOLDS}, not {folds}."
        )


def cross_validated_predictions(
    typed: pd.DataFrame,
    config: TrainingConfig,
    folds: int = 4,
    on_fold: Callable[[int, int], None] | None = None,
    on_epoch: ProgressHook | None = None,
) -> HeldOut:
    """Every labelled row's probabilities from a model that never saw its track.

    For a file's own training tracks, whose probabilities from the model
    trained on them are its memory of them: ``folds`` models are trained
    as ``config`` says, each on the other folds' tracks (a track's copies stay
    in one fold), and each predicts its own fold.

    Args:
        typed: a labelled typed frame.
        config: the recipe of the models (e.g. the bundle's ``config``).
        folds: how many models (2 to 10).
        on_fold: called with (fold number from 0, folds) before each training.
        on_epoch: called after every epoch of each training.

    Returns:
        The rows its cleaning keeps, their genres and probabilities; rows it
        removes are counted as ``unpredictable`` or ``unlabelled``.

    Raises:
        GenreLabError: ``folds`` outside 2-10, fewer tracks than folds, or
            too few rows to train.
    """
    from sklearn.model_selection import GroupKFold

    from core import compare, features

    check_folds(folds)
    genres = features.choose_genres(typed, config).genres
    cleaned, cleaning = features.clean(
        typed, config.unknowns, label_codes(typed, genres)
    )
    labels = label_codes(cleaned, genres)
    features.check_trainable(labels)
    groups = features.track_groups(cleaned)
    if groups is None:
        groups = np.arange(len(cleaned))
    tracks = np.unique(groups).size
    if tracks < folds:
        raise GenreLabError(
            f"Cross-validating with {folds} folds needs at least {folds} "
            f"different tracks; this file has {tracks}."
        )
    probabilities = np.full((len(cleaned), len(genres)), np.nan)
    splitter = GroupKFold(n_splits=folds, shuffle=True, random_state=config.seed)
    for number, (fit, held) in enumerate(splitter.split(cleaned, groups=groups)):
        if on_fold is not None:
            on_fold(number, folds)
        probabilities[held], _ = compare.network_probabilities(
            config, cleaned.iloc[fit], cleaned.iloc[held], genres, on_epoch
        )
    # A fold's preprocessor may find no use for a row (a key it never saw).
    predicted = ~np.isnan(probabilities).any(axis=1)
    return HeldOut(
        rows=cleaned[predicted],
        labels=labels[predicted],
        probabilities=probabilities[predicted],
        unpredictable=cleaning.rows_in
        - cleaning.rows_out
        - cleaning.unlabelled_rows
        + int((~predicted).sum()),
        unlabelled=cleaning.unlabelled_rows,
        learned=0,
        test_split=False,
        genres=genres,
        folds=folds,
    )
