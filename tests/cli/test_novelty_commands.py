"""python -m core calibrate-novelty and transfer (issue 25)."""

from __future__ import annotations

import json

import pytest

from core import bundle, data, pipeline
from tests.cli.runner import EXIT_BAD_INPUT, run_cli
from tests.conftest import csv_bytes, separable_rows, tiny_config


@pytest.fixture(scope="module")
def old_bundle(tmp_path_factory):
    """A tiny bundle saved as before issue 25 (no novelty), and its data."""
    folder = tmp_path_factory.mktemp("novelty")
    training = folder / "training.csv"
    training.write_bytes(csv_bytes(separable_rows(per_genre=12, seed=4)))
    run = pipeline.train_from_frame(
        data.load_csv(training, require_label=True), tiny_config(unknowns="impute")
    )
    run.bundle.novelty = None
    saved = bundle.save_bundle(run.bundle, folder / "model", card="# card\n")
    return saved, training


def test_calibrate_novelty_adds_the_reference_and_changes_nothing_else(old_bundle):
    folder, training = old_bundle
    before = {name: (folder / name).read_bytes() for name in bundle.REQUIRED_FILES}
    result = run_cli("calibrate-novelty", "--model", folder, "--data", training)
    assert result.returncode == 0, result.stderr
    assert "network and metrics unchanged" in result.stdout
    for name in (bundle.MODEL_FILE, bundle.METRICS_FILE):
        assert (folder / name).read_bytes() == before[name]
    settings = json.loads((folder / bundle.PREPROCESSING_FILE).read_text())
    old = json.loads(before[bundle.PREPROCESSING_FILE])
    assert set(settings) - set(old) == {"novelty"}
    assert bundle.load_bundle(folder).novelty is not None


def test_calibrate_novelty_refuses_another_file(old_bundle, tmp_path):
    folder, _ = old_bundle
    other = tmp_path / "other.csv"
    other.write_bytes(csv_bytes(separable_rows(per_genre=12, seed=5)))
    result = run_cli("calibrate-novelty", "--model", folder, "--data", other)
    assert result.returncode == EXIT_BAD_INPUT
    assert "not the file the model was trained on" in result.stderr
