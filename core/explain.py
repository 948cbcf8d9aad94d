"""Why a model predicts what it does, and how far to trust it.

Feature importance (permutation), "what if" sweeps of one track, partial
dependence (a feature's average effect across tracks), the reliability of
the percentages (calibration), and a map of how the network sees songs. All
work on the raw feature columns (popularity, ..., key, mode), not on the
network's encoded inputs, so "key" is one feature rather than 12 one-hot
columns and a sweep moves a value a user recognises. One track's Shapley
values live in :mod:`core.shapley`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core import schema
from core.bundle import Bundle
from core.errors import DataError
from core.tables import PROBLEM_COLUMN, label_codes

IMPORTANCE_COLUMNS = ["feature", "importance_mean", "importance_std"]

# Sweep ranges where the documented range is far wider than real tracks
# (about 99.8% of the development rows lie inside these): durations may run to
# 10 hours and loudness to -70 dB, but almost every track is under 15 minutes
# and louder than -50 dB; no track has a speechiness below 0.02, where the
# model's log scale would extrapolate far beyond what it learned.
SWEEP_RANGES: dict[str, tuple[float, float]] = {
    "duration_ms": (30_000.0, 900_000.0),
    "loudness": (-50.0, 5.0),
    "speechiness": (0.02, 1.0),
    "liveness": (0.01, 1.0),
    "tempo": (40.0, 220.0),
}


def raw_feature_classifier(bundle: Bundle):
    """A bundle seen by scikit-learn as a fitted classifier of 13 raw feature columns.

    Built on demand: scikit-learn takes about a second to import, and the
    Predict page's what-if sweep, which imports this module, never needs it.
    """
    from sklearn.base import BaseEstimator, ClassifierMixin

    class RawFeatureClassifier(ClassifierMixin, BaseEstimator):
        def __init__(self, bundle: Bundle | None = None) -> None:
            self.bundle = bundle

        def fit(self, features: pd.DataFrame | None, labels: np.ndarray | None):
            """Nothing to learn: the bundle is already trained."""
            # (None is only scikit-learn's default for a bundle, when cloning.)
            assert self.bundle is not None
            self.classes_ = np.arange(len(self.bundle.genres))
            return self

        def predict_proba(self, features: pd.DataFrame) -> np.ndarray:
            from core import predict

            assert self.bundle is not None
            typed = features.assign(**{PROBLEM_COLUMN: ""})
            return predict.probabilities_for_features(
                self.bundle, self.bundle.preprocessor.transform(typed)
            )

        def predict(self, features: pd.DataFrame) -> np.ndarray:
            return self.predict_proba(features).argmax(axis=1)

    return RawFeatureClassifier(bundle).fit(None, None)


def permutation_importance_table(
    bundle: Bundle,
    typed: pd.DataFrame,
    n_repeats: int = 3,
    max_rows: int = 3000,
    seed: int = 0,
) -> pd.DataFrame:
    """How much accuracy drops when one feature's values are shuffled across rows.

    Uses scikit-learn's ``permutation_importance`` over the 13 raw feature
    columns. A large drop means the model leans on that feature.

    Args:
        bundle: a trained model bundle.
        typed: a labelled typed frame (ideally rows the model did not train on).
        n_repeats: shuffles per feature; the spread gives ``importance_std``.
        max_rows: at most this many rows are used (a seeded sample), for speed.
        seed: seeds the sample and the shuffles.

    Returns:
        Columns ``feature``, ``importance_mean``, ``importance_std`` (in
        accuracy points, 0.05 = five points), most important first.

    Raises:
        DataError: no row is labelled and predictable by this model.
    """
    from sklearn.inspection import permutation_importance

    usable, _ = bundle.preprocessor.usable_rows(typed)
    labels = label_codes(typed, bundle.genres)
    # A model that drops unknowns must not see a shuffled-in unknown either:
    # only rows without unknowns are used then, so there are none to shuffle.
    rows = typed[usable & (labels >= 0)]
    if rows.empty:
        raise DataError(
            "Feature importance needs labelled rows this model can predict; "
            "there are none."
        )
    if len(rows) > max_rows:
        rows = rows.sample(n=max_rows, random_state=seed)
    features = rows[list(schema.FEATURE_COLUMNS)].reset_index(drop=True)
    estimator = raw_feature_classifier(bundle)
    result = permutation_importance(
        estimator,
        features,
        label_codes(rows, bundle.genres),
        scoring="accuracy",
        n_repeats=n_repeats,
        random_state=seed,
    )
    table = pd.DataFrame(
        {
            "feature": list(schema.FEATURE_COLUMNS),
            "importance_mean": result.importances_mean,
            "importance_std": result.importances_std,
        }
    )
    return table.sort_values("importance_mean", ascending=False, ignore_index=True)


def sweep_values(feature: str, points: int = 40) -> list[float] | list[str]:
    """The values a "what if" sweep gives ``feature``: its range, or every category."""
    if feature == schema.KEY_COLUMN:
        return list(schema.KEYS)
    if feature == schema.MODE_COLUMN:
        return list(schema.MODES)
    if feature not in schema.NUMERIC_FEATURES:
        raise DataError(
            f"{feature!r} is not a feature; choose one of "
            f"{', '.join(schema.FEATURE_COLUMNS)}."
        )
    low, high = SWEEP_RANGES.get(feature, schema.VALUE_RANGES[feature])
    return np.linspace(low, high, max(2, points)).tolist()


def what_if(
    bundle: Bundle, row: pd.DataFrame, feature: str, points: int = 40
) -> pd.DataFrame:
    """Each genre's probability as one feature sweeps its range, the rest held.

    Args:
        bundle: a trained model bundle.
        row: a one-row typed frame (e.g. ``core.tables.track_rows``).
        feature: the feature to sweep (a numeric feature, ``key`` or ``mode``).
        points: number of values for a numeric feature.

    Returns:
        Column ``value`` (the swept values) and one column per genre name
        holding its probability.

    Raises:
        DataError: ``feature`` is not a feature, ``row`` is not one row, or
            this model cannot predict the row (e.g. an unknown tempo with a
            model trained without unknowns).
    """
    from core import predict

    if len(row) != 1:
        raise DataError(f"A what-if sweep needs exactly one track, not {len(row)}.")
    values = sweep_values(feature, points)
    swept = pd.concat([row] * len(values), ignore_index=True)
    swept[feature] = values
    if PROBLEM_COLUMN not in swept.columns:
        swept[PROBLEM_COLUMN] = ""
    usable, reasons = bundle.preprocessor.usable_rows(swept)
    if not usable.all():
        raise DataError(f"This model cannot predict the track: {reasons[~usable][0]}.")
    probabilities = predict.probabilities_for_features(
        bundle, bundle.preprocessor.transform(swept)
    )
    table = pd.DataFrame(probabilities, columns=list(bundle.genres.names))
    table.insert(0, "value", values)
    return table


# --- can the percentages be trusted? -------------------------------------------

RELIABILITY_BINS = 10


def reliability(
    labels: np.ndarray, probabilities: np.ndarray, bins: int = RELIABILITY_BINS
) -> dict:
    """How often the model is right when this sure: a reliability (calibration) table.

    Uses scikit-learn's ``calibration_curve`` on the top genre's probability
    against "the top genre was right", in ``bins`` equal-width bins.

    Returns:
        ``table`` (one row per bin holding tracks: ``confidence``, the mean
        top probability; ``accuracy``, the share right; ``tracks``, and the
        bin's ``low`` and ``high`` edges), ``expected_calibration_error``
        (the track-weighted mean gap between confidence and accuracy) and
        ``tracks``.
    """
    from sklearn.calibration import calibration_curve

    labels = np.asarray(labels)
    probabilities = np.asarray(probabilities)
    if len(labels) == 0:
        return {
            "table": pd.DataFrame(
                columns=["low", "high", "confidence", "accuracy", "tracks"]
            ),
            "expected_calibration_error": None,
            "tracks": 0,
        }
    confidence = probabilities.max(axis=1)
    correct = (probabilities.argmax(axis=1) == labels).astype(int)
    edges = np.linspace(0.0, 1.0, bins + 1)
    counts = np.histogram(confidence, bins=edges)[0]
    if correct.min() == correct.max():
        # calibration_curve needs both outcomes; one outcome is its own curve.
        accuracy_by_bin = [float(correct[0])] * int((counts > 0).sum())
        confidence_by_bin = [
            float(confidence[(confidence >= low) & (confidence <= high)].mean())
            for low, high, count in zip(edges[:-1], edges[1:], counts, strict=True)
            if count
        ]
    else:
        accuracy_by_bin, confidence_by_bin = calibration_curve(
            correct, confidence, n_bins=bins, strategy="uniform"
        )
    filled = counts > 0
    table = pd.DataFrame(
        {
            "low": edges[:-1][filled],
            "high": edges[1:][filled],
            "confidence": confidence_by_bin,
            "accuracy": accuracy_by_bin,
            "tracks": counts[filled],
        }
    )
    gaps = np.abs(table["confidence"] - table["accuracy"]) * table["tracks"]
    return {
        "table": table,
        "expected_calibration_error": float(gaps.sum() / len(labels)),
        "tracks": int(len(labels)),
    }


# --- the effect of one feature across all songs ----------------------------------


def partial_dependence_table(
    bundle: Bundle,
    typed: pd.DataFrame,
    feature: str,
    points: int = 20,
    max_rows: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Each genre's mean probability as one feature is set to each value for all tracks.

    scikit-learn's ``partial_dependence`` (the "brute" method) over a seeded
    sample of the rows the model can predict: the average effect of the
    feature across songs, where the what-if sweep shows one song's.

    Returns:
        ``value`` (the feature's grid, in raw units; every key or mode for
        those) and one column per genre.

    Raises:
        DataError: ``feature`` is not a feature, or no row can be predicted.
    """
    from sklearn.inspection import partial_dependence

    if feature not in schema.FEATURE_COLUMNS:
        raise DataError(
            f"{feature!r} is not a feature; choose one of "
            f"{', '.join(schema.FEATURE_COLUMNS)}."
        )
    usable, _ = bundle.preprocessor.usable_rows(typed)
    rows = typed[usable]
    if rows.empty:
        raise DataError(
            "The average effect needs rows this model can predict; there are none."
        )
    if len(rows) > max_rows:
        rows = rows.sample(n=max_rows, random_state=seed)
    sample = rows[list(schema.FEATURE_COLUMNS)].reset_index(drop=True)
    categorical = feature in schema.CATEGORICAL_FEATURES
    grid: list[str] | np.ndarray
    if categorical:
        grid = list(schema.KEYS if feature == schema.KEY_COLUMN else schema.MODES)
    else:
        low, high = SWEEP_RANGES.get(feature, schema.VALUE_RANGES[feature])
        inside = sample[feature].dropna()
        low = max(low, float(inside.quantile(0.01))) if len(inside) else low
        high = min(high, float(inside.quantile(0.99))) if len(inside) else high
        grid = np.linspace(low, high, max(2, points))
    result = partial_dependence(
        raw_feature_classifier(bundle),
        sample,
        [feature],
        kind="average",
        custom_values={feature: grid},
        categorical_features=[feature] if categorical else None,
    )
    table = pd.DataFrame(result["average"].T, columns=list(bundle.genres.names))
    table.insert(0, "value", list(result["grid_values"][0]))
    return table


# --- a map of songs ------------------------------------------------------------------


@dataclass
class SongMap:
    """A 2-D map of how the network sees songs: PCA of its last hidden layer."""

    # scikit-learn PCA fitted on the tracks' activations.
    projection: Any
    # The tracks drawn: x, y and whatever the caller passed along.
    points: pd.DataFrame


def song_map(
    bundle: Bundle, typed: pd.DataFrame, max_tracks: int = 10_000, seed: int = 0
) -> SongMap:
    """Place tracks on a plane by how the network sees them.

    Each track's activations in every member's last hidden layer (what the
    network has made of the track just before naming a genre) are projected
    on their two main directions (scikit-learn's ``PCA``): tracks close on
    the map are ones the network finds alike.

    Args:
        typed: the rows to draw (e.g. the test tracks); at most
            ``max_tracks`` of them, a seeded sample, are used.

    Returns:
        The fitted projection and the points: ``x``, ``y``, plus the rows'
        own columns.
    """
    from sklearn.decomposition import PCA

    usable, _ = bundle.preprocessor.usable_rows(typed)
    rows = typed[usable]
    if len(rows) > max_tracks:
        rows = rows.sample(n=max_tracks, random_state=seed)
    if len(rows) < 2:
        raise DataError(
            "A map of songs needs at least two tracks this model can predict."
        )
    activations = bundle.network.last_hidden(bundle.preprocessor.transform(rows))
    projection = PCA(n_components=2, random_state=seed).fit(activations)
    xy = projection.transform(activations)
    points = rows.assign(x=xy[:, 0], y=xy[:, 1])
    return SongMap(projection=projection, points=points)


def place_on_map(
    bundle: Bundle, song_map_: SongMap, row: pd.DataFrame
) -> tuple[float, float]:
    """Where a one-row typed frame (e.g. the Predict sliders) falls on a song map."""
    usable, reasons = bundle.preprocessor.usable_rows(row)
    if not usable.all():
        raise DataError(f"This model cannot place the track: {reasons[0]}.")
    activations = bundle.network.last_hidden(bundle.preprocessor.transform(row))
    x, y = song_map_.projection.transform(activations)[0]
    return float(x), float(y)
