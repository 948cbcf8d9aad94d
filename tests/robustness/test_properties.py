"""Property-based tests (hypothesis) of cleaning and encoding.

Any row of valid values (every number inside ``schema.VALUE_RANGES``, any key
and mode, tempo or duration possibly unknown) must be read without a problem,
kept by cleaning, accepted for prediction and turned into finite features of
the right width; rows with an unknown tempo or duration are dropped only under
the "drop" policy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import data, features, preprocessing, schema, tables
from core.errors import DataError
from core.genres import REFERENCE
from tests.conftest import COLUMNS, csv_bytes, tiny_config

PROPERTY_SETTINGS = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# The preprocessing variants a user can pick on the Train page.
VARIANTS = {
    "study": {"unknowns": "drop", "key_encoding": "scale", "scaling": "study_minmax"},
    "impute-standard": {"unknowns": "impute", "scaling": "standard"},
    "impute-mean-log": {
        "unknowns": "impute",
        "impute_strategy": "mean",
        "scaling": "standard",
        "log_skewed": True,
    },
    "drop-minmax-log": {
        "unknowns": "drop",
        "scaling": "study_minmax",
        "log_skewed": True,
    },
    "impute-log-bins": {
        "unknowns": "impute",
        "scaling": "standard",
        "log_skewed": True,
        "numeric_bins": 8,
    },
}


def number_text(low: float, high: float) -> st.SearchStrategy[str]:
    """A valid number as it may be written in a CSV: repr, fixed, or a whole number."""
    values = st.floats(
        min_value=low, max_value=high, allow_nan=False, allow_infinity=False
    )
    return st.one_of(
        values.map(repr),
        values.map(lambda value: f"{value:.3f}").filter(
            lambda text: low <= float(text) <= high
        ),
        st.integers(int(np.ceil(low)), int(np.floor(high))).map(str),
    )


@st.composite
def valid_rows(draw) -> dict[str, str]:
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        instance_id="1.0", artist_name="A", track_name="T", obtained_date="4-Apr"
    )
    for name in schema.NUMERIC_FEATURES:
        row[name] = draw(number_text(*schema.VALUE_RANGES[name]))
    if draw(st.integers(0, 4)) == 0:
        row["tempo"] = draw(st.sampled_from([schema.UNKNOWN_TEMPO, "", " ? "]))
    if draw(st.integers(0, 4)) == 0:
        row["duration_ms"] = draw(st.sampled_from(["-1", "-1.0", ""]))
    row["key"] = draw(st.sampled_from(schema.KEYS))
    # Spreadsheets change case and add spaces: both are forgiven for the mode.
    row["mode"] = draw(
        st.sampled_from(schema.MODES).flatmap(
            lambda mode: st.sampled_from(
                [mode, mode.lower(), mode.upper(), f" {mode} "]
            )
        )
    )
    row["music_genre"] = draw(st.sampled_from(schema.GENRES))
    return row


row_lists = st.lists(valid_rows(), min_size=1, max_size=12)


def typed_frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    return data.load_csv(csv_bytes(rows), require_label=True)


def has_unknown(rows: list[dict[str, str]]) -> np.ndarray:
    return np.array(
        [
            row["tempo"].strip() in ("", schema.UNKNOWN_TEMPO)
            or row["duration_ms"].strip() in ("", "-1", "-1.0")
            for row in rows
        ]
    )


@pytest.fixture(scope="module")
def fitted(separable_typed) -> dict[str, preprocessing.Preprocessor]:
    """One preprocessor per variant, fitted on the synthetic training rows."""
    fitted = {}
    for name, changes in VARIANTS.items():
        config = tiny_config(**changes)
        cleaned, _ = features.clean(
            separable_typed,
            config.unknowns,
            tables.label_codes(separable_typed, REFERENCE),
        )
        fitted[name] = preprocessing.fit_preprocessor(cleaned, config)
    return fitted


@PROPERTY_SETTINGS
@given(rows=row_lists)
def test_valid_rows_are_read_without_a_problem_and_in_order(rows):
    typed = typed_frame(rows)
    assert len(typed) == len(rows)
    assert (typed[tables.PROBLEM_COLUMN] == "").all(), typed[
        tables.PROBLEM_COLUMN
    ].tolist()
    assert typed[schema.MODE_COLUMN].isin(schema.MODES).all()
    assert typed[schema.KEY_COLUMN].tolist() == [row["key"] for row in rows]
    for name in schema.NUMERIC_FEATURES:
        values = typed[name].to_numpy(dtype=float)
        low, high = schema.VALUE_RANGES[name]
        known = ~np.isnan(values)
        assert ((values[known] >= low) & (values[known] <= high)).all()
    unknown = typed["tempo"].isna().to_numpy() | typed["duration_ms"].isna().to_numpy()
    np.testing.assert_array_equal(unknown, has_unknown(rows))


@PROPERTY_SETTINGS
@given(rows=row_lists)
def test_impute_keeps_every_valid_row_and_drop_only_the_unknowns(rows):
    typed = typed_frame(rows)
    kept, summary = features.clean(
        typed, "impute", tables.label_codes(typed, REFERENCE)
    )
    assert len(kept) == len(rows) == summary.rows_out
    assert list(kept.index) == list(typed.index)
    kept, summary = features.clean(typed, "drop", tables.label_codes(typed, REFERENCE))
    unknown = has_unknown(rows)
    assert list(kept.index) == list(typed.index[~unknown])
    assert summary.unknown_rows_dropped == int(unknown.sum())
    assert summary.invalid_rows == summary.blank_rows == summary.unlabelled_rows == 0


@PROPERTY_SETTINGS
@given(rows=row_lists)
def test_every_usable_valid_row_gives_finite_features_of_the_right_width(fitted, rows):
    typed = typed_frame(rows)
    unknown = has_unknown(rows)
    for name, preprocessor in fitted.items():
        usable, reasons = preprocessor.usable_rows(typed)
        if preprocessor.unknowns == "impute":
            assert usable.all(), (name, reasons)
        else:
            np.testing.assert_array_equal(usable, ~unknown)
            assert all("unknown" in reason for reason in reasons[~usable])
        matrix = preprocessor.transform(typed[usable])
        assert matrix.shape == (int(usable.sum()), len(preprocessor.feature_names))
        assert matrix.dtype == np.float32
        assert np.isfinite(matrix).all(), name


@PROPERTY_SETTINGS
@given(
    rows=st.lists(valid_rows(), min_size=1, max_size=8),
    variant=st.sampled_from(list(VARIANTS)),
)
def test_a_preprocessor_fitted_on_any_valid_rows_gives_finite_features(rows, variant):
    # Constant columns, a single row, extreme but valid values: still finite.
    config = tiny_config(**VARIANTS[variant])
    typed = typed_frame(rows)
    cleaned, _ = features.clean(
        typed, config.unknowns, tables.label_codes(typed, REFERENCE)
    )
    if cleaned.empty:
        return  # every row had an unknown and the policy drops them
    no_known = [c for c in schema.COLUMNS_WITH_UNKNOWNS if cleaned[c].isna().all()]
    if config.unknowns == "impute" and no_known:
        # Nothing to fill from: a plain DataError, not a crash (found by this test).
        with pytest.raises(DataError, match=f"Every training row's {no_known[0]}"):
            preprocessing.fit_preprocessor(cleaned, config)
        return
    preprocessor = preprocessing.fit_preprocessor(cleaned, config)
    matrix = preprocessor.transform(cleaned)
    assert matrix.shape == (len(cleaned), len(preprocessor.feature_names))
    assert np.isfinite(matrix).all()


@PROPERTY_SETTINGS
@given(rows=row_lists)
def test_predict_frame_accounts_for_every_valid_row(drop_run, impute_run, rows):
    from core import predict

    typed = typed_frame(rows)
    unknown = has_unknown(rows)
    for run in (drop_run, impute_run):
        result = predict.predict_frame(run.bundle, typed)
        assert len(result) == len(rows)
        predicted = (result[predict.REASON] == "").to_numpy()
        if run.bundle.preprocessor.unknowns == "impute":
            assert predicted.all()
        else:
            np.testing.assert_array_equal(predicted, ~unknown)
        probabilities = result.loc[
            predicted, predict.probability_columns(schema.GENRES)
        ].to_numpy()
        assert np.isfinite(probabilities).all()
        np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-4)
