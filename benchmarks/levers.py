"""Issue 25's levers, each measured on the same tracks (docs/model.md).

Every lever trains one network of the recommended recipe (one network, not
the shipped two, to keep the run short: every lever pays the same) on the
Kaggle file's training tracks (the shipped model's seeded split), and is
scored on:

- the Kaggle test tracks as they come (strict scoring: the ten genres);
- the same tracks without popularity (shared scoring: Rap = Hip-Hop);
- **a held-out half of TidyTuesday's edm, rap and rock tracks** (whole
  tracks, by track id, seed 0; shared scoring), with their own popularity.
  The other half is what the multi-source lever may learn from, so no lever
  is scored on a track it learned.

The levers:

- **baseline**: popularity as given;
- **audio-only**: popularity held typical, in training and scoring;
- **popularity noise**: each training track's popularity held typical with
  probability 1/2 (seeded), scored with popularity as given;
- **popularity ranked per file**: each file's popularity replaced by its
  percentile within that file (0-100), in training and scoring;
- **Kaggle + TidyTuesday**: the training tracks plus the other half of
  TidyTuesday's edm, rap and rock tracks, mapped explicitly to Electronic,
  Rap and Rock (``core.transfer.SHARED_GENRES``); pop, latin and r&b are
  left out, since the ten-genre model has no such output and they could not
  be scored against the Kaggle file's genres. Popularity as given.
- **normalisation robust to another source**, three ways, popularity as
  given: (a) scikit-learn's ``RobustScaler`` (median and interquartile
  range of the training tracks) in place of the standardisation of the
  eleven plain numeric inputs; (b) its ``QuantileTransformer`` (to a normal
  distribution, fitted on the training tracks; a value beyond the training
  range is held at its edge) in their place; (c) per-file normalisation:
  each file's audio features (popularity apart) moved onto the Kaggle file's
  distribution, a value's quantile within its own file read off the Kaggle
  file's quantiles (``QuantileTransformer`` fitted on each file), in
  training and scoring (the Kaggle tracks then keep their values).
  The piecewise-linear bin inputs are the recipe's in (a) and (b); (b) is
  also tried on the audio-only network (the one the shipped model uses on
  another source).
- **calibration** of the baseline network (and of the audio-only one when
  it is trained), nothing retrained: temperature
  scaling and isotonic regression (``CalibratedClassifierCV`` around the
  frozen network), fitted on a seeded half of the Kaggle test tracks (whole
  tracks, the halves of ``core.calibration.conformal_rows``); expected
  calibration error (top genre's probability against its share right, 15
  bins) and log loss on the other half, on the same half without
  popularity, and on TidyTuesday's held-out half. Temperature scaling
  divides every logit of a track by one number, so it keeps each track's
  order of the ten genres (strict top-1 and top-2 cannot move; the shared
  scoring adds Rap's and Hip-Hop's probabilities, which can).

It measures; nothing here chooses a setting.

Usage: ``python benchmarks/levers.py [--only KEY ...] [--seed N]`` (keys:
audio, noise, ranked, together, robust, quantile, audio-quantile,
per-file; the baseline and its calibration are always run; ``--seed``
changes the networks' seed only, not the split)
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import DATA, ROOT  # noqa: E402

from core import (  # noqa: E402
    config,
    data,
    features,
    forward,
    pipeline,
    preprocessing,
    schema,
    tables,
    transfer,
)
from core.calibration import TEST_HALF  # noqa: E402
from core.features import without_popularity  # noqa: E402
from core.genres import REFERENCE  # noqa: E402

TIDYTUESDAY = ROOT.parent / "shared" / "data" / "spotify_songs.csv"
RECIPE = dataclasses.replace(config.RECOMMENDED, ensemble_size=1)
# The audio features a per-file normalisation moves (popularity has its own
# levers).
AUDIO_FEATURES = [c for c in schema.NUMERIC_FEATURES if c != "popularity"]
CALIBRATION_BINS = 15
Prepare = Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame]


class Rescaled:
    """A fitted preprocessor whose eleven plain numeric inputs are rescaled by
    another scikit-learn scaler, fitted on the same training tracks, in place
    of its standardisation (the logarithms, bins, key and mode unchanged)."""

    def __init__(self, preprocessor: preprocessing.Preprocessor, scaler) -> None:
        self.preprocessor = preprocessor
        self.scaler = scaler
        columns = schema.NUMERIC_FEATURES
        self.offsets = np.array([preprocessor.offsets[c] for c in columns])
        self.factors = np.array([preprocessor.factors[c] for c in columns])

    @classmethod
    def fitted(cls, preprocessor, fit_rows: pd.DataFrame, scaler) -> Rescaled:
        rescaled = cls(preprocessor, scaler)
        scaler.fit(rescaled._unscaled(preprocessor.transform(fit_rows)))
        return rescaled

    def _unscaled(self, inputs: np.ndarray) -> np.ndarray:
        count = len(schema.NUMERIC_FEATURES)
        return inputs[:, :count].astype(np.float64) * self.factors + self.offsets

    def usable_rows(self, rows: pd.DataFrame):
        return self.preprocessor.usable_rows(rows)

    def transform(self, rows: pd.DataFrame) -> np.ndarray:
        inputs = self.preprocessor.transform(rows)
        count = len(schema.NUMERIC_FEATURES)
        inputs[:, :count] = self.scaler.transform(self._unscaled(inputs))
        return inputs


def fitted(
    train_rows: pd.DataFrame, fit_rows: pd.DataFrame, scaler=None, recipe=RECIPE
):
    """Preprocessor (fitted on ``fit_rows``, rescaled by ``scaler`` if given)
    and NumPy network of the recipe, trained on ``train_rows`` (the same
    tracks, some values held typical)."""
    from core import model as network

    preprocessor = preprocessing.fit_preprocessor(fit_rows, recipe)
    if scaler is not None:
        preprocessor = Rescaled.fitted(preprocessor, fit_rows, scaler)
    trained = network.train_network(
        recipe,
        preprocessor.transform(train_rows),
        tables.label_codes(train_rows, REFERENCE),
        groups=features.track_groups(train_rows),
        n_genres=len(REFERENCE),
    )
    return preprocessor, forward.read_model_file(
        network.model_file_bytes(trained.model)
    )


def labelled_probabilities(
    model, rows: pd.DataFrame, labels: list[str]
) -> tuple[np.ndarray, list[str]]:
    """The network's probabilities for the usable rows, and their genres."""
    preprocessor, predictor = model
    usable, _ = preprocessor.usable_rows(rows)
    probabilities = predictor.probabilities(preprocessor.transform(rows[usable]))
    kept = [label for label, use in zip(labels, usable, strict=True) if use]
    return probabilities, kept


