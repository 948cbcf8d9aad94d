"""Side-by-side comparisons on one honest split: which model, and drop or impute.

Every comparison cleans with ``unknowns="impute"`` (so every usable row
counts), then splits with the recommended preset's settings and the given
seed: rows of one track (artist + title) stay on one side, so the test rows
are songs no model saw. All models are scored on exactly those test rows.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from core import config as configuration
from core import evaluate, features, preprocessing
from core.config import TrainingConfig
from core.genres import Genres
from core.history import ProgressHook
from core.tables import label_codes

ProgressMessage = Callable[[str], None]

MODEL_COLUMNS = ["model", "accuracy", "top2_accuracy", "macro_f1", "train_seconds"]
POLICY_COLUMNS = [
    "policy",
    "accuracy",
    "accuracy_known_rows",
    "accuracy_unknown_rows",
    "accuracy_all_rows",
    "unpredicted_rows",
    "rows_used",
]

STUDY_NETWORK = "Reference study network"
RECOMMENDED_NETWORK = "Recommended network"
LOGISTIC_REGRESSION = "Logistic regression (scikit-learn)"
GRADIENT_BOOSTING = "Gradient-boosted trees (scikit-learn HistGradientBoosting)"


def comparison_genres(typed: pd.DataFrame, seed: int = 42) -> Genres:
    """The genres every comparison of ``typed`` learns: the recommended recipe's."""
    return features.choose_genres(typed, _recommended(seed)).genres


def holdout_split(
    typed: pd.DataFrame, seed: int = 42, genres: Genres | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The train and test rows every comparison uses.

    Args:
        typed: a labelled typed frame.
        seed: seeds the split.
        genres: the genres learned (None: :func:`comparison_genres`); rows
            of other genres are left out.

    Returns:
        Train rows and test rows (every usable row, unknowns kept).
    """
    genres = genres or comparison_genres(typed, seed)
    cleaned, _ = features.clean(typed, "impute", label_codes(typed, genres))
    return features.split(cleaned, _recommended(seed), genres)


def _recommended(seed: int) -> TrainingConfig:
    return dataclasses.replace(configuration.RECOMMENDED, seed=seed)


def network_probabilities(
    config: TrainingConfig,
    train_rows: pd.DataFrame,
    test_rows: pd.DataFrame,
    genres: Genres,
    on_epoch: ProgressHook | None = None,
) -> tuple[np.ndarray, float]:
    """Fit the preprocessor and network of ``config`` on the train rows.

    ``on_epoch`` is called after every epoch of the training.

    Returns:
        Probabilities for the test rows (NaN where the preprocessor cannot
        use a row) and the training seconds.
    """
    from core import forward
    from core import model as network

    started = time.perf_counter()
    preprocessor = preprocessing.fit_preprocessor(train_rows, config)
    groups = features.track_groups(train_rows) if config.group_tracks else None
    trained = network.train_network(
        config,
        preprocessor.transform(train_rows),
        label_codes(train_rows, genres),
        on_epoch,
        groups=groups,
        n_genres=len(genres),
    )
    seconds = time.perf_counter() - started
    predictor = forward.read_model_file(network.model_file_bytes(trained.model))
    usable, _ = preprocessor.usable_rows(test_rows)
    probabilities = np.full((len(test_rows), len(genres)), np.nan)
    if usable.any():
        probabilities[usable] = predictor.probabilities(
            preprocessor.transform(test_rows[usable])
        )
    return probabilities, seconds


def _scores(
    name: str,
    labels: np.ndarray,
    probabilities: np.ndarray,
    seconds: float,
    genres: Genres,
):
    metrics = evaluate.classification_metrics(labels, probabilities, genres.names)
    return {
        "model": name,
        "accuracy": metrics["accuracy"],
        "top2_accuracy": metrics["top2_accuracy"],
        "macro_f1": metrics["macro_f1"],
        # Unrounded: a fast model on a small file trains in under 5 ms, which
        # two decimals would show as 0; the pages and the card round for display.
        "train_seconds": seconds,
    }


def baseline_features(
    train_rows: pd.DataFrame, test_rows: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """The scikit-learn models' inputs: the recommended network's, without the bins.

    Trees bin values themselves, and logistic regression stays the plain
    linear baseline.
    """
    plain = dataclasses.replace(configuration.RECOMMENDED, numeric_bins=0)
    preprocessor = preprocessing.fit_preprocessor(train_rows, plain)
    return preprocessor.transform(train_rows), preprocessor.transform(test_rows)


def estimator_probabilities(
    estimator,
    train_features: np.ndarray,
    train_labels: np.ndarray,
    test_features: np.ndarray,
    n_genres: int,
) -> tuple[np.ndarray, float]:
    """Fit a scikit-learn classifier; return test probabilities and training seconds.

    Columns follow the genres' codes: a genre absent from training gets 0.
    """
    started = time.perf_counter()
    estimator.fit(train_features, train_labels)
    seconds = time.perf_counter() - started
    probabilities = np.zeros((len(test_features), n_genres))
    probabilities[:, estimator.classes_] = estimator.predict_proba(test_features)
    return probabilities, seconds


def to_records(frame: pd.DataFrame) -> list[dict]:
    """A comparison table as JSON-ready rows; a missing value becomes None, not NaN."""
    return [
        {
            name: None if isinstance(value, float) and np.isnan(value) else value
            for name, value in record.items()
        }
        for record in frame.to_dict(orient="records")
    ]


def networks(seed: int = 42) -> dict[str, TrainingConfig]:
    """The networks compared by default: the study's (imputing, to score the same
    rows) and the recommended one, each seeded with ``seed``."""
    return {
        STUDY_NETWORK: dataclasses.replace(
            configuration.STUDY, unknowns="impute", seed=seed
        ),
        RECOMMENDED_NETWORK: _recommended(seed),
    }


def compare_models(
    typed: pd.DataFrame,
    seed: int = 42,
    on_progress: ProgressMessage | None = None,
    network_configs: dict[str, TrainingConfig] | None = None,
) -> pd.DataFrame:
    """Train the networks and two scikit-learn models on one split.

    Score them on the same rows. The networks: :func:`networks` unless
    ``network_configs`` names others (tests pass tiny ones); then scikit-learn's
    ``LogisticRegression`` and ``HistGradientBoostingClassifier`` on the
    recommended preprocessing (without its bins).

    Args:
        typed: a labelled typed frame (``core.data.load_csv(..., require_label=True)``).
        seed: seeds the split and every model.
        on_progress: called with a short message before each model is trained.
        network_configs: the networks to compare, by name.

    Returns:
        One row per model: ``model``, ``accuracy``, ``top2_accuracy``,
        ``macro_f1``, ``train_seconds``.

    Raises:
        DataError: too few usable rows or genres to train.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    def progress(message: str) -> None:
        if on_progress is not None:
            on_progress(message)

    genres = comparison_genres(typed, seed)
    train_rows, test_rows = holdout_split(typed, seed, genres)
    test_labels = label_codes(test_rows, genres)
    rows = []
    for name, config in (network_configs or networks(seed)).items():
        progress(f"Training the {name.lower()}")
        probabilities, seconds = network_probabilities(
            config, train_rows, test_rows, genres
        )
        rows.append(_scores(name, test_labels, probabilities, seconds, genres))

    train_features, test_features = baseline_features(train_rows, test_rows)
    train_labels = label_codes(train_rows, genres)
    estimators = (
        (LOGISTIC_REGRESSION, LogisticRegression(max_iter=1000)),
        (GRADIENT_BOOSTING, HistGradientBoostingClassifier(random_state=seed)),
    )
    for name, estimator in estimators:
        progress(f"Training {name}")
        probabilities, seconds = estimator_probabilities(
            estimator, train_features, train_labels, test_features, len(genres)
        )
        rows.append(_scores(name, test_labels, probabilities, seconds, genres))
    return pd.DataFrame(rows, columns=MODEL_COLUMNS)


