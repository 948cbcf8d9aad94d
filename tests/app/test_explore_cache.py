"""The explanation cache every session shares (ui.explore.shapley_values)."""

from __future__ import annotations

import numpy as np
import pytest
import streamlit as st

from core import schema, shapley
from ui import explore


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
        cached = explore.shapley_values(key, values, run.bundle)
        direct = shapley.shapley_values(run.bundle, values)
        np.testing.assert_array_equal(cached.contributions, direct.contributions)
    # Same track, two models: the second answer is not the first one's.
    first = explore.shapley_values("impute", values, impute_run.bundle)
    second = explore.shapley_values("drop", values, drop_run.bundle)
    assert not np.allclose(first.contributions, second.contributions)


def test_another_track_is_explained_afresh(impute_run, separable_typed):
    first = explore.shapley_values("m", track(separable_typed, 0), impute_run.bundle)
    # An unknown tempo (NaN) is a value the cache must tell apart too.
    moved = {**track(separable_typed, 0), "tempo": float("nan")}
    moved["energy"] = 1.0 - moved["energy"]
    second = explore.shapley_values("m", moved, impute_run.bundle)
    assert np.isnan(second.values["tempo"])
    np.testing.assert_array_equal(
        second.contributions,
        shapley.shapley_values(impute_run.bundle, moved).contributions,
    )
    assert not np.array_equal(first.contributions, second.contributions)
