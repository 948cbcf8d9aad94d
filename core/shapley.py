"""Why the model names a genre for one track: exact Shapley values of the 13 features.

Each of the 13 raw features (popularity, acousticness, ..., key and mode as
one feature each) gets a share of the gap between the probability of a
typical track (the baseline) and the probability of this track. The share is
the Shapley value: the feature's added probability averaged over every order
in which the features could be switched from the baseline's value to the
track's. With 13 features there are 2^13 = 8,192 coalitions, and the model
predicts all of them in one batch (about 50 ms in NumPy), so the values are
exact rather than sampled, and they add up:

    baseline probability + sum of the contributions = the track's probability

for every genre at once (to floating-point rounding).

Why not the ``shap`` package: measured here, importing it takes 1.8 s and
230 MB and pulls numba and llvmlite into a server that must stay small, and
its exact explainer does the same enumeration; 13 features make the exact
computation cheap enough to write out, documented and tested.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core import schema
from core.bundle import Bundle
from core.errors import DataError
from core.genres import Genres
from core.tables import track_rows

FEATURES: tuple[str, ...] = schema.FEATURE_COLUMNS
COALITIONS = 1 << len(FEATURES)


@dataclass(frozen=True)
class Shapley:
    """Shapley values of one track, for every genre at once."""

    # The track's and the baseline's values, by feature (NaN: unknown).
    values: dict[str, float | str]
    baseline: dict[str, float | str]
    # Genre probabilities of the track and of the baseline track.
    probabilities: np.ndarray  # (genres,)
    baseline_probabilities: np.ndarray  # (genres,)
    # contributions[f, g]: what feature f adds to genre g's probability.
    contributions: np.ndarray  # (features, genres)
    # The model's genres, in the order of the columns above.
    genres: Genres

    def for_genre(self, genre: str) -> pd.DataFrame:
        """One genre's contributions.

        Columns ``feature``, ``value``, ``baseline``, ``contribution``. Largest
        effect (either way) first.
        """
        column = self.genres.index(genre)
        table = pd.DataFrame(
            {
                "feature": list(FEATURES),
                "value": [self.values[f] for f in FEATURES],
                "baseline": [self.baseline[f] for f in FEATURES],
                "contribution": self.contributions[:, column],
            }
        )
        order = np.argsort(-np.abs(table["contribution"].to_numpy()), kind="stable")
        return table.iloc[order].reset_index(drop=True)


def _weights(features: int) -> np.ndarray:
    """Shapley weight of a coalition of each size s: s! (n - s - 1)! / n!."""
    return np.array(
        [
            math.factorial(size)
            * math.factorial(features - size - 1)
            / math.factorial(features)
            for size in range(features)
        ]
    )


_SIZES = np.array([bin(mask).count("1") for mask in range(COALITIONS)])
_WEIGHTS = _weights(len(FEATURES))


# Which of the four key/mode rows of coalition_inputs a coalition's study
# "scale" columns come from, by 2 x (key from the track) + (mode from it).
_KEY_MODE_ROW = np.array([0, 3, 2, 1])


def coalition_inputs(
    bundle: Bundle, values: dict[str, float | str], baseline: dict[str, float | str]
) -> np.ndarray:
    """The network inputs of the 8,192 coalitions, assembled from four rows' inputs.

    Every input column depends on its own raw features only
    (``Preprocessor.input_sources``), so coalition m's column is the track's
    or the baseline's value of that column, by m's bits. Transforming 4 rows
    instead of 8,192 takes the preprocessing from 28 ms to under 1 ms.

    Raises:
        DataError: the model cannot predict the track or its baseline.
    """
    preprocessor = bundle.preprocessor
    key, mode = schema.KEY_COLUMN, schema.MODE_COLUMN
    rows = track_rows(
        [
            baseline,
            values,
            {**baseline, key: values[key]},
            {**baseline, mode: values[mode]},
        ]
    )
    usable, reasons = preprocessor.usable_rows(rows)
    if not usable[1]:
        raise DataError(f"This model cannot explain the track: {reasons[1]}.")
    if not usable.all():
        raise DataError(
            f"This model cannot explain the track against its baseline: "
            f"{reasons[~usable][0]}."
        )
    inputs = preprocessor.transform(rows)
    masks = np.arange(COALITIONS)
    bits = ((masks[:, None] >> np.arange(len(FEATURES))) & 1).astype(bool)
    sources = preprocessor.input_sources
    single = np.array([len(source) == 1 for source in sources])
    owner = np.array(
        [
            FEATURES.index(next(iter(source))) if len(source) == 1 else 0
            for source in sources
        ]
    )
    assembled = np.where(bits[:, owner], inputs[1], inputs[0])
    if not single.all():
        both = bits[:, FEATURES.index(key)] * 2 + bits[:, FEATURES.index(mode)]
        chosen_rows = _KEY_MODE_ROW[both]
        columns = np.flatnonzero(~single)
        assembled[:, columns] = inputs[chosen_rows][:, columns]
    return assembled.astype(np.float32)


def shapley_values(
    bundle: Bundle,
    values: dict[str, float | str],
    baseline: dict[str, float | str] | None = None,
) -> Shapley:
    """Exact Shapley values of one track's features, for every genre.

    Args:
        bundle: the model.
        values: the track: a number per numeric feature (NaN for an unknown
            tempo or duration) and ``key`` and ``mode`` names.
        baseline: the typical track to explain against; default the
            bundle's own (the medians and most common key and mode of its
            training tracks).

    Raises:
        DataError: the model cannot predict the track (e.g. an unknown tempo
            for a model trained without such rows).
    """
    baseline = dict(bundle.preprocessor.typical if baseline is None else baseline)
    outcome = bundle.network.probabilities(coalition_inputs(bundle, values, baseline))
    contributions = np.zeros((len(FEATURES), outcome.shape[1]))
    masks = np.arange(COALITIONS)
    for position in range(len(FEATURES)):
        without = masks[(masks >> position) & 1 == 0]
        gains = outcome[without | (1 << position)] - outcome[without]
        contributions[position] = _WEIGHTS[_SIZES[without]] @ gains
    return Shapley(
        values=dict(values),
        baseline=baseline,
        probabilities=outcome[-1],
        baseline_probabilities=outcome[0],
        contributions=contributions,
        genres=bundle.genres,
    )


EXPLAINED = "explained_genre"
PROBABILITY = "probability"
BASELINE_PROBABILITY = "baseline_probability"
REASON = "reason"
# Decimals written: enough that the contributions still add up to the
# probability to 1e-5 in the file (13 roundings of 5e-7 at most).
WRITTEN_DECIMALS = 6


def contribution_column(feature: str) -> str:
    """The output column of one feature's contribution, e.g. ``c_speechiness``."""
    return f"c_{feature}"


