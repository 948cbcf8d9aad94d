"""The bad-file corpus: small synthetic files and what GenreLab must do with each.

Every file is built here from ``tests/conftest.py``'s ``GOOD_ROW``; none holds a
row of the real dataset. Each entry says either that the file is accepted (and
which rows must come back with a reason instead of a prediction) or that it is
refused with a plain-English :class:`core.errors.DataError` whose message holds
given words.

It also builds the same tracks in the other formats people's files come in
(issues 15 and 30): an Exportify playlist export, the Spotify Tracks Dataset,
the TidyTuesday Spotify songs (spotifyr's names) and the Spotify Web API's
audio-features JSON (:func:`exportify_bytes`, :func:`spotify_tracks_bytes`,
:func:`spotifyr_bytes`, :func:`web_api_json_bytes`).
"""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from core import schema
from tests.conftest import COLUMNS, GOOD_ROW, csv_bytes, row


@dataclass(frozen=True)
class BadFile:
    """One corpus file and the outcome GenreLab must give it."""

    # Short identifier: the pytest id and the file name.
    name: str
    content: bytes
    # True: the file is read and every row is predicted or given a reason.
    accepted: bool
    # Accepted files: data rows in the file (blank rows included).
    rows: int = 0
    # Accepted files: row position -> words its reason must contain; the
    # other rows must be predicted.
    reasons: dict[int, tuple[str, ...]] = field(default_factory=dict)
    # Refused files: words (lower case) the error message must contain.
    message_words: tuple[str, ...] = ()
    # Run with core.opening.MAX_FILE_MB set to this (a small stand-in for 200 MB).
    size_limit_mb: float | None = None
    # Training on it must fail with these words (None: training is not tried).
    training_error: tuple[str, ...] | None = None
    # Accepted files: read whole as a dataset to learn from (report, train,
    # the Home upload), it is refused with these words (None: it is read).
    dataset_error: tuple[str, ...] | None = None
    # Accepted files: ``python -m core evaluate`` refuses it with these words
    # (e.g. it has no genre column; None: it is scored).
    evaluate_error: tuple[str, ...] | None = None
    # Accepted files: columns it lacks that a model fills with its typical value.
    fills: tuple[str, ...] = ()
    # Accepted files: words the "what was understood" sentence must hold.
    understood: tuple[str, ...] = ()
    # The file's name ends with this (the reader never looks at it).
    suffix: str = ".csv"

    @property
    def accepted_when_streamed(self) -> bool:
        """Whether predict and evaluate, which stream a path, read it.

        No size limit there.
        """
        return self.accepted or self.size_limit_mb is not None

    def unpredictable(self, unknowns: str = "drop") -> int:
        """Rows a model cannot predict; ``unknowns`` is the model's policy.

        A model that imputes predicts rows whose only problem is an unknown
        tempo or duration.
        """
        if unknowns == "drop":
            return len(self.reasons)
        return sum(
            1
            for words in self.reasons.values()
            if not all(word.startswith("unknown ") for word in words)
        )

    @property
    def file_name(self) -> str:
        """``<name><suffix>``, e.g. ``web_api_audio_features.json``."""
        return f"{self.name}{self.suffix}"

    def write(self, folder: Path) -> Path:
        """Write the file as :attr:`file_name` in ``folder`` and return its path."""
        path = folder / self.file_name
        path.write_bytes(self.content)
        return path


def good_rows(count: int) -> list[dict[str, str]]:
    """``count`` valid rows cycling through the genres, keys and modes."""
    return [
        row(
            instance_id=f"{position + 1}.0",
            track_name=f"Track {position}",
            music_genre=schema.GENRES[position % len(schema.GENRES)],
            key=schema.KEYS[position % len(schema.KEYS)],
            mode=schema.MODES[position % 2],
            energy=f"{(position % 10) / 10:.1f}",
        )
        for position in range(count)
    ]


# --- The same tracks in other formats ----------------------------------------------

