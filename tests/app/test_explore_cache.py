"""The caches every session shares (ui.cache.shapley_values, predicted_track)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import streamlit as st

from core import predict, schema, shapley, tables
from ui import cache


@pytest.fixture(autouse=True)
def empty_caches():
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def track(typed, position: int) -> dict:
    row = typed.iloc[position]
    return {feature: row[feature] for feature in schema.FEATURE_COLUMNS}


def test_a_cached_explanation_is_the_models_own(impute_run, drop_run, separable_typed):
    values = track(separable_typed, 3)
    for key, run in (("impute", impute_run), ("drop", drop_run)):
        cached = cache.shapley_values(key, values, run.bundle)
        direct = shapley.shapley_values(run.bundle, values)
        np.testing.assert_array_equal(cached.contributions, direct.contributions)
    # Same track, two models: the second answer is not the first one's.
    first = cache.shapley_values("impute", values, impute_run.bundle)
    second = cache.shapley_values("drop", values, drop_run.bundle)
    assert not np.allclose(first.contributions, second.contributions)


def test_another_track_is_explained_afresh(impute_run, separable_typed):
    first = cache.shapley_values("m", track(separable_typed, 0), impute_run.bundle)
    # An unknown tempo (NaN) is a value the cache must tell apart too.
    moved = {**track(separable_typed, 0), "tempo": float("nan")}
    moved["energy"] = 1.0 - moved["energy"]
    second = cache.shapley_values("m", moved, impute_run.bundle)
    assert np.isnan(second.values["tempo"])
    np.testing.assert_array_equal(
        second.contributions,
        shapley.shapley_values(impute_run.bundle, moved).contributions,
    )
    assert not np.array_equal(first.contributions, second.contributions)


def test_a_cached_prediction_is_the_models_own_and_follows_the_track(
    impute_run, drop_run, separable_typed
):
    values = track(separable_typed, 5)
    for key, run in (("impute", impute_run), ("drop", drop_run)):
        row, cached = cache.predicted_track(key, values, run.bundle)
        direct = predict.predict_frame(run.bundle, tables.track_rows([values]))
        pd.testing.assert_frame_equal(cached, direct)
        pd.testing.assert_frame_equal(row, tables.track_rows([values]))
    moved = {**values, "energy": 1.0 - values["energy"]}
    _, before = cache.predicted_track("impute", values, impute_run.bundle)
    _, after = cache.predicted_track("impute", moved, impute_run.bundle)
    columns = predict.probability_columns(schema.GENRES)
    assert not np.allclose(before[columns].to_numpy(), after[columns].to_numpy())


def test_a_track_the_model_cannot_predict_gets_its_reason(drop_run, separable_typed):
    # The drop model cannot take an unknown tempo: the reason, not a prediction.
    values = {**track(separable_typed, 5), "tempo": float("nan")}
    _, result = cache.predicted_track("drop", values, drop_run.bundle)
    assert "tempo" in result[predict.REASON].iloc[0]
