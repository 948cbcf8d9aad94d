"""Novelty: how unlike the training tracks a track is (core.novelty, issue 25)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core import bundle, export, novelty, predict
from tests.conftest import csv_bytes, separable_rows

NAMES = ("popularity", "energy", "bin_a")


@pytest.fixture(scope="module")
def reference() -> novelty.NoveltyReference:
    inputs = np.random.default_rng(0).normal(size=(2_000, 3))
    return novelty.fit_reference(inputs, NAMES, seed=0)


def test_a_training_like_track_is_typical_and_an_extreme_one_is_novel(reference):
    usable = np.ones(3, dtype=bool)
    inputs = np.array([[0.0, 0.0, 0.0], [0.1, -0.1, 0.0], [9.0, -9.0, 9.0]])
    scores = novelty.novelty_scores(reference, inputs, usable)
    assert scores[0] < 25 and scores[1] < 25
    assert scores[2] == 100


def test_tracks_like_the_training_ones_have_a_median_near_50(reference):
    fresh = np.random.default_rng(1).normal(size=(4_000, 3))
    scores = novelty.novelty_scores(reference, fresh, np.ones(4_000, dtype=bool))
    assert 45 <= np.median(scores) <= 55
    assert 0.03 <= (scores >= novelty.UNUSUAL).mean() <= 0.07


def test_every_prototype_is_the_mean_of_several_tracks(reference):
    assert 0 < len(reference.prototypes) <= novelty.PROTOTYPES
    few = novelty.fit_reference(np.arange(12.0).reshape(6, 2), ("energy", "x"), 0)
    # Three placing tracks make no cluster of five: their mean is the one.
    assert few.prototypes.shape == (1, 2)


def test_no_reference_or_no_prediction_is_unknown(reference):
    inputs = np.zeros((2, 3))
    assert np.isnan(novelty.novelty_scores(None, inputs, np.ones(2, bool))).all()
    scores = novelty.novelty_scores(reference, inputs, np.array([True, False]))
    assert not np.isnan(scores[0]) and np.isnan(scores[1])


def test_the_reference_survives_json(reference):
    again = novelty.NoveltyReference.from_dict(reference.to_dict())
    inputs = np.random.default_rng(2).normal(size=(50, 3))
    usable = np.ones(50, dtype=bool)
    np.testing.assert_allclose(
        novelty.novelty_scores(again, inputs, usable),
        novelty.novelty_scores(reference, inputs, usable),
        atol=0.05,
    )
    assert again.shift_features == ("popularity", "energy")


def test_an_inconsistent_reference_is_refused(reference):
    values = reference.to_dict()
    values["reference_distances"] = values["reference_distances"][::-1]
    with pytest.raises(ValueError):
        novelty.NoveltyReference.from_dict(values)


def test_a_shifted_file_names_the_feature_that_moved(reference):
    keeper = novelty.FileNovelty(reference)
    inputs = np.random.default_rng(3).normal(size=(1_000, 3))
    inputs[:, 1] += 1.0  # energy one standard deviation higher
    usable = np.ones(1_000, dtype=bool)
    keeper.add(inputs, usable, novelty.novelty_scores(reference, inputs, usable), NAMES)
    summary = keeper.summary()
    assert list(summary.shifts)[0] == "energy"
    assert summary.shifts["energy"] == pytest.approx(1.0, abs=0.15)
    words = " ".join(novelty.file_sentences(summary))
    assert "energy higher" in words
    assert novelty.FileNovelty(None).summary() is None


def test_words_warn_only_when_novelty_is_high():
    assert "trust it less" in novelty.novelty_sentence(99.0)
    assert "trust it less" not in novelty.novelty_sentence(50.0)
    assert "unknown" in novelty.novelty_sentence(float("nan"))


def test_a_trained_bundle_keeps_its_reference_and_predicts_novelty(
    impute_run, tmp_path
):
    saved = bundle.save_bundle(impute_run.bundle, tmp_path / "model")
    loaded = bundle.load_bundle(saved)
    assert loaded.novelty is not None
    rows = csv_bytes(separable_rows(per_genre=2, seed=5))
    result = export.predict_file(loaded, rows)
    assert result.preview[predict.NOVELTY].between(0, 100).all()
    assert result.novelty is not None and result.novelty.rows == 20
    # A labelled file is also scored by novelty band.
    bands = result.scores["by_novelty"]
    assert sum(band["rows"] for band in bands) == result.scores["n_rows"] == 20


def test_a_bundle_without_a_reference_loads_and_says_unknown(impute_run, tmp_path):
    import json

    saved = bundle.save_bundle(impute_run.bundle, tmp_path / "model")
    path = saved / bundle.PREPROCESSING_FILE
    settings = json.loads(path.read_text())
    del settings["novelty"]
    path.write_text(json.dumps(settings))
    loaded = bundle.load_bundle(saved)
    assert loaded.novelty is None
    result = export.predict_file(loaded, csv_bytes(separable_rows(per_genre=1)))
    assert result.preview[predict.NOVELTY].isna().all()
    assert result.novelty is None
    assert isinstance(result.preview, pd.DataFrame)