# Exportify's header (pavelkomarov/exportify) -> GenreLab's column (None: none).
EXPORTIFY_COLUMNS: dict[str, str | None] = {
    "Spotify ID": None,
    "Artist IDs": None,
    "Track Name": "track_name",
    "Album Name": None,
    "Artist Name(s)": "artist_name",
    "Release Date": None,
    "Duration (ms)": "duration_ms",
    "Popularity": "popularity",
    "Added By": None,
    "Added At": None,
    "Genres": None,
    "Danceability": "danceability",
    "Energy": "energy",
    "Key": "key",
    "Loudness": "loudness",
    "Mode": "mode",
    "Speechiness": "speechiness",
    "Acousticness": "acousticness",
    "Instrumentalness": "instrumentalness",
    "Liveness": "liveness",
    "Valence": "valence",
    "Tempo": "tempo",
    "Time Signature": None,
}
# Spotify's audio features (popularity and duration aside), in the order its
# Web API and the files made from it write them.
SPOTIFY_AUDIO_FEATURES: tuple[str, ...] = (
    "danceability",
    "energy",
    "key",
    "loudness",
    "mode",
    "speechiness",
    "acousticness",
    "instrumentalness",
    "liveness",
    "valence",
    "tempo",
)
# The Spotify Tracks Dataset's header (its first column, unnamed, is a row number).
SPOTIFY_TRACKS_COLUMNS: tuple[str, ...] = (
    "",
    "track_id",
    "artists",
    "album_name",
    "track_name",
    "popularity",
    "duration_ms",
    "explicit",
    *SPOTIFY_AUDIO_FEATURES,
    "time_signature",
    "track_genre",
)
# The Web API's audio-features fields that are GenreLab features.
WEB_API_FEATURES: tuple[str, ...] = (*SPOTIFY_AUDIO_FEATURES, "duration_ms")
# The TidyTuesday Spotify songs' header (spotifyr's names), in its order:
# its audio features come in the Web API's order (spotifyr reads that API).
SPOTIFYR_COLUMNS: tuple[str, ...] = (
    "track_id",
    "track_name",
    "track_artist",
    "track_popularity",
    "track_album_id",
    "track_album_name",
    "track_album_release_date",
    "playlist_name",
    "playlist_id",
    "playlist_genre",
    "playlist_subgenre",
    *WEB_API_FEATURES,
)


def pitch_class(key: str) -> str:
    """Spotify's pitch-class integer of a key name (C -> 0 ... B -> 11); '' stays ''."""
    return str(schema.KEYS.index(key)) if key else ""


def mode_number(mode: str) -> str:
    """Spotify's mode: 1 for Major, 0 for Minor."""
    return {"Major": "1", "Minor": "0"}.get(mode, mode)


def _whole(text: str) -> str:
    """``'45.0'`` -> ``'45'`` (Spotify writes counts as integers); others unchanged."""
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else text


def exportify_bytes(
    rows: list[dict[str, str]],
    keys: dict[int, str] | None = None,
    modes: dict[int, str] | None = None,
) -> bytes:
    """The rows as an Exportify playlist export: its header, integer keys, 1/0 modes.

    ``keys`` / ``modes``: row position -> the value written instead (e.g. "-1").
    Exportify starts its files with a byte order mark.
    """
    table = []
    for position, values in enumerate(rows):
        fillers = {
            "Spotify ID": f"sp{position}",
            "Artist IDs": "a1,a2",
            "Album Name": "Album",
            "Release Date": "2020-01-01",
            "Added By": "spotify:user:me",
            "Added At": "2021-01-01T00:00:00Z",
            "Genres": "dance pop,pop",
            "Time Signature": "4",
        }
        line = {}
        for header, column in EXPORTIFY_COLUMNS.items():
            value = fillers[header] if column is None else values[column]
            if column == "key":
                value = (keys or {}).get(position, pitch_class(value))
            elif column == "mode":
                value = (modes or {}).get(position, mode_number(value))
            elif column in ("popularity", "duration_ms"):
                value = _whole(value)
            line[header] = value
        table.append(line)
    return b"\xef\xbb\xbf" + csv_bytes(table, list(EXPORTIFY_COLUMNS))


