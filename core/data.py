"""Load a file of tracks, from a path or an upload, and validate it.

The Kaggle music genre CSV is the reference; other tables of Spotify audio
features (an Exportify playlist, the Spotify Tracks Dataset) and the Spotify
Web API's audio-features JSON are read too: their column names and value
conventions are understood through :mod:`core.formats`, and a
:class:`core.formats.Understood` passed to a reader says what was understood.

The result is a *typed frame*: every row of the file in its order (blank rows
included, so nothing is silently lost), with GenreLab's column names, numeric
features as floats with NaN for unknown values (an empty cell, tempo's
``?``, duration's -1, and a whole column the file does not have when it may
be filled: ``formats.FILLABLE_COLUMNS``), key and mode None when unknown or
empty, a ``row_problem`` column that says why a row cannot be used (empty
when it can) and an ``empty_features`` column naming the features whose cell
was empty (whether a model fills them in is the model's choice).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
import re
import shlex
import shutil
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NamedTuple, cast

import numpy as np
import pandas as pd

from core import formats, schema
from core.errors import DataError
from core.forward import BLOCK_ROWS
from core.genres import Genres
from core.limits import LIMITS, BoundedReader, megabytes

# Every limit of an upload is declared in core.limits; this is the upload
# limit under the name the readers and their tests use. Every upload, and
# every file read whole (training data), must fit in it; only the command
# line's predict and evaluate, which stream a path, read any size.
MAX_FILE_MB = LIMITS.upload_mb
# Rows read at a time when streaming: measured on a 100,000-row upload, 50,000
# rows a chunk added 229 MB to the process at its peak, 10,000 rows 69 MB, and
# ran as fast. A whole number of the network's blocks (2,048 rows), so that
# no chunk but the last pads a block (core.forward.Network.outputs).
CHUNK_ROWS = 5 * BLOCK_ROWS
DATA_PATH_VARIABLE = "MUSIC_GENRE_CSV"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_PATH = PROJECT_ROOT / "data" / "music_genre.csv"
KAGGLE_DATASET = "vicsuperman/prediction-of-music-genre"
KAGGLE_FILE = "music_genre.csv"

PROBLEM_COLUMN = "row_problem"
# The row problem of a row with no value at all.
BLANK_ROW = "blank row"
# The row problem of a row with values, but none of the audio features.
NO_AUDIO_FEATURES = "no audio features (every one is empty)"
# The features whose cell is empty in a row without a problem, joined with
# EMPTY_SEPARATOR in schema.FEATURE_COLUMNS order ("" when none): a model
# that fills in unknown values fills them, another gives the row a reason.
EMPTY_COLUMN = "empty_features"
EMPTY_SEPARATOR = ", "

CsvSource = str | os.PathLike[str] | bytes | IO[bytes] | IO[str]


def resolve_data_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where the dataset is: the explicit path, else $MUSIC_GENRE_CSV, else data/.

    Args:
        explicit: a path given by the user, if any.

    Returns:
        The path to read; it may not exist (callers say how to get the data).
    """
    if explicit:
        return Path(explicit)
    from_environment = os.environ.get(DATA_PATH_VARIABLE)
    if from_environment:
        return Path(from_environment)
    return DEFAULT_DATA_PATH


def _too_large() -> DataError:
    return DataError(
        f"The file is larger than the {MAX_FILE_MB:g} MB limit; "
        "split it into smaller files, or predict it with the command line "
        "(python -m core predict), which reads a file of any size in chunks."
    )


def _too_many_rows() -> DataError:
    return DataError(
        f"The file has more than {LIMITS.rows:,} rows, the most the app reads "
        "from one upload; split it into smaller files, or use the command line "
        "(python -m core predict), which reads a file of any size in chunks."
    )


def _unpacked_too_large() -> DataError:
    return DataError(
        f"The file is too large once unpacked: this compressed file holds more "
        f"than {LIMITS.unpacked_mb:g} MB of text, the most the app reads from "
        "one upload; split it into smaller files, or use the command line "
        "(python -m core predict), which reads a file of any size in chunks."
    )


_FIRST_TEXT = re.compile(rb"\S")


def _check_line_count(content: bytes) -> None:
    """Refuse, before any parsing, a plain CSV upload with too many rows.

    Without a quotation mark no field can hold a line break, so the lines
    under the header are exactly the rows pandas reads (blank lines count,
    as they do when read); a file with quotes is counted while it is read.
    """
    if content.startswith(_UTF16_BOMS):
        return
    start = _FIRST_TEXT.search(content)
    if start is None:
        return
    lines = content.count(b"\n", start.start()) + (not content.endswith(b"\n"))
    if lines - 1 > LIMITS.rows and b'"' not in content:
        raise _too_many_rows()


def _open_binary(source: CsvSource, limited: bool) -> IO[bytes]:
    """A binary stream over the source; ``limited`` enforces ``MAX_FILE_MB``.

    Bytes and open uploads are held to the limit either way: they are in the
    app's memory already, and the limit is what it can take. ``limited``
    also refuses a plain CSV of more than ``LIMITS.rows`` rows at once.
    """
    limit = megabytes(MAX_FILE_MB)
    if isinstance(source, bytes):
        if len(source) > limit:
            raise _too_large()
        return _checked_upload(source) if limited else io.BytesIO(source)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.exists():
            raise DataError(f"No file at {path}.")
        if path.is_dir():
            raise DataError(f"{path} is a folder, not a CSV file.")
        if limited and path.stat().st_size > limit:
            raise _too_large()
        try:
            return path.open("rb")
        except OSError as error:
            raise DataError(f"Could not read {path}: {error.strerror}.") from None
    content = source.read(limit + 1)
    if isinstance(content, str):
        content = content.encode("utf-8")
    if len(content) > limit:
        raise _too_large()
    return _checked_upload(content) if limited else io.BytesIO(content)


