"""Novelty of real tracks: the shipped model on Kaggle and TidyTuesday (issue 25)."""

from __future__ import annotations

import numpy as np
import pandas as pd
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
    from core import card_figures, transfer

    figures = transfer.other_source_figures(shipped, spotify_songs_path)
    recorded = shipped.metrics[card_figures.OTHER_SOURCE]
    for case in ("with_popularity", "without_popularity"):
        assert figures[case]["shared"] == recorded[case]["shared"]
    # Issue 25's goals on this source (top-1 >= 50%, top-2 >= 70%; 50.2% and
    # 70.0% measured on 2026-12-04), with a tolerance for another machine.
    shared = figures["with_popularity"]["shared"]
    assert shared["rows"] == 16_740
    assert shared["top1"] >= 0.48 and shared["top2"] >= 0.68
    # Its tracks are unlike the training ones: the network without popularity.
    assert figures["with_popularity"]["network"] == "the network without popularity"


def test_the_network_without_popularity_does_better_on_the_other_source(
    shipped, spotify_songs_path
):
    """The choice of network pays: the main network, forced, gets fewer right."""
    from core import transfer

    raw = pd.read_csv(spotify_songs_path, dtype=str, keep_default_na=False)
    chosen = raw[transfer.OTHER_LABEL].isin(list(transfer.SHARED_GENRES)).to_numpy()
    rows = data.load_csv(spotify_songs_path)[chosen]
    labels = raw.loc[chosen, transfer.OTHER_LABEL].map(transfer.SHARED_GENRES)
    columns = predict.probability_columns(shipped.genres.names)
    top1 = {}
    for audio_only in (False, True):
        result = predict.predict_frame(
            shipped, rows, choice=predict.NetworkChoice(audio_only, "")
        )
        usable = (result[predict.REASON] == "").to_numpy()
        top1[audio_only] = transfer.scores(
            labels[usable].tolist(), result.loc[usable, columns].to_numpy()
        )["shared"]["top1"]
    # Measured: 42.4% with popularity, 50.2% without.
    assert top1[True] > top1[False] + 0.03