def spotify_genre(genre: str) -> str:
    """A genre as the Spotify Tracks Dataset writes it: ``Hip-Hop`` -> ``hip-hop``."""
    return genre.lower().replace(" ", "-")


def spotify_tracks_bytes(
    rows: list[dict[str, str]], labels: dict[int, str] | None = None
) -> bytes:
    """The rows as the Kaggle Spotify Tracks Dataset writes them.

    ``labels``: row position -> the ``track_genre`` written instead (e.g. "k-pop").
    """
    table = []
    for position, values in enumerate(rows):
        line = {
            "": str(position),
            "track_id": f"id{position}",
            "artists": values["artist_name"],
            "album_name": "Album",
            "track_name": values["track_name"],
            "explicit": "False",
            "time_signature": "4",
            "track_genre": (labels or {}).get(
                position, spotify_genre(values["music_genre"])
            ),
        }
        for column in SPOTIFY_TRACKS_COLUMNS:
            if column in schema.FEATURE_COLUMNS:
                value = values[column]
                if column == "key":
                    value = pitch_class(value)
                elif column == "mode":
                    value = mode_number(value)
                elif column in ("popularity", "duration_ms"):
                    value = _whole(value)
                line[column] = value
        table.append(line)
    return csv_bytes(table, list(SPOTIFY_TRACKS_COLUMNS))


def spotifyr_bytes(
    rows: list[dict[str, str]], columns: tuple[str, ...] = SPOTIFYR_COLUMNS
) -> bytes:
    """The rows as the TidyTuesday Spotify songs write them (spotifyr's names).

    Integer keys, 1/0 modes, whole popularity and duration; the genre in
    ``playlist_genre`` in lower case, a made-up ``playlist_subgenre`` beside
    it. ``columns``: the header to write (e.g. without ``playlist_genre``).
    """
    table = []
    for position, values in enumerate(rows):
        genre = spotify_genre(values["music_genre"])
        line = {
            "track_id": f"id{position}",
            "track_name": values["track_name"],
            "track_artist": values["artist_name"],
            "track_popularity": _whole(values["popularity"]),
            "track_album_id": f"album{position}",
            "track_album_name": "Album",
            "track_album_release_date": "2019-06-14",
            "playlist_name": f"{genre} hits",
            "playlist_id": f"playlist{position % 3}",
            "playlist_genre": genre,
            "playlist_subgenre": f"indie {genre}",
            "key": pitch_class(values["key"]),
            "mode": mode_number(values["mode"]),
            "duration_ms": _whole(values["duration_ms"]),
        }
        for column in SPOTIFYR_COLUMNS:
            line.setdefault(column, values.get(column, ""))
        table.append({column: line[column] for column in columns})
    return csv_bytes(table, list(columns))


def web_api_objects(rows: list[dict[str, str]]) -> list[dict[str, object]]:
    """The rows as the Web API's audio-features objects.

    JSON numbers, no popularity.
    """
    objects = []
    for position, values in enumerate(rows):
        item: dict[str, object] = {}
        for name in WEB_API_FEATURES:
            value = values[name]
            if name == "key":
                item[name] = int(pitch_class(value))
            elif name == "mode":
                item[name] = int(mode_number(value))
            elif name == "duration_ms":
                item[name] = int(float(value))
            else:
                item[name] = float(value)
        item.update(
            type="audio_features",
            id=f"id{position}",
            uri=f"spotify:track:id{position}",
            track_href=f"https://api.spotify.com/v1/tracks/id{position}",
            analysis_url=f"https://api.spotify.com/v1/audio-analysis/id{position}",
            time_signature=4,
        )
        objects.append(item)
    return objects


