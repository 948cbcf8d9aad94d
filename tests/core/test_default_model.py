"""The shipped model (models/default).

Loads on a fresh clone, predicts, keeps its measured level.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from core import (
    bundle,
    card_figures,
    config,
    data,
    download,
    evaluate,
    features,
    model_card,
    predict,
    schema,
    tables,
)
from core.genres import REFERENCE
from tests import oracles
from tests.conftest import csv_bytes, row

# Issue 4's targets on tracks the model never saw, every row counted: 0.60
# top-1 and macro F1, and 0.84 top-2.
TARGET_ACCURACY = 0.60
TARGET_MACRO_F1 = 0.60
# Floors on the shipped model's 4,484 held-out rows (test share 0.1, issue 19;
# docs/model.md), where it measures 0.607 top-1, 0.834 top-2, 0.606 macro F1.
# Each floor is the lower of two figures, rounded down to 0.1 point:
# - the lowest of seven network seeds of the recipe on these same rows
#   (42 and 0-5: top-1 0.607-0.614, top-2 0.833-0.836, macro F1 0.606-0.612)
#   less 0.3 points, so a rebuild with other float rounding still passes;
# - the cross-validated mean (8 folds: 0.617, 0.844, 0.615) less the half-width
#   of the test split's 95% bootstrap interval (1.4, 1.1, 1.4 points), so the
#   floor is what the recipe reaches on most test splits of this size, not
#   what a lucky one gives.
FLOOR_ACCURACY = 0.602
FLOOR_TOP2 = 0.830
FLOOR_MACRO_F1 = 0.600


@pytest.fixture(scope="module")
def shipped() -> bundle.Bundle:
    return bundle.load_bundle(bundle.DEFAULT_MODEL_DIR)


def test_the_bundle_is_small_and_complete():
    folder = bundle.DEFAULT_MODEL_DIR
    names = {path.name for path in folder.iterdir()}
    assert {*bundle.REQUIRED_FILES, bundle.CARD_FILE} <= names
    size = sum(path.stat().st_size for path in folder.iterdir())
    assert size < 5 * 1024 * 1024


def test_it_was_trained_with_the_recommended_preset(shipped):
    assert shipped.config == config.RECOMMENDED
    # Audio features and popularity only: no artist, title, id or date.
    for name in shipped.preprocessor.feature_names:
        assert not any(identity in name for identity in schema.IDENTITY_COLUMNS)


def test_it_predicts_raw_rows_with_unknowns_without_the_dataset(monkeypatch, tmp_path):
    missing = tmp_path / "no-data" / "music_genre.csv"
    monkeypatch.setenv(download.DATA_PATH_VARIABLE, str(missing))
    monkeypatch.setattr(download, "DEFAULT_DATA_PATH", missing)
    model = bundle.load_bundle(bundle.DEFAULT_MODEL_DIR)
    rows = [
        row(),
        row(tempo="?"),
        row(duration_ms="-1"),
        row(tempo="?", duration_ms="-1.0", music_genre=""),
        row(key="H"),
    ]
    typed = data.load_csv(csv_bytes(rows))
    predictions = predict.predict_frame(model, typed)
    usable = predictions[predict.REASON] == ""
    # Unknowns are imputed: only the invalid key 'H' has no prediction.
    assert usable.tolist() == [True, True, True, True, False]
    assert "key" in predictions[predict.REASON].iloc[4]
    probabilities = predictions.loc[
        usable, predict.probability_columns(schema.GENRES)
    ].to_numpy()
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert set(predictions.loc[usable, predict.PREDICTED]) <= set(schema.GENRES)
    assert (
        predictions.loc[usable, predict.PREDICTED]
        != predictions.loc[usable, predict.SECOND]
    ).all()


def test_the_card_and_metrics_hold_aggregates_and_the_rebuild_command(shipped):
    card = (bundle.DEFAULT_MODEL_DIR / bundle.CARD_FILE).read_text()
    for heading in (
        "## Data",
        "## Features",
        "## Network and training",
        "## Metrics",
        "Confusion matrix",
        "## Known limits",
        "Rap and Hip-Hop",
        "## Rebuild",
        "any listed genre",
    ):
        assert heading.lower() in card.lower()
    assert "python -m core train --preset recommended" in card
    test = shipped.metrics["test"]
    assert test["fusion_accuracy"] >= test["accuracy"]
    # The test share of the recommended preset, of every usable row.
    used = shipped.metrics["cleaning"]["rows_out"]
    assert test["n_rows"] == pytest.approx(
        config.RECOMMENDED.test_size * used, rel=0.05
    )
    assert test["n_rows"] > 4000


def test_the_card_gives_the_test_intervals_and_the_cross_validated_figures(shipped):
    card = (bundle.DEFAULT_MODEL_DIR / bundle.CARD_FILE).read_text()
    test = shipped.metrics["test"]
    intervals = card_figures.split_intervals(test)
    cells = " | ".join(
        f"{low:.1%}-{high:.1%}"
        for low, high in (intervals[key] for key in ("top1", "top2", "macro_f1"))
    )
    assert f"| test split, 95% interval | {cells} |" in card
    for key, metric in (
        ("top1", "accuracy"),
        ("top2", "top2_accuracy"),
        ("macro_f1", "macro_f1"),
    ):
        low, high = intervals[key]
        assert low < test[metric] < high
        # About 4,500 rows: a 95% interval about 2-3 points wide.
        assert 0.015 < high - low < 0.035
    # Measured for exactly this recipe: a changed recommended preset must be
    # cross-validated again (benchmarks/learning_curve.py) before it ships.
    measured = card_figures.cross_validation_of(shipped.config)
    assert measured is not None
    assert "| cross-validated: mean (lowest-highest) of" in card
    assert measured.training_share == pytest.approx(1 - shipped.config.test_size)
    assert measured.networks == shipped.config.ensemble_size


@pytest.fixture(scope="module")
def held_out(real_typed, shipped):
    """The shipped model's test rows, rebuilt from its own configuration."""
    cleaned, _ = features.clean(
        real_typed, shipped.config.unknowns, tables.label_codes(real_typed, REFERENCE)
    )
    train_rows, test_rows = features.split(cleaned, shipped.config, REFERENCE)
    return train_rows, test_rows, cleaned


