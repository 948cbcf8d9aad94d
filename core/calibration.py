"""A saved bundle calibrated again from its own training file.

What can be added to a model after training without touching its network:
its novelty reference (``python -m core calibrate-novelty``) and its
prediction sets (``python -m core calibrate-conformal``). Both find the
model's own tracks by recomputing its seeded split of the file it learned
from (:func:`core.pipeline.check_training_file`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core import conformal, features, novelty
from core.bundle import Bundle
from core.pipeline import check_training_file
from core.tables import label_codes, track_keys


def calibrate_novelty(bundle: Bundle, typed: pd.DataFrame) -> None:
    """Fit ``bundle``'s novelty reference on its own training rows, in place.

    Only the reference changes; the network, preprocessor and metrics are
    left as they are.

    Raises:
        DataError: see :func:`core.pipeline.check_training_file`.
    """
    train_rows = check_training_file(bundle, typed).train
    bundle.novelty = novelty.fit_reference(
        bundle.preprocessor.transform(train_rows),
        bundle.preprocessor.feature_names,
        bundle.config.seed,
    )


# The share of the test tracks calibrated on when nothing else is unseen.
TEST_HALF = 0.5


@dataclass
class ConformalRows:
    """Tracks the network never learned from: one part to calibrate on, one to
    report coverage on."""

    calibration: pd.DataFrame
    evaluation: pd.DataFrame
    source: str


def conformal_rows(bundle: Bundle, typed: pd.DataFrame) -> ConformalRows:
    """The bundle's unseen tracks to calibrate prediction sets on, and to check them.

    In order of preference:

    1. its calibration share (``calibration_fraction``), set aside before
       training; coverage is checked on the test tracks;
    2. its validation share (``validation_fraction``) when early stopping is
       off: ``core.model.train_network`` holds those rows out of every
       gradient step, and with early stopping off they choose nothing
       either (with it on, they pick the epoch kept, which would make their
       scores a little optimistic); checked on the test tracks;
    3. otherwise (the shipped model: no unseen training track) a seeded half
       of the test tracks, whole tracks; checked on the other half only.

    Raises:
        DataError: see :func:`core.pipeline.check_training_file`.
    """
    config = bundle.config
    split = check_training_file(bundle, typed)
    if len(split.calibration):
        return ConformalRows(
            split.calibration, split.test, conformal.FROM_CALIBRATION_SHARE
        )
    if config.validation_fraction > 0 and config.early_stopping_patience == 0:
        keys = track_keys(split.train)
        groups = keys.to_numpy() if config.group_tracks and keys is not None else None
        _, held = features.split_positions(
            label_codes(split.train, bundle.genres),
            groups,
            config.validation_fraction,
            config.seed,
            config.stratify,
        )
        return ConformalRows(
            split.train.iloc[held], split.test, conformal.FROM_VALIDATION_SHARE
        )
    evaluation, calibration = features.split_positions(
        label_codes(split.test, bundle.genres),
        split.test_groups,
        TEST_HALF,
        config.seed,
        config.stratify,
    )
    return ConformalRows(
        split.test.iloc[calibration],
        split.test.iloc[evaluation],
        conformal.FROM_TEST_HALF,
    )


def _labelled_probabilities(
    bundle: Bundle, rows: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """The network's probabilities and the listed genres of labelled rows."""
    return (
        bundle.network.probabilities(bundle.preprocessor.transform(rows)),
        label_codes(rows, bundle.genres),
    )


def calibrate_conformal(bundle: Bundle, typed: pd.DataFrame) -> ConformalRows:
    """Calibrate ``bundle``'s prediction sets on its unseen tracks, in place.

    The network, preprocessor and other metrics are left as they are; the
    coverage measured on the evaluation tracks is recorded in the metrics
    (``conformal``).

    Returns:
        The tracks used (see :func:`conformal_rows`).

    Raises:
        DataError: see :func:`core.pipeline.check_training_file`.
    """
    rows = conformal_rows(bundle, typed)
    bundle.conformal = conformal.calibrate(
        *_labelled_probabilities(bundle, rows.calibration), source=rows.source
    )
    bundle.metrics[conformal.METRICS_KEY] = conformal.metrics(
        bundle.conformal, *_labelled_probabilities(bundle, rows.evaluation)
    )
    return rows
