"""Plain statements of what the product computes a faster or streamed way.

Tests check the product against these: each is the obvious, whole-frame
form of a job (score a typed frame in one go, write a predictions table in
one go, build Shapley coalitions row by row), kept here rather than in core
because nothing in the product calls them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import pandas as pd

from core import export, predict, schema
from core.bundle import Bundle
from core.shapley import COALITIONS, FEATURES
from core.tables import PROBLEM_COLUMN


def evaluate_frame(bundle: Bundle, typed: pd.DataFrame) -> dict:
    """Predict a labelled typed frame's rows in one go and score them."""
    choice = predict.file_choice(bundle, typed)
    scores = predict.evaluate_predictions(
        typed,
        predict.predict_frame(bundle, typed, first_row=0, choice=choice),
        bundle.genres,
    )
    return predict.with_network(scores, bundle, choice)


def predictions_csv_bytes(table: pd.DataFrame, genres: Sequence[str]) -> bytes:
    """A whole predictions table as the CSV bytes the streamed writer gives."""
    buffer = io.StringIO()
    export.write_csv(
        table, buffer, header=True, rounded=predict.probability_columns(genres)
    )
    return buffer.getvalue().encode("utf-8")


def coalition_rows(
    values: dict[str, float | str], baseline: dict[str, float | str]
) -> pd.DataFrame:
    """A typed frame of the 8,192 coalitions, built row by row's rule.

    Row m takes feature i from ``values`` when bit i of m is set
    (:func:`core.shapley.coalition_inputs` builds the same inputs faster).
    """
    masks = np.arange(COALITIONS)
    columns: dict[str, np.ndarray] = {}
    for position, feature in enumerate(FEATURES):
        chosen = (masks >> position) & 1 == 1
        if feature in schema.NUMERIC_FEATURES:
            columns[feature] = np.where(
                chosen, float(values[feature]), float(baseline[feature])
            )
        else:
            columns[feature] = np.where(
                chosen, str(values[feature]), str(baseline[feature])
            ).astype(object)
    frame = pd.DataFrame(columns)
    frame[PROBLEM_COLUMN] = ""
    return frame