def _unpacked(content: bytes) -> bytes:
    """A gzip upload's text, unpacked only up to ``LIMITS.unpacked_mb``."""
    packed = gzip.GzipFile(fileobj=io.BytesIO(content), mode="rb")
    bounded = BoundedReader(packed, megabytes(LIMITS.unpacked_mb), _unpacked_too_large)
    try:
        with io.BufferedReader(bounded) as stream:
            return stream.read()
    except (OSError, EOFError):
        raise DataError(
            "This file is compressed (gzip) but damaged; unzip it and upload the "
            "CSV inside."
        ) from None


def _checked_upload(content: bytes) -> IO[bytes]:
    """An upload's bytes (a gzip unpacked), refused past the limits on its shape.

    Rows and columns are counted in the bytes before pandas reads any of
    them: a line of 100,000 fields costs pandas 140 MB and 3.5 s to refuse
    (measured), and millions of rows of one character each fit in 30 MB.
    """
    if content.startswith(_GZIP_SIGNATURE):
        content = _unpacked(content)
    first = _FIRST_TEXT.search(content[:_SNIFF_BYTES])
    if first is not None and content[first.start()] not in b"{[":
        # JSON has its own limits (_read_audio_features): its lines are not rows.
        _check_line_count(content)
        _check_line_widths(content)
    return io.BytesIO(content)


# A line with more than LIMITS.columns separators, for each separator the
# header may use: matched from each line's start, so the search is linear.
_WIDE_LINES = {
    separator: re.compile(
        rb"^(?:[^\n" + separator + rb"]*" + separator + rb"){%d}" % LIMITS.columns,
        re.MULTILINE,
    )
    for separator in (b",", b";", b"\t", b"|")
}


def _check_line_widths(content: bytes) -> None:
    """Refuse an upload with a line of more than ``LIMITS.columns`` fields.

    A field in quotes may hold separators: such a line is refused too, which
    a table of tracks (15 to 25 columns) never comes near.
    """
    for separator, wide_line in _WIDE_LINES.items():
        if content.count(separator) < LIMITS.columns:
            continue
        found = wide_line.search(content)
        if found is not None:
            line = content.count(b"\n", 0, found.start()) + 1
            raise DataError(
                f"This file could not be read as a table: line {line} has more "
                f"than {LIMITS.columns:,} values, where a file of tracks has 15 "
                "to 25 columns. Check that it is a CSV file of tracks."
            )


# File signatures of formats people save by mistake under a .csv name.
_ZIP_SIGNATURE = b"PK\x03\x04"  # .xlsx, .ods and .zip
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"  # old .xls
_GZIP_SIGNATURE = b"\x1f\x8b"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_SNIFF_BYTES = 65536
_VALIDATE_BLOCK = 1 << 20


def _is_web_page(head: bytes) -> bool:
    """Whether a file's first bytes are an HTML page (one saved under a .csv name)."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith(b"<") and (b"<html" in start or b"<!doctype html" in start)


def _is_utf8(stream: IO[bytes]) -> bool:
    """Whether the whole stream decodes as UTF-8 (read in blocks, then rewound)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while block := stream.read(_VALIDATE_BLOCK):
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        stream.seek(0)
    return True


def _only_whitespace(stream: IO[bytes]) -> bool:
    try:
        while block := stream.read(_VALIDATE_BLOCK):
            if block.strip():
                return False
    finally:
        stream.seek(0)
    return True


def _open_text(binary: IO[bytes]) -> IO[str]:
    """Decode a binary stream: UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1252.

    Raises:
        DataError: the stream is empty, compressed beyond gzip, or binary.
    """
    head = binary.read(_SNIFF_BYTES)
    binary.seek(0)
    if head.startswith(_GZIP_SIGNATURE):
        # A gzip-compressed CSV (e.g. music_genre.csv.gz renamed): read through it.
        # (A binary stream: typeshed's GzipFile is no typing.IO subclass.)
        binary = cast(IO[bytes], gzip.GzipFile(fileobj=binary, mode="rb"))
        try:
            head = binary.read(_SNIFF_BYTES)
            binary.seek(0)
        except (OSError, EOFError):
            raise DataError(
                "This file is compressed (gzip) but damaged; unzip it and upload "
                "the CSV inside."
            ) from None
    if not head.strip() and _only_whitespace(binary):
        raise DataError("The file is empty.")
    if head.startswith((_ZIP_SIGNATURE, _OLE_SIGNATURE)):
        raise DataError(
            "This is not a text file: it looks like an Excel workbook or a zip "
            "archive. In your spreadsheet program choose Save As > CSV, then "
            "upload that file."
        )
    if _is_web_page(head):
        raise DataError(
            "This file is a web page (HTML), not a table: a browser's Save Page "
            "As keeps the page, not its data. Download the data itself (the "
            "site's CSV or export button) and use that file."
        )
    if head.startswith(_UTF16_BOMS):
        # Excel's "Unicode Text" export: UTF-16 with a byte order mark.
        return io.TextIOWrapper(binary, encoding="utf-16", newline="")
    if b"\x00" in head:
        raise DataError(
            "This is not a text file (it holds binary data); "
            "upload the music genre CSV file."
        )
    try:
        utf8 = _is_utf8(binary)
    except (OSError, EOFError):
        raise DataError(
            "This file is compressed (gzip) but damaged; unzip it and upload the "
            "CSV inside."
        ) from None
    # Spreadsheet programs often save CSV files as Windows-1252/Latin-1.
    encoding = "utf-8-sig" if utf8 else "cp1252"
    return io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline="")


def _delimiter(header_line: str) -> str:
    if "," in header_line:
        return ","
    for candidate in (";", "\t", "|"):
        if candidate in header_line:
            return candidate
    return ","


