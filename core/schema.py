"""The dataset's column schema, declared once.

Every other module refers to these names instead of spelling columns out, so a
change of schema is a change of this file alone.
"""

from __future__ import annotations

# The study's fixed genre order: the integer label of a genre is its index here.
GENRES: tuple[str, ...] = (
    "Electronic",
    "Anime",
    "Jazz",
    "Alternative",
    "Country",
    "Rap",
    "Blues",
    "Rock",
    "Classical",
    "Hip-Hop",
)

TARGET = "music_genre"

# Columns that identify a track rather than describe its sound; never used as
# inputs because the artist alone gives away the genre of most rows.
# Spotify's id of a track (spotifyr, the Spotify Tracks Dataset): the same
# id twice is the same recording, listed twice.
TRACK_ID = "track_id"
IDENTITY_COLUMNS: tuple[str, ...] = (
    "instance_id",
    "artist_name",
    "track_name",
    "obtained_date",
    TRACK_ID,
)

# Audio features (and popularity) the model may use, in the study's order.
NUMERIC_FEATURES: tuple[str, ...] = (
    "popularity",
    "acousticness",
    "danceability",
    "duration_ms",
    "energy",
    "instrumentalness",
    "liveness",
    "loudness",
    "speechiness",
    "tempo",
    "valence",
)

KEY_COLUMN = "key"
MODE_COLUMN = "mode"
CATEGORICAL_FEATURES: tuple[str, ...] = (KEY_COLUMN, MODE_COLUMN)

KEYS: tuple[str, ...] = (
    "C",
    "C#",
    "D",
    "D#",
    "E",
    "F",
    "F#",
    "G",
    "G#",
    "A",
    "A#",
    "B",
)
MODES: tuple[str, ...] = ("Major", "Minor")

# Columns a file must have to be used for prediction; training also needs TARGET.
FEATURE_COLUMNS: tuple[str, ...] = NUMERIC_FEATURES + CATEGORICAL_FEATURES

# The columns that hold a sentinel instead of a value when Spotify had none.
UNKNOWN_DURATION = -1.0
UNKNOWN_TEMPO = "?"
COLUMNS_WITH_UNKNOWNS: tuple[str, ...] = ("duration_ms", "tempo")

# Features the study min-max scales; the others are already in [0, 1].
STUDY_SCALED_FEATURES: tuple[str, ...] = (
    "loudness",
    "duration_ms",
    "popularity",
    "tempo",
)

# Valid ranges of the raw values (Spotify's documented ranges, slightly padded
# for loudness); a value outside them is a data error, not a track.
VALUE_RANGES: dict[str, tuple[float, float]] = {
    "popularity": (0.0, 100.0),
    "acousticness": (0.0, 1.0),
    "danceability": (0.0, 1.0),
    "duration_ms": (0.0, 3.6e7),
    "energy": (0.0, 1.0),
    "instrumentalness": (0.0, 1.0),
    "liveness": (0.0, 1.0),
    "loudness": (-70.0, 10.0),
    "speechiness": (0.0, 1.0),
    "tempo": (0.0, 300.0),
    "valence": (0.0, 1.0),
}

# A typical track, for when nothing better is known (no dataset loaded, a
# bundle saved before bundles kept their own): the medians of the Kaggle
# dataset, rounded, and its most common key and mode (summary statistics, not
# rows of it).
TYPICAL_TRACK: dict[str, float | str] = {
    "popularity": 45.0,
    "acousticness": 0.14,
    "danceability": 0.57,
    "duration_ms": 227_000.0,
    "energy": 0.64,
    "instrumentalness": 0.0,
    "liveness": 0.13,
    "loudness": -7.3,
    "speechiness": 0.05,
    "tempo": 120.0,
    "valence": 0.45,
    KEY_COLUMN: "C",
    MODE_COLUMN: "Major",
}

# Human-readable units, for the app's sliders and charts.
FEATURE_UNITS: dict[str, str] = {
    "popularity": "0-100",
    "duration_ms": "milliseconds",
    "loudness": "dB",
    "tempo": "beats per minute",
}


def scale_name(key: str, mode: str) -> str:
    """Return the study's combined scale label, e.g. ``A#`` + Minor -> ``A#m``."""
    return f"{key}m" if mode == "Minor" else key


SCALES: tuple[str, ...] = tuple(scale_name(k, m) for m in MODES for k in KEYS)