def test_the_held_out_tracks_were_never_seen(held_out):
    train_rows, test_rows, cleaned = held_out
    assert len(train_rows) + len(test_rows) == len(cleaned)
    assert not set(features.track_groups(train_rows)) & set(
        features.track_groups(test_rows)
    )
    # Every usable row counts, unknown tempo/duration included.
    assert features.unknown_mask(test_rows).sum() > 0.1 * len(test_rows)


@pytest.fixture(scope="module")
def held_out_metrics(shipped, held_out) -> dict:
    """The shipped model scored on its held-out rows, recomputed here."""
    _, test_rows, _ = held_out
    return oracles.evaluate_frame(shipped, test_rows)


def test_every_held_out_row_is_scored(held_out_metrics, held_out, shipped):
    _, test_rows, _ = held_out
    assert held_out_metrics["n_unpredictable"] == 0
    assert held_out_metrics["n_rows"] == len(test_rows)
    # The shipped metrics.json says the same as this recomputation.
    assert held_out_metrics["accuracy"] == pytest.approx(
        shipped.metrics["test"]["accuracy"]
    )


def test_the_shipped_model_beats_the_study_and_published_results(held_out_metrics):
    # Above the study (0.53) and the best honest published results (about
    # 0.58-0.59, gradient-boosted trees).
    assert held_out_metrics["accuracy"] >= max(TARGET_ACCURACY, FLOOR_ACCURACY)
    assert held_out_metrics["macro_f1"] >= max(TARGET_MACRO_F1, FLOOR_MACRO_F1)
    assert held_out_metrics["top2_accuracy"] >= FLOOR_TOP2
    assert held_out_metrics["fusion_accuracy"] > held_out_metrics["accuracy"]


def test_drawing_whole_tracks_gives_about_the_card_s_intervals(shipped, held_out):
    # The card draws test rows one by one (a bundle keeps counts, not
    # tracks); on the real held-out rows, drawing whole tracks (a song's
    # copies under several genres together) gives nearly the same intervals:
    # within 0.3 points, about three times the resampling error of a bound.
    _, test_rows, _ = held_out
    probabilities = shipped.network.probabilities(
        shipped.preprocessor.transform(test_rows)
    )
    labels = tables.label_codes(test_rows, REFERENCE)
    ranked = np.argsort(-probabilities, axis=1)
    hits = {
        "top1": ranked[:, 0] == labels,
        "top2": (ranked[:, 0] == labels) | (ranked[:, 1] == labels),
    }
    card = card_figures.split_intervals(shipped.metrics["test"])
    tracks = features.track_groups(test_rows)
    for key, values in hits.items():
        low, high = evaluate.bootstrap_interval(values, groups=tracks)
        assert low == pytest.approx(card[key][0], abs=0.003)
        assert high == pytest.approx(card[key][1], abs=0.003)


def test_no_artist_or_title_of_the_data_is_in_the_bundle_text(real_typed):
    text = "".join(
        (bundle.DEFAULT_MODEL_DIR / name).read_text()
        for name in (bundle.PREPROCESSING_FILE, bundle.METRICS_FILE, bundle.CARD_FILE)
    )
    json.loads((bundle.DEFAULT_MODEL_DIR / bundle.METRICS_FILE).read_text())
    names = real_typed["track_name"].dropna().astype(str)
    distinctive = names[names.str.len() >= 12].drop_duplicates().head(2000)
    assert not [name for name in distinctive if name in text]


@pytest.mark.real_data
def test_its_network_without_popularity_is_rebuilt_by_its_documented_command(
    shipped, real_data_path, tmp_path
):
    """Issue 25: `python -m core train-audio-network` (docs/model.md) rebuilds it.

    On a copy of the bundle, from the development data: the same test scores
    as recorded, within a tenth of a point (another machine's float rounding).
    """
    import shutil

    from core import cli

    assert shipped.audio_network is not None
    recorded = shipped.metrics[model_card.AUDIO_ONLY]
    copy = shutil.copytree(bundle.DEFAULT_MODEL_DIR, tmp_path / "default")
    (copy / bundle.AUDIO_MODEL_FILE).unlink()
    arguments = ["train-audio-network", "--model", str(copy), "--quiet"]
    assert cli.main([*arguments, "--data", str(real_data_path)]) == 0
    rebuilt = bundle.load_bundle(copy).metrics[model_card.AUDIO_ONLY]
    for name in ("accuracy", "top2_accuracy", "macro_f1"):
        assert rebuilt[name] == pytest.approx(recorded[name], abs=0.001), name
    # The main network is untouched, and the documented commands are these.
    assert (copy / bundle.MODEL_FILE).read_bytes() == shipped.model_file
    documented = (bundle.PROJECT_ROOT / "docs" / "model.md").read_text()
    assert "python -m core train-audio-network --model models/default" in documented
