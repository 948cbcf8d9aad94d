"""The formats people's track files come in, declared once.

GenreLab's own names are the Kaggle dataset's (``core.schema``). Other files
of Spotify audio features name the same columns differently (Exportify's
``Duration (ms)``, the Spotify Tracks Dataset's ``track_genre``, spotifyr's
``track_popularity`` and ``playlist_genre``) and write
values in Spotify's conventions (key as a pitch class 0-11, -1 when no key was
detected; mode 1 = major, 0 = minor). This module says how each is
understood:

- **column names**: matched ignoring case, spaces, underscores, hyphens and
  brackets, through a small table of known aliases; two columns that mean the
  same one are refused, never chosen between;
- **the genre column**: the one named as in ``LABEL_NAMES``, or the column a
  person chooses (``label``); when none is found, the columns that look like
  labels are named (:func:`label_like_columns`);
- **keys, modes and genre labels**: read in any of their usual spellings;
- **what was understood**: :class:`Understood`, one summary per file, filled
  in while the file streams and shown to people in a sentence or two.

Nothing here reads files (that is :mod:`core.data`) or needs a model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core import schema
from core.errors import DataError
from core.genres import REFERENCE, Genres

# Feature columns a file may lack entirely: a model fills them with its
# typical value (Preprocessor.typical). Popularity is the one feature
# Spotify's audio-features API does not give; any other missing feature
# column refuses the file. Training always needs every column.
FILLABLE_COLUMNS: tuple[str, ...] = ("popularity",)

# Other names of GenreLab's columns, as the formats write them (each is
# matched ignoring case, spaces, underscores, hyphens and brackets, as the
# canonical names themselves are: "Danceability", "Track Name" and
# "Duration (ms)" need no entry here).
ALIASES: dict[str, tuple[str, ...]] = {
    # Exportify writes "Artist Name(s)"; the Spotify Tracks Dataset "artists";
    # spotifyr (the TidyTuesday Spotify songs) "track_artist".
    "artist_name": ("Artist Name(s)", "artists", "artist", "track_artist"),
    # Not "name" (the Web API's track objects write it): any table of people
    # or things has one, and would be taken for a file of tracks.
    "track_name": ("track", "title", "song", "song name", "track title"),
    # spotifyr's "track_popularity"; the "19,000 Spotify songs" dataset's
    # "song_popularity".
    "popularity": ("track_popularity", "song_popularity"),
    # Older Exportify exports.
    "duration_ms": ("Track Duration (ms)",),
    "loudness": ("Loudness (dB)",),
    "tempo": ("Tempo (BPM)",),
    # The genre (label) column: the one list of the names it is recognised by
    # (LABEL_NAMES); any other column is chosen by the person (``label``).
    # The Spotify Tracks Dataset's "track_genre", spotifyr's "playlist_genre"
    # (the genre of the playlist a track was found in), the Music Genre
    # Classification dataset's "Class" and the Top Spotify songs' "top genre".
    # Not "Genres" (Exportify's lists the artist's many Spotify genres, not
    # the track's genre), nor "style" (Discogs writes it beside "genre": a
    # sub-genre, and a file with both would be refused as two label columns).
    schema.TARGET: (
        "genre",
        "track_genre",
        "playlist_genre",
        "Class",
        "top genre",
    ),
}

# Every name a genre column is recognised by, in the order a sentence names them.
LABEL_NAMES: tuple[str, ...] = (schema.TARGET, *ALIASES[schema.TARGET])

# Durations written in another unit than milliseconds: the column keeps one
# of these names until core.data converts its values to duration_ms.
DURATION_MINUTES = "duration_min"
DURATION_MINUTES_OR_MS = "duration_min_or_ms"
DURATION_UNIT_ALIASES: dict[str, tuple[str, ...]] = {
    DURATION_MINUTES: (
        "duration_mins",
        "duration_minutes",
        "duration (min)",
        "duration_in_min",
        "duration_in_minutes",
    ),
    # The Kaggle "Music Genre Classification" file's "duration_in min/ms":
    # milliseconds, and minutes for some tracks.
    DURATION_MINUTES_OR_MS: ("duration_in min/ms", "duration min/ms"),
}
# In a column of minutes or milliseconds, a value under this is minutes: no
# track lasts under a second (1,000 ms), none 1,000 minutes (16 hours; the
# longest duration read is 600 minutes, schema.VALUE_RANGES).
MINUTES_BELOW = 1_000.0
MILLISECONDS_PER_MINUTE = 60_000.0

# The canonical columns a file's header is matched against.
CANONICAL_COLUMNS: tuple[str, ...] = (
    *schema.IDENTITY_COLUMNS,
    *schema.FEATURE_COLUMNS,
    schema.TARGET,
    *DURATION_UNIT_ALIASES,
)


def meaning(canonical: str) -> str:
    """The GenreLab column a canonical name means (duration in minutes: duration_ms)."""
    return "duration_ms" if canonical in DURATION_UNIT_ALIASES else canonical


_IGNORED_IN_NAMES = re.compile(r"[\s_\-()\[\]{}]+")


def normalise_name(name: object) -> str:
    """A column name without case, spaces, underscores, hyphens or brackets.

    ``"Duration (ms)"``, ``"duration_ms"`` and ``"DURATION MS"`` all give
    ``"durationms"``.
    """
    return _IGNORED_IN_NAMES.sub("", str(name)).lower()


def _names_table() -> dict[str, str]:
    table: dict[str, str] = {}
    aliases = {**ALIASES, **DURATION_UNIT_ALIASES}
    for canonical in CANONICAL_COLUMNS:
        for name in (canonical, *aliases.get(canonical, ())):
            normalised = normalise_name(name)
            if table.setdefault(normalised, canonical) != canonical:
                raise AssertionError(f"{name!r} names two columns")
    return table


# normalised name -> canonical column, for every canonical name and alias.
_CANONICAL_BY_NAME = _names_table()


def canonical_name(name: object) -> str | None:
    """The GenreLab column a file's column name means, None when it is none of them."""
    return _CANONICAL_BY_NAME.get(normalise_name(name))


