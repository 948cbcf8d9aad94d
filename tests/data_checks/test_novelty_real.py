"""Novelty of real tracks: the shipped model on Kaggle and TidyTuesday (issue 25)."""

from __future__ import annotations

import numpy as np
import pytest

from core import bundle, compare, data, predict


@pytest.fixture(scope="module")
def shipped() -> bundle.Bundle:
    model = bundle.load_bundle(bundle.DEFAULT_MODEL_DIR)
    if model.novelty is None:
        pytest.fail("models/default has no novelty reference (calibrate-novelty)")
    return model


@pytest.fixture(scope="module")
def kaggle_test_median(shipped, real_typed) -> float:
    _, test_rows = compare.holdout_split(real_typed, seed=shipped.config.seed)
    return float(np.nanmedian(predict.novelty_of(shipped, test_rows)))


def test_kaggle_test_tracks_have_a_median_novelty_near_50(kaggle_test_median):
    # Measured: 50.0 on the 4,484 test tracks the model never saw.
    assert 45 <= kaggle_test_median <= 55


def test_tidytuesday_tracks_are_more_novel(shipped, spotify_songs_path):
    songs = data.load_csv(spotify_songs_path)
    scores = predict.novelty_of(shipped, songs)
    # Measured: a median of 66.1, and 13.5% of the tracks at 95 or more.
    assert np.nanmedian(scores) >= 60
    assert (scores >= 95).mean() >= 0.10


def test_the_other_source_figures_are_the_cards(shipped, spotify_songs_path):
    from core import model_card, transfer

    figures = transfer.other_source_figures(shipped, spotify_songs_path)
    recorded = shipped.metrics[model_card.OTHER_SOURCE]
    for case in ("with_popularity", "without_popularity"):
        assert figures[case]["shared"] == recorded[case]["shared"]
    # Issue 25's figures, measured on 2026-12-04.
    shared = figures["with_popularity"]["shared"]
    assert (shared["rows"], round(shared["top1"], 3)) == (16_740, 0.424)
    assert round(figures["without_popularity"]["shared"]["top1"], 3) == 0.238
    # On this source, the more novel a track, the less often it is right.
    bands = [band["top1"] for band in figures["with_popularity"]["by_novelty"]]
    assert bands == sorted(bands, reverse=True)