def _skip_blank_lines(text: IO[str]) -> tuple[str, int]:
    """Move past blank lines before the header; return the header line and their count.

    pandas would take a blank first line for an empty header. The count keeps
    line numbers in messages true to the file.
    """
    skipped = 0
    while True:
        position = text.tell()
        line = text.readline()
        if not line or line.strip(" \t\r\n"):
            text.seek(position)
            return line, skipped
        skipped += 1


@dataclass(frozen=True)
class _Table:
    """An opened CSV: its text stream positioned at the header, and how to read it."""

    text: IO[str]
    separator: str
    skipped_lines: int
    # The header's names as written (stripped), for matching them by name.
    header: tuple[str, ...] = ()


_NOT_AUDIO_FEATURES = (
    "This file holds JSON, not a CSV table or the Spotify Web API's audio "
    "features; export the data as CSV."
)


def _header_names(line: str, separator: str) -> tuple[str, ...]:
    fields = next(csv.reader([line], delimiter=separator, skipinitialspace=True), [])
    return tuple(name.strip() for name in fields)


@dataclass(frozen=True)
class _JsonRows:
    """A Spotify Web API audio-features file, read whole."""

    frame: pd.DataFrame
    # Entries that were null: Spotify had no features for those tracks.
    null_entries: int


def _open_table(source: CsvSource, limited: bool) -> _Table | _JsonRows:
    """Open a file: a CSV's :class:`_Table`, or a JSON file's rows read whole."""
    text = _open_text(_open_binary(source, limited))
    try:
        first_line, skipped = _skip_blank_lines(text)
    except UnicodeError:
        raise DataError(
            "This file's text cannot be decoded; save it as UTF-8 CSV."
        ) from None
    if first_line.lstrip().startswith(("{", "[")):
        with text:
            return _read_audio_features(text, limited)
    separator = _delimiter(first_line)
    if limited and first_line.count(separator) >= LIMITS.columns:
        # Counted before the names are split: a header of a million names
        # would cost hundreds of MB as Python strings.
        text.close()
        raise DataError(
            f"The file's first line names more than {LIMITS.columns:,} columns; "
            "a file of tracks has a header of 15 to 25 column names. Check "
            "that the first line is the header."
        )
    return _Table(text, separator, skipped, _header_names(first_line, separator))


def _json_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return json.dumps(value)


def _read_audio_features(text: IO[str], limited: bool = False) -> _JsonRows:
    """Read a Spotify Web API audio-features file whole, as a raw frame of text.

    Either ``{"audio_features": [...]}`` (what the API returns) or a list of
    such objects; a null entry (a track Spotify has no features for) becomes
    a blank row. The file is read whole, so ``MAX_FILE_MB`` applies even when
    streaming, and ``limited`` (an upload) holds it to ``LIMITS.json_mb``
    and one object or list per row.

    Raises:
        DataError: the file is too large, or holds JSON that is not audio
            features.
    """
    limit_mb = LIMITS.json_mb if limited else MAX_FILE_MB
    limit = megabytes(limit_mb)
    try:
        content = text.read(limit + 1)
    except UnicodeError:
        raise DataError(
            "This file's text cannot be decoded; save it as UTF-8."
        ) from None
    if len(content) > limit:
        raise DataError(
            f"A JSON file is read whole, and this one is larger than the "
            f"{limit_mb:g} MB limit; split it into smaller files"
            + (", or save the tracks as CSV." if limited else ".")
        )
    if limited:
        _check_json_containers(content)
    try:
        document = json.loads(content)
    except (ValueError, RecursionError):
        # RecursionError: nested thousands deep, which no audio features are.
        raise DataError(_NOT_AUDIO_FEATURES) from None
    wrapped = isinstance(document, dict) and isinstance(
        document.get("audio_features"), list
    )
    items = document["audio_features"] if wrapped else document
    if not isinstance(items, list):
        raise DataError(_NOT_AUDIO_FEATURES)
    objects = [item for item in items if item is not None]
    if not wrapped and (
        not objects or not all(map(formats.is_audio_features, objects))
    ):
        raise DataError(_NOT_AUDIO_FEATURES)
    if not all(isinstance(item, dict) for item in objects):
        raise DataError(_NOT_AUDIO_FEATURES)
    if not objects:
        raise DataError("This audio-features file lists no track with features.")
    columns = list(dict.fromkeys(name for item in objects for name in item))
    rows = [
        [_json_cell(item.get(name)) for name in columns]
        if item is not None
        else [""] * len(columns)
        for item in items
    ]
    frame = pd.DataFrame(
        rows, columns=[str(name).strip() for name in columns], dtype=str
    )
    return _JsonRows(frame, len(items) - len(objects))


def _check_json_containers(content: str) -> None:
    """Refuse JSON holding more objects and lists than an upload has rows.

    Counted in the text before parsing (braces inside strings count too,
    which only errs on the side of refusing): Python takes 64 bytes or more
    for each, so 5 MB of ``[{},{},...]`` would otherwise become 120 MB.
    """
    containers = content.count("{") + content.count("[")
    if containers > LIMITS.rows * LIMITS.json_containers_per_row + 2:
        raise DataError(
            f"This JSON file holds more than {LIMITS.rows:,} entries, the most "
            "the app reads from one upload; split it into smaller files."
        )


def _read_options(separator: str) -> dict:
    return {
        "sep": separator,
        "dtype": str,
        "keep_default_na": False,
        "skip_blank_lines": False,
        "skipinitialspace": True,
        # Without this, rows that all end with a stray delimiter make pandas
        # use the first column as the index and shift the rest.
        "index_col": False,
    }


def _canonical_columns(
    columns: list[str], header: tuple[str, ...], label: str | None = None
) -> list[str]:
    """GenreLab's names for a chunk's columns (pandas' names for the others).

    Matched on the header as written when it lines up with the columns
    (pandas renames a repeated name ``x.1``; the header still shows both);
    ``label``: the genre column a person chose (as :func:`load_csv`).
    """
    names = header if len(header) == len(columns) else tuple(columns)
    mapping = formats.column_mapping(names, label)
    return [
        mapping.get(name, column) for name, column in zip(names, columns, strict=True)
    ]


