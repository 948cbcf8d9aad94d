"""Predict genres for raw rows.

Every row gets probabilities or a reason, none is lost.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from core import conformal, evaluate, formats, novelty, schema
from core.bundle import Bundle
from core.data import label_codes, track_keys
from core.errors import GenreLabError

PREDICTED = "predicted_genre"
SECOND = "second_genre"
REASON = "reason"
# Each feature the model filled in and the value it used ("" when none).
FILLED = formats.TYPICAL_VALUES_COLUMN
# How unlike the training tracks each row is, 0-100 (core.novelty).
NOVELTY = novelty.NOVELTY


def probability_column(genre: str) -> str:
    """Name of the output column holding one genre's probability, e.g. ``p_Hip-Hop``."""
    return f"p_{genre}"


PROBABILITY_COLUMNS = [probability_column(genre) for genre in schema.GENRES]


def probabilities_for_features(bundle: Bundle, features: np.ndarray) -> np.ndarray:
    """Genre probabilities (rows sum to 1) for already-prepared feature rows."""
    return bundle.network.probabilities(features)


def network_inputs(
    bundle: Bundle, typed: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The network's inputs for every row of a typed frame.

    Returns:
        Which rows can be predicted, each row's reason when it cannot (else
        ""), what the model filled in each row (``Preprocessor.filled_values``)
        and a float32 matrix with a row of inputs for every row, zeros
        for those that cannot (the network runs on every row so that each
        keeps its place in the file; see ``Network.outputs``).
    """
    usable, reasons = bundle.preprocessor.usable_rows(typed)
    filled = bundle.preprocessor.filled_values(typed, usable)
    features = np.zeros(
        (len(typed), len(bundle.preprocessor.feature_names)), dtype=np.float32
    )
    if usable.any():
        features[usable] = bundle.preprocessor.transform(typed[usable])
    return usable, reasons, filled, features


def predictions_from(
    index: pd.Index,
    usable: np.ndarray,
    reasons: np.ndarray,
    filled: np.ndarray,
    probabilities: np.ndarray,
    novelty_scores: np.ndarray | None = None,
) -> pd.DataFrame:
    """The predictions table of :func:`predict_frame`, from the network's output.

    Args:
        index: the typed frame's index.
        usable, reasons, filled: from :func:`network_inputs`.
        probabilities: the network's output for every row.
        novelty_scores: each row's novelty (:func:`row_novelty`); None:
            unknown (an empty column).
    """
    probabilities = np.where(usable[:, np.newaxis], probabilities, np.nan)
    order = np.argsort(-np.nan_to_num(probabilities, nan=-1.0), axis=1)
    genres = np.asarray(schema.GENRES, dtype=object)
    first = np.where(usable, genres[order[:, 0]], "")
    second = np.where(usable, genres[order[:, 1]], "")
    result = pd.DataFrame(
        {
            PREDICTED: first,
            SECOND: second,
            REASON: reasons,
            FILLED: filled,
            NOVELTY: np.full(len(index), np.nan)
            if novelty_scores is None
            else np.round(novelty_scores, 1),
        },
        index=index,
    )
    for position, column in enumerate(PROBABILITY_COLUMNS):
        result[column] = probabilities[:, position]
    return result


# The column of each row's prediction set ("Rap; Hip-Hop"; empty when none).
PREDICTION_SET = conformal.PREDICTION_SET


def check_prediction_sets(
    bundle: Bundle, coverage: object
) -> tuple[conformal.Calibration, float]:
    """The bundle's calibration and ``coverage``, when it can give sets at it.

    Raises:
        GenreLabError: the coverage is not strictly between 0 and 1, or the
            bundle was saved without a calibration (no sets).
    """
    coverage = conformal.check_coverage(coverage)
    if bundle.conformal is None:
        raise GenreLabError(
            f"{conformal.NO_SETS} Train one with a calibration share, or run "
            "'python -m core calibrate-conformal' on this one."
        )
    return bundle.conformal, coverage


def with_prediction_sets(
    bundle: Bundle,
    predictions: pd.DataFrame,
    coverage: float,
    genres: Sequence[str],
    columns: Sequence[str],
) -> pd.DataFrame:
    """``predictions`` with a ``prediction_set`` column at ``coverage``.

    The one function the Predict page, Batch predict and ``predict
    --coverage`` call.

    Args:
        bundle: a calibrated bundle (:func:`check_prediction_sets`).
        predictions: :func:`predict_frame` (or :func:`predictions_from`) rows.
        coverage: e.g. 0.9 for "90% sure".
        genres: the model's genre names, one per probability column.
        columns: the probability columns of ``predictions``, in that order.

    Raises:
        GenreLabError: see :func:`check_prediction_sets`.
    """
    calibration, coverage = check_prediction_sets(bundle, coverage)
    predicted = (predictions[REASON] == "").to_numpy()
    probabilities = predictions.loc[predicted, list(columns)].to_numpy(dtype=float)
    sets = np.full(len(predictions), "", dtype=object)
    if predicted.any():
        members = conformal.prediction_sets(calibration, probabilities, coverage)
        sets[predicted] = conformal.set_names(members, probabilities, genres)
    return predictions.assign(**{PREDICTION_SET: sets})


def row_novelty(bundle: Bundle, features: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """Each row's novelty from its network inputs (NaN: unknown or not predicted)."""
    return novelty.novelty_scores(bundle.novelty, features, usable)


def novelty_of(bundle: Bundle, typed: pd.DataFrame) -> pd.Series:
    """The ``novelty`` column of a typed frame's rows (explain, similar)."""
    usable, _, _, features = network_inputs(bundle, typed)
    scores = np.round(row_novelty(bundle, features, usable), 1)
    return pd.Series(scores, index=typed.index, name=NOVELTY)


