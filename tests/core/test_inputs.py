"""core.inputs.

Slider ranges from the data or fixed, typical tracks, hidden-layer text.
"""

from __future__ import annotations

import pandas as pd
import pytest

from core import data, inputs, report, schema, tables
from core.errors import ConfigError
from tests.conftest import csv_bytes, row, separable_rows


@pytest.fixture(scope="module")
def typed():
    return data.load_csv(csv_bytes(separable_rows(per_genre=6)), require_label=True)


def test_fixed_ranges_hold_their_typical_defaults():
    ranges = inputs.slider_ranges(None)

    assert list(ranges) == list(schema.NUMERIC_FEATURES)
    for feature, rng in ranges.items():
        assert rng.low <= rng.default <= rng.high, feature
        assert rng.step > 0
    assert ranges["tempo"].default == 120.0
    assert ranges["duration_ms"].label == "duration (minutes)"
    assert ranges["duration_ms"].high == inputs.LONGEST_DURATION_MINUTES


def test_ranges_follow_the_data(typed):
    summary = report.feature_summary(typed)
    ranges = inputs.slider_ranges(summary)

    loudness = ranges["loudness"]
    assert loudness.low <= summary.loc["loudness", "min"] < loudness.low + 1
    assert loudness.high - 1 < summary.loc["loudness", "max"] <= loudness.high
    # Defaults are the data's medians, on a slider step.
    assert ranges["tempo"].default == round(summary.loc["tempo", "median"])
    assert ranges["popularity"].low == 0 and ranges["popularity"].high == 100
    assert ranges["tempo"].label == "tempo (beats per minute)"


def test_a_very_long_track_does_not_stretch_the_duration_slider():
    rows = [row(duration_ms="200000"), row(duration_ms="4800000")]
    summary = report.feature_summary(data.load_csv(csv_bytes(rows)))
    duration = inputs.slider_ranges(summary)["duration_ms"]

    assert duration.high == inputs.LONGEST_DURATION_MINUTES
    assert duration.low == 3.25  # 200,000 ms, rounded down to a quarter-minute


def test_display_and_raw_values_round_trip():
    duration = inputs.slider_ranges(None)["duration_ms"]

    assert duration.to_raw(3.5) == 210_000.0
    assert duration.to_display(210_000.0) == 3.5
    # Out-of-range values are kept inside the slider.
    assert duration.to_display(10_000_000.0) == duration.high
    assert inputs.slider_ranges(None)["energy"].to_display(-3) == 0.0


def test_feature_values_make_a_predictable_row():
    ranges = inputs.slider_ranges(None)
    positions = {feature: rng.default for feature, rng in ranges.items()}
    values = inputs.feature_values(inputs.SliderTrack(ranges, positions, "F#", "Minor"))
    frame = tables.track_rows([values])

    assert frame[tables.PROBLEM_COLUMN].iloc[0] == ""
    assert frame["duration_ms"].iloc[0] == pytest.approx(227_000.0, abs=3000)
    assert frame["key"].iloc[0] == "F#"


def test_typical_track_uses_the_genre_medians(typed):
    ranges = inputs.slider_ranges(report.feature_summary(typed))
    medians = report.genre_medians(typed)
    track = inputs.typical_track(ranges, medians, "Jazz")

    assert track["energy"] == ranges["energy"].to_display(medians.loc["Jazz", "energy"])
    assert track["key"] in schema.KEYS and track["mode"] in schema.MODES
    with pytest.raises(ConfigError, match="no tracks of the genre 'Polka'"):
        inputs.typical_track(ranges, medians, "Polka")


@pytest.mark.parametrize(
    ("text", "widths"),
    [("256, 128", (256, 128)), ("35", (35,)), (" 8 ;16 ,", (8, 16)), ("", ())],
)
def test_hidden_layers_are_read_from_text(text, widths):
    assert inputs.parse_hidden_layers(text) == widths
    assert inputs.parse_hidden_layers(inputs.format_hidden_layers(widths)) == widths


@pytest.mark.parametrize(
    "text", ["64, lots", "0", "5000", "-3", "1.5", "1,2,3,4,5,6,7,8,9"]
)
def test_bad_hidden_layers_are_refused_plainly(text):
    with pytest.raises(ConfigError, match="hidden layers|Hidden layers"):
        inputs.parse_hidden_layers(text)


def test_empty_summary_falls_back_to_fixed_ranges():
    empty = pd.DataFrame(
        {"median": float("nan"), "min": float("nan"), "max": float("nan")},
        index=list(schema.NUMERIC_FEATURES),
    )
    assert inputs.slider_ranges(empty) == inputs.slider_ranges(None)