# Columns named in a sentence that lists a file's columns (the rest are counted).
COLUMNS_NAMED = 12


def listed(
    names: Sequence[str], limit: int = COLUMNS_NAMED, conjunction: str = "and"
) -> str:
    """Names joined for a sentence: ``a, b and c``; past ``limit``, ``and 3 more``."""
    shown = [str(name) for name in names[:limit]]
    if len(names) > limit:
        return f"{', '.join(shown)} and {len(names) - limit:,} more"
    if len(shown) < 2:
        return "".join(shown)
    return f"{', '.join(shown[:-1])} {conjunction} {shown[-1]}"


def chosen_label(header: Sequence[str], label: str) -> str:
    """The column of a header that a person chose as the genre column.

    Args:
        header: the file's column names, as written.
        label: the name the person gave; matched as written, else ignoring
            case, spaces, underscores, hyphens and brackets (when that names
            one column only).

    Returns:
        The column's name as written in the header.

    Raises:
        DataError: no column (or more than one) has that name, or it is one
            of the audio features GenreLab predicts from.
    """
    if label in header:
        chosen = label
    else:
        wanted = normalise_name(label)
        alike = [name for name in header if normalise_name(name) == wanted]
        if len(alike) != 1:
            raise DataError(
                f"There is no column '{label}' in this file to read genres from; "
                f"its columns are {listed(header)}."
            )
        chosen = alike[0]
    canonical = canonical_name(chosen)
    feature = None if canonical is None else meaning(canonical)
    if feature in schema.FEATURE_COLUMNS:
        means = "" if chosen == feature else f" ({feature})"
        raise DataError(
            f"The column '{chosen}'{means} is one of the audio features GenreLab "
            "predicts from, not a genre; choose another column."
        )
    return chosen


