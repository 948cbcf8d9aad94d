"""Keys, modes and genre labels read in any of their usual spellings.

Spotify writes a key as a pitch class (0-11, -1 when none was detected) and a
mode as 1 or 0; Kaggle's file writes ``C#`` and ``Major``; people write
``c#``, ``major``, ``hip hop``. Each column is read as a whole (NumPy, no
Python loop over rows) into GenreLab's spelling, with a problem text for a
cell that is none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core import schema
from core.genres import REFERENCE, Genres

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


def _read_names(
    stripped: pd.Series,
    names: Sequence[str],
    of_text: Callable[[pd.Series], np.ndarray],
    of_number: Callable[[np.ndarray], np.ndarray],
    problem: Callable[[str, float], str],
    unknown_number: float | None = None,
) -> ReadValues:
    """Read a column of names (keys, modes) written as names or numbers.

    Args:
        stripped: the column's cells, stripped of spaces.
        names: the names as GenreLab writes them.
        of_text, of_number: the name of each other cell's text, or of its
            whole number (NaN where none); None or NaN where it is none.
        problem: why a cell is none, from its text and its number.
        unknown_number: the number that says "none found" (no problem).
    """
    values = stripped.to_numpy(dtype=object).copy()
    problems = np.full(len(values), "", dtype=object)
    valid = stripped.isin(names).to_numpy()
    if valid.all():
        return ReadValues(values, problems)
    others = np.flatnonzero(~valid)
    text = stripped.iloc[others]
    named = of_text(text)
    numbers = _integers(text)
    numbered = of_number(numbers)
    is_named, is_number = pd.notna(named), pd.notna(numbered)
    unknown = (
        numbers == unknown_number
        if unknown_number is not None
        else np.zeros(len(numbers), dtype=bool)
    )
    result = np.full(len(others), None, dtype=object)
    result[is_named] = named[is_named]
    result[is_number] = numbered[is_number]
    written = text.to_numpy(dtype=object)
    # An empty cell is no problem either: a model that fills in unknown
    # values gives it the typical value (core.preprocessing.Preprocessor).
    empty = (text == "").to_numpy(dtype=bool)
    bad = ~(is_named | is_number | unknown | empty)
    problems[others[bad]] = [
        problem(value, number)
        for value, number in zip(written[bad], numbers[bad], strict=True)
    ]
    values[others] = result
    return ReadValues(
        values,
        problems,
        numbers=int(is_number.sum()),
        recased=int(is_named.sum()),
        unknown=int(unknown.sum()),
    )


def _key_of_number(numbers: np.ndarray) -> np.ndarray:
    pitch = (numbers >= 0) & (numbers < len(schema.KEYS))
    keys = np.full(len(numbers), None, dtype=object)
    keys[pitch] = np.asarray(schema.KEYS, dtype=object)[numbers[pitch].astype(int)]
    return keys


def read_keys(stripped: pd.Series) -> ReadValues:
    """Read a key column: names in any case, or Spotify's pitch classes.

    Args:
        stripped: the column's cells, stripped of spaces.

    Returns:
        Key names (``schema.KEYS``), None where the key is invalid (with a
        problem) or unknown (-1, no problem).
    """
    return _read_names(
        stripped,
        schema.KEYS,
        lambda text: text.str.lower().map(_KEY_BY_LOWER).to_numpy(dtype=object),
        _key_of_number,
        lambda value, number: _problem(
            "key", value, number, "a pitch class 0 to 11 (or -1, no key)", KEY_HINT
        ),
        unknown_number=UNKNOWN_KEY,
    )


def read_modes(stripped: pd.Series) -> ReadValues:
    """Read a mode column: Major/Minor in any case, or Spotify's 1 (major)/0 (minor)."""
    return _read_names(
        stripped,
        schema.MODES,
        lambda text: (
            text.str.capitalize()
            .where(lambda named: named.isin(schema.MODES))
            .to_numpy(dtype=object)
        ),
        lambda numbers: pd.Series(numbers).map(_MODE_BY_NUMBER).to_numpy(dtype=object),
        lambda value, number: _problem(
            "mode", value, number, "1 (major) or 0 (minor)", MODE_HINT
        ),
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