def web_api_json_bytes(
    rows: list[dict[str, str]], wrapped: bool = True, nulls: tuple[int, ...] = ()
) -> bytes:
    """The rows as a Web API audio-features response (``{"audio_features": [...]}``).

    ``wrapped=False`` gives a bare list; ``nulls`` are positions where the API
    returned null (no features for that track), inserted before those rows.
    """
    items: list[object] = list(web_api_objects(rows))
    for position in sorted(nulls):
        items.insert(position, None)
    document = {"audio_features": items} if wrapped else items
    return json.dumps(document, indent=1).encode()


def _title(column: str) -> str:
    """A header as a spreadsheet user might write it.

    ``duration_ms`` -> ``Duration Ms``; the label as ``Genre``.
    """
    return "Genre" if column == schema.TARGET else column.replace("_", " ").title()


def _text(rows: list[dict[str, str]], columns: list[str] | None = None) -> str:
    return csv_bytes(rows, columns).decode("utf-8")


def _line(values: dict[str, str], separator: str = ",") -> str:
    return separator.join(values[column] for column in COLUMNS)


def _build() -> list[BadFile]:
    three = good_rows(3)
    four = good_rows(4)
    header = ",".join(COLUMNS)
    noise = random.Random(66).randbytes(4096)
    files = [
        # Delimiters and layout -------------------------------------------------
        BadFile(
            "semicolon_delimiter", _text(three).replace(",", ";").encode(), True, rows=3
        ),
        BadFile(
            "semicolon_decimal_comma",
            (
                ";".join(COLUMNS)
                + "\n"
                + _line(row(energy="0,7", loudness="-6,5", artist_name="Smith, J"), ";")
                + "\n"
            ).encode(),
            True,
            rows=1,
        ),
        BadFile(
            "tab_delimiter", _text(three).replace(",", "\t").encode(), True, rows=3
        ),
        BadFile(
            "missing_tempo_column",
            csv_bytes(three, [c for c in COLUMNS if c != "tempo"]),
            False,
            message_words=("missing", "tempo"),
        ),
        BadFile(
            "missing_two_columns",
            csv_bytes(three, [c for c in COLUMNS if c not in ("key", "valence")]),
            False,
            message_words=("missing", "key", "valence"),
        ),
        BadFile(
            "extra_columns",
            csv_bytes(
                [{**r, "comment": "hi", "bpm_guess": "3"} for r in three],
                [*COLUMNS, "comment", "bpm_guess"],
            ),
            True,
            rows=3,
        ),
        BadFile(
            "shuffled_columns",
            csv_bytes(three, random.Random(6).sample(COLUMNS, len(COLUMNS))),
            True,
            rows=3,
        ),
        BadFile(
            "trailing_delimiter_every_row",
            (
                "\n".join(line + "," for line in _text(three).splitlines()) + "\n"
            ).encode(),
            True,
            rows=3,
        ),
        BadFile(
            "extra_value_in_one_row",
            (
                header + "\n" + _line(three[0]) + "\n" + _line(three[1]) + ",surprise\n"
            ).encode(),
            False,
            message_words=("line 3", "19 values", "18 columns"),
        ),
        BadFile(
            "unclosed_quote",
            (_text(three) + '"Unclosed, ' + _line(GOOD_ROW) + "\n").encode(),
            False,
            message_words=("quotation mark", "line 5"),
        ),
        BadFile("leading_blank_lines", ("\n \n" + _text(three)).encode(), True, rows=3),
        BadFile(
            "short_row",
            (_text(three) + "99.0,Someone,Short\n").encode(),
            True,
            rows=4,
            # Nothing to fill in from (issue 30: empty cells are filled
            # only in a row with audio features).
            reasons={3: ("no audio features",)},
        ),
        BadFile(
            "blank_row_inside",
            (
                header
                + "\n"
                + _line(three[0])
                + "\n"
                + "," * (len(COLUMNS) - 1)
                + "\n\n"
                + _line(three[1])
                + "\n"
            ).encode(),
            True,
            rows=4,
            reasons={1: ("blank row",), 2: ("blank row",)},
        ),
        # Encodings ------------------------------------------------------------
        BadFile(
            "utf8_bom_crlf",
            ("\ufeff" + _text(three).replace("\n", "\r\n")).encode("utf-8"),
            True,
            rows=3,
        ),
        BadFile(
            "latin1_encoding",
            _text([row(artist_name="Beyoncé", track_name="Café Noël")]).encode(
                "latin-1"
            ),
            True,
            rows=1,
        ),
        BadFile(
            "utf16_excel_unicode_text",
            _text(three).replace(",", "\t").encode("utf-16"),
            True,
            rows=3,
        ),
        # Not a CSV at all -------------------------------------------------------
        BadFile("empty_file", b"", False, message_words=("empty",)),
        BadFile("whitespace_only", b"  \n\r\n \n", False, message_words=("empty",)),
        BadFile(
            "header_only",
            (header + "\n").encode(),
            False,
            message_words=("header", "no rows"),
        ),
        BadFile(
            "only_blank_rows",
            (header + "\n" + ("," * (len(COLUMNS) - 1) + "\n") * 3).encode(),
            False,
            message_words=("every row", "blank"),
        ),
        BadFile("random_binary", noise, False, message_words=("not a text file",)),
        BadFile(
            "xlsx_renamed",
            b"PK\x03\x04\x14\x00\x06\x00" + noise[:600],
            False,
            message_words=("not a text file", "excel", "csv"),
        ),
        BadFile(
            "json_renamed",
            json.dumps(three, indent=2).encode(),
            False,
            message_words=("json",),
        ),
        BadFile(
            "plain_text_renamed",
            b"Dear friend,\nhere are the songs I like: Song A by Someone, and Song B.\n"
            b"See you soon!\n",
            False,
            message_words=("does not look like the music genre csv",),
        ),
        # Bad values -------------------------------------------------------------
        BadFile(
            "text_in_numeric_column",
            csv_bytes([three[0], row(energy="loud"), three[2]]),
            True,
            rows=3,
            reasons={1: ("energy", "not a number")},
        ),
        BadFile(
            "nan_and_inf",
            csv_bytes(
                [
                    three[0],
                    row(loudness="nan"),
                    row(tempo="inf"),
                    row(danceability="-inf"),
                    row(popularity="NaN"),
                    row(liveness="1e400"),
                ]
            ),
            True,
            rows=6,
            reasons={
                1: ("loudness",),
                2: ("tempo", "infinite"),
                3: ("danceability", "infinite"),
                4: ("popularity",),
                5: ("liveness", "infinite"),
            },
        ),
        BadFile(
            "out_of_range",
            csv_bytes(
                [row(acousticness="5"), three[1], row(tempo="-3", popularity="140")]
            ),
            True,
            rows=3,
            reasons={
                0: ("acousticness 5 is outside 0 to 1",),
                2: ("tempo -3", "popularity 140"),
            },
        ),
        BadFile(
            "unknown_key_and_mode",
            csv_bytes([row(key="H"), three[1], row(mode="Dorian")]),
            True,
            rows=3,
            reasons={0: ("key 'H'",), 2: ("mode 'Dorian'",)},
        ),
        BadFile(
            "unknown_tempo_and_duration",
            csv_bytes([row(tempo="?"), row(duration_ms="-1"), three[2]]),
            True,
            rows=3,
            # The test bundle drops unknowns (the study): each row says which.
            reasons={0: ("unknown tempo",), 1: ("unknown duration_ms",)},
        ),
        # Sizes and labels ---------------------------------------------------------
        BadFile(
            "one_row",
            csv_bytes([GOOD_ROW]),
            True,
            rows=1,
            training_error=("at least two genres",),
        ),
        BadFile(
            "ten_rows_two_genres",
            csv_bytes(
                [
                    row(music_genre=("Jazz", "Rap")[i % 2], instance_id=str(i))
                    for i in range(10)
                ]
            ),
            True,
            rows=10,
            training_error=("at least 20 usable rows",),
        ),
        BadFile(
            "single_genre",
            csv_bytes(
                [
                    row(music_genre="Jazz", instance_id=str(i), energy=f"{i / 40:.3f}")
                    for i in range(40)
                ]
            ),
            True,
            rows=40,
            training_error=("at least two genres",),
        ),
        BadFile(
            "every_tempo_unknown",
            csv_bytes([{**r, "tempo": "?"} for r in good_rows(30)]),
            True,
            rows=30,
            reasons=dict.fromkeys(range(30), ("unknown tempo",)),
            training_error=("No row of this file can be used",),
        ),
        BadFile(
            "over_size_limit",
            _text(good_rows(60)).encode(),
            False,
            rows=60,
            message_words=("larger than", "limit"),
            size_limit_mb=0.001,
        ),
        # Real Spotify data in other formats (issue 15) --------------------------------
        BadFile(
            "exportify_playlist",
            exportify_bytes(four, keys={3: "-1"}),
            True,
            rows=4,
            # A model that drops unknowns cannot predict a track with no key.
            reasons={3: ("unknown key",)},
            # Exportify's "Genres" are the artists' genres, not a label.
            dataset_error=("music_genre",),
            evaluate_error=("music_genre",),
            understood=(
                "an exportify playlist",
                "'duration (ms)' used as duration_ms",
                "integer keys converted",
                "1 track with no key detected",
            ),
        ),
        BadFile(
            "exportify_key_12_mode_2",
            exportify_bytes(four, keys={0: "12"}, modes={2: "2"}),
            True,
            rows=4,
            reasons={
                0: ("key 12 is not a pitch class 0 to 11",),
                2: ("mode 2 is not 1 (major) or 0 (minor)",),
            },
            dataset_error=("music_genre",),
            evaluate_error=("music_genre",),
            understood=("exportify",),
        ),
        BadFile(
            "spotify_tracks_dataset",
            spotify_tracks_bytes(
                [*four, row(music_genre="Hip-Hop"), row(music_genre="Rap")],
                labels={1: "k-pop"},
            ),
            True,
            rows=6,
            understood=(
                "the spotify tracks dataset",
                "'track_genre' used as music_genre",
                "1 label not one of the model's genres",
                "'k-pop' 1",
            ),
        ),
        # The TidyTuesday Spotify songs, spotifyr's names (issue 30) -------------------
        BadFile(
            "spotifyr_songs",
            spotifyr_bytes(four),
            True,
            rows=4,
            understood=(
                "the tidytuesday spotify songs (spotifyr)",
                "'track_popularity' used as popularity",
                "'playlist_genre' as music_genre",
                "'track_artist' as artist_name",
            ),
        ),
        BadFile(
            "spotifyr_without_a_genre_column",
            spotifyr_bytes(
                [*four, *four],
                tuple(c for c in SPOTIFYR_COLUMNS if c != "playlist_genre"),
            ),
            True,
            rows=8,
            # Its sub-genres could be the labels: the person is told how to say so.
            dataset_error=("no genre column", "playlist_subgenre", "--label column"),
            evaluate_error=("no genre column", "playlist_subgenre", "--label column"),
        ),
        BadFile(
            "web_api_audio_features",
            web_api_json_bytes(four, nulls=(2,)),
            True,
            rows=5,
            reasons={2: ("blank row",)},
            fills=("popularity",),
            dataset_error=("music_genre",),
            evaluate_error=("music_genre",),
            understood=(
                "spotify web api audio features (json)",
                "popularity missing (typical value",
                "1 entry null",
            ),
            suffix=".json",
        ),
        BadFile(
            "web_api_audio_features_list",
            web_api_json_bytes(three, wrapped=False),
            True,
            rows=3,
            fills=("popularity",),
            dataset_error=("music_genre",),
            evaluate_error=("music_genre",),
            understood=("popularity missing",),
            suffix=".json",
        ),
        BadFile(
            "names_in_other_cases",
            csv_bytes(
                [
                    {
                        _title(c): v
                        for c, v in {
                            **r,
                            "key": r["key"].lower(),
                            "mode": r["mode"].upper(),
                        }.items()
                    }
                    for r in three
                ],
                [_title(c) for c in COLUMNS],
            ),
            True,
            rows=3,
            understood=(
                "'genre' used as music_genre",
                "matched ignoring case",
                "key and mode names read in any case",
            ),
        ),
        BadFile(
            "missing_popularity_column",
            csv_bytes(three, [c for c in COLUMNS if c != "popularity"]),
            True,
            rows=3,
            fills=("popularity",),
            dataset_error=("no popularity column", "add a popularity"),
            understood=("popularity missing (typical value",),
        ),
        BadFile(
            "gzip_compressed_csv",
            gzip.compress(_text(three).encode(), mtime=0),
            True,
            rows=3,
            understood=("the kaggle music genre dataset",),
        ),
        BadFile(
            "two_columns_for_energy",
            csv_bytes([{**r, "Energy": "0.3"} for r in three], [*COLUMNS, "Energy"]),
            False,
            message_words=("two columns", "'energy' and 'energy'", "keep one"),
        ),
        BadFile(
            "two_columns_for_popularity",
            csv_bytes(
                [{**r, "track_popularity": r["popularity"]} for r in three],
                [*COLUMNS, "track_popularity"],
            ),
            False,
            message_words=(
                "two columns",
                "'popularity' and 'track_popularity' are popularity",
                "keep one",
            ),
        ),
        BadFile(
            "a_column_written_twice",
            (header + ",tempo\n" + _line(three[0]) + ",99\n").encode(),
            False,
            message_words=("'tempo' is there twice",),
        ),
        BadFile(
            "html_page_saved_as_csv",
            b'<!DOCTYPE html>\n<html lang="en"><head><title>Prediction of music '
            b"genre | Kaggle</title></head>\n"
            b"<body><p>music_genre.csv</p></body></html>\n",
            False,
            message_words=("web page", "html", "not a table"),
        ),
        BadFile(
            "only_track_names",
            csv_bytes(
                [
                    {"artist_name": "Someone", "track_name": f"Song {i}"}
                    for i in range(3)
                ],
                ["artist_name", "track_name"],
            ),
            False,
            message_words=(
                "track names",
                "none of the audio features",
                "acousticness",
                "tempo",
                "valence",
            ),
        ),
        BadFile(
            "exportify_names_only",
            csv_bytes(
                [
                    {
                        "Track Name": "Song",
                        "Artist Name(s)": "Someone",
                        "Album Name": "Album",
                    }
                ],
                ["Track Name", "Artist Name(s)", "Album Name"],
            ),
            False,
            message_words=("track names", "danceability", "key", "mode"),
        ),
        BadFile(
            "json_but_not_audio_features",
            json.dumps(
                {"tracks": {"items": [{"name": "Song", "popularity": 50}]}}
            ).encode(),
            False,
            message_words=("json", "audio features"),
        ),
    ]
    return files


CORPUS: list[BadFile] = _build()
ACCEPTED = [bad for bad in CORPUS if bad.accepted]
REFUSED = [bad for bad in CORPUS if not bad.accepted]


def by_name(name: str) -> BadFile:
    """The corpus entry called ``name``."""
    return next(bad for bad in CORPUS if bad.name == name)


def write_corpus(folder: Path) -> list[Path]:
    """Write every corpus file into ``folder`` (e.g. to try them in the app by hand)."""
    folder.mkdir(parents=True, exist_ok=True)
    return [bad.write(folder) for bad in CORPUS]


if __name__ == "__main__":  # python -m tests.bad_files.corpus OUT_FOLDER
    import sys

    for path in write_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else "bad_files")):
        print(path)  # noqa: T201
