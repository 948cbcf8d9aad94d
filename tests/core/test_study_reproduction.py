"""The study preset, on the real development data, reproduces the study's numbers."""

from __future__ import annotations

import pytest

from core import config, pipeline


@pytest.fixture(scope="module")
def study_run(real_typed):
    return pipeline.train_from_frame(real_typed, config.STUDY)


def test_study_preset_reaches_the_studys_accuracy(study_run):
    test_accuracy = study_run.metrics["test"]["accuracy"]
    train_accuracy = study_run.metrics["train"]["accuracy"]
    assert 0.50 <= test_accuracy <= 0.57
    assert abs(train_accuracy - test_accuracy) <= 0.03


def test_study_preset_uses_the_studys_35_features(study_run):
    assert len(study_run.bundle.preprocessor.feature_names) == 35
    assert study_run.bundle.network.members[0][0].kernel.shape[1] == 35


def test_study_cleaning_drops_unknown_rows_and_splits_80_20(study_run):
    cleaning = study_run.cleaning
    assert cleaning.blank_rows == 5
    assert cleaning.unknown_rows_dropped > 0.15 * cleaning.rows_in
    test_rows = study_run.metrics["test"]["n_rows"]
    train_rows = study_run.metrics["train"]["n_rows"]
    assert test_rows / (test_rows + train_rows) == pytest.approx(0.2, abs=0.001)
