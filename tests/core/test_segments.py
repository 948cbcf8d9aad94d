"""core.segments: groups of tracks where the model fails, from a shallow tree."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core import segments, songs
from core.errors import GenreLabError
from core.genres import REFERENCE


def feature_rows(count: int, seed: int = 0) -> pd.DataFrame:
    """Random tracks with every segment feature, each in its own range."""
    generator = np.random.default_rng(seed)
    rows = pd.DataFrame(
        {
            feature: generator.uniform(0, 1, count)
            for feature in segments.SEGMENT_FEATURES
        }
    )
    rows["popularity"] = generator.integers(0, 100, count).astype(float)
    rows["tempo"] = generator.uniform(60, 180, count)
    rows["duration_ms"] = generator.uniform(100_000, 400_000, count)
    rows["loudness"] = generator.uniform(-20, -2, count)
    return rows


def test_a_planted_failing_group_is_found_first_with_its_rule():
    rows = feature_rows(2000)
    # The model is wrong exactly when energy is above 0.8, and on a few
    # scattered others (every 25th row), so the rest is not spotless.
    wrong = (rows["energy"] > 0.8).to_numpy() | (np.arange(len(rows)) % 25 == 0)
    found = segments.error_segments(rows, wrong)
    first = found[0]
    assert len(first.conditions) == 1
    condition = first.conditions[0]
    assert condition.feature == "energy" and condition.upper is None
    assert condition.lower == pytest.approx(0.8, abs=0.005)
    assert first.rule == "energy above 0.80"
    assert first.error_rate == 1.0
    report = segments.SegmentReport(tuple(found), len(rows), int(wrong.sum()))
    assert report.lift(first) == pytest.approx(1 / wrong.mean())
    assert report.reading(first).startswith(
        f"Wrong {report.lift(first):.1f}x as often as overall, 2"
    )


def counts_of_the_rule(segment: segments.Segment, rows, wrong) -> tuple[int, int]:
    inside = segment.matches(rows)
    return int(inside.sum()), int(wrong[inside].sum())


@pytest.mark.parametrize("min_share", [0.02, 0.1, 0.3])
def test_the_groups_counts_are_their_rules_rows_and_add_up(min_share):
    rows = feature_rows(1500, seed=1)
    # Unknown tempo on some rows: a rule on tempo must say where they go.
    rows.loc[rows.index % 7 == 0, "tempo"] = np.nan
    generator = np.random.default_rng(2)
    wrong = generator.uniform(size=len(rows)) < np.where(
        (rows["speechiness"] < 0.3) | rows["tempo"].isna(), 0.7, 0.2
    )
    found = segments.error_segments(rows, wrong, min_share=min_share)
    assert found
    covered = np.zeros(len(rows), dtype=int)
    for segment in found:
        assert counts_of_the_rule(segment, rows, wrong) == (
            segment.tracks,
            segment.errors,
        )
        assert segment.tracks >= math.ceil(min_share * len(rows))
        assert 1 <= len(segment.conditions) <= segments.MAX_CONDITIONS
        covered += segment.matches(rows)
    assert (covered == 1).all()  # every track in exactly one group
    assert sum(segment.errors for segment in found) == wrong.sum()
    rates = [segment.error_rate for segment in found]
    assert rates == sorted(rates, reverse=True)


def test_nothing_to_split_gives_no_group_and_a_bad_share_is_refused():
    rows = feature_rows(200)
    assert segments.error_segments(rows, np.zeros(200, dtype=bool)) == []
    assert segments.error_segments(rows, np.ones(200, dtype=bool)) == []
    for share in (0, -0.1, 0.6):
        with pytest.raises(GenreLabError, match="smallest group"):
            segments.error_segments(rows, np.arange(200) % 2 == 0, min_share=share)


# (feature, lower, upper, unknown values included, the words)
CONDITION_WORDS = [
    ("energy", 0.8, None, False, "energy above 0.80"),
    ("speechiness", None, 0.1, False, "speechiness below 0.10"),
    ("popularity", 36.5, 50.5, False, "popularity from 36 to 50"),
    ("loudness", -7.3, None, False, "loudness above -7.3 dB"),
    ("tempo", None, 95.2, True, "tempo below 95 BPM or unknown"),
    ("duration_ms", 245_000, None, False, "duration above 4.1 min"),
]


@pytest.mark.parametrize(
    ("feature", "lower", "upper", "unknown", "words"), CONDITION_WORDS
)
def test_conditions_read_in_the_features_own_units(
    feature, lower, upper, unknown, words
):
    assert segments.Condition(feature, lower, upper, unknown).words == words


def test_readings_say_how_often_and_how_many():
    assert (
        segments.segment_reading(2.14, 0.06, "test tracks")
        == "Wrong 2.1x as often as overall, 6% of test tracks."
    )
    assert (
        segments.segment_reading(1.0, 0.5, "tracks")
        == "Wrong about as often as overall, 50% of tracks."
    )
    assert (
        segments.segment_reading(0.14, 0.064, "test tracks")
        == "Wrong only 0.1x as often as overall, 6% of test tracks."
    )


def test_on_its_own_training_data_a_model_is_scored_on_its_test_tracks(
    impute_run, separable_typed
):
    report = segments.file_segments(impute_run.bundle, separable_typed, 0.1)
    held_out = report.held_out
    assert held_out.test_split
    membership = songs.model_split(impute_run.bundle, separable_typed)
    assert held_out.learned == (membership == songs.TRAINING).sum()
    assert report.tracks == impute_run.metrics["test"]["n_rows"]
    assert set(held_out.rows.index) == set(membership.index[membership == songs.TEST])
    table = segments.segments_table(report)
    assert list(table.columns) == [*segments.SEGMENT_COLUMNS, "reading"]
    assert table["tracks"].sum() == (report.tracks if len(table) else 0)


def test_the_shipped_model_on_its_own_data_is_scored_on_its_test_tracks(real_typed):
    from core import bundle, label_issues

    shipped = bundle.load_bundle(bundle.DEFAULT_MODEL_DIR)
    report = segments.file_segments(shipped, real_typed)
    test = shipped.metrics["test"]
    assert report.tracks == test["n_rows"]
    assert report.errors == round((1 - test["accuracy"]) * test["n_rows"])
    assert sum(segment.tracks for segment in report.segments) == report.tracks
    assert report.lift(report.segments[0]) > 1
    assert all(report.share(segment) >= 0.02 for segment in report.segments)
    # The same rows give the label issues: a few percent of them flagged.
    issues = label_issues.label_issues_of(report.held_out)
    assert 0 < issues.flagged < 0.1 * report.tracks
    assert set(issues.table["row"]) <= set(report.held_out.rows.index)


def test_the_error_grid_counts_each_pair_of_bins_and_blanks_thin_cells():
    rows = feature_rows(400)
    rows.loc[:9, "energy"] = np.nan  # unknown: in no cell
    wrong = (rows["energy"] > 0.8).to_numpy()

    grid = segments.error_grid(rows, wrong, "energy", "valence", bins=4, min_tracks=15)

    assert list(grid.columns) == segments.GRID_COLUMNS
    assert len(grid) == 16
    assert grid["tracks"].sum() == 390
    assert grid["errors"].sum() == int(wrong.sum())
    thin = grid["tracks"] < 15
    assert grid.loc[thin, "error_rate"].isna().all()
    full = grid[~thin]
    assert np.allclose(full["error_rate"], full["errors"] / full["tracks"])
    # Only the highest energy quarter fails.
    worst = grid[grid["x_order"] == 3]
    assert (worst["error_rate"].dropna() > 0.5).all()
    assert (grid.loc[grid["x_order"] < 2, "errors"] == 0).all()
    assert grid["x_bin"].iloc[0].startswith("up to ")
    assert grid["x_bin"].iloc[3].startswith("above ")


def test_bins_read_in_the_features_unit_and_a_bad_feature_is_refused():
    rows = feature_rows(100)
    labels = segments.feature_bins(rows["duration_ms"], "duration_ms", 2)
    assert list(labels.cat.categories)[0].endswith(" min")
    with pytest.raises(ValueError, match="key is not one of"):
        segments.error_grid(rows.assign(key=0), np.zeros(100), "key", "energy")


def test_a_groups_rows_are_the_held_out_rows_its_rule_holds_for():
    from core.held_out import HeldOut

    rows = feature_rows(300).set_axis(range(1000, 1300))
    wrong = (rows["energy"] > 0.7).to_numpy()
    labels = np.zeros(300, dtype=int)
    probabilities = np.zeros((300, 10))
    probabilities[np.arange(300), np.where(wrong, 1, 0)] = 1.0
    held_out = HeldOut(
        rows, labels, probabilities, 0, 0, 0, test_split=True, genres=REFERENCE
    )

    report = segments.segments_of(held_out)

    assert sum(len(report.rows_of(segment)) for segment in report.segments) == 300
    for segment in report.segments:
        chosen = report.rows_of(segment)
        assert len(chosen) == segment.tracks
        assert int(wrong[rows.index.get_indexer(chosen)].sum()) == segment.errors