def shared_top(model, rows: pd.DataFrame, labels: list[str]) -> dict:
    return transfer.scores(*reversed(labelled_probabilities(model, rows, labels)))


def ranked(rows: pd.DataFrame, within: pd.DataFrame) -> pd.DataFrame:
    """Popularity as its percentile among ``within``'s popularity (0-100)."""
    reference = np.sort(within["popularity"].dropna().to_numpy())
    values = rows["popularity"].to_numpy(dtype=float)
    percentile = np.searchsorted(reference, values, side="right") / len(reference)
    return rows.assign(popularity=np.where(np.isnan(values), np.nan, 100 * percentile))


def same(rows: pd.DataFrame, file: pd.DataFrame) -> pd.DataFrame:
    """A file's rows as they come."""
    return rows


def matched_to(reference: pd.DataFrame) -> Prepare:
    """Per-file normalisation: each audio feature's quantile within its own
    file, read off ``reference``'s distribution of that feature."""
    from sklearn.preprocessing import QuantileTransformer

    def quantiles(frame: pd.DataFrame) -> QuantileTransformer:
        return QuantileTransformer(n_quantiles=1000, subsample=None).fit(
            frame[AUDIO_FEATURES].to_numpy(dtype=np.float64)
        )

    target = quantiles(reference)

    def prepare(rows: pd.DataFrame, file: pd.DataFrame) -> pd.DataFrame:
        values = rows[AUDIO_FEATURES].to_numpy(dtype=np.float64)
        moved = target.inverse_transform(quantiles(file).transform(values))
        return rows.assign(**dict(zip(AUDIO_FEATURES, moved.T, strict=True)))

    return prepare


