"""Read a file of tracks exactly as written: a frame of text, under its own names.

Above :mod:`core.opening` (the text stream) and below :mod:`core.data` (the
typing): a CSV is read by pandas, in chunks of any size, and a Spotify Web
API audio-features JSON file whole. The columns keep the file's names and
every cell stays text, so that nothing is lost before :mod:`core.data` says
what each row holds, and a table written back keeps the file's names. Which
columns are GenreLab's (:func:`core.formats.column_mapping`) is worked out
once per file and kept in the summary (``Understood.renamed``), which
:mod:`core.data` names the typed columns by.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from os import PathLike
from typing import IO

import pandas as pd

from core import formats, limits, opening, schema, understanding
from core.errors import DataError
from core.forward import BLOCK_ROWS
from core.limits import megabytes
from core.opening import CsvSource

# Rows read at a time when streaming: measured on a 100,000-row upload, 50,000
# rows a chunk added 229 MB to the process at its peak, 10,000 rows 69 MB, and
# ran as fast. A whole number of the network's blocks (2,048 rows), so that
# no chunk but the last pads a block (core.forward.Network.outputs).
CHUNK_ROWS = 5 * BLOCK_ROWS


@dataclass(frozen=True)
class _Table:
    """An opened CSV: its text stream positioned at the header, and how to read it."""

    text: IO[str]
    separator: str
    skipped_lines: int
    # The header's names as written (stripped), for matching them by name.
    header: tuple[str, ...] = ()
    # The header line as written, for pandas' own names of its columns.
    header_line: str = ""
    # Values the first data row holds past the header's columns.
    beyond: int = 0


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
    text = opening.open_text(opening.open_binary(source, limited))
    try:
        first_line, skipped = opening.skip_blank_lines(text)
    except UnicodeError:
        raise DataError(
            "This file's text cannot be decoded; save it as UTF-8 CSV."
        ) from None
    if first_line.lstrip().startswith(("{", "[")):
        with text:
            return _read_audio_features(text, limited)
    separator = opening.separator_of(first_line)
    if limited and first_line.count(separator) >= limits.LIMITS.columns:
        # Counted before the names are split: a header of a million names
        # would cost hundreds of MB as Python strings.
        text.close()
        raise DataError(
            f"The file's first line names more than {limits.LIMITS.columns:,} columns; "
            "a file of tracks has a header of 15 to 25 column names. Check "
            "that the first line is the header."
        )
    header = _header_names(first_line, separator)
    return _Table(
        text,
        separator,
        skipped,
        header,
        first_line,
        _values_beyond_header(text, separator, len(header)),
    )


# Characters of the first data row read to count its values: a row of tracks
# takes a few hundred, and the sample bounds what a garbage line costs.
_FIRST_ROW_SAMPLE_CHARS = 1 << 16
# Values past the header read into columns of their own, at most: a trailing
# delimiter or two. A first row with more is refused by pandas' own count
# (each such column costs a cell per row: thousands of empty values on the
# first line of an upload must not become thousands of columns).
_MOST_VALUES_BEYOND = 64


def _values_beyond_header(text: IO[str], separator: str, header_columns: int) -> int:
    """How many values the first data row holds past the header's columns.

    pandas (``index_col=False``) drops such values from every row, with only
    a warning, when the first row has them (a trailing delimiter, or data
    lost); :func:`iter_raw_chunks` reads them into columns of their own and
    checks them, in the same pass. The stream is put back at the header.
    """
    position = text.tell()
    text.readline()
    sample = text.read(_FIRST_ROW_SAMPLE_CHARS)
    text.seek(position)
    rows = csv.reader(io.StringIO(sample), delimiter=separator, skipinitialspace=True)
    try:
        first_row = next(rows, [])
    except csv.Error:
        return 0  # pandas says what is wrong with the row
    return min(max(0, len(first_row) - header_columns), _MOST_VALUES_BEYOND)


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
    a blank row. The file is read whole, so ``opening.MAX_FILE_MB`` applies even when
    streaming, and ``limited`` (an upload) holds it to ``limits.LIMITS.json_mb``
    and one object or list per row.

    Raises:
        DataError: the file is too large, or holds JSON that is not audio
            features.
    """
    limit_mb = limits.LIMITS.json_mb if limited else opening.MAX_FILE_MB
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
    if containers > limits.LIMITS.rows * limits.LIMITS.json_containers_per_row + 2:
        raise DataError(
            f"This JSON file holds more than {limits.LIMITS.rows:,} entries, the most "
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


def _written_names(
    columns: list[str],
    header: tuple[str, ...],
    mapping: dict[str, str],
    label: str | None,
) -> tuple[list[str], dict[str, str]]:
    """A chunk's column names as written (stripped), and GenreLab's for them.

    The header's mapping, worked out once per file, holds when the header
    lines up with pandas' columns (pandas names a repeated name ``x.1``);
    otherwise the mapping is worked out on pandas' names.
    """
    names = [str(column).strip() for column in columns]
    if len(header) == len(names):
        return names, mapping
    return names, formats.column_mapping(names, label)


def _decimal_commas(frame: pd.DataFrame, mapping: dict[str, str]) -> pd.DataFrame:
    """Numbers written with a decimal comma (0,7) read as 0.7: semicolon files
    come from spreadsheets set to a decimal comma."""
    for column in frame.columns:
        if mapping.get(column, column) in schema.NUMERIC_FEATURES:
            frame[column] = frame[column].str.replace(
                _DECIMAL_COMMA, r"\1.\2", regex=True
            )
    return frame


_NO_ROWS = "The file has a header but no rows of data."


def _understand_header(
    summary: understanding.Understood | None,
    written: list[str],
    file_format: str,
    mapping: dict[str, str],
) -> None:
    if summary is None:
        return
    summary.format = file_format
    summary.renamed = mapping
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
    summary: understanding.Understood | None = None,
    label: str | None = None,
    lines_before: int = 0,
) -> Iterator[pd.DataFrame]:
    """Read a file exactly as written, ``chunk_rows`` rows at a time.

    Memory stays that of one chunk whatever the file's size (a JSON file is
    read whole first). Each chunk's index is its rows' positions in the file
    (0 = the first data row), and the chunks together are exactly
    :func:`read_raw`'s frame. Columns keep the file's names (stripped; a
    repeated one is pandas' ``x.1``) and cells stay text as written.

    Args:
        source: a path, the file's bytes, or an open (uploaded) file.
        chunk_rows: rows per chunk (default ``CHUNK_ROWS``).
        limited: an upload, or a file read whole: refuse a file over
            ``opening.MAX_FILE_MB``, or that unpacks to more than the limits of
            :data:`core.limits.LIMITS` (text, rows, columns, JSON).
        summary: filled in with the format and ``renamed``: GenreLab's name
            for each column it knows under another (what :mod:`core.data`
            types the chunks by).
        label: the file's column that holds the genre, as a person named it;
            None: the one named as in ``formats.LABEL_NAMES``, if any.
        lines_before: added to the line numbers an error names: ``source``
            is a part cut out of a file (its header, then lines from further
            down, :mod:`core.partitions`), and people look for the line in
            the file.

    Raises:
        DataError: the file is missing, too large, empty, binary, not a
            table, has two columns of the same meaning, has no column
            ``label``, or has no data rows (raised when the faulty part is
            read).
    """
    size = chunk_rows or CHUNK_ROWS
    table = _open_table(source, limited)
    if isinstance(table, _Table) and lines_before:
        table = dataclasses.replace(
            table, skipped_lines=table.skipped_lines + lines_before
        )
    if isinstance(table, _JsonRows):
        frame = table.frame
        written = list(frame.columns)
        mapping = formats.column_mapping(written, label)
        _understand_header(summary, written, formats.WEB_API, mapping)
        if summary is not None:
            summary.null_entries = table.null_entries
        for start in range(0, len(frame), size):
            yield frame.iloc[start : start + size]
        return
    # Worked out once per file, before any row is read: two columns of one
    # meaning are refused at once.
    mapping = formats.column_mapping(table.header, label)
    _understand_header(
        summary, list(table.header), formats.recognise(table.header), mapping
    )
    names: list[str] | None = None
    beyond = _beyond_columns(table)
    with table.text:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", pd.errors.ParserWarning)
                reader = pd.read_csv(
                    table.text,
                    chunksize=size,
                    **_read_options(table.separator),
                    **_beyond_options(table, beyond),
                )
                with reader:
                    first = True
                    rows = 0
                    for chunk in reader:
                        rows += len(chunk)
                        if limited and rows > limits.LIMITS.rows:
                            raise opening.too_many_rows()
                        if any(
                            issubclass(w.category, pd.errors.ParserWarning)
                            for w in caught
                        ):
                            # pandas dropped values of a first row longer
                            # than the sample that counts them.
                            raise DataError(
                                _beyond_message(table, 2 + table.skipped_lines, None)
                            )
                        if beyond:
                            _refuse_values_beyond_header(chunk, beyond, source, table)
                            chunk = chunk.drop(columns=beyond)
                        if chunk.empty:
                            continue
                        first = False
                        if names is None:
                            # pandas names every chunk's columns alike.
                            names, mapping = _written_names(
                                list(chunk.columns), table.header, mapping, label
                            )
                            if summary is not None:
                                summary.renamed = mapping
                        chunk.columns = names
                        yield (
                            _decimal_commas(chunk, mapping)
                            if table.separator == ";"
                            else chunk
                        )
        except pd.errors.EmptyDataError:
            raise DataError(_NO_ROWS) from None
        except (pd.errors.ParserError, ValueError) as error:
            if isinstance(error, DataError):
                raise
            raise DataError(
                _parser_message(
                    str(error),
                    lambda record: _line_of_record(source, table, record),
                    len(beyond),
                )
            ) from None
    if first:
        raise DataError(_NO_ROWS)


