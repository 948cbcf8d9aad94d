"""Genres corrected by hand: applied to a typed frame, written back as CSV.

A correction names a row of the loaded file (its 0-based position, the
typed frame's index) and the genre it should be listed under. The pages
collect them ("Fix this genre"); training applies them to a copy of the
data (:func:`apply_corrections`), and the model card counts them.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import pandas as pd

from core import schema
from core.errors import GenreLabError
from core.tables import EMPTY_COLUMN, PROBLEM_COLUMN

# The metrics key of how many genres were corrected before training.
CORRECTED_GENRES = "corrected_genres"
# The bundle info key of the corrections themselves: [[row, genre], ...].
INFO_KEY = "genre_corrections"


def check_corrections(
    typed: pd.DataFrame,
    corrections: Mapping[int, str],
    genres: Sequence[str] | None = None,
) -> None:
    """Refuse a correction of a row the file lacks, or to a genre not known.

    Args:
        genres: the genres a correction may name (the model's); None: any
            label that is not blank (training learns the labels it chooses).

    Raises:
        GenreLabError: a row not in ``typed`` or a genre not in ``genres``.
    """
    missing = [row for row in corrections if row not in typed.index]
    if missing:
        raise GenreLabError(
            f"The data has no row {missing[0]}: the corrections were made on "
            "another file. Forget them or load that file again."
        )
    blank = sorted(row for row, genre in corrections.items() if not str(genre).strip())
    if blank:
        raise GenreLabError(
            f"A correction needs a genre; the one of row {blank[0]} has none."
        )
    unknown = sorted(
        {genre for genre in corrections.values() if genres and genre not in genres}
    )
    if unknown:
        raise GenreLabError(
            f"{unknown[0]!r} is not one of the model's genres "
            f"({', '.join(genres or [])})."
        )


def apply_corrections(
    typed: pd.DataFrame,
    corrections: Mapping[int, str],
    genres: Sequence[str] | None = None,
) -> pd.DataFrame:
    """A copy of ``typed`` with each corrected row listed under its new genre.

    Args:
        typed: a labelled typed frame (``core.data.load_csv``).
        corrections: row (the frame's index) -> the genre it should have.
        genres: the genres a correction may name (the model's; None: any).

    Returns:
        The frame, unchanged but for the genre of the corrected rows; the
        frame itself when there is no correction.

    Raises:
        GenreLabError: a row not in ``typed`` or a genre not in ``genres``.
    """
    if not corrections:
        return typed
    check_corrections(typed, corrections, genres)
    corrected = typed.copy()
    rows = list(corrections)
    corrected.loc[rows, schema.TARGET] = [corrections[row] for row in rows]
    return corrected


def corrected_rows(
    typed: pd.DataFrame,
    corrections: Mapping[int, str],
    genres: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The corrected rows in the file's own columns, with their new genre.

    Sorted by row; the checks' own columns (``row_problem``, ...) left out.
    """
    check_corrections(typed, corrections, genres)
    rows = sorted(corrections)
    shown = apply_corrections(typed.loc[rows], corrections, genres)
    return shown.drop(columns=[PROBLEM_COLUMN, EMPTY_COLUMN], errors="ignore")


def corrections_csv(
    typed: pd.DataFrame,
    corrections: Mapping[int, str],
    genres: Sequence[str] | None = None,
) -> bytes:
    """:func:`corrected_rows` as CSV bytes (an unknown value is an empty cell).

    The loader reads an empty cell as an unknown value, so the file loads
    back as the rows it came from, with the corrected genres.
    """
    buffer = io.StringIO()
    corrected_rows(typed, corrections, genres).to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")


def to_info(corrections: Mapping[int, str]) -> list[list]:
    """Corrections as a bundle keeps them (JSON has no integer keys): by row."""
    return [[int(row), corrections[row]] for row in sorted(corrections)]


def of_bundle(info: Mapping) -> dict[int, str]:
    """The corrections a bundle was trained with (its ``info``); {} for none."""
    return {int(row): str(genre) for row, genre in info.get(INFO_KEY, [])}


def model_data(typed: pd.DataFrame, info: Mapping) -> pd.DataFrame:
    """The loaded data as the model learned it: its hand corrections applied.

    A model trained with corrections is tied to the corrected data (its
    fingerprint and split), so its training and test tracks are told apart
    in that data only. On a file without those rows (another file), the
    frame is returned as it is.
    """
    fixes = of_bundle(info)
    try:
        return apply_corrections(typed, fixes)
    except GenreLabError:
        return typed
