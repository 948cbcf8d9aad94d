"""Turn what a person types or slides into core values, and back.

The Predict page shows one slider per audio feature; this module decides each
slider's range, step, unit and starting value (from the data when it is
loaded, from fixed typical values otherwise) and converts slider positions
into the raw values :func:`core.tables.track_rows` expects. The Train
page's "hidden layers" text box is parsed here too.

No Streamlit and no TensorFlow: the functions are plain and tested.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

import pandas as pd

from core import config, schema
from core.errors import ConfigError

# Durations are shown in minutes: milliseconds mean little to most people.
MILLISECONDS_PER_MINUTE = 60_000.0
# A few tracks last over an hour; a slider reaching that far would squeeze
# every ordinary song into its first few pixels, so the range stops here.
LONGEST_DURATION_MINUTES = 15.0


# Ranges used when no dataset is loaded (raw units).
FIXED_RANGES: dict[str, tuple[float, float]] = {
    **dict.fromkeys(schema.NUMERIC_FEATURES, (0.0, 1.0)),
    "popularity": (0.0, 100.0),
    "duration_ms": (15_000.0, LONGEST_DURATION_MINUTES * MILLISECONDS_PER_MINUTE),
    "loudness": (-48.0, 2.0),
    "tempo": (34.0, 221.0),
}

# Plain descriptions shown as slider help.
FEATURE_HELP: dict[str, str] = {
    "popularity": "How popular the track is on Spotify, 0 (least) to 100 (most).",
    "acousticness": (
        "Confidence that the track is acoustic (1) rather than electric (0)."
    ),
    "danceability": "How suitable the track is for dancing, from 0 to 1.",
    "duration_ms": "Length of the track.",
    "energy": "Intensity and activity, from 0 (calm) to 1 (fast, loud, noisy).",
    "instrumentalness": "Confidence that the track has no vocals, from 0 to 1.",
    "liveness": "Confidence that the track was recorded live, from 0 to 1.",
    "loudness": "Average loudness in decibels (usually -60 to 0 dB).",
    "speechiness": "Presence of spoken words, from 0 (music) to 1 (talk).",
    "tempo": "Estimated speed in beats per minute.",
    "valence": "Musical positiveness, from 0 (sad, angry) to 1 (happy, cheerful).",
}


@dataclass(frozen=True)
class SliderRange:
    """One slider: its range and start in *display* units, and how to get back."""

    # The feature column this slider sets.
    feature: str
    # Label with unit, e.g. "tempo (beats per minute)".
    label: str
    # Bounds, step and starting value, in display units.
    low: float
    high: float
    step: float
    default: float
    # raw value = display value * factor (60,000 for minutes -> milliseconds).
    factor: float = 1.0
    # printf-style format for the slider's value.
    number_format: str = "%.2f"

    def to_raw(self, display_value: float) -> float:
        """Convert a slider position to the feature's raw value."""
        return float(display_value) * self.factor

    def to_display(self, raw_value: float) -> float:
        """Convert a raw value to a slider position.

        Kept inside the range and on a step.
        """
        value = float(raw_value) / self.factor
        value = min(max(value, self.low), self.high)
        steps = round((value - self.low) / self.step)
        return min(round(self.low + steps * self.step, 6), self.high)


def _step_and_format(feature: str) -> tuple[float, str]:
    if feature == "popularity":
        return 1.0, "%d"
    if feature == "tempo":
        return 1.0, "%.0f"
    if feature == "loudness":
        return 0.1, "%.1f"
    if feature == "duration_ms":
        return 0.05, "%.2f"
    if feature == "instrumentalness":
        # Most tracks sit very close to 0: a finer step keeps them apart.
        return 0.001, "%.3f"
    return 0.01, "%.2f"


def _label(feature: str) -> str:
    if feature == "duration_ms":
        return "duration (minutes)"
    unit = schema.FEATURE_UNITS.get(feature)
    return f"{feature} ({unit})" if unit and feature != "popularity" else feature


