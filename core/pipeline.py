"""Training from a typed frame to a scored bundle: the steps of the study in order."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from core import data, evaluate, features, forward
from core.bundle import Bundle
from core.config import TrainingConfig
from core.data import label_codes
from core.features import CleaningSummary
from core.history import EpochLog, ProgressHook

# Column added while training: each row's genre_bits_by_track (see core.evaluate).
LISTED_GENRES = "listed_genre_bits"


@dataclass
class TrainingRun:
    """The result of one training: a bundle to save or use, and how it went."""

    bundle: Bundle
    cleaning: CleaningSummary
    history: list[list[EpochLog]]
    seconds: float

    @property
    def metrics(self) -> dict:
        """The bundle's metrics: ``train`` and ``test`` dicts and run facts."""
        return self.bundle.metrics


def _split_metrics(
    bundle: Bundle, rows: pd.DataFrame, probabilities: np.ndarray
) -> dict:
    labels = label_codes(rows)
    metrics = evaluate.classification_metrics(labels, probabilities)
    if {"artist_name", "track_name"} <= set(rows.columns):
        metrics["fusion_accuracy"] = evaluate.fusion_accuracy(
            probabilities.argmax(axis=1), rows[LISTED_GENRES].to_numpy()
        )
    unknown = features.unknown_mask(rows)
    if bundle.preprocessor.unknowns == "impute":
        for name, mask in (("known_rows", ~unknown), ("unknown_rows", unknown)):
            metrics[f"accuracy_{name}"] = (
                float((probabilities[mask].argmax(axis=1) == labels[mask]).mean())
                if mask.any()
                else None
            )
            metrics[f"n_{name}"] = int(mask.sum())
    return metrics


def train_from_frame(
    typed: pd.DataFrame,
    config: TrainingConfig,
    on_epoch: ProgressHook | None = None,
) -> TrainingRun:
    """Clean, split, fit the preprocessor, train and score, as ``config`` says.

    Args:
        typed: a labelled typed frame (``core.data.load_csv(..., require_label=True)``).
        config: every setting of the run.
        on_epoch: progress hook, called after every epoch.

    Returns:
        The run, whose bundle holds the model, preprocessor and metrics.

    Raises:
        DataError: too few usable rows or genres to train.
    """
    from core import model as network

    started = time.perf_counter()
    # Listed over the whole file, before the split: a test track's other
    # genres may be listed in training rows.
    typed = typed.assign(**{LISTED_GENRES: evaluate.listed_genre_bits(typed)})
    cleaned, cleaning = features.clean(typed, config.unknowns)
    train_rows, test_rows = features.split(cleaned, config)
    preprocessor = features.fit_preprocessor(train_rows, config)
    train_features = preprocessor.transform(train_rows)
    test_features = preprocessor.transform(test_rows)
    trained = network.train_network(
        config,
        train_features,
        label_codes(train_rows),
        on_epoch,
        groups=features.track_groups(train_rows) if config.group_tracks else None,
    )
    train_seconds = time.perf_counter() - started
    # The bundle predicts the way a saved one does, from its .keras file in
    # NumPy: what training scores here is what every page and command gets.
    model_file = network.model_file_bytes(trained.model)
    predictor = forward.read_model_file(model_file)
    bundle = Bundle(
        network=predictor,
        model_file=model_file,
        preprocessor=preprocessor,
        config=config,
        info={
            "train_seconds": round(train_seconds, 2),
            # Which data: the split can be recomputed for exactly this data.
            "data_fingerprint": data.fingerprint(typed),
            "data_rows": len(typed),
        },
    )
    metrics = {
        "train": _split_metrics(
            bundle, train_rows,
            predictor.probabilities(train_features),
        ),
        "test": _split_metrics(
            bundle, test_rows,
            predictor.probabilities(test_features),
        ),
        "cleaning": asdict(cleaning),
        "best_epochs": trained.best_epochs,
        "history": [[asdict(log) for log in member] for member in trained.history],
        "train_seconds": round(train_seconds, 2),
    }  # fmt: skip
    bundle.metrics = metrics
    return TrainingRun(
        bundle=bundle,
        cleaning=cleaning,
        history=trained.history,
        seconds=time.perf_counter() - started,
    )