def read_raw(
    source: CsvSource,
    summary: understanding.Understood | None = None,
    label: str | None = None,
) -> pd.DataFrame:
    """Read a file exactly as written: every cell a string, every row kept.

    Args:
        source: a path, the file's bytes, or an open (uploaded) file.
        summary: filled in as by :func:`iter_raw_chunks`.
        label: the genre column a person chose (see :func:`iter_raw_chunks`).

    Returns:
        A frame of strings (empty cells are empty strings), with the file's
        column names, stripped.

    Raises:
        DataError: the file is missing, too large, empty, binary, not a table,
            has no column ``label``, or has no data rows.
    """
    chunks = list(iter_raw_chunks(source, limited=True, summary=summary, label=label))
    return chunks[0] if len(chunks) == 1 else pd.concat(chunks)


_DECIMAL_COMMA = re.compile(r"^(\s*[-+]?\d*),(\d+\s*)$")

_FIELD_COUNT = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")

_OPEN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")

_CSV_HINT = "; check that it is the music genre CSV."


def _parser_message(
    detail: str, line_of_record: Callable[[int], int], beyond: int = 0
) -> str:
    """Turn a pandas parser error into a sentence that names the line at fault.

    pandas numbers records (a name holding a line break is one record of two
    lines); ``line_of_record`` gives the line in the file where record n
    (from 1, the header's) starts. ``beyond``: columns read past the
    header's (:func:`_beyond_columns`), which pandas counts as expected.
    """
    fields = _FIELD_COUNT.search(detail)
    if fields:
        expected, record, seen = (int(value) for value in fields.groups())
        expected -= beyond
        return (
            f"This file could not be read as a CSV table: line "
            f"{line_of_record(record)} has {seen} values but the header names "
            f"{expected} columns (a stray comma or an unquoted comma in a name?); "
            "fix that line and try again."
        )
    quote = _OPEN_QUOTE.search(detail)
    if quote:
        # pandas counts rows from 0, the header included: row n is record n + 1.
        line = line_of_record(int(quote.group(1)) + 1)
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