def calibration_error(codes: np.ndarray, probabilities: np.ndarray) -> float:
    """Expected calibration error of the top genre (equal-width bins)."""
    confidence = probabilities.max(axis=1)
    right = probabilities.argmax(axis=1) == codes
    bins = np.minimum((confidence * CALIBRATION_BINS).astype(int), CALIBRATION_BINS - 1)
    total = 0.0
    for index in np.unique(bins):
        inside = bins == index
        gap = abs(confidence[inside].mean() - right[inside].mean())
        total += inside.sum() * gap
    return total / len(codes)


class GivenProbabilities(ClassifierMixin, BaseEstimator):
    """A scikit-learn classifier whose inputs are already a network's
    probabilities (what ``CalibratedClassifierCV`` wraps, frozen)."""

    def __init__(self, n_genres: int = 10) -> None:
        self.n_genres = n_genres
        self.classes_ = np.arange(n_genres)

    def fit(self, inputs, codes) -> GivenProbabilities:
        return self

    def predict_proba(self, inputs) -> np.ndarray:
        return np.asarray(inputs, dtype=np.float64)

    def predict(self, inputs) -> np.ndarray:
        return self.predict_proba(inputs).argmax(axis=1)


def calibrators(probabilities: np.ndarray, codes: np.ndarray) -> dict:
    """Temperature scaling and isotonic regression fitted on these rows."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.frozen import FrozenEstimator

    frozen = FrozenEstimator(GivenProbabilities(probabilities.shape[1]))
    return {
        method: CalibratedClassifierCV(frozen, method=method).fit(probabilities, codes)
        for method in ("temperature", "isotonic")
    }


def calibration_row(codes: np.ndarray, probabilities: np.ndarray) -> str:
    from sklearn.metrics import log_loss

    top1 = float((probabilities.argmax(axis=1) == codes).mean())
    clipped = np.clip(probabilities, 1e-15, 1.0)
    loss = log_loss(
        codes,
        clipped / clipped.sum(axis=1, keepdims=True),
        labels=np.arange(probabilities.shape[1]),
    )
    error = calibration_error(codes, probabilities)
    return f"top-1 {top1:6.1%}  ECE {error:6.1%}  log loss {loss:5.3f}"


class PopularityHeldTypical:
    """A preprocessor that holds every row's popularity typical first: what
    the audio-only network sees, whatever the file gives."""

    def __init__(self, preprocessor) -> None:
        self.preprocessor = preprocessor

    def usable_rows(self, rows: pd.DataFrame):
        return self.preprocessor.usable_rows(without_popularity(rows))

    def transform(self, rows: pd.DataFrame) -> np.ndarray:
        return self.preprocessor.transform(without_popularity(rows))


def measure_calibration(
    name: str,
    model,
    test_rows: pd.DataFrame,
    test_labels: list[str],
    held: pd.DataFrame,
    held_labels: list[str],
) -> None:
    """Calibrate a network on half the Kaggle test tracks and print its
    figures before and after (module docstring)."""
    genres = list(schema.GENRES)
    shared_genres = transfer.merged_genres()
    evaluation, calibration = features.split_positions(
        tables.label_codes(test_rows, REFERENCE),
        features.track_groups(test_rows),
        TEST_HALF,
        RECIPE.seed,
        RECIPE.stratify,
    )
    fit_rows = test_rows.iloc[calibration]
    fit_labels = [test_labels[i] for i in calibration]
    fit_probabilities, fit_labels = labelled_probabilities(model, fit_rows, fit_labels)
    fit_codes = np.array([genres.index(label) for label in fit_labels])
    fitted_calibrators = calibrators(fit_probabilities, fit_codes)
    temperature = fitted_calibrators["temperature"].calibrated_classifiers_[0]
    print(
        f"Calibration of the {name} network: fitted on {len(fit_codes):,} "
        "Kaggle test tracks; "
        f"temperature {1 / temperature.calibrators[0].beta_:.3f}"
    )
    evaluation_rows = test_rows.iloc[evaluation]
    evaluation_labels = [test_labels[i] for i in evaluation]
    # (name, rows, labels, scoring, rows for top-1/top-2: every one scored)
    cases = [
        ("Kaggle evaluation half (strict)", evaluation_rows, evaluation_labels, False),
        (
            "same, without popularity (shared)",
            without_popularity(evaluation_rows),
            evaluation_labels,
            True,
        ),
        ("TidyTuesday held-out half (shared)", held, held_labels, True),
    ]
    tops = [
        ("Kaggle strict", test_rows, test_labels),
        ("Kaggle without popularity", without_popularity(test_rows), test_labels),
        ("TidyTuesday held out", held, held_labels),
    ]
    for method in ("none", *fitted_calibrators):

        def adjusted(probabilities: np.ndarray, method: str = method) -> np.ndarray:
            if method == "none":
                return probabilities
            return fitted_calibrators[method].predict_proba(probabilities)

        print(f"  {method}:")
        for name, rows, labels, shared in cases:
            probabilities, kept = labelled_probabilities(model, rows, labels)
            probabilities = adjusted(probabilities)
            names = genres
            if shared:
                probabilities = transfer.merge_probabilities(probabilities)
                kept = transfer.merge_labels(kept)
                names = shared_genres
            codes = np.array([names.index(label) for label in kept])
            print(f"    {name:38} {calibration_row(codes, probabilities)}")
        figures = []
        for name, rows, labels in tops:
            probabilities, kept = labelled_probabilities(model, rows, labels)
            scored = transfer.scores(kept, adjusted(probabilities))
            scoring = "strict" if name == "Kaggle strict" else "shared"
            top = scored[scoring]
            figures.append(f"{name} {top['top1']:.1%} / {top['top2']:.1%}")
        print("    every track scored: " + "; ".join(figures), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        nargs="*",
        default=None,
        help="levers to train besides the baseline (keys in the docstring)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=RECIPE.seed,
        help="the networks' seed (the split stays the shipped model's): "
        "how much a lever's figures move with it alone",
    )
    arguments = parser.parse_args()
    recipe = dataclasses.replace(RECIPE, seed=arguments.seed)
    started = time.perf_counter()
    kaggle = data.load_csv(DATA, require_label=True)
    train_rows, test_rows = pipeline.split_rows(kaggle, config.RECOMMENDED, REFERENCE)
    test_labels = test_rows[schema.TARGET].tolist()
    songs = data.load_csv(TIDYTUESDAY, require_label=True)
    shared = songs[songs[schema.TARGET].str.lower().isin(transfer.SHARED_GENRES)]
    shared = shared[shared[tables.PROBLEM_COLUMN] == ""]
    shared = shared.assign(
        **{schema.TARGET: shared[schema.TARGET].str.lower().map(transfer.SHARED_GENRES)}
    )
    ids = shared[schema.TRACK_ID].unique()
    generator = np.random.default_rng(0)
    learnable = set(generator.permutation(ids)[: len(ids) // 2])
    other_half = shared[shared[schema.TRACK_ID].isin(learnable)]
    held = shared[~shared[schema.TRACK_ID].isin(learnable)]
    held_labels = held[schema.TARGET].tolist()

    from sklearn.preprocessing import QuantileTransformer, RobustScaler

    noisy = train_rows.copy()
    dropped = generator.random(len(noisy)) < 0.5
    noisy.loc[dropped, "popularity"] = np.nan
    kaggle_ranked = ranked(train_rows, kaggle)
    together = pd.concat([train_rows, other_half])
    per_file = matched_to(kaggle)
    kaggle_matched = per_file(train_rows, kaggle)
    # Each lever: the rows its network learns, the rows its preprocessor is
    # fitted on (their own values: popularity's typical value among them),
    # how a file's rows are prepared for scoring, and a scaler in place of
    # the standardisation (None: the recipe's).
    levers: dict[str, tuple[str, pd.DataFrame, pd.DataFrame, Prepare, object]] = {
        "baseline": (
            "baseline (popularity as given)",
            train_rows,
            train_rows,
            same,
            None,
        ),
        "audio": (
            "audio-only",
            without_popularity(train_rows),
            train_rows,
            lambda rows, file: without_popularity(rows),
            None,
        ),
        "noise": (
            "popularity noise (half held typical)",
            noisy,
            train_rows,
            same,
            None,
        ),
        "ranked": (
            "popularity ranked per file",
            kaggle_ranked,
            kaggle_ranked,
            ranked,
            None,
        ),
        "together": (
            "Kaggle + TidyTuesday (edm, rap, rock)",
            together,
            together,
            same,
            None,
        ),
        "robust": (
            "robust scaling (RobustScaler)",
            train_rows,
            train_rows,
            same,
            RobustScaler(),
        ),
        "quantile": (
            "quantile scaling (QuantileTransformer)",
            train_rows,
            train_rows,
            same,
            QuantileTransformer(
                n_quantiles=1000, output_distribution="normal", subsample=None
            ),
        ),
        "audio-quantile": (
            "audio-only, quantile scaling",
            without_popularity(train_rows),
            train_rows,
            lambda rows, file: without_popularity(rows),
            QuantileTransformer(
                n_quantiles=1000, output_distribution="normal", subsample=None
            ),
        ),
        "per-file": (
            "per-file quantile normalisation",
            kaggle_matched,
            kaggle_matched,
            per_file,
            None,
        ),
    }
    chosen = ["baseline"] + [
        key for key in levers if key != "baseline" and key in (arguments.only or levers)
    ]
    moved = np.abs(
        kaggle_matched[AUDIO_FEATURES].to_numpy(dtype=float)
        - train_rows[AUDIO_FEATURES].to_numpy(dtype=float)
    )
    print(
        f"Kaggle: {len(train_rows):,} training, {len(test_rows):,} test tracks; "
        f"TidyTuesday edm/rap/rock: {len(other_half):,} learnable, "
        f"{len(held):,} held out; per-file normalisation moves a Kaggle "
        f"training value by at most {np.nanmax(moved):.2g}"
    )
    header = (
        f"  {'lever':40} {'Kaggle strict':>15} {'Kaggle no pop.':>15} "
        f"{'TidyTuesday held out':>21}"
    )
    print(header)
    trained = {}
    for key in chosen:
        name, rows, fit_rows, prepare, scaler = levers[key]
        began = time.perf_counter()
        model = fitted(rows, fit_rows, scaler, recipe)
        trained[key] = model
        strict = shared_top(model, prepare(test_rows, kaggle), test_labels)["strict"]
        no_pop = shared_top(
            model, without_popularity(prepare(test_rows, kaggle)), test_labels
        )["shared"]
        other = shared_top(model, prepare(held, songs), held_labels)["shared"]
        print(
            f"  {name:40} {strict['top1']:6.1%} / {strict['top2']:6.1%} "
            f"{no_pop['top1']:6.1%} / {no_pop['top2']:6.1%} "
            f"{other['top1']:6.1%} / {other['top2']:6.1%}  "
            f"({time.perf_counter() - began:.0f} s)",
            flush=True,
        )
    measure_calibration(
        "baseline", trained["baseline"], test_rows, test_labels, held, held_labels
    )
    if "audio" in trained:
        # The network the shipped model uses on another source.
        preprocessor, predictor = trained["audio"]
        measure_calibration(
            "audio-only",
            (PopularityHeldTypical(preprocessor), predictor),
            test_rows,
            test_labels,
            held,
            held_labels,
        )
    print(f"({time.perf_counter() - started:.0f} s in all)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