def column_mapping(header: Sequence[str], label: str | None = None) -> dict[str, str]:
    """Which of a file's columns are GenreLab's, by name.

    Args:
        header: the file's column names, as written.
        label: the column that holds the genre, as the person named it (see
            :func:`chosen_label`); None: the one named as in ``LABEL_NAMES``.

    Returns:
        Column as written -> canonical name, for the columns whose name
        differs from the canonical one (columns it does not know are left
        out and kept as they are).

    Raises:
        DataError: two columns mean the same column (e.g. ``Energy`` and
            ``energy``), or one is written twice; the label chosen is not a
            column of the file, or another column is named music_genre.
    """
    chosen = None if label is None else chosen_label(header, label)
    claimed: dict[str, str] = {}
    mapping: dict[str, str] = {}
    for name in header:
        canonical = canonical_name(name)
        if chosen is not None:
            if name == chosen:
                canonical = schema.TARGET
            elif canonical == schema.TARGET:
                if name == schema.TARGET:
                    # It would stand beside the chosen column under one name.
                    raise DataError(
                        f"This file has a {schema.TARGET} column already; to read "
                        f"the genres from '{chosen}' instead, rename or remove "
                        f"{schema.TARGET}."
                    )
                # A column named like a label, but the person chose another:
                # kept as it is, as any column GenreLab does not use.
                continue
        if canonical is None:
            continue
        # A duration in minutes and one in milliseconds are one column twice.
        means = meaning(canonical)
        if means in claimed:
            first = claimed[means]
            both = (
                f"the column '{name}' is there twice"
                if first == name
                else f"both '{first}' and '{name}' are {means}"
            )
            # Two genre columns (genre and playlist_genre) may both be right:
            # the person can say which one to read.
            choose = (
                " (or choose the genre column: --label COLUMN on the command line)"
                if canonical == schema.TARGET
                else ""
            )
            raise DataError(
                f"Two columns of this file mean the same thing: {both}; keep one "
                f"of them and try again{choose}."
            )
        claimed[means] = name
        if name != canonical:
            mapping[name] = canonical
    return mapping


# A column looks like genre labels when it holds text with this many distinct
# values among the rows read: a genre repeats over many tracks, where names,
# ids and dates hardly do.
LABEL_LIKE_DISTINCT: tuple[int, int] = (2, 200)


def label_like_columns(raw: pd.DataFrame) -> list[str]:
    """The columns of a raw frame that could hold genres, for a person to choose from.

    Args:
        raw: rows as read (every cell text), GenreLab's columns under its names.

    Returns:
        In the file's order, the columns GenreLab does not know (its own hold
        features and names) whose non-empty cells are mostly text, not
        numbers, with ``LABEL_LIKE_DISTINCT`` distinct values, one of them
        at least twice (a column with a value of its own on every row, such
        as an id, labels no two tracks alike).
    """
    fewest, most = LABEL_LIKE_DISTINCT
    found = []
    for column in raw.columns:
        if canonical_name(column) is not None:
            continue
        cells = raw[column].astype(str).str.strip()
        cells = cells[cells != ""]
        if cells.empty:
            continue
        numbers = pd.to_numeric(cells, errors="coerce").notna().sum()
        if 2 * numbers >= len(cells):
            continue
        distinct = cells.nunique()
        if fewest <= distinct <= most and distinct < len(cells):
            found.append(str(column))
    return found


@dataclass(frozen=True)
class LabelColumns:
    """The columns of a file that could hold its genres, for a person to choose from."""

    # Columns named as a genre column (LABEL_NAMES), in the file's order.
    named: tuple[str, ...]
    # Other columns whose values look like genres (label_like_columns).
    looking: tuple[str, ...]

    @property
    def choices(self) -> tuple[str, ...]:
        """Every column that could hold the genres, those named so first."""
        return self.named + self.looking

    @property
    def default(self) -> str | None:
        """The column read when nobody chooses: the one named as a genre column."""
        return self.named[0] if len(self.named) == 1 else None

    @property
    def to_choose(self) -> bool:
        """Whether a person should be asked: several candidates, or none by name."""
        return len(self.choices) > 1 or (not self.named and bool(self.looking))

    def explanation(self) -> str:
        """Why a person is asked, in one sentence."""
        names = listed(LABEL_NAMES, conjunction="or")
        looks = "looks" if len(self.looking) == 1 else "look"
        if len(self.named) > 1:
            return (
                f"Several columns are named like a genre column "
                f"({listed(self.named)}): choose the one that holds each "
                "track's genre."
            )
        if not self.named:
            return (
                f"No column is named like a genre column ({names}), but "
                f"{listed(self.looking)} {looks} like genres: choose the one "
                "that holds each track's genre."
            )
        return (
            f"GenreLab reads the genres from {self.named[0]}; "
            f"{listed(self.looking)} also {looks} like genres: choose another "
            "column if it holds them."
        )