def predict_frame(
    bundle: Bundle, typed: pd.DataFrame, first_row: int | None = None
) -> pd.DataFrame:
    """Predict every row of a typed frame.

    Args:
        bundle: a trained model bundle.
        typed: a typed frame (label optional).
        first_row: the first row's place in its file when ``typed`` is a
            file's rows (0: from its first), so that a file predicted whole
            or a chunk at a time gives the same bits (``Network.outputs``).
            None for rows of no file (a track on the Predict page): aligning
            pads them to a full block, 48 ms instead of 7 ms for one row.

    Returns:
        One row per input row, same index: ``predicted_genre``,
        ``second_genre``, ``reason`` (empty when predicted),
        ``typical_values_used`` (the features the model filled in, with the
        values it used: ``key=G``; empty when none), ``novelty`` (0-100, how
        unlike the training tracks; empty when unknown) and one
        ``p_<Genre>`` column per genre (empty when not predicted).
    """
    usable, reasons, filled, features = network_inputs(bundle, typed)
    probabilities = bundle.network.probabilities(features, first_row)
    return predictions_from(
        typed.index,
        usable,
        reasons,
        filled,
        probabilities,
        row_novelty(bundle, features, usable),
    )


class ScoreKeeper:
    """Scores predictions of a labelled file chunk by chunk.

    See :func:`evaluate_predictions`. It keeps 14 bytes a row (genre,
    predicted genre, a hash of the track, its novelty) and a running count
    of top-2 hits,
    never the rows or their probabilities, so a file of any size can be scored
    while it streams.
    """

    def __init__(self) -> None:
        self._labels: list[np.ndarray] = []
        self._predicted: list[np.ndarray] = []
        self._tracks: list[np.ndarray] = []
        # Each row's novelty (float32, NaN: unknown), for accuracy by band.
        self._novelty: list[np.ndarray] = []
        self._top2 = 0
        self._named_tracks = True

    def add(self, typed: pd.DataFrame, predictions: pd.DataFrame) -> None:
        """Take one chunk: its typed rows and :func:`predict_frame` of them."""
        labels = label_codes(typed)
        predicted = (predictions[REASON] == "").to_numpy()
        probabilities = predictions.loc[predicted, PROBABILITY_COLUMNS].to_numpy()
        codes = np.full(len(typed), -1, dtype=np.int64)
        codes[predicted] = probabilities.argmax(axis=1)
        scored = labels[predicted] >= 0
        self._top2 += evaluate.top2_hits(
            labels[predicted][scored], probabilities[scored]
        )
        self._labels.append(labels.astype(np.int8))
        self._predicted.append(codes.astype(np.int8))
        self._novelty.append(
            predictions[NOVELTY].to_numpy(dtype=np.float32)
            if NOVELTY in predictions
            else np.full(len(predictions), np.nan, dtype=np.float32)
        )
        keys = track_keys(typed)
        self._named_tracks = self._named_tracks and keys is not None
        # Hashes, not names: 8 bytes a row whatever the titles' length.
        self._tracks.append(
            pd.util.hash_array(keys.to_numpy(dtype=object))
            if keys is not None
            else typed.index.to_numpy(dtype=np.uint64)
        )

    def metrics(self) -> dict:
        """The scores of every row added so far (see :func:`evaluate_predictions`)."""
        labels = np.concatenate([np.zeros(0, np.int8), *self._labels]).astype(np.int64)
        codes = np.concatenate([np.zeros(0, np.int8), *self._predicted]).astype(
            np.int64
        )
        predicted = codes >= 0
        scored = predicted & (labels >= 0)
        metrics = evaluate.prediction_scores(labels[scored], codes[scored], self._top2)
        metrics["n_unpredictable"] = int((~predicted).sum())
        metrics["n_unlabelled"] = int((predicted & (labels < 0)).sum())
        scores = np.concatenate([np.zeros(0, np.float32), *self._novelty])
        if scored.any() and not np.isnan(scores[scored]).all():
            metrics["by_novelty"] = novelty.accuracy_by_novelty(
                codes[scored] == labels[scored], scores[scored]
            )
        if self._named_tracks and scored.any():
            tracks = np.concatenate(self._tracks)
            listed = evaluate.genre_bits_by_track(tracks, labels)
            metrics["fusion_accuracy"] = evaluate.fusion_accuracy(
                codes[scored], listed[scored]
            )
        return metrics


def evaluate_predictions(typed: pd.DataFrame, predictions: pd.DataFrame) -> dict:
    """Score the predictions of a labelled typed frame, over the rows that got one.

    Returns:
        :func:`core.evaluate.classification_metrics` plus ``n_unpredictable``
        (rows with no prediction) and ``n_unlabelled`` (rows whose genre is
        missing or not one of the ten, left out of the scores),
        ``fusion_accuracy`` when artist and title are present, and
        ``by_novelty`` (core.novelty.accuracy_by_novelty) when the model
        measures novelty.
    """
    keeper = ScoreKeeper()
    keeper.add(typed, predictions)
    return keeper.metrics()


def evaluate_frame(bundle: Bundle, typed: pd.DataFrame) -> dict:
    """Predict a labelled file's rows and score them (:func:`evaluate_predictions`)."""
    return evaluate_predictions(typed, predict_frame(bundle, typed, first_row=0))


def top_two_sentence(probabilities: np.ndarray | list[float]) -> str:
    """A plain sentence on the two likeliest genres.

    For example "Mostly Rock, with some Alternative".
    """
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