def _line_of_record(source: CsvSource, table: _Table, record: int) -> int:
    """The line of the file where record ``record`` (from 1: the header) starts.

    Read anew, as Python's csv module splits records (as pandas does); lines
    skipped before the header (and ``lines_before``) counted in. An upload
    that cannot be read again: the record's number, as pandas counts.
    """
    try:
        if not isinstance(source, str | bytes | PathLike):
            source.seek(0)
        again = _open_table(source, limited=False)
    except (DataError, OSError, AttributeError):
        return record + table.skipped_lines
    assert isinstance(again, _Table)  # the same file, opened as a CSV before
    with again.text:
        reader = csv.reader(
            again.text, delimiter=table.separator, skipinitialspace=True
        )
        ended = 0  # the line the record before ended on
        try:
            for number, _ in enumerate(reader, start=1):
                if number == record:
                    return ended + 1 + table.skipped_lines
                ended = reader.line_num
        except csv.Error:
            pass  # a quote never closed: the record starts after the last read
        return ended + 1 + table.skipped_lines


def _beyond_columns(table: _Table) -> list[str]:
    """Names for the columns of values past the header (none for most files).

    They cannot clash with a file's names, which are printable text.
    """
    return [f"\x00beyond {number}" for number in range(table.beyond)]


def _beyond_options(table: _Table, beyond: list[str]) -> dict:
    """read_csv options that keep a first row's values past the header.

    The header's names are pandas' own (a repeated name gets ``.1``), then
    ``beyond``; nothing is passed for a file without such values.
    """
    if not beyond:
        return {}
    named = pd.read_csv(
        io.StringIO(table.header_line), nrows=0, **_read_options(table.separator)
    )
    return {"header": 0, "names": [*map(str, named.columns), *beyond]}


def _beyond_message(table: _Table, line: int, values: int | None) -> str:
    header = f"the header names {len(table.header)} columns"
    counted = (
        f"has {values} values but {header}"
        if values is not None
        else f"has more values than {header}"
    )
    return (
        f"This file could not be read as a CSV table: line {line} {counted}; fix "
        "that line and try again."
    )


def _refuse_values_beyond_header(
    chunk: pd.DataFrame, beyond: list[str], source: CsvSource, table: _Table
) -> None:
    """Refuse a chunk with a value past the header's columns.

    Empty ones are a trailing delimiter, and go; a value there would be lost.
    """
    written = chunk[beyond].fillna("").apply(lambda column: column.str.strip() != "")
    rows = written.to_numpy().any(axis=1)
    if not rows.any():
        return
    position = int(rows.argmax())
    last_written = int(written.to_numpy()[position].nonzero()[0].max())
    # Record 1 is the header; the chunk's index counts data rows from 0.
    line = _line_of_record(source, table, int(chunk.index[position]) + 2)
    raise DataError(_beyond_message(table, line, len(table.header) + last_written + 1))
