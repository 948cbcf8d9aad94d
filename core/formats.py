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
from dataclasses import dataclass

import pandas as pd

from core import schema
from core.errors import DataError

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