def _bounds(feature: str, summary: pd.DataFrame | None) -> tuple[float, float]:
    low, high = FIXED_RANGES[feature]
    if summary is None or feature not in summary.index:
        return low, high
    # (The stubs type a cell as any scalar; the summary's cells are numbers.)
    data_low = float(cast(float, summary.loc[feature, "min"]))
    data_high = float(cast(float, summary.loc[feature, "max"]))
    if math.isnan(data_low) or math.isnan(data_high) or data_low >= data_high:
        return low, high
    if feature in ("loudness", "tempo"):
        return float(math.floor(data_low)), float(math.ceil(data_high))
    if feature == "duration_ms":
        longest = LONGEST_DURATION_MINUTES * MILLISECONDS_PER_MINUTE
        return max(data_low, 0.0), min(max(data_high, low + 1.0), longest)
    # 0-1 features and popularity keep their documented full range, so that a
    # value a person knows from Spotify is always reachable.
    return low, high


def slider_ranges(summary: pd.DataFrame | None = None) -> dict[str, SliderRange]:
    """Return one :class:`SliderRange` per numeric feature, in schema order.

    Args:
        summary: :func:`core.report.feature_summary` of the loaded data
            (median, min, max per feature), or None when no data is loaded.

    Returns:
        Ranges from the data (rounded outwards; durations capped at
        ``LONGEST_DURATION_MINUTES``) with the data's medians as defaults,
        or fixed ranges with typical values when ``summary`` is None.
    """
    ranges = {}
    for feature in schema.NUMERIC_FEATURES:
        step, number_format = _step_and_format(feature)
        factor = MILLISECONDS_PER_MINUTE if feature == "duration_ms" else 1.0
        low, high = _bounds(feature, summary)
        median = float(schema.TYPICAL_TRACK[feature])
        if summary is not None and feature in summary.index:
            data_median = float(cast(float, summary.loc[feature, "median"]))
            if not math.isnan(data_median):
                median = data_median
        if feature == "duration_ms":
            # Whole quarter-minutes, so that the bounds sit on the slider's steps.
            low = math.floor(low / factor * 4) / 4
            high = math.ceil(high / factor * 4) / 4
        else:
            low, high = low / factor, high / factor
        partial = SliderRange(
            feature, _label(feature), low, high, step, low, factor, number_format
        )
        ranges[feature] = SliderRange(
            feature=feature,
            label=partial.label,
            low=low,
            high=high,
            step=step,
            default=partial.to_display(median),
            factor=factor,
            number_format=number_format,
        )
    return ranges


@dataclass(frozen=True)
class SliderTrack:
    """What the Predict page's sliders show: a track, and the real one loaded."""

    # The sliders (:func:`slider_ranges`) and their positions (display units).
    ranges: dict[str, SliderRange]
    display_values: Mapping[str, float]
    # One of ``schema.KEYS`` and one of ``schema.MODES``.
    key: str
    mode: str
    # A track of the data put on the sliders, if any.
    loaded: LoadedTrack | None = None

    def shows_loaded(self) -> bool:
        """Whether every slider, the key and the mode still show the loaded track."""
        loaded = self.loaded
        return loaded is not None and (
            all(
                self.display_values[feature] == loaded.positions[feature]
                for feature in schema.NUMERIC_FEATURES
            )
            and self.key == loaded.values[schema.KEY_COLUMN]
            and self.mode == loaded.values[schema.MODE_COLUMN]
        )


def feature_values(shown: SliderTrack) -> dict[str, object]:
    """Build the raw feature values of the track the sliders show.

    Where a slider still sits where a loaded track put it, the track's exact
    value is used (a slider's step would round 0.00468 to 0.00, and the model
    reads such small values on a log scale), unknown ones included.

    Returns:
        A dict for :func:`core.tables.track_rows` (NaN: unknown).
    """
    values: dict[str, object] = {
        feature: shown.ranges[feature].to_raw(shown.display_values[feature])
        for feature in schema.NUMERIC_FEATURES
    }
    if shown.loaded is not None:
        for feature in schema.NUMERIC_FEATURES:
            if shown.display_values[feature] == shown.loaded.positions[feature]:
                values[feature] = shown.loaded.values[feature]
    values[schema.KEY_COLUMN] = shown.key
    values[schema.MODE_COLUMN] = shown.mode
    return values


@dataclass(frozen=True)
class LoadedTrack:
    """A real track put on the sliders: where they went, and its exact values."""

    # The row's index in the loaded data.
    index: int
    # Slider position per numeric feature (display units).
    positions: dict[str, float]
    # The track's own raw values (NaN where unknown), key and mode included.
    values: dict[str, object]
    # One plain sentence per value the sliders could not show as it is.
    notes: tuple[str, ...]