def _tidy_chunk(frame: pd.DataFrame, table: _Table, label: str | None) -> pd.DataFrame:
    frame.columns = _canonical_columns(
        [str(column).strip() for column in frame.columns], table.header, label
    )
    if table.separator == ";":
        # Semicolon files come from spreadsheets set to a decimal comma (0,7).
        for column in schema.NUMERIC_FEATURES:
            if column in frame.columns:
                frame[column] = frame[column].str.replace(
                    _DECIMAL_COMMA, r"\1.\2", regex=True
                )
    return frame


_NO_ROWS = "The file has a header but no rows of data."


def _understand_header(
    summary: formats.Understood | None,
    written: list[str],
    file_format: str,
    label: str | None,
) -> None:
    if summary is None:
        return
    summary.format = file_format
    summary.renamed = formats.column_mapping(written, label)
    summary.duration_in = {
        name: unit
        for name in written
        if (unit := formats.canonical_name(name)) in formats.DURATION_UNIT_ALIASES
    }


# Rows read to find the columns that look like genres (a person chooses).
LABEL_SAMPLE_ROWS = 2_000


def label_columns(source: CsvSource) -> formats.LabelColumns:
    """The columns of a file that could hold its genres, from its first rows.

    For a page to ask which one does (see :class:`core.formats.LabelColumns`);
    the file is held to the upload limits, and read again to load it.

    Raises:
        DataError: the file cannot be opened as a table (loading it would
            say the same).
    """
    table = _open_table(source, limited=True)
    if isinstance(table, _JsonRows):
        return formats.LabelColumns((), ())  # audio features have no genres
    with table.text:
        try:
            head = pd.read_csv(
                table.text,
                nrows=LABEL_SAMPLE_ROWS,
                **_read_options(table.separator),
            )
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
            # Loading the file says what is wrong with its rows.
            head = pd.DataFrame(columns=list(table.header), dtype=str)
    head.columns = [str(column).strip() for column in head.columns]
    return formats.label_columns(table.header, head)


def iter_raw_chunks(
    source: CsvSource,
    chunk_rows: int | None = None,
    limited: bool = False,
    summary: formats.Understood | None = None,
    label: str | None = None,
) -> Iterator[pd.DataFrame]:
    """Read a file exactly as written, ``chunk_rows`` rows at a time.

    Memory stays that of one chunk whatever the file's size (a JSON file is
    read whole first). Each chunk's index is its rows' positions in the file
    (0 = the first data row), and the chunks together are exactly
    :func:`read_raw`'s frame. Columns GenreLab knows get its names
    (:func:`core.formats.column_mapping`); cells stay text as written.

    Args:
        source: a path, the file's bytes, or an open (uploaded) file.
        chunk_rows: rows per chunk (default ``CHUNK_ROWS``).
        limited: an upload, or a file read whole: refuse a file over
            ``MAX_FILE_MB``, or that unpacks to more than the limits of
            :data:`core.limits.LIMITS` (text, rows, columns, JSON).
        summary: filled in with the format and the columns renamed.
        label: the file's column that holds the genre, as a person named it;
            None: the one named as in ``formats.LABEL_NAMES``, if any.

    Raises:
        DataError: the file is missing, too large, empty, binary, not a
            table, has two columns of the same meaning, has no column
            ``label``, or has no data rows (raised when the faulty part is
            read).
    """
    size = chunk_rows or CHUNK_ROWS
    table = _open_table(source, limited)
    if isinstance(table, _JsonRows):
        frame = table.frame
        written = list(frame.columns)
        frame.columns = _canonical_columns(written, (), label)
        _understand_header(summary, written, formats.WEB_API, label)
        if summary is not None:
            summary.null_entries = table.null_entries
        for start in range(0, len(frame), size):
            yield frame.iloc[start : start + size]
        return
    # Names are checked before any row is read: two columns of one meaning
    # are refused at once.
    _canonical_columns(list(table.header), (), label)
    _understand_header(
        summary, list(table.header), formats.recognise(table.header), label
    )
    with table.text:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", pd.errors.ParserWarning)
                reader = pd.read_csv(
                    table.text, chunksize=size, **_read_options(table.separator)
                )
                with reader:
                    first = True
                    rows = 0
                    for chunk in reader:
                        rows += len(chunk)
                        if limited and rows > LIMITS.rows:
                            raise _too_many_rows()
                        if caught and any(
                            issubclass(w.category, pd.errors.ParserWarning)
                            for w in caught
                        ):
                            # index_col=False drops values beyond the header:
                            # fine for empty ones (a trailing delimiter), a
                            # loss of data otherwise.
                            _check_values_beyond_header(source, table)
                            caught.clear()
                        if chunk.empty:
                            continue
                        first = False
                        yield _tidy_chunk(chunk, table, label)
        except pd.errors.EmptyDataError:
            raise DataError(_NO_ROWS) from None
        except (pd.errors.ParserError, ValueError) as error:
            if isinstance(error, DataError):
                raise
            raise DataError(_parser_message(str(error), table.skipped_lines)) from None
    if first:
        raise DataError(_NO_ROWS)


def read_raw(
    source: CsvSource,
    summary: formats.Understood | None = None,
    label: str | None = None,
) -> pd.DataFrame:
    """Read a file exactly as written: every cell a string, every row kept.

    Args:
        source: a path, the file's bytes, or an open (uploaded) file.
        summary: filled in with the format and the columns renamed.
        label: the genre column a person chose (see :func:`iter_raw_chunks`).

    Returns:
        A frame of strings (empty cells are empty strings), with stripped
        column names, GenreLab's for the columns it knows.

    Raises:
        DataError: the file is missing, too large, empty, binary, not a table,
            has no column ``label``, or has no data rows.
    """
    chunks = list(iter_raw_chunks(source, limited=True, summary=summary, label=label))
    return chunks[0] if len(chunks) == 1 else pd.concat(chunks)