CONTRIBUTION_COLUMNS = [contribution_column(feature) for feature in FEATURES]


def explain_frame(
    bundle: Bundle, typed: pd.DataFrame, genre: str | None = None
) -> pd.DataFrame:
    """Explain every row of a typed frame (``python -m core explain``).

    Args:
        bundle: the model.
        typed: the rows (a typed frame; a chunk of a file).
        genre: the genre to explain for every row; None: each row's top genre.

    Returns:
        Same index: ``explained_genre``, ``probability`` (that genre's, as
        predict gives it), ``baseline_probability`` (the typical track's),
        ``reason`` (empty when explained) and one ``c_<feature>`` column per
        raw feature; rows that cannot be predicted keep their place with the
        reason and empty numbers.

    Raises:
        DataError: ``genre`` is not one of the model's genres.
    """
    if genre is not None:
        # Refuses, naming the model's genres, a genre it does not have.
        bundle.genres.index(genre)
    usable, reasons = bundle.preprocessor.usable_rows(typed)
    result = pd.DataFrame(
        {
            EXPLAINED: [""] * len(typed),
            PROBABILITY: np.nan,
            BASELINE_PROBABILITY: np.nan,
            REASON: reasons,
            **dict.fromkeys(CONTRIBUTION_COLUMNS, np.nan),
        },
        index=typed.index,
    )
    baseline = dict(bundle.preprocessor.typical)
    numbers = [PROBABILITY, BASELINE_PROBABILITY, *CONTRIBUTION_COLUMNS]
    for label in typed.index[usable]:
        values: dict[str, Any] = {
            feature: typed.at[label, feature] for feature in FEATURES
        }
        explained = shapley_values(bundle, values, baseline)
        column = (
            bundle.genres.index(genre)
            if genre is not None
            else int(np.argmax(explained.probabilities))
        )
        name = bundle.genres.names[column]
        result.at[label, EXPLAINED] = name
        row = [
            explained.probabilities[column],
            explained.baseline_probabilities[column],
            *explained.contributions[:, column],
        ]
        result.loc[label, numbers] = np.round(row, WRITTEN_DECIMALS)
    return result