def label_columns(header: Sequence[str], raw: pd.DataFrame) -> LabelColumns:
    """The columns of a file that could hold its genres.

    Args:
        header: the file's column names, as written.
        raw: its first rows as read (every cell text), names as written.
    """
    named = tuple(str(name) for name in header if canonical_name(name) == schema.TARGET)
    return LabelColumns(named, tuple(label_like_columns(raw)))


def is_minor_rename(written: str, canonical: str) -> bool:
    """Whether a rename only changed case, spaces or underscores (``Track Name``)."""
    simple = re.sub(r"[\s_]+", "", written).lower()
    return simple == canonical.replace("_", "")


# --- Known formats ------------------------------------------------------------------


@dataclass(frozen=True)
class KnownFormat:
    """A file format recognised by its columns."""

    # How a sentence names it: "read 212 tracks from <description>".
    description: str
    # Normalised column names that all appear in such a file.
    marks: frozenset[str]


KAGGLE = "the Kaggle music genre dataset"
EXPORTIFY = "an Exportify playlist"
SPOTIFY_TRACKS = "the Spotify Tracks Dataset"
SPOTIFYR = "the TidyTuesday Spotify songs (spotifyr)"
WEB_API = "Spotify Web API audio features (JSON)"
OTHER_TABLE = "a table of tracks"

KNOWN_FORMATS: tuple[KnownFormat, ...] = (
    KnownFormat(KAGGLE, frozenset({"instanceid", "obtaineddate", "musicgenre"})),
    KnownFormat(EXPORTIFY, frozenset({"artistnames", "trackname"})),
    KnownFormat(
        SPOTIFY_TRACKS, frozenset({"trackid", "artists", "albumname", "trackgenre"})
    ),
    KnownFormat(
        SPOTIFYR,
        frozenset({"trackid", "trackartist", "trackpopularity", "playlistgenre"}),
    ),
)


def recognise(header: Iterable[str]) -> str:
    """The description of the format a header belongs to (``OTHER_TABLE`` if none)."""
    names = {normalise_name(name) for name in header}
    for known in KNOWN_FORMATS:
        if known.marks <= names:
            return known.description
    return OTHER_TABLE


# The Web API's audio-features fields that are GenreLab features.
WEB_API_FEATURES: tuple[str, ...] = tuple(
    column for column in schema.FEATURE_COLUMNS if column not in FILLABLE_COLUMNS
)


def is_audio_features(item: object) -> bool:
    """Whether a JSON object is one of the Web API's audio-features objects.

    Either it says so (``"type": "audio_features"``) or it has every feature
    field as a JSON number, as the API writes them. (A table's rows saved as
    JSON, with text values such as ``"A#"``, is not.)
    """
    if not isinstance(item, dict):
        return False
    if item.get("type") == "audio_features":
        return True
    return all(
        isinstance(item.get(name), int | float) and not isinstance(item.get(name), bool)
        for name in WEB_API_FEATURES
    )


# --- Values -------------------------------------------------------------------------

_KEY_BY_LOWER = {key.lower(): key for key in schema.KEYS}
UNKNOWN_KEY = -1
KEY_HINT = "one of C, C#, D, ... B"
MODE_HINT = "Major or Minor"
_MODE_BY_NUMBER = {1.0: "Major", 0.0: "Minor"}


@dataclass(frozen=True)
class ReadValues:
    """A key or mode column read: values, problems, counts.

    A value is None when invalid, unknown or empty (an empty cell is no
    problem: whether a model fills it in is the model's choice).
    """

    values: np.ndarray
    problems: np.ndarray
    # Rows whose value was a number turned into a name (a key 0-11, a mode 1/0).
    numbers: int = 0
    # Rows whose name was written in another case (``c#``, ``major``).
    recased: int = 0
    # Rows with no key detected (-1): no problem, the value is None.
    unknown: int = 0


def _integers(text: pd.Series) -> np.ndarray:
    """The cells that are whole numbers (``5``, ``5.0``), as floats; NaN elsewhere."""
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64, copy=True)
    with np.errstate(invalid="ignore"):
        numbers[np.floor(numbers) != numbers] = np.nan
    return numbers


def _problem(name: str, value: str, number: float, numbers: str, names: str) -> str:
    """Why a key or mode cell is not one: a number out of range or other text."""
    if not np.isnan(number):
        return f"{name} {value} is not {numbers}"
    return f"{name} '{value}' is not {names}"


