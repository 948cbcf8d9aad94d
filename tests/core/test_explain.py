"""core.explain.

Importance, what-if sweeps, reliability, partial dependence and the map of songs.
"""

from __future__ import annotations

import numpy as np
import pytest

from core import explain, schema, tables, wording
from core.errors import DataError
from tests.conftest import GOOD_ROW, SIGNAL_FEATURES


def _one_track(**changes: object):
    values = {name: GOOD_ROW[name] for name in schema.FEATURE_COLUMNS}
    return tables.track_rows([{**values, **changes}])


@pytest.fixture(scope="module")
def importance(impute_run, separable_typed):
    return explain.permutation_importance_table(
        impute_run.bundle, separable_typed, n_repeats=2
    )


def test_importance_has_one_row_per_raw_feature(importance):
    assert list(importance.columns) == ["feature", "importance_mean", "importance_std"]
    # key and mode are one feature each, not 12 + 1 one-hot columns.
    assert sorted(importance["feature"]) == sorted(schema.FEATURE_COLUMNS)


def test_importance_is_sorted_and_finds_the_features_that_carry_the_genre(importance):
    means = importance["importance_mean"].to_numpy()
    assert np.all(np.diff(means) <= 0)
    assert (importance["importance_std"] >= 0).all()
    # The separable rows write the genre into SIGNAL_FEATURES only.
    assert importance["feature"].iloc[0] in SIGNAL_FEATURES
    assert means[0] > 0.05


def test_importance_is_seeded(impute_run, separable_typed, importance):
    again = explain.permutation_importance_table(
        impute_run.bundle, separable_typed, n_repeats=2
    )
    assert again.equals(importance)


def test_importance_of_a_drop_model_skips_rows_with_unknowns(drop_run, separable_typed):
    table = explain.permutation_importance_table(
        drop_run.bundle, separable_typed, n_repeats=1, max_rows=50
    )
    assert len(table) == len(schema.FEATURE_COLUMNS)
    assert np.isfinite(table["importance_mean"]).all()


def test_importance_without_labelled_rows_is_a_plain_error(impute_run, separable_typed):
    unlabelled = separable_typed.assign(music_genre="")
    with pytest.raises(DataError, match="labelled rows"):
        explain.permutation_importance_table(impute_run.bundle, unlabelled)


def test_what_if_sweeps_a_numeric_feature(impute_run):
    table = explain.what_if(impute_run.bundle, _one_track(), "energy", points=25)
    assert list(table.columns) == ["value", *schema.GENRES]
    assert len(table) == 25
    assert table["value"].iloc[0] == 0.0 and table["value"].iloc[-1] == 1.0
    assert np.allclose(table[list(schema.GENRES)].sum(axis=1), 1.0)
    # Energy carries genre in the separable rows: the probabilities move.
    assert table[list(schema.GENRES)].std().max() > 0.01


def test_what_if_uses_a_realistic_duration_range(impute_run):
    table = explain.what_if(impute_run.bundle, _one_track(), "duration_ms", points=5)
    low, high = explain.SWEEP_RANGES["duration_ms"]
    assert table["value"].tolist() == pytest.approx(np.linspace(low, high, 5))


@pytest.mark.parametrize(
    ("feature", "values"), [("key", schema.KEYS), ("mode", schema.MODES)]
)
def test_what_if_sweeps_every_category(impute_run, feature, values):
    table = explain.what_if(impute_run.bundle, _one_track(), feature)
    assert table["value"].tolist() == list(values)


def test_what_if_fills_an_unknown_for_an_impute_model(impute_run):
    table = explain.what_if(
        impute_run.bundle, _one_track(tempo=None), "energy", points=3
    )
    assert np.isfinite(table[list(schema.GENRES)].to_numpy()).all()


def test_what_if_on_a_drop_model_with_an_unknown_tempo(drop_run):
    track = _one_track(tempo=None)
    with pytest.raises(DataError, match="unknown tempo"):
        explain.what_if(drop_run.bundle, track, "energy")
    # Sweeping the unknown feature itself gives it values: that works.
    assert len(explain.what_if(drop_run.bundle, track, "tempo", points=4)) == 4