def load_track(
    ranges: dict[str, SliderRange],
    row: pd.Series,
    index: int,
    fill_values: dict[str, float],
) -> LoadedTrack:
    """Slider positions for a real track of the data.

    Args:
        ranges: the output of :func:`slider_ranges`.
        row: the track's row of a typed frame.
        index: its index in the typed frame.
        fill_values: the model's values for an unknown tempo or duration
            (``Preprocessor.fill_values``; empty when it drops such rows).

    Returns:
        The positions (an unknown value sits where the model's fill value
        would put it, or at the slider's start), the exact values, and notes
        for what the sliders show differently.
    """
    positions: dict[str, float] = {}
    values: dict[str, object] = {}
    notes: list[str] = []
    for feature in schema.NUMERIC_FEATURES:
        rng = ranges[feature]
        raw = float(row[feature])
        values[feature] = raw
        name = feature.removesuffix("_ms")
        if math.isnan(raw):
            fill = fill_values.get(feature)
            if fill is not None:
                positions[feature] = rng.to_display(fill)
                notes.append(
                    f"This track's {name} is unknown: the slider shows the value "
                    f"the model fills in ({rng.number_format % rng.to_display(fill)})."
                )
            else:
                positions[feature] = rng.default
                notes.append(
                    f"This track's {name} is unknown, and this model cannot predict "
                    "such tracks; move the slider to give it one."
                )
            continue
        positions[feature] = rng.to_display(raw)
        if not rng.low <= raw / rng.factor <= rng.high:
            notes.append(
                f"Its {name} ({raw / rng.factor:g}) is beyond the slider's range; the "
                "prediction uses the real value until you move that slider."
            )
    values[schema.KEY_COLUMN] = str(row[schema.KEY_COLUMN])
    values[schema.MODE_COLUMN] = str(row[schema.MODE_COLUMN])
    return LoadedTrack(int(index), positions, values, tuple(notes))


def typical_track(
    ranges: dict[str, SliderRange], medians: pd.DataFrame, genre: str
) -> dict[str, object]:
    """Slider positions, key and mode of a typical track of ``genre``.

    Args:
        ranges: the output of :func:`slider_ranges`.
        medians: :func:`core.report.genre_medians` of the loaded data.
        genre: a genre present in ``medians``.

    Returns:
        Display value per numeric feature, plus ``key`` and ``mode``.

    Raises:
        ConfigError: ``genre`` is not in ``medians``.
    """
    if genre not in medians.index:
        raise ConfigError(f"There are no tracks of the genre {genre!r} in the data.")
    typical = cast(pd.Series, medians.loc[genre])  # one genre: one row
    track: dict[str, object] = {
        feature: ranges[feature].to_display(float(typical[feature]))
        for feature in schema.NUMERIC_FEATURES
    }
    track[schema.KEY_COLUMN] = str(typical[schema.KEY_COLUMN])
    track[schema.MODE_COLUMN] = str(typical[schema.MODE_COLUMN])
    return track


def parse_hidden_layers(text: str) -> tuple[int, ...]:
    """Read hidden-layer widths typed as "256, 128" (input side first).

    An empty text means no hidden layer (logistic regression).

    Raises:
        ConfigError: a part is not a whole number from 1 to 4096, or there are
            more than 8 layers.
    """
    parts = [part.strip() for part in text.replace(";", ",").split(",")]
    parts = [part for part in parts if part]
    widths = []
    for part in parts:
        if not part.isdigit() or not 1 <= int(part) <= config.MAX_LAYER_WIDTH:
            raise ConfigError(
                f"Hidden layers must be whole numbers from 1 to "
                f"{config.MAX_LAYER_WIDTH} separated by commas, e.g. 256, 128; "
                f"{part!r} is not."
            )
        widths.append(int(part))
    if len(widths) > config.MAX_HIDDEN_LAYERS:
        raise ConfigError(
            f"At most {config.MAX_HIDDEN_LAYERS} hidden layers, not {len(widths)}."
        )
    return tuple(widths)


def format_hidden_layers(widths: tuple[int, ...]) -> str:
    """The inverse of :func:`parse_hidden_layers`: (256, 128) -> "256, 128"."""
    return ", ".join(str(width) for width in widths)