def read_keys(stripped: pd.Series) -> ReadValues:
    """Read a key column: names in any case, or Spotify's pitch classes.

    Args:
        stripped: the column's cells, stripped of spaces.

    Returns:
        Key names (``schema.KEYS``), None where the key is invalid (with a
        problem) or unknown (-1, no problem).
    """
    values = stripped.to_numpy(dtype=object).copy()
    problems = np.full(len(values), "", dtype=object)
    valid = stripped.isin(schema.KEYS).to_numpy()
    if valid.all():
        return ReadValues(values, problems)
    others = np.flatnonzero(~valid)
    text = stripped.iloc[others]
    named = text.str.lower().map(_KEY_BY_LOWER).to_numpy(dtype=object)
    numbers = _integers(text)
    pitch = (numbers >= 0) & (numbers < len(schema.KEYS))
    unknown = numbers == UNKNOWN_KEY
    is_named = pd.notna(named)
    result = np.full(len(others), None, dtype=object)
    result[is_named] = named[is_named]
    result[pitch] = np.asarray(schema.KEYS, dtype=object)[numbers[pitch].astype(int)]
    written = text.to_numpy(dtype=object)
    # An empty cell is no problem either: a model that fills in unknown
    # values gives it the typical key (core.features.Preprocessor).
    empty = (text == "").to_numpy(dtype=bool)
    bad = ~(is_named | pitch | unknown | empty)
    problems[others[bad]] = [
        _problem(
            "key", value, number, "a pitch class 0 to 11 (or -1, no key)", KEY_HINT
        )
        for value, number in zip(written[bad], numbers[bad], strict=True)
    ]
    values[others] = result
    return ReadValues(
        values,
        problems,
        numbers=int(pitch.sum()),
        recased=int(is_named.sum()),
        unknown=int(unknown.sum()),
    )


def read_modes(stripped: pd.Series) -> ReadValues:
    """Read a mode column: Major/Minor in any case, or Spotify's 1 (major)/0 (minor)."""
    values = stripped.to_numpy(dtype=object).copy()
    problems = np.full(len(values), "", dtype=object)
    valid = stripped.isin(schema.MODES).to_numpy()
    if valid.all():
        return ReadValues(values, problems)
    others = np.flatnonzero(~valid)
    text = stripped.iloc[others]
    named = text.str.capitalize()
    is_named = named.isin(schema.MODES).to_numpy()
    numbers = _integers(text)
    from_number = pd.Series(numbers).map(_MODE_BY_NUMBER).to_numpy(dtype=object)
    is_number = pd.notna(from_number)
    result = np.full(len(others), None, dtype=object)
    result[is_named] = named.to_numpy(dtype=object)[is_named]
    result[is_number] = from_number[is_number]
    written = text.to_numpy(dtype=object)
    # An empty cell is no problem: see read_keys.
    bad = ~(is_named | is_number | (text == "").to_numpy(dtype=bool))
    problems[others[bad]] = [
        _problem("mode", value, number, "1 (major) or 0 (minor)", MODE_HINT)
        for value, number in zip(written[bad], numbers[bad], strict=True)
    ]
    values[others] = result
    return ReadValues(
        values, problems, numbers=int(is_number.sum()), recased=int(is_named.sum())
    )


def genre_of(label: str) -> str | None:
    """The one of the study's ten a label is (``hip hop`` -> Hip-Hop), None if none."""
    return REFERENCE.name_of(label)


@dataclass(frozen=True)
class ReadLabels:
    """A genre column read: each row's label (None when blank), and what was there."""

    # The study's ten spelled as the study does (``hip hop`` -> Hip-Hop);
    # any other label as written.
    genres: np.ndarray
    # Rows whose genre was written another way (``hip-hop``, ``ROCK``).
    respelled: int
    # Labels that are none of the model's genres, as written -> rows.
    others: dict[str, int]
    # Labels that are one of the model's genres, as written -> rows.
    matched: dict[str, int] = field(default_factory=dict)


