"""Prediction sets with a guarantee: split conformal prediction (issue 26, part 3).

A model calibrated on tracks it never learned from can answer "90% sure it
is one of: Rap, Hip-Hop": over new tracks *like the training tracks*, the
set holds the listed genre for at least 90% of them (split conformal
prediction; Vovk et al. 2005, Angelopoulos and Bates 2021). The guarantee
is about tracks exchangeable with the calibration tracks: for tracks unlike
them (another source, a high novelty) it does not hold, and the pages and
the command line say so.

How it works: each calibration track gets a *nonconformity score*, how badly
the model's probabilities fit its listed genre. For a coverage ``c`` the
threshold is the ``ceil((n + 1) c)``-th smallest of the ``n`` scores; a
new track's set is every genre whose score would be at or below it.

Two scores are implemented, LAC (``1 - p(genre)``, the smallest sets on
average) and APS (the probability of every genre at least as likely as the
genre, taken together: sets that grow with the model's doubt). Measured by
``benchmarks/bench_conformal.py`` on the recommended recipe's 4,484 unseen
test tracks (calibrated on 10% of its training tracks): at 0.9 LAC held the
listed genre for 88.7% of them with 2.16 genres a set, APS for 94.3% with
3.66 (it over-covers: the top genre, always kept, often scores above the
threshold). LAC's sets are smaller at every coverage (docs/model.md), so
LAC is the method bundles are calibrated with (:data:`METHOD`).

Written here, not with a library. Measured on this machine (Python 3.11,
numpy 2.4, scikit-learn 1.9):

- MAPIE 1.6.0: 573 kB wheel, 4.6 MB installed, needs numpy, scikit-learn
  and scipy (here already), ~0.2 s to import on top of them. Its
  ``SplitConformalClassifier`` wants a scikit-learn estimator
  (``fit``/``predict_proba``/``classes_``), so the NumPy network
  (core.forward) would need a wrapper, and its conformalized state lives in
  Python objects (pickle), while a bundle is JSON and never unpickles.
- crepes 0.9.1: 45 kB wheel, 0.6 MB installed, needs numpy, pandas, scipy,
  ~0.16 s to import. Its ``ConformalClassifier`` takes nonconformity scores
  directly (fits a NumPy predictor), but offers only the hinge (LAC) and
  margin scores, no APS, and smooths (randomises) sets by default.

What either adds here is one quantile and one comparison (the functions
below, about 40 lines): a pinned runtime dependency for that is not worth
it, and the bundle keeps only its sorted calibration scores in JSON.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from core.config import Limit
from core.errors import GenreLabError

Method = Literal["lac", "aps"]
METHODS: tuple[str, ...] = get_args(Method)
# Measured smaller sets at the same coverage (module docstring, docs/model.md).
METHOD: Method = "lac"
# The coverage asked of a prediction set: strictly between 0 and 1.
COVERAGE = Limit("The coverage", 0.0, 1.0, open_low=True, open_high=True)
# What the pages and ``predict --coverage`` offer first.
DEFAULT_COVERAGE = 0.9
# Choices the Predict and Batch predict pages offer.
COVERAGE_CHOICES = (0.8, 0.9, 0.95)
# Scores are saved rounded *up* to this many decimals: a threshold a hair
# larger only adds genres, so the guarantee still holds, and the JSON stays
# small (about 9 characters a calibration track).
SCORE_DECIMALS = 6
# The column ``predict --coverage`` and Batch predict add.
PREDICTION_SET = "prediction_set"
# How the genres of a set are joined in that column.
SEPARATOR = "; "
# The bundle metrics' key of the coverage measured on unseen tracks
# (metrics; the model card reads it).
METRICS_KEY = "conformal"


@dataclass(frozen=True)
class Calibration:
    """What prediction sets need from a bundle's calibration tracks."""

    # The nonconformity score used (:data:`METHODS`).
    method: Method
    # The calibration tracks' scores, sorted ascending.
    scores: np.ndarray
    # Which tracks they are, in words, for the model card ("10% of the
    # training tracks, set aside before training").
    source: str

    @property
    def rows(self) -> int:
        """How many calibration tracks."""
        return int(self.scores.size)

    def to_dict(self) -> dict:
        """JSON-ready values (for ``preprocessing.json``)."""
        factor = 10.0**SCORE_DECIMALS
        rounded_up = np.ceil(self.scores.astype(np.float64) * factor) / factor
        return {
            "method": self.method,
            "source": self.source,
            "scores": [round(float(value), SCORE_DECIMALS) for value in rounded_up],
        }

    @classmethod
    def from_dict(cls, values: dict) -> Calibration:
        """Rebuild one saved by :meth:`to_dict`.

        Raises:
            ValueError: an unknown method, or scores that are not numbers
                between 0 and 1.
        """
        method = values["method"]
        if method not in METHODS:
            raise ValueError(f"unknown conformal method {method!r}")
        scores = np.sort(np.asarray(values["scores"], dtype=np.float64))
        if scores.ndim != 1 or not scores.size or not np.isfinite(scores).all():
            raise ValueError("conformal scores must be a list of numbers")
        if scores.min() < 0 or scores.max() > 1 + 10.0**-SCORE_DECIMALS:
            raise ValueError("conformal scores must lie between 0 and 1")
        return cls(method=method, scores=scores, source=str(values["source"]))


