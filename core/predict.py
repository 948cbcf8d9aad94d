"""Predict genres for raw rows: every row gets probabilities or a reason, none is lost."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core import evaluate, schema
from core.bundle import Bundle
from core.data import label_codes

PREDICTED = "predicted_genre"
SECOND = "second_genre"
REASON = "reason"


def probability_column(genre: str) -> str:
    """Name of the output column holding one genre's probability, e.g. ``p_Hip-Hop``."""
    return f"p_{genre}"


PROBABILITY_COLUMNS = [probability_column(genre) for genre in schema.GENRES]


def probabilities_for_features(bundle: Bundle, features: np.ndarray) -> np.ndarray:
    """Genre probabilities (rows sum to 1) for already-prepared feature rows."""
    from core import model as network

    return network.predict_probabilities(bundle.model, features)


def predict_frame(bundle: Bundle, typed: pd.DataFrame) -> pd.DataFrame:
    """Predict every row of a typed frame.

    Args:
        bundle: a trained model bundle.
        typed: a typed frame (label optional).

    Returns:
        One row per input row, same index: ``predicted_genre``,
        ``second_genre``, ``reason`` (empty when predicted) and one
        ``p_<Genre>`` column per genre (empty when not predicted).
    """
    usable, reasons = bundle.preprocessor.usable_rows(typed)
    probabilities = np.full((len(typed), len(schema.GENRES)), np.nan)
    if usable.any():
        probabilities[usable] = probabilities_for_features(
            bundle, bundle.preprocessor.transform(typed[usable])
        )
    order = np.argsort(-np.nan_to_num(probabilities, nan=-1.0), axis=1)
    genres = np.asarray(schema.GENRES, dtype=object)
    first = np.where(usable, genres[order[:, 0]], "")
    second = np.where(usable, genres[order[:, 1]], "")
    result = pd.DataFrame(
        {PREDICTED: first, SECOND: second, REASON: reasons}, index=typed.index
    )
    for position, column in enumerate(PROBABILITY_COLUMNS):
        result[column] = probabilities[:, position]
    return result


def evaluate_frame(bundle: Bundle, typed: pd.DataFrame) -> dict:
    """Score a labelled typed frame: metrics over the rows that got a prediction.

    Returns:
        :func:`core.evaluate.classification_metrics` plus ``n_unpredictable``
        (rows with no prediction) and ``n_unlabelled`` (rows whose genre is
        missing or not one of the ten, left out of the scores), and
        ``fusion_accuracy`` when artist and title are present.
    """
    predictions = predict_frame(bundle, typed)
    labels = label_codes(typed)
    predicted = (predictions[REASON] == "").to_numpy()
    scored = predicted & (labels >= 0)
    probabilities = predictions.loc[scored, PROBABILITY_COLUMNS].to_numpy()
    metrics = evaluate.classification_metrics(labels[scored], probabilities)
    metrics["n_unpredictable"] = int((~predicted).sum())
    metrics["n_unlabelled"] = int((predicted & (labels < 0)).sum())
    if {"artist_name", "track_name"} <= set(typed.columns) and scored.any():
        metrics["fusion_accuracy"] = evaluate.fusion_accuracy(
            predictions.loc[scored, PREDICTED].reset_index(drop=True),
            evaluate.listed_genres(typed)[scored].reset_index(drop=True),
        )
    return metrics


def top_two_sentence(probabilities: np.ndarray | list[float]) -> str:
    """A plain sentence on the two likeliest genres, e.g. "Mostly Rock, with some Alternative"."""
    values = np.asarray(probabilities, dtype=float)
    first, second = np.argsort(-values)[:2]
    top, runner_up = schema.GENRES[first], schema.GENRES[second]
    if values[first] >= 0.75:
        return f"Clearly {top} ({values[first]:.0%})."
    if values[first] - values[second] < 0.05:
        return (
            f"A toss-up between {top} ({values[first]:.0%}) and "
            f"{runner_up} ({values[second]:.0%})."
        )
    return (
        f"Mostly {top} ({values[first]:.0%}), with some {runner_up} "
        f"({values[second]:.0%})."
    )