def read_labels(stripped: pd.Series, genres: Genres | None = None) -> ReadLabels:
    """Read a genre column: labels matched ignoring case and punctuation.

    Args:
        stripped: the column's cells, stripped.
        genres: the genres of the model the file is scored by; None (a file
            read to train on, or to look at): every label counts.
    """
    labels = stripped.to_numpy(dtype=object).copy()
    labels[(stripped == "").to_numpy(dtype=bool)] = None
    positions, uniques = pd.factorize(stripped)
    canonical = np.array(
        [genre_of(label) or label for label in uniques] + [None], dtype=object
    )
    spelled = canonical[positions]
    present = pd.notna(labels)
    respelled = present & (spelled != labels)
    labels[present] = spelled[present]
    written = stripped[present]
    if genres is None:
        return ReadLabels(labels, int(respelled.sum()), {}, _counts(written))
    known = genres.codes(pd.Series(labels[present], dtype=object)) >= 0
    return ReadLabels(
        labels,
        respelled=int(respelled.sum()),
        others=_counts(written[~known]),
        matched=_counts(written[known]),
    )


def _counts(labels: pd.Series) -> dict[str, int]:
    return {str(label): int(rows) for label, rows in labels.value_counts().items()}


# --- What was understood ------------------------------------------------------------

# Distinct labels outside a model's genres kept by name (the rest are counted together),
# so a file of any size keeps the summary small.
MAX_KEPT_LABELS = 1_000
# Labels named in a sentence (the most frequent first).
LABELS_NAMED = 4
# What the missing popularity cost the shipped model on its own 4,484 test
# tracks (benchmarks/missing_popularity.py; docs/formats.md): top-1 60.7% ->
# 38.2%, top-2 83.4% -> 56.3%, and not one track named Rap or Rock.
POPULARITY_COST = (
    "on its own test tracks the shipped model gets 38% right this way instead "
    "of 61%, and names none of them Rap or Rock"
)


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"


def value_text(value: float | str) -> str:
    """A feature's value as a sentence writes it: ``45``, ``0.000157``, ``G``."""
    return value if isinstance(value, str) else _number(value)


# The column of a predictions table that names, per row, each feature the
# model filled in and the value it used ("instrumentalness=0.000157, key=G").
TYPICAL_VALUES_COLUMN = "typical_values_used"


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


