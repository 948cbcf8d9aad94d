"""The bad-file corpus: small synthetic files and what GenreLab must do with each.

Every file is built here from ``tests/conftest.py``'s ``GOOD_ROW``; none holds a
row of the real dataset. Each entry says either that the file is accepted (and
which rows must come back with a reason instead of a prediction) or that it is
refused with a plain-English :class:`core.errors.DataError` whose message holds
given words.
"""

from __future__ import annotations

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
    # Run with core.data.MAX_FILE_MB set to this (a small stand-in for 200 MB).
    size_limit_mb: float | None = None
    # Training on it must fail with these words (None: training is not tried).
    training_error: tuple[str, ...] | None = None

    @property
    def accepted_when_streamed(self) -> bool:
        """Whether predict and evaluate, which stream a path, read it: no size limit there."""
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

    def write(self, folder: Path) -> Path:
        """Write the file as ``<name>.csv`` in ``folder`` and return its path."""
        path = folder / f"{self.name}.csv"
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


def _text(rows: list[dict[str, str]], columns: list[str] | None = None) -> str:
    return csv_bytes(rows, columns).decode("utf-8")


def _line(values: dict[str, str], separator: str = ",") -> str:
    return separator.join(values[column] for column in COLUMNS)


def _build() -> list[BadFile]:
    three = good_rows(3)
    header = ",".join(COLUMNS)
    noise = random.Random(66).randbytes(4096)
    files = [
        # Delimiters and layout -------------------------------------------------
        BadFile("semicolon_delimiter", _text(three).replace(",", ";").encode(), True, rows=3),
        BadFile(
            "semicolon_decimal_comma",
            (";".join(COLUMNS) + "\n"
             + _line(row(energy="0,7", loudness="-6,5", artist_name="Smith, J"), ";")
             + "\n").encode(),
            True, rows=1,
        ),
        BadFile("tab_delimiter", _text(three).replace(",", "\t").encode(), True, rows=3),
        BadFile(
            "missing_tempo_column",
            csv_bytes(three, [c for c in COLUMNS if c != "tempo"]),
            False, message_words=("missing", "tempo"),
        ),
        BadFile(
            "missing_two_columns",
            csv_bytes(three, [c for c in COLUMNS if c not in ("key", "valence")]),
            False, message_words=("missing", "key", "valence"),
        ),
        BadFile(
            "extra_columns",
            csv_bytes([{**r, "comment": "hi", "bpm_guess": "3"} for r in three],
                      [*COLUMNS, "comment", "bpm_guess"]),
            True, rows=3,
        ),
        BadFile(
            "shuffled_columns",
            csv_bytes(three, random.Random(6).sample(COLUMNS, len(COLUMNS))),
            True, rows=3,
        ),
        BadFile(
            "trailing_delimiter_every_row",
            ("\n".join(line + "," for line in _text(three).splitlines()) + "\n").encode(),
            True, rows=3,
        ),
        BadFile(
            "extra_value_in_one_row",
            (header + "\n" + _line(three[0]) + "\n" + _line(three[1]) + ",surprise\n").encode(),
            False, message_words=("line 3", "19 values", "18 columns"),
        ),
        BadFile(
            "unclosed_quote",
            (_text(three) + '"Unclosed, ' + _line(GOOD_ROW) + "\n").encode(),
            False, message_words=("quotation mark", "line 5"),
        ),
        BadFile("leading_blank_lines", ("\n \n" + _text(three)).encode(), True, rows=3),
        BadFile(
            "short_row",
            (_text(three) + "99.0,Someone,Short\n").encode(),
            True, rows=4, reasons={3: ("popularity is empty", "key is empty")},
        ),
        BadFile(
            "blank_row_inside",
            (header + "\n" + _line(three[0]) + "\n" + "," * (len(COLUMNS) - 1)
             + "\n\n" + _line(three[1]) + "\n").encode(),
            True, rows=4, reasons={1: ("blank row",), 2: ("blank row",)},
        ),
        # Encodings ------------------------------------------------------------
        BadFile(
            "utf8_bom_crlf",
            ("\ufeff" + _text(three).replace("\n", "\r\n")).encode("utf-8"),
            True, rows=3,
        ),
        BadFile(
            "latin1_encoding",
            _text([row(artist_name="Beyoncé", track_name="Café Noël")]).encode("latin-1"),
            True, rows=1,
        ),
        BadFile("utf16_excel_unicode_text",
                _text(three).replace(",", "\t").encode("utf-16"), True, rows=3),
        # Not a CSV at all -------------------------------------------------------
        BadFile("empty_file", b"", False, message_words=("empty",)),
        BadFile("whitespace_only", b"  \n\r\n \n", False, message_words=("empty",)),
        BadFile("header_only", (header + "\n").encode(), False,
                message_words=("header", "no rows")),
        BadFile("only_blank_rows",
                (header + "\n" + ("," * (len(COLUMNS) - 1) + "\n") * 3).encode(),
                False, message_words=("every row", "blank")),
        BadFile("random_binary", noise, False, message_words=("not a text file",)),
        BadFile("xlsx_renamed", b"PK\x03\x04\x14\x00\x06\x00" + noise[:600], False,
                message_words=("not a text file", "excel", "csv")),
        BadFile("json_renamed", json.dumps(three, indent=2).encode(), False,
                message_words=("json",)),
        BadFile(
            "plain_text_renamed",
            b"Dear friend,\nhere are the songs I like: Song A by Someone, and Song B.\n"
            b"See you soon!\n",
            False, message_words=("does not look like the music genre csv",),
        ),
        # Bad values -------------------------------------------------------------
        BadFile(
            "text_in_numeric_column",
            csv_bytes([three[0], row(energy="loud"), three[2]]),
            True, rows=3, reasons={1: ("energy", "not a number")},
        ),
        BadFile(
            "nan_and_inf",
            csv_bytes([three[0], row(loudness="nan"), row(tempo="inf"),
                       row(danceability="-inf"), row(popularity="NaN"),
                       row(liveness="1e400")]),
            True, rows=6,
            reasons={1: ("loudness",), 2: ("tempo", "infinite"),
                     3: ("danceability", "infinite"), 4: ("popularity",),
                     5: ("liveness", "infinite")},
        ),
        BadFile(
            "out_of_range",
            csv_bytes([row(acousticness="5"), three[1],
                       row(tempo="-3", popularity="140")]),
            True, rows=3,
            reasons={0: ("acousticness 5 is outside 0 to 1",),
                     2: ("tempo -3", "popularity 140")},
        ),
        BadFile(
            "unknown_key_and_mode",
            csv_bytes([row(key="H"), three[1], row(mode="Dorian")]),
            True, rows=3, reasons={0: ("key 'H'",), 2: ("mode 'Dorian'",)},
        ),
        BadFile(
            "unknown_tempo_and_duration",
            csv_bytes([row(tempo="?"), row(duration_ms="-1"), three[2]]),
            True, rows=3,
            # The test bundle drops unknowns (the study): each row says which.
            reasons={0: ("unknown tempo",), 1: ("unknown duration_ms",)},
        ),
        # Sizes and labels ---------------------------------------------------------
        BadFile("one_row", csv_bytes([GOOD_ROW]), True, rows=1,
                training_error=("at least two genres",)),
        BadFile("ten_rows_two_genres",
                csv_bytes([row(music_genre=("Jazz", "Rap")[i % 2], instance_id=str(i))
                           for i in range(10)]),
                True, rows=10, training_error=("at least 20 usable rows",)),
        BadFile(
            "single_genre",
            csv_bytes([row(music_genre="Jazz", instance_id=str(i),
                           energy=f"{i / 40:.3f}") for i in range(40)]),
            True, rows=40, training_error=("at least two genres",),
        ),
        BadFile(
            "every_tempo_unknown",
            csv_bytes([{**r, "tempo": "?"} for r in good_rows(30)]),
            True, rows=30, reasons=dict.fromkeys(range(30), ("unknown tempo",)),
            training_error=("No row of this file can be used",),
        ),
        BadFile(
            "over_size_limit",
            _text(good_rows(60)).encode(),
            False, rows=60, message_words=("larger than", "limit"), size_limit_mb=0.001,
        ),
    ]  # fmt: skip
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
