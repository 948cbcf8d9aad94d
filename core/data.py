"""Load a file of tracks, from a path or an upload, and validate it.

The Kaggle music genre CSV is the reference; other tables of Spotify audio
features (an Exportify playlist, the Spotify Tracks Dataset) and the Spotify
Web API's audio-features JSON are read too: their column names and value
conventions are understood through :mod:`core.formats`, and a
:class:`core.understanding.Understood` passed to a reader says what was understood.

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

import shlex
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np
import pandas as pd

from core import formats, reading, schema, spellings, understanding
from core.errors import DataError
from core.genres import Genres
from core.opening import CsvSource
from core.tables import (
    BLANK_ROW,
    EMPTY_COLUMN,
    EMPTY_SEPARATOR,
    NAME_COLUMNS,
    NO_AUDIO_FEATURES,
    PROBLEM_COLUMN,
)


def iter_typed_chunks(
    source: CsvSource,
    require_label: bool = False,
    chunk_rows: int | None = None,
    summary: understanding.Understood | None = None,
    allow_filled: bool = True,
    limited: bool = False,
    label: str | None = None,
    genres: Genres | None = None,
    lines_before: int = 0,
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
        lines_before: added to the line numbers an error names (a part cut
            out of a file: see :func:`core.reading.iter_raw_chunks`).

    Raises:
        DataError: as :func:`load_csv` does, when the faulty part is read
            (a file whose rows are all blank: after its last chunk).
    """
    any_row = False
    understood = summary if summary is not None else understanding.Understood()
    for raw in reading.iter_raw_chunks(
        source,
        chunk_rows,
        limited,
        summary=understood,
        label=label,
        lines_before=lines_before,
    ):
        typed = _type_rows(
            raw.rename(columns=understood.renamed),
            require_label,
            allow_filled,
            summary,
            genres,
        )
        any_row = any_row or bool((typed[PROBLEM_COLUMN] != BLANK_ROW).any())
        yield raw, typed
    if not any_row:
        raise DataError(_ALL_BLANK)


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
    (core.preprocessing.Preprocessor.usable_rows). ``unit``: a duration written
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
    summary: understanding.Understood | None = None,
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
    summary: understanding.Understood | None,
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
    summary: understanding.Understood | None,
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
    keys = spellings.read_keys(key_text)
    modes = spellings.read_modes(mode_text)
    typed[schema.KEY_COLUMN] = keys.values
    typed[schema.MODE_COLUMN] = modes.values
    problems += [keys.problems, modes.problems]
    empty_cells[schema.KEY_COLUMN] = (key_text == "").to_numpy(dtype=bool)
    empty_cells[schema.MODE_COLUMN] = (mode_text == "").to_numpy(dtype=bool)
    labels = None
    if schema.TARGET in raw.columns:
        genre = raw[schema.TARGET].str.strip()
        labels = spellings.read_labels(genre, genres)
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
    summary: understanding.Understood | None = None,
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
    # Named by the file's mapping, the chosen label's too: working it out
    # again would take a column still named like a label (a genre column the
    # person did not choose) for a second genre column.
    understood = summary if summary is not None else understanding.Understood()
    raw = reading.read_raw(source, summary=understood, label=label)
    return _type_whole(
        raw.rename(columns=understood.renamed),
        require_label,
        allow_filled,
        summary,
        genres,
    )