def check_coverage(coverage: object) -> float:
    """``coverage`` as a float, or a plain sentence refusing it.

    Raises:
        GenreLabError: not a number strictly between 0 and 1.
    """
    if not COVERAGE.allows(coverage):
        raise GenreLabError(
            f"{COVERAGE.message(coverage)} For example 0.9 means 90% sure."
        )
    return float(coverage)  # type: ignore[arg-type]


def _genre_scores(probabilities: np.ndarray, method: Method) -> np.ndarray:
    """Every genre's nonconformity score for every row (rows x genres)."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if method == "lac":
        return 1.0 - probabilities
    # APS: a genre's score is the probability of the genres at least as
    # likely as it, itself included (the mass the set must hold to reach it).
    order = np.argsort(-probabilities, axis=1, kind="stable")
    ranked = np.take_along_axis(probabilities, order, axis=1)
    scores = np.empty_like(probabilities)
    np.put_along_axis(scores, order, np.cumsum(ranked, axis=1), axis=1)
    return scores


def nonconformity_scores(
    probabilities: np.ndarray, labels: np.ndarray, method: Method = METHOD
) -> np.ndarray:
    """Each row's score for its listed genre (a column of ``probabilities``).

    Args:
        probabilities: the model's output, rows x genres (any number of
            genres).
        labels: each row's genre as a column position.
        method: the score (:data:`METHODS`).
    """
    every = _genre_scores(probabilities, method)
    return every[np.arange(len(every)), np.asarray(labels, dtype=np.int64)]


def calibrate(
    probabilities: np.ndarray,
    labels: np.ndarray,
    source: str,
    method: Method = METHOD,
) -> Calibration:
    """Calibrate on tracks the model never learned from.

    Args:
        probabilities: the model's output for the calibration tracks.
        labels: their listed genres as column positions.
        source: which tracks, in words.
        method: the score (:data:`METHODS`).

    Raises:
        GenreLabError: no calibration track.
    """
    if len(labels) == 0:
        raise GenreLabError("There are no tracks to calibrate the prediction sets on.")
    scores = np.sort(nonconformity_scores(probabilities, labels, method))
    return Calibration(method=method, scores=scores, source=source)


def threshold(calibration: Calibration, coverage: float) -> float:
    """The largest score a genre may have to be in a set at ``coverage``.

    The ``ceil((n + 1) coverage)``-th smallest calibration score; infinite
    (every genre) when there are too few calibration tracks for that
    coverage: an honest "any genre" rather than a guarantee not earned.
    """
    rank = math.ceil((calibration.rows + 1) * check_coverage(coverage))
    if rank > calibration.rows:
        return math.inf
    return float(calibration.scores[rank - 1])


def prediction_sets(
    calibration: Calibration, probabilities: np.ndarray, coverage: float
) -> np.ndarray:
    """Which genres are in each row's set (rows x genres, booleans).

    The top genre is always in: a set is never empty (that only adds
    coverage), so a set names at least what the model would answer.
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    members = _genre_scores(probabilities, calibration.method) <= threshold(
        calibration, coverage
    )
    members[np.arange(len(probabilities)), probabilities.argmax(axis=1)] = True
    return members