def drop_vs_impute(
    typed: pd.DataFrame,
    seed: int = 42,
    on_progress: ProgressMessage | None = None,
    network_config: TrainingConfig | None = None,
) -> pd.DataFrame:
    """Answer the study's open question: drop rows with unknowns, or impute them?

    The recommended network is trained twice on the same training tracks,
    once without the rows whose tempo or duration is unknown (the study's
    choice) and once with them imputed, then both are scored on the same
    test rows.

    Args:
        typed: a labelled typed frame.
        seed: seeds the split and the networks.
        on_progress: called with a short message before each training.
        network_config: the network trained twice (default: the recommended
            one; its ``unknowns`` is set to each policy in turn).

    Returns:
        One row per policy: ``policy``; ``accuracy`` over the test rows the
        model predicts; ``accuracy_known_rows`` and ``accuracy_unknown_rows``
        (test rows without / with an unknown; None where the model cannot
        predict them); ``accuracy_all_rows`` over every test row, counting a
        row without a prediction as wrong; ``unpredicted_rows``; and
        ``rows_used`` (training rows the network learned from).

    Raises:
        DataError: too few usable rows or genres to train.
    """
    impute = dataclasses.replace(
        network_config or _recommended(seed), unknowns="impute"
    )
    drop = dataclasses.replace(impute, unknowns="drop")
    genres = comparison_genres(typed, seed)
    train_rows, test_rows = holdout_split(typed, seed, genres)
    test_labels = label_codes(test_rows, genres)
    unknown_test = features.unknown_mask(test_rows)
    rows = []
    for config in (drop, impute):
        if on_progress is not None:
            on_progress(
                f"Training the recommended network with unknowns: {config.unknowns}"
            )
        used = train_rows
        if config.unknowns == "drop":
            used = train_rows[~features.unknown_mask(train_rows)]
        probabilities, _ = network_probabilities(config, used, test_rows, genres)
        predicted = ~np.isnan(probabilities).any(axis=1)
        correct = predicted & (
            np.nan_to_num(probabilities, nan=-1).argmax(axis=1) == test_labels
        )

        def share(mask: np.ndarray, correct: np.ndarray = correct) -> float | None:
            return float(correct[mask].mean()) if mask.any() else None

        rows.append(
            {
                "policy": config.unknowns,
                "accuracy": share(predicted),
                "accuracy_known_rows": share(~unknown_test & predicted),
                "accuracy_unknown_rows": share(unknown_test & predicted),
                "accuracy_all_rows": share(np.ones(len(test_rows), dtype=bool)),
                "unpredicted_rows": int((~predicted).sum()),
                "rows_used": len(used),
            }
        )
    return pd.DataFrame(rows, columns=POLICY_COLUMNS)