@dataclass
class Understood:
    """What GenreLab understood of one file: built while it is read, then told in words.

    :mod:`core.data` fills in what the file says (format, names, values,
    labels); a model that predicts it adds what it does about what is missing
    (:meth:`use_model`).
    """

    # The format recognised (a KnownFormat description, WEB_API or OTHER_TABLE).
    format: str = OTHER_TABLE
    rows: int = 0
    # Column as written -> GenreLab's name, for every column renamed.
    renamed: dict[str, str] = field(default_factory=dict)
    # FILLABLE_COLUMNS the file does not have.
    missing: list[str] = field(default_factory=list)
    # Rows with a key written as a pitch class / a mode as 1 or 0.
    number_keys: int = 0
    number_modes: int = 0
    # Rows with a key or mode name in another case ("c#", "major").
    recased_names: int = 0
    # Rows with no key detected (-1).
    unknown_keys: int = 0
    # A duration column in minutes (DURATION_MINUTES) or in minutes and
    # milliseconds (DURATION_MINUTES_OR_MS), as written -> that name; and
    # the values read as minutes and converted to milliseconds.
    duration_in: dict[str, str] = field(default_factory=dict)
    minute_durations: int = 0
    # Rows whose genre label was matched in another spelling ("hip-hop").
    respelled_labels: int = 0
    # Labels of none of the model's genres, as written -> rows (MAX_KEPT_LABELS
    # at most); none when the file is read with no model (to train on).
    other_labels: dict[str, int] = field(default_factory=dict)
    # Rows with such a label beyond the labels kept by name.
    other_labels_unnamed: int = 0
    # Labels that are one of the model's genres (any label, read to train
    # on), as written ("rap", "Rock") -> rows.
    genre_labels: dict[str, int] = field(default_factory=dict)
    # JSON entries that were null (the Web API's way of saying "no features").
    null_entries: int = 0
    # Empty cells per feature, counted in rows that are otherwise fine (a
    # model that fills in unknown values predicts them, another gives a
    # reason), and the rows with at least one.
    empty_cells: dict[str, int] = field(default_factory=dict)
    empty_rows: int = 0
    # Set by use_model: the value a model fills each feature with (a missing
    # column, an empty cell), its policy for unknown values and the key it
    # gives a track without one.
    fill_values: dict[str, float | str] = field(default_factory=dict)
    unknowns: str | None = None
    typical_key: str | None = None

    def use_model(self, preprocessor) -> None:
        """Record what a model does with gaps.

        From its :class:`core.features.Preprocessor`.
        """
        self.fill_values = {
            column: preprocessor.fill_value(column) for column in schema.FEATURE_COLUMNS
        }
        self.unknowns = preprocessor.unknowns
        self.typical_key = str(preprocessor.fill_value(schema.KEY_COLUMN))

    def add_empty_cells(self, counts: dict[str, int], rows: int) -> None:
        """Count one chunk's empty cells (feature -> cells) and the rows with any."""
        for column, count in counts.items():
            if count:
                self.empty_cells[column] = self.empty_cells.get(column, 0) + count
        self.empty_rows += rows

    def _empty_cells_listed(self, with_values: bool) -> str:
        """``instrumentalness in 3,541 tracks (0.000157), key in 1,609 (G)``."""
        ordered = sorted(
            self.empty_cells.items(),
            key=lambda item: (-item[1], schema.FEATURE_COLUMNS.index(item[0])),
        )
        parts = []
        for position, (column, count) in enumerate(ordered):
            tracks = _plural(count, "track") if position == 0 else f"{count:,}"
            value = self.fill_values.get(column)
            used = (
                f" ({value_text(value)})" if with_values and value is not None else ""
            )
            parts.append(f"{column} in {tracks}{used}")
        return ", ".join(parts)

    def add_labels(
        self, others: dict[str, int], matched: dict[str, int] | None = None
    ) -> None:
        """Count one chunk's labels: of none of the model's genres, and the others."""
        for label, count in (matched or {}).items():
            self.genre_labels[label] = self.genre_labels.get(label, 0) + count
        for label, count in others.items():
            if label in self.other_labels or len(self.other_labels) < MAX_KEPT_LABELS:
                self.other_labels[label] = self.other_labels.get(label, 0) + count
            else:
                self.other_labels_unnamed += count

    @property
    def other_label_rows(self) -> int:
        """Rows whose label is not one of the model's genres."""
        return sum(self.other_labels.values()) + self.other_labels_unnamed

    def filled_notes(self) -> list[str]:
        """One plain sentence per column filled with a typical value.

        Empty when none.
        """
        notes = []
        for column in self.missing:
            value = self.fill_values.get(column)
            if value is None:
                continue
            notes.append(
                f"{column} was not in the file: the typical value {value_text(value)} "
                "was used for every track; predictions are less sure "
                f"({POPULARITY_COST})."
                if column == "popularity"
                else f"{column} was not in the file: the typical value "
                f"{value_text(value)} was used for every track; predictions are "
                "less sure."
            )
        if self.empty_cells and self.unknowns == "impute":
            notes.append(
                f"{_plural(self.empty_rows, 'track')} had empty values, filled in "
                "with the model's typical ones: "
                f"{self._empty_cells_listed(with_values=True)}; their "
                "predictions are less sure, and the predictions' column "
                f"{TYPICAL_VALUES_COLUMN} names what was filled in each row."
            )
        return notes

    def details(self) -> list[str]:
        """The short phrases of :meth:`sentence`, one per thing understood."""
        parts: list[str] = []
        # Features first, then the label, then names (what matters most first).
        # A duration in minutes is said with its conversion (below).
        renamed = {
            written: canonical
            for written, canonical in self.renamed.items()
            if canonical not in DURATION_UNIT_ALIASES
        }
        notable = sorted(
            (
                (written, canonical)
                for written, canonical in renamed.items()
                if not is_minor_rename(written, canonical)
            ),
            key=lambda pair: (
                pair[1] not in schema.FEATURE_COLUMNS,
                pair[1] != schema.TARGET,
            ),
        )
        for position, (written, canonical) in enumerate(notable):
            verb = "used as " if position == 0 else "as "
            parts.append(f"'{written}' {verb}{canonical}")
        for written, unit in self.duration_in.items():
            if unit == DURATION_MINUTES:
                parts.append(
                    f"'{written}' read in minutes and converted to duration_ms "
                    "(milliseconds)"
                )
            else:
                parts.append(
                    f"'{written}' read as duration_ms: "
                    f"{_plural(self.minute_durations, 'value')} under "
                    f"{MINUTES_BELOW:,.0f} taken as minutes and converted to "
                    "milliseconds, the others read as milliseconds"
                )
        minor = len(renamed) - len(notable)
        if minor:
            other = " other" if notable else ""
            names = "column name" if minor == 1 else "column names"
            parts.append(f"{minor:,}{other} {names} matched ignoring case and spaces")
        if self.number_keys:
            parts.append("integer keys converted")
        if self.number_modes:
            parts.append("modes 1/0 read as Major/Minor")
        if self.recased_names:
            parts.append("key and mode names read in any case")
        if self.unknown_keys:
            tracks = _plural(self.unknown_keys, "track")
            if self.unknowns == "impute":
                parts.append(
                    f"{tracks} with no key detected (-1) predicted with the "
                    f"model's typical key {self.typical_key}"
                )
            elif self.unknowns == "drop":
                parts.append(
                    f"{tracks} with no key detected (-1) not predicted (this model "
                    "does not fill in unknown values)"
                )
            else:
                parts.append(f"{tracks} with no key detected (-1)")
        for column in self.missing:
            value = self.fill_values.get(column)
            parts.append(
                f"{column} missing (typical value {value_text(value)} used)"
                if value is not None
                else f"{column} missing"
            )
        if self.empty_cells:
            if self.unknowns == "impute":
                parts.append(
                    "empty values filled with the model's typical ones: "
                    + self._empty_cells_listed(with_values=True)
                )
            elif self.unknowns == "drop":
                parts.append(
                    f"{_plural(self.empty_rows, 'track')} with empty values not "
                    "predicted (this model does not fill in unknown values: "
                    f"{self._empty_cells_listed(with_values=False)})"
                )
            else:
                parts.append(
                    f"empty values: {self._empty_cells_listed(with_values=False)}"
                )
        if self.respelled_labels:
            parts.append("genre labels matched ignoring case and punctuation")
        if self.other_label_rows:
            named = sorted(
                self.other_labels.items(), key=lambda item: (-item[1], item[0])
            )
            listed = ", ".join(
                f"'{label}' {count:,}" for label, count in named[:LABELS_NAMED]
            )
            if self.other_labels_unnamed:
                listed += " and others"
            elif len(named) > LABELS_NAMED:
                listed += f" and {len(named) - LABELS_NAMED:,} more"
            parts.append(
                f"{_plural(self.other_label_rows, 'label')} not one of the model's "
                f"genres, not scored ({listed})"
            )
        if self.null_entries:
            parts.append(
                f"{_plural(self.null_entries, 'entry', 'entries')} null (no audio "
                "features from Spotify: a blank row each)"
            )
        return parts

    def source(self, file_name: str) -> dict[str, str]:
        """The file as a model card names it: name, format and genre column."""
        label = next(
            (
                written
                for written, canonical in self.renamed.items()
                if canonical == schema.TARGET
            ),
            schema.TARGET,
        )
        return {"file": file_name, "format": self.format, "label_column": label}

    def sentence(self) -> str:
        """What was understood, in one sentence (e.g. for ``--verbose`` and the pages).

        E.g. "Read 212 tracks from an Exportify playlist: 'Duration (ms)'
        used as duration_ms, integer keys converted, popularity missing
        (typical value 45 used)."
        """
        head = f"Read {_plural(self.rows, 'track')} from {self.format}"
        parts = self.details()
        if not parts:
            return f"{head}: every column as expected."
        return f"{head}: {', '.join(parts)}."

    def to_dict(self) -> dict[str, object]:
        """The summary as JSON-ready values."""
        return {
            "format": self.format,
            "rows": self.rows,
            "renamed": dict(self.renamed),
            "missing": list(self.missing),
            "filled": {
                c: self.fill_values[c] for c in self.missing if c in self.fill_values
            },
            "number_keys": self.number_keys,
            "number_modes": self.number_modes,
            "recased_names": self.recased_names,
            "unknown_keys": self.unknown_keys,
            "duration_in": dict(self.duration_in),
            "minute_durations": self.minute_durations,
            "respelled_labels": self.respelled_labels,
            "other_labels": dict(self.other_labels),
            "other_label_rows": self.other_label_rows,
            "genre_labels": dict(self.genre_labels),
            "null_entries": self.null_entries,
            "empty_cells": dict(self.empty_cells),
            "empty_rows": self.empty_rows,
            "sentence": self.sentence(),
        }
