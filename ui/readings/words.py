"""A chart's text equivalent (:class:`Reading`), and how numbers and names are said."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from core import schema

PERCENT = "percent"  # a table column of 0-1 shares, shown as percentages


@dataclass(frozen=True, eq=False)
class Reading:
    """A chart's text equivalent."""

    # The key figures in one or two plain sentences, with numbers.
    sentence: str
    # The numbers behind the chart, one row per bar, line point or cell row.
    table: pd.DataFrame
    # How to show a column: PERCENT, or a printf format such as "%.2f".
    formats: dict[str, str] = field(default_factory=dict)


# How columns are called in sentences (the file's names elsewhere).
SPOKEN_NAMES = {"duration_ms": "duration"}


def spoken(column: str) -> str:
    """A column's name as said in a sentence ("duration_ms" -> "duration")."""
    return SPOKEN_NAMES.get(column, column)


def percent(share: float, decimals: int = 1) -> str:
    """A 0-1 share as a percentage; a share too small to print is "under 0.1%"."""
    smallest = 0.5 * 10.0 ** (-decimals) / 100
    if 0 < share < smallest:
        return f"under {100 * 2 * smallest:.{decimals}f}%"
    return f"{share:.{decimals}%}"


def number(value: float) -> str:
    """A value at a sensible precision: 123,456 / 120 / 12.3 / 40 / 0.45 / 0.015."""
    value = float(value)
    if value != value:
        return "unknown"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def feature_value(feature: str, value: float, unit: bool = True) -> str:
    """A raw feature value as people say it: "128 beats per minute", "4.4 minutes"."""
    value = float(value)
    if value != value:
        return "unknown"
    if feature == "duration_ms":
        shown, name = f"{value / 60_000:.1f}", "minutes"
    elif feature in ("popularity", "tempo"):
        shown, name = f"{value:.0f}", schema.FEATURE_UNITS.get(feature, "")
    elif feature == "loudness":
        shown, name = f"{value:.1f}", "dB"
    else:
        shown, name = number(value), ""
    if feature == "popularity":
        name = ""  # its unit is its range, 0-100
    return f"{shown} {name}" if unit and name else shown


def listing(parts: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    parts = list(parts)
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
