"""python -m core predict --coverage and calibrate-conformal (issue 26, part 3)."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

from core import bundle, conformal, data, pipeline, schema
from tests.cli.runner import (
    assert_bad_input,
    finish,
    predict_arguments,
    run_cli,
    start_cli,
)
from tests.conftest import csv_bytes, separable_rows, tiny_config

CONFIG = tiny_config(unknowns="impute", test_size=0.4)


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    """A calibrated bundle, one without calibration, their training file and
    tracks to predict."""
    folder = tmp_path_factory.mktemp("conformal")
    training = folder / "training.csv"
    training.write_bytes(csv_bytes(separable_rows(per_genre=12, seed=6)))
    typed = data.load_csv(training, require_label=True)
    calibrated = pipeline.train_from_frame(
        typed, dataclasses.replace(CONFIG, calibration_fraction=0.3)
    ).bundle
    plain = pipeline.train_from_frame(typed, CONFIG).bundle
    tracks = folder / "tracks.csv"
    tracks.write_bytes(csv_bytes(separable_rows(per_genre=2, seed=7)))
    return (
        bundle.save_bundle(calibrated, folder / "calibrated"),
        bundle.save_bundle(plain, folder / "plain", card="# card\n"),
        training,
        tracks,
    )


def test_predict_with_a_coverage_adds_the_prediction_set(bundles, tmp_path):
    calibrated, _, _, tracks = bundles
    output = tmp_path / "out.csv"
    result = run_cli(
        *predict_arguments(calibrated, tracks, output, "--coverage", "0.9")
    )
    assert result.returncode == 0, result.stderr
    assert "90% sure" in result.stdout and "unlike" in result.stdout
    table = pd.read_csv(output, keep_default_na=False)
    assert len(table) == 20
    for text, top in zip(
        table["prediction_set"], table["predicted_genre"], strict=True
    ):
        genres = text.split("; ")
        assert genres[0] == top
        assert set(genres) <= set(schema.GENRES)
    # Without --coverage: no column.
    plain_output = tmp_path / "plain.csv"
    result = run_cli(*predict_arguments(calibrated, tracks, plain_output))
    assert "prediction_set" not in pd.read_csv(plain_output).columns


@pytest.mark.parametrize("coverage", ["1.5", "0", "1", "nan"])
def test_a_coverage_outside_zero_and_one_is_refused(bundles, tmp_path, coverage):
    calibrated, _, _, tracks = bundles
    output = tmp_path / "out.csv"
    line = assert_bad_input(
        run_cli(*predict_arguments(calibrated, tracks, output, "--coverage", coverage))
    )
    assert "coverage must be above 0 and below 1" in line
    assert not output.exists()


def test_a_bundle_without_calibration_is_refused_then_calibrated(bundles, tmp_path):
    _, plain, training, tracks = bundles
    output = tmp_path / "out.csv"
    arguments = predict_arguments(plain, tracks, output)
    line = assert_bad_input(run_cli(*arguments, "--coverage", "0.9"))
    assert "no calibration" in line and "calibrate-conformal" in line
    assert not output.exists()
    before = (plain / bundle.MODEL_FILE).read_bytes()
    result = run_cli("calibrate-conformal", "--model", plain, "--data", training)
    assert result.returncode == 0, result.stderr
    assert "half of the test tracks" in result.stdout
    assert (plain / bundle.MODEL_FILE).read_bytes() == before
    settings = json.loads((plain / bundle.PREPROCESSING_FILE).read_text())
    assert settings["conformal"]["method"] == conformal.METHOD
    assert run_cli(*arguments, "--coverage", "0.8").returncode == 0
    assert "prediction_set" in pd.read_csv(output).columns


def test_calibrate_conformal_refuses_another_file(bundles, tmp_path):
    _, plain, _, _ = bundles
    other = tmp_path / "other.csv"
    other.write_bytes(csv_bytes(separable_rows(per_genre=12, seed=8)))
    process = start_cli("calibrate-conformal", "--model", plain, "--data", other)
    assert "not the file the model was trained on" in assert_bad_input(finish(process))