def iter_typed_chunks(
    source: CsvSource,
    require_label: bool = False,
    chunk_rows: int | None = None,
    summary: formats.Understood | None = None,
    allow_filled: bool = True,
    limited: bool = False,
    label: str | None = None,
    genres: Genres | None = None,
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """Stream a file as (raw chunk, typed chunk) pairs, of any size.

    The typed chunks together are :func:`load_csv`'s frame (same index).

    Args:
        source: a path, the file's bytes, or an open (uploaded) file.
        require_label: refuse a file without a genre column.
        chunk_rows: rows per chunk (default ``CHUNK_ROWS``).
        summary: filled in with what was understood, chunk by chunk.
        allow_filled: accept a file without a ``formats.FILLABLE_COLUMNS``
            column (a model fills it; see :func:`load_csv`).
        limited: an upload to the app: see :func:`iter_raw_chunks`.
        label: the genre column a person chose (see :func:`iter_raw_chunks`).
        genres: the genres of the model the file is scored by: labels of
            none of them are counted in ``summary`` (None: every label counts).

    Raises:
        DataError: as :func:`load_csv` does, when the faulty part is read
            (a file whose rows are all blank: after its last chunk).
    """
    any_row = False
    for raw in iter_raw_chunks(
        source, chunk_rows, limited, summary=summary, label=label
    ):
        typed = _type_rows(raw, require_label, allow_filled, summary, genres)
        any_row = any_row or bool((typed[PROBLEM_COLUMN] != BLANK_ROW).any())
        yield raw, typed
    if not any_row:
        raise DataError(_ALL_BLANK)


_DECIMAL_COMMA = re.compile(r"^(\s*[-+]?\d*),(\d+\s*)$")
_FIELD_COUNT = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_OPEN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")
_CSV_HINT = "; check that it is the music genre CSV."


def _parser_message(detail: str, skipped_lines: int) -> str:
    """Turn a pandas parser error into a sentence that names the line at fault."""
    fields = _FIELD_COUNT.search(detail)
    if fields:
        expected, line, seen = (int(value) for value in fields.groups())
        return (
            f"This file could not be read as a CSV table: line {line + skipped_lines} "
            f"has {seen} values but the header names {expected} columns (a stray "
            "comma or an unquoted comma in a name?); fix that line and try again."
        )
    quote = _OPEN_QUOTE.search(detail)
    if quote:
        # pandas counts rows from 0, the header included: row n is line n + 1.
        line = int(quote.group(1)) + 1 + skipped_lines
        return (
            "This file could not be read as a CSV table: a quotation mark opened "
            f"on line {line} is never closed."
        )
    lines = detail.strip().splitlines()
    last = lines[-1] if lines else ""
    return (
        "This file could not be read as a CSV table"
        + (f" ({last})" if last else "")
        + _CSV_HINT
    )


def _check_values_beyond_header(source: CsvSource, table: _Table) -> None:
    """Refuse a file whose rows hold values past the header's columns (read anew)."""
    again = _open_table(source, limited=False)
    assert isinstance(again, _Table)  # the same file, opened as a CSV before
    with again.text:
        reader = csv.reader(
            again.text, delimiter=table.separator, skipinitialspace=True
        )
        header = next(reader, [])
        for fields in reader:
            if len(fields) > len(header) and any(
                f.strip() for f in fields[len(header) :]
            ):
                raise DataError(
                    "This file could not be read as a CSV table: line "
                    f"{reader.line_num + table.skipped_lines} has {len(fields)} "
                    f"values but the header names {len(header)} columns; fix that "
                    "line and try again."
                )


def _blank_rows(raw: pd.DataFrame) -> np.ndarray:
    blank = np.ones(len(raw), dtype=bool)
    for column in raw.columns:
        # Only rows still blank are looked at: after the first column that
        # is seldom any, where stripping every column took 5% of predicting
        # a big file (measured).
        rows = np.flatnonzero(blank)
        if not len(rows):
            break
        cells = raw[column].iloc[rows].str.strip()
        blank[rows] = (cells == "").to_numpy(dtype=bool)
    return blank


def _join_problems(
    problems: list[np.ndarray], size: int, separator: str = "; "
) -> np.ndarray:
    """Join each row's problem texts with ``separator`` (most rows have none)."""
    joined = np.full(size, "", dtype=object)
    for column_problems in problems:
        has = column_problems != ""
        if not has.any():
            continue
        both = has & (joined != "")
        joined[both] = joined[both] + separator
        joined[has] = joined[has] + column_problems[has]
    return joined


NAME_COLUMNS: tuple[str, ...] = ("artist_name", "track_name")


def _duration_unit(raw: pd.DataFrame) -> str | None:
    """The column of a duration in minutes (formats.DURATION_UNIT_ALIASES), if any."""
    return next(
        (unit for unit in formats.DURATION_UNIT_ALIASES if unit in raw.columns), None
    )


def _check_columns(
    raw: pd.DataFrame, require_label: bool, allow_filled: bool
) -> list[str]:
    """Refuse a file without the columns needed; return the fillable ones it lacks."""
    required = list(schema.FEATURE_COLUMNS)
    in_file = set(raw.columns)
    if _duration_unit(raw) is not None:
        in_file.add("duration_ms")
    missing = [column for column in required if column not in in_file]
    no_label = require_label and schema.TARGET not in raw.columns
    if not missing and not no_label:
        return []
    present = [column for column in schema.FEATURE_COLUMNS if column in in_file]
    names = [column for column in NAME_COLUMNS if column in raw.columns]
    if not present and names:
        needed = [
            c for c in schema.FEATURE_COLUMNS if c not in formats.FILLABLE_COLUMNS
        ]
        raise DataError(
            f"This file has track names ({', '.join(names)}) but none of the audio "
            "features GenreLab predicts from: add the columns "
            f"{', '.join(needed[:-1])} and {needed[-1]} (and popularity if you "
            "have it), as an Exportify export or the Spotify Web API's audio "
            "features give them."
        )
    if not present or len(raw.columns) == 1:
        raise DataError(
            "This does not look like the music genre CSV: expected columns such as "
            f"{', '.join(required[:4])}, ... separated by commas, "
            f"found {_preview(raw.columns)}."
        )
    needed = [column for column in missing if column not in formats.FILLABLE_COLUMNS]
    if needed:
        what = "column" if len(needed) == 1 else "columns"
        raise DataError(f"The file is missing the {what} {', '.join(needed)}.")
    if no_label:
        raise _no_label_column(raw)
    if not missing:
        return []
    if not allow_filled:
        raise DataError(
            f"This file has no {' or '.join(missing)} column: a model can predict "
            "its tracks with a typical value instead (Batch predict, or python -m "
            "core predict), but training and the data report need each track's "
            f"own; add a {missing[0]} column (Spotify's 0-100)."
        )
    return missing


def _no_label_column(raw: pd.DataFrame) -> DataError:
    """Why a file that needs genres has none; names the columns that might hold them."""
    names = formats.listed(formats.LABEL_NAMES, conjunction="or")
    candidates = formats.label_like_columns(raw)
    if candidates:
        look = (
            "the column that looks like genres is"
            if len(candidates) == 1
            else "the columns that look like genres are"
        )
        return DataError(
            f"This file has no genre column (none is named {names}); {look} "
            f"{formats.listed(candidates)}: choose one with --label COLUMN on the "
            f"command line, e.g. --label {shlex.quote(candidates[0])}."
        )
    fewest, most = formats.LABEL_LIKE_DISTINCT
    return DataError(
        f"This file has no genre column (none is named {names}), and none of its "
        f"columns looks like one (text with {fewest} to {most} different values); "
        "add a genre column, or choose one with --label COLUMN on the command line."
    )


def _preview(columns: pd.Index) -> str:
    names = [repr(str(column)[:30]) for column in columns[:4]]
    more = ", ..." if len(columns) > 4 else ""
    return ", ".join(names) + more


def _parse_floats(stripped: pd.Series, unknown: np.ndarray) -> np.ndarray:
    """Parse stripped text as float64, NaN where ``unknown`` or not a number.

    ``unknown`` marks at least the empty cells.

    When every non-empty cell is a number, Arrow's parser does it about ten
    times faster than ``pd.to_numeric`` on Arrow-backed strings (0.2-0.3 s of
    loading the full file); a column with any other text (``?``, ``abc``)
    goes to ``pd.to_numeric``, which decides what becomes NaN.
    """
    if getattr(stripped.dtype, "storage", None) == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        text = pa.array(stripped.array)
        # Unknown cells (empty, or tempo's "?") become nulls first, so that a
        # column whose only text is its unknown mark still takes the fast path.
        text = pc.if_else(pa.array(unknown), pa.scalar(None, type=text.type), text)
        try:
            parsed = pc.cast(text, pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        else:
            return np.array(parsed.to_numpy(zero_copy_only=False), dtype=np.float64)
    return pd.to_numeric(stripped, errors="coerce").to_numpy(dtype="float64", copy=True)


class _NumericColumn(NamedTuple):
    """A numeric feature's cells read: see :func:`_numeric_problems`."""

    values: np.ndarray
    problems: np.ndarray
    empty: np.ndarray
    # Cells read as minutes and converted to milliseconds (durations only).
    in_minutes: np.ndarray


def _numeric_problems(
    name: str, text: pd.Series, unit: str | None = None
) -> _NumericColumn:
    """Return the column as floats (NaN = unknown), a problem text per row, empty cells.

    An empty cell is no problem: a model that fills in unknown values gives
    it the feature's typical value, another gives the row a reason
    (core.features.Preprocessor.usable_rows). ``unit``: a duration written
    in minutes (``formats.DURATION_MINUTES``), or in minutes under
    ``formats.MINUTES_BELOW`` and milliseconds above
    (``formats.DURATION_MINUTES_OR_MS``): converted to milliseconds.
    """
    stripped = text.str.strip()
    # Compared as the frame stores them (Arrow strings): turning every cell
    # into a Python string first took a third of this function's time.
    empty = (stripped == "").to_numpy(dtype=bool, copy=True)
    unknown = empty.copy()
    if name == "tempo":
        unknown |= (stripped == schema.UNKNOWN_TEMPO).to_numpy(dtype=bool)
    values = _parse_floats(stripped, unknown)
    problems = np.full(len(text), "", dtype=object)
    if name == "duration_ms":
        unknown |= values == schema.UNKNOWN_DURATION
    in_minutes = _minutes(values, unit) & ~unknown
    values[in_minutes] *= formats.MILLISECONDS_PER_MINUTE
    not_a_number = np.isnan(values) & ~unknown
    problems[not_a_number] = f"{name} is not a number"
    infinite = np.isinf(values)
    problems[infinite] = f"{name} is infinite"
    low, high = schema.VALUE_RANGES[name]
    with np.errstate(invalid="ignore"):
        out_of_range = ~infinite & ~unknown & ((values < low) | (values > high))
    per_minute = formats.MILLISECONDS_PER_MINUTE
    problems[out_of_range] = [
        f"{name} {value} minutes is outside {low / per_minute:g} to "
        f"{high / per_minute:g} minutes"
        if minutes
        else f"{name} {value} is outside {low:g} to {high:g}"
        for value, minutes in zip(
            stripped[out_of_range], in_minutes[out_of_range], strict=True
        )
    ]
    values[unknown | not_a_number | infinite | out_of_range] = np.nan
    return _NumericColumn(values, problems, empty, in_minutes & ~out_of_range)


def _minutes(values: np.ndarray, unit: str | None) -> np.ndarray:
    """Which values of a duration column are minutes (see :func:`_numeric_problems`)."""
    if unit == formats.DURATION_MINUTES:
        return ~np.isnan(values)
    if unit == formats.DURATION_MINUTES_OR_MS:
        with np.errstate(invalid="ignore"):
            return (values >= 0) & (values < formats.MINUTES_BELOW)
    return np.zeros(len(values), dtype=bool)


def type_frame(
    raw: pd.DataFrame,
    require_label: bool = False,
    allow_filled: bool | None = None,
    summary: formats.Understood | None = None,
    label: str | None = None,
) -> pd.DataFrame:
    """Turn a raw string frame into a typed frame (see the module docstring).

    Args:
        raw: the output of :func:`read_raw` (columns GenreLab knows under
            another name, e.g. ``Duration (ms)``, are matched here too).
        require_label: also require the genre column (for training and
            evaluation).
        allow_filled: accept a frame without a ``formats.FILLABLE_COLUMNS``
            column; None: only when ``require_label`` is off (see
            :func:`load_csv`).
        summary: filled in with what was understood.
        label: the column that holds the genre, for a frame whose names are
            as written (not one that :func:`read_raw` was given a label for:
            that one has its genre column named already).

    Returns:
        The typed frame: the same rows in the same order.

    Raises:
        DataError: a required column is missing, or no row has any value.
    """
    mapping = formats.column_mapping([str(column) for column in raw.columns], label)
    if mapping:
        raw = raw.rename(columns=mapping)
    return _type_whole(raw, require_label, allow_filled, summary)


def _type_whole(
    raw: pd.DataFrame,
    require_label: bool,
    allow_filled: bool | None,
    summary: formats.Understood | None,
    genres: Genres | None = None,
) -> pd.DataFrame:
    """:func:`type_frame` of a frame whose columns have GenreLab's names already."""
    if allow_filled is None:
        allow_filled = not require_label
    typed = _type_rows(raw, require_label, allow_filled, summary, genres)
    if (typed[PROBLEM_COLUMN] == BLANK_ROW).all():
        raise DataError(_ALL_BLANK)
    return typed


_ALL_BLANK = "Every row of the file is blank."


def _type_rows(
    raw: pd.DataFrame,
    require_label: bool,
    allow_filled: bool,
    summary: formats.Understood | None,
    genres: Genres | None = None,
) -> pd.DataFrame:
    filled = _check_columns(raw, require_label, allow_filled)
    blank = _blank_rows(raw)
    typed = raw.copy()
    problems: list[np.ndarray] = []
    # Feature -> its empty cells, in schema.FEATURE_COLUMNS order.
    empty_cells: dict[str, np.ndarray] = {}
    # A duration written in minutes, or minutes and milliseconds.
    duration_unit = _duration_unit(raw)
    for name in schema.NUMERIC_FEATURES:
        if name in filled:
            # Not in the file: a model fills it (Preprocessor.transform).
            typed[name] = np.full(len(raw), np.nan)
            continue
        unit = duration_unit if name == "duration_ms" else None
        column = _numeric_problems(name, raw[unit or name], unit)
        typed[name] = column.values
        problems.append(column.problems)
        empty_cells[name] = column.empty
        if summary is not None:
            summary.minute_durations += int(column.in_minutes.sum())
    key_text = raw[schema.KEY_COLUMN].str.strip()
    mode_text = raw[schema.MODE_COLUMN].str.strip()
    keys = formats.read_keys(key_text)
    modes = formats.read_modes(mode_text)
    typed[schema.KEY_COLUMN] = keys.values
    typed[schema.MODE_COLUMN] = modes.values
    problems += [keys.problems, modes.problems]
    empty_cells[schema.KEY_COLUMN] = (key_text == "").to_numpy(dtype=bool)
    empty_cells[schema.MODE_COLUMN] = (mode_text == "").to_numpy(dtype=bool)
    labels = None
    if schema.TARGET in raw.columns:
        genre = raw[schema.TARGET].str.strip()
        labels = formats.read_labels(genre, genres)
        typed[schema.TARGET] = (
            pd.Series(labels.genres, index=raw.index)
            .where(pd.notna(labels.genres), None)
            .astype(genre.dtype)
        )
    joined = _join_problems(problems, len(raw))
    # Nothing to fill in from: a row whose audio features are all empty (an
    # Exportify row of a local file, a row cut short) is not a track's sound.
    no_audio = np.logical_and.reduce(
        [empty_cells[column] for column in formats.WEB_API_FEATURES]
    )
    joined[no_audio] = NO_AUDIO_FEATURES
    joined[blank] = BLANK_ROW
    typed[PROBLEM_COLUMN] = joined
    fine = joined == ""
    empty_named = [
        np.where(empty & fine, column, "") for column, empty in empty_cells.items()
    ]
    typed[EMPTY_COLUMN] = _join_problems(empty_named, len(raw), EMPTY_SEPARATOR)
    if summary is not None:
        counts = {
            column: int((empty & fine).sum()) for column, empty in empty_cells.items()
        }
        summary.add_empty_cells(counts, int((typed[EMPTY_COLUMN] != "").sum()))
        summary.rows += len(raw)
        summary.missing = list(filled)
        summary.number_keys += keys.numbers
        summary.number_modes += modes.numbers
        summary.recased_names += keys.recased + modes.recased
        summary.unknown_keys += keys.unknown
        if labels is not None:
            summary.respelled_labels += labels.respelled
            summary.add_labels(labels.others, labels.matched)
    return typed


def load_csv(
    source: CsvSource,
    require_label: bool = False,
    allow_filled: bool | None = None,
    summary: formats.Understood | None = None,
    label: str | None = None,
    genres: Genres | None = None,
) -> pd.DataFrame:
    """Read and validate a file of tracks (CSV or Web API JSON); return its typed frame.

    Args:
        source: a path, the file's bytes, or an open (uploaded) file.
        require_label: also require the genre column (``music_genre``, or
            another of ``formats.LABEL_NAMES`` such as ``playlist_genre``,
            or ``label``).
        allow_filled: accept a file without a ``formats.FILLABLE_COLUMNS``
            column (popularity), whose typed column is then NaN for a model
            to fill. None (the default): only when ``require_label`` is off,
            so a labelled dataset read whole (to train on, or report on)
            must have every feature.
        summary: filled in with what was understood.
        label: the file's column that holds the genre, as a person named it
            (``--label`` on the command line); None: the one named as in
            ``formats.LABEL_NAMES``.
        genres: the genres of the model the file is scored by: labels of
            none of them are counted in ``summary`` (None: every label counts).

    Returns:
        The typed frame (see the module docstring).

    Raises:
        DataError: with a sentence that says what is wrong with the file.
    """
    # read_raw gives the columns GenreLab's names, the chosen label's too:
    # naming them again would take a column still named like a label (a
    # genre column the person did not choose) for a second genre column.
    return _type_whole(
        read_raw(source, summary=summary, label=label),
        require_label,
        allow_filled,
        summary,
        genres,
    )


def _cell(value: object) -> str:
    # None and NaN are an empty cell: "unknown" for tempo and duration.
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def frame_from_values(values: Mapping[str, object]) -> pd.DataFrame:
    """Build a one-row typed frame from feature values (e.g. the Predict sliders).

    Args:
        values: every name in ``schema.FEATURE_COLUMNS`` (numbers, and key and
            mode as text; None or NaN for an unknown tempo or duration);
            ``music_genre`` may be added.

    Raises:
        DataError: a feature is missing.
    """
    raw = pd.DataFrame(
        [{name: _cell(value) for name, value in values.items()}], dtype=str
    )
    return type_frame(raw)


def has_track_names(frame: pd.DataFrame) -> bool:
    """Whether a frame names its tracks (artist and title columns)."""
    return set(NAME_COLUMNS) <= set(frame.columns)


# How core.pipeline keeps repeats of a song together, as the model card says it.
GROUPED_BY_TRACK_ID = "Spotify track id"
GROUPED_BY_NAMES = "artist and title"


def track_grouping(frame: pd.DataFrame) -> str | None:
    """What :func:`track_keys` groups ``frame``'s rows by; None: nothing."""
    if schema.TRACK_ID in frame.columns:
        return GROUPED_BY_TRACK_ID
    return GROUPED_BY_NAMES if has_track_names(frame) else None


def track_keys(frame: pd.DataFrame) -> pd.Series | None:
    """One key per row naming its track; None when the file names no track.

    The Spotify track id when the file has one (a row without an id falls
    back to its artist + title), else artist + title. The same song appears
    several times in a file, often under different genres: splits, fusion
    accuracy and the duplicate report all group by it.
    """
    grouping = track_grouping(frame)
    if grouping is None:
        return None
    names = None
    if has_track_names(frame):
        artist, title = NAME_COLUMNS
        names = "\x1f" + frame[artist].astype(str) + "\x1f" + frame[title].astype(str)
    if grouping == GROUPED_BY_NAMES:
        assert names is not None  # grouped by names only when it has them
        return names.str.slice(1)
    ids = frame[schema.TRACK_ID].astype(object)
    has_id = ids.notna() & (ids.astype(str).str.strip() != "")
    fallback = (
        names
        if names is not None
        else pd.Series("\x1frow " + frame.index.astype(str), index=frame.index)
    )
    # An id never starts with the separator: ids and the fallbacks cannot collide.
    return ids.astype(str).where(has_id, fallback)


def fingerprint(typed: pd.DataFrame) -> str:
    """A short digest of a typed frame's rows (identity, features, genre).

    Saved with a model at training: the same fingerprint later means the
    same data, so the model's train/test split can be recomputed from it.
    The row order counts; the file's layout (delimiter, quoting) does not.
    """
    import hashlib

    columns = [
        column
        for column in (*schema.IDENTITY_COLUMNS, *schema.FEATURE_COLUMNS, schema.TARGET)
        if column in typed.columns
    ]
    hashes = pd.util.hash_pandas_object(typed[columns], index=False).to_numpy()
    return hashlib.sha256(hashes.tobytes()).hexdigest()[:20]


def label_codes(typed: pd.DataFrame, genres: Genres) -> np.ndarray:
    """Each row's genre as its index in ``genres`` (-1: no label, or none of them)."""
    if schema.TARGET not in typed.columns:
        return np.full(len(typed), -1, dtype=np.int64)
    return genres.codes(typed[schema.TARGET])


def download_dataset(destination: str | os.PathLike[str] = DEFAULT_DATA_PATH) -> Path:
    """Fetch the dataset from Kaggle (no account needed) and copy it to ``destination``.

    Args:
        destination: where to put ``music_genre.csv``.

    Returns:
        The destination path.

    Raises:
        DataError: Kaggle could not be reached, or the download did not hold
            the expected file.
    """
    try:
        import kagglehub
    except ImportError:  # pragma: no cover - kagglehub is a runtime requirement
        raise DataError("The kagglehub package is not installed.") from None
    try:
        folder = Path(kagglehub.dataset_download(KAGGLE_DATASET))
    except Exception as error:  # kagglehub raises many network error types
        raise DataError(
            "Could not download the dataset from Kaggle "
            f"({type(error).__name__}); check the internet connection, or "
            "download music_genre.csv by hand and upload it."
        ) from None
    found = folder / KAGGLE_FILE
    if not found.is_file():
        matches = sorted(folder.rglob(KAGGLE_FILE))
        if not matches:
            raise DataError(f"The Kaggle download did not contain {KAGGLE_FILE}.")
        found = matches[0]
    load_csv(found, require_label=True)
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_suffix(".part")
    shutil.copyfile(found, partial)
    partial.replace(destination)
    return destination