@pytest.mark.parametrize("feature", ["artist_name", "music_genre", "Energy"])
def test_what_if_refuses_what_is_not_a_feature(impute_run, feature):
    with pytest.raises(DataError, match="not a feature"):
        explain.what_if(impute_run.bundle, _one_track(), feature)


def test_what_if_needs_exactly_one_track(impute_run, separable_typed):
    with pytest.raises(DataError, match="exactly one track"):
        explain.what_if(impute_run.bundle, separable_typed.head(2), "energy")


# --- reliability, partial dependence, the map of songs -----------------------------


def test_reliability_bins_hold_every_track_and_measure_the_gap():
    generator = np.random.default_rng(0)
    probabilities = generator.dirichlet(np.ones(10) * 0.3, size=2000)
    # Labels drawn from the probabilities themselves: a calibrated "model".
    labels = np.array([generator.choice(10, p=p) for p in probabilities])
    result = explain.reliability(labels, probabilities)
    table = result["table"]
    assert table["tracks"].sum() == 2000
    assert (table["low"] < table["confidence"]).all()
    assert (table["confidence"] <= table["high"]).all()
    assert result["expected_calibration_error"] < 0.05
    # Always claiming to be sure while right a tenth of the time is far off.
    sure = np.zeros((2000, 10))
    sure[:, 0] = 0.95
    sure[:, 1:] = 0.05 / 9
    far = explain.reliability(labels, sure)
    assert far["expected_calibration_error"] > 0.5
    sentence = wording.reliability_reading(far)
    assert sentence.startswith("When it says 95%, it is right")


def test_reliability_of_no_tracks_and_of_one_outcome():
    assert explain.reliability(np.array([], int), np.zeros((0, 10)))["tracks"] == 0
    always_right = np.eye(10)[[1, 2, 3]] * 0.9 + 0.01
    result = explain.reliability(np.array([1, 2, 3]), always_right)
    assert result["table"]["accuracy"].tolist() == [1.0]


@pytest.mark.parametrize("feature", ["energy", "key"])
def test_partial_dependence_averages_the_model_over_the_tracks(
    feature, impute_run, separable_typed
):
    table = explain.partial_dependence_table(
        impute_run.bundle, separable_typed, feature, points=5, max_rows=60
    )
    expected_rows = 12 if feature == "key" else 5
    assert len(table) == expected_rows
    np.testing.assert_allclose(table[list(schema.GENRES)].sum(axis=1), 1.0, atol=1e-9)
    # The first grid value, by hand: every sampled track set to it, then averaged.
    usable, _ = impute_run.bundle.preprocessor.usable_rows(separable_typed)
    sample = separable_typed[usable].sample(n=60, random_state=0)
    fixed = sample.assign(**{feature: table["value"].iloc[0]})
    by_hand = impute_run.bundle.network.probabilities(
        impute_run.bundle.preprocessor.transform(fixed)
    ).mean(axis=0)
    np.testing.assert_allclose(
        table.iloc[0][list(schema.GENRES)].to_numpy(float), by_hand, atol=1e-6
    )


def test_partial_dependence_refuses_a_feature_that_is_not_one(
    impute_run, separable_typed
):
    with pytest.raises(DataError, match="not a feature"):
        explain.partial_dependence_table(impute_run.bundle, separable_typed, "genre")


def test_a_track_on_the_map_falls_on_its_own_point(impute_run, separable_typed):
    song_map = explain.song_map(impute_run.bundle, separable_typed)
    assert len(song_map.points) == len(separable_typed)
    for label in song_map.points.index[:3]:
        x, y = explain.place_on_map(
            impute_run.bundle, song_map, separable_typed.loc[[label]]
        )
        assert x == pytest.approx(song_map.points.loc[label, "x"], abs=1e-4)
        assert y == pytest.approx(song_map.points.loc[label, "y"], abs=1e-4)
    with pytest.raises(DataError, match="at least two"):
        explain.song_map(impute_run.bundle, separable_typed.iloc[:1])
