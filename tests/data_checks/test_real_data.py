"""Data checks on the real development file (skipped with a reason when it is missing).

They pin down what the study says about the data: the schema, ten genres, five
blank rows, about 10% unknown tempo and duration, balanced classes after
dropping unknowns. Load and clean time is measured by the benchmarks, not here.
"""

from __future__ import annotations

import pytest

from core import features, report, schema, tables
from core.genres import REFERENCE
from core.tables import PROBLEM_COLUMN

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="module")
def data_report(real_typed):
    return report.data_report(real_typed)


def test_every_schema_column_is_present(real_typed):
    # The Kaggle file has no Spotify track id.
    expected = (
        set(schema.FEATURE_COLUMNS)
        | {schema.TARGET}
        | set(schema.IDENTITY_COLUMNS) - {schema.TRACK_ID}
    )
    assert expected <= set(real_typed.columns)


def test_ten_genres_all_from_the_study_list(real_typed):
    labels = real_typed[schema.TARGET].dropna()
    assert set(labels) == set(schema.GENRES)
    # Every non-blank row has one of the ten genres.
    non_blank = real_typed[real_typed[PROBLEM_COLUMN] != "blank row"]
    assert non_blank[schema.TARGET].notna().all()


def test_five_blank_rows_and_no_invalid_rows(data_report):
    assert data_report["blank_rows"] == 5
    assert data_report["invalid_rows"] == 0


def test_about_ten_percent_unknown_tempo_and_duration(data_report):
    rates = data_report["unknown_rates"]
    assert rates["tempo"] == pytest.approx(0.10, abs=0.01)
    assert rates["duration_ms"] == pytest.approx(0.099, abs=0.01)
    for column in schema.FEATURE_COLUMNS:
        if column not in schema.COLUMNS_WITH_UNKNOWNS:
            assert rates[column] == 0.0, column


def test_values_within_their_documented_ranges(real_typed):
    usable = real_typed[real_typed[PROBLEM_COLUMN] == ""]
    for column, (low, high) in schema.VALUE_RANGES.items():
        values = usable[column].dropna()
        assert values.between(low, high).all(), column
    assert set(usable[schema.KEY_COLUMN]) == set(schema.KEYS)
    assert set(usable[schema.MODE_COLUMN]) == set(schema.MODES)


def test_classes_stay_balanced_after_dropping_unknowns(data_report):
    after_drop = data_report["class_balance"]["drop"]
    assert set(after_drop) == set(schema.GENRES)
    for genre, count in after_drop.items():
        assert 3500 <= count <= 3800, genre


def test_dropping_unknowns_removes_about_a_fifth(real_typed):
    _, summary = features.clean(
        real_typed, "drop", tables.label_codes(real_typed, REFERENCE)
    )
    share = summary.unknown_rows_dropped / (summary.rows_in - summary.blank_rows)
    assert 0.15 <= share <= 0.22
    _, imputed = features.clean(
        real_typed, "impute", tables.label_codes(real_typed, REFERENCE)
    )
    assert imputed.rows_out == summary.rows_in - summary.blank_rows


def test_some_tracks_are_listed_under_several_genres(data_report):
    duplicates = data_report["duplicates"]
    assert duplicates["multi_genre_tracks"] > 1000
    # The study's most confused pair is also the most shared one.
    assert duplicates["genre_pairs"][0]["genres"] == "Hip-Hop + Rap"
