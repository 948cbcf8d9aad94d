"""A labelled file's rows the model did not learn from, with its probabilities.

What "where it fails" (:mod:`core.segments`) and "whose genre looks wrong"
(:mod:`core.label_issues`) are measured on. Both would mislead on tracks the
model trained on: it remembers them. So when the file is the model's own
training data (its fingerprint matches, see :func:`core.songs.model_split`),
only its test tracks are kept; any other labelled file is taken whole.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core import predict, songs
from core.bundle import Bundle
from core.data import label_codes


@dataclass(frozen=True)
class HeldOut:
    """The rows scored and how many of the file's rows were left out, and why."""

    # The typed rows kept (index: each row's 0-based position in its file).
    rows: pd.DataFrame
    # Each kept row's listed genre, as its index in schema.GENRES.
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
    labels = label_codes(candidates)
    kept = predicted & (labels >= 0)
    return HeldOut(
        rows=candidates[kept],
        labels=labels[kept],
        probabilities=predictions.loc[kept, predict.PROBABILITY_COLUMNS].to_numpy(
            dtype=np.float64
        ),
        unpredictable=int((~predicted).sum()),
        unlabelled=int((predicted & (labels < 0)).sum()),
        learned=int(learned.sum()),
        test_split=membership is not None,
    )