def set_names(
    members: np.ndarray, probabilities: np.ndarray, genres: Sequence[str]
) -> list[str]:
    """Each row's set in words, likeliest genre first: "Rap; Hip-Hop".

    Args:
        members: :func:`prediction_sets`.
        probabilities: the same rows' probabilities (for the order).
        genres: the model's genre names, one per column.
    """
    if members.shape[1] != len(genres):
        raise ValueError("one genre name is needed per probability column")
    order = np.argsort(-np.asarray(probabilities), axis=1, kind="stable")
    return [
        SEPARATOR.join(genres[column] for column in row if inside[column])
        for row, inside in zip(order, members, strict=True)
    ]


def coverage_figures(members: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """How often the sets held the listed genre, and how many genres they named.

    Returns:
        ``coverage`` (share of rows whose listed genre is in the set),
        ``mean_size`` (genres per set) and ``rows``.
    """
    labels = np.asarray(labels, dtype=np.int64)
    held = members[np.arange(len(labels)), labels]
    return {
        "coverage": float(held.mean()) if len(labels) else math.nan,
        "mean_size": float(members.sum(axis=1).mean()) if len(labels) else math.nan,
        "rows": int(len(labels)),
    }


# The words people read about prediction sets (Predict, Batch predict, the
# command line), kept together.


def set_sentence(coverage: float, names: Sequence[str]) -> str:
    """The set in one sentence: "90% sure it is one of: Rap, Hip-Hop."."""
    sure = f"{coverage:.0%} sure it is"
    if len(names) == 1:
        return f"{sure} {names[0]}."
    return f"{sure} one of: {', '.join(names)}."


def explanation(coverage: float) -> str:
    """What the promise means, for someone who is not a statistician."""
    hits = round(coverage * 100)
    return (
        f"What this means: the model was checked on tracks it never learned "
        f"from. For tracks like those, a list like this one holds the right "
        f"genre at least {hits} times in 100. The fewer genres it names, the "
        "surer the model is. The promise is about tracks like the training "
        "data, with genres given the same way: for a track unlike them, or "
        "from a source that names genres differently, it does not hold."
    )


def novelty_warning(coverage: float, novelty_score: float, unusual: float) -> str:
    """The sentence shown when a track is unlike the training tracks, else ""."""
    if not novelty_score >= unusual:  # NaN (unknown) included: nothing to say
        return ""
    return (
        f"This track is unlike the tracks the model learned from (novelty "
        f"{novelty_score:.0f} of 100), so the {coverage:.0%} promise does not "
        "hold for it: its genre may well be missing from the list."
    )


def guarantee_sentence(coverage: float) -> str:
    """What ``predict --coverage`` prints under its count of rows."""
    return (
        f"prediction_set: the genres each track is one of, {coverage:.0%} sure "
        f"(for tracks like the training data, at least {round(coverage * 100)} "
        "sets in 100 hold the track's genre; not for tracks unlike it, such as "
        "those of high novelty)."
    )


NO_SETS = (
    "This model has no calibration, so it gives no prediction sets "
    '("90% sure it is one of ..."). Models trained with a calibration share '
    "have them."
)


# Where a bundle's calibration tracks come from, in words (model card, docs).
FROM_CALIBRATION_SHARE = "the calibration share of the training tracks"
FROM_VALIDATION_SHARE = "the validation share of the training tracks"
FROM_TEST_HALF = "half of the test tracks; coverage is reported on the other half"


def metrics(
    calibration: Calibration,
    probabilities: np.ndarray,
    labels: np.ndarray,
) -> dict:
    """Coverage and mean set size of unseen tracks at each offered coverage.

    Returns:
        ``{"rows", "source", "by_coverage": {"0.9": {"coverage", "mean_size",
        "rows"}, ...}}``: what the model card shows.
    """
    return {
        "calibration_rows": calibration.rows,
        "source": calibration.source,
        "method": calibration.method,
        "by_coverage": {
            f"{coverage:g}": coverage_figures(
                prediction_sets(calibration, probabilities, coverage),
                labels,
            )
            for coverage in COVERAGE_CHOICES
        },
    }
