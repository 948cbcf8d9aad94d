"""Why a model predicts what it does: feature importance and "what if" sweeps.

Both work on the raw feature columns (popularity, ..., key, mode), not on the
network's encoded inputs, so "key" is one feature rather than 12 one-hot
columns and a sweep moves a value a user recognises.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core import schema
from core.bundle import Bundle
from core.data import PROBLEM_COLUMN, label_codes
from core.errors import DataError

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
    """A bundle seen by scikit-learn as a fitted classifier of the 13 raw feature columns.

    Built on demand: scikit-learn takes about a second to import, and the
    Predict page's what-if sweep, which imports this module, never needs it.
    """
    from sklearn.base import BaseEstimator, ClassifierMixin

    class RawFeatureClassifier(ClassifierMixin, BaseEstimator):
        def __init__(self, bundle: Bundle | None = None) -> None:
            self.bundle = bundle

        def fit(self, features: pd.DataFrame, labels: np.ndarray):
            """Nothing to learn: the bundle is already trained."""
            self.classes_ = np.arange(len(schema.GENRES))
            return self

        def predict_proba(self, features: pd.DataFrame) -> np.ndarray:
            from core import predict

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
    labels = label_codes(typed)
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
        label_codes(rows),
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
        row: a one-row typed frame (e.g. ``core.data.frame_from_values``).
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
    table = pd.DataFrame(probabilities, columns=list(schema.GENRES))
    table.insert(0, "value", values)
    return table
