"""What the charts of the dataset say, in words and numbers (``ui.charts.dataset``)."""

from __future__ import annotations

import pandas as pd

from core import schema
from core.genres import default_order
from ui.readings.words import (
    PERCENT,
    Reading,
    capitalised,
    feature_value,
    listing,
    percent,
    spoken,
)


def unknown_rates(rates: dict[str, float]) -> Reading:
    """Share of rows whose value is unknown, per column (``charts.unknown_rates``)."""
    table = pd.DataFrame(
        {
            "column": list(rates),
            "unknown share": [float(rate) for rate in rates.values()],
        }
    )
    unknown = [(column, rate) for column, rate in rates.items() if rate > 0]
    if not unknown:
        sentence = "Every column is always known."
    else:
        parts = [
            f"{spoken(column)} is unknown in {percent(rate)} of rows"
            if position == 0
            else f"{spoken(column)} in {percent(rate)}"
            for position, (column, rate) in enumerate(unknown)
        ]
        sentence = capitalised(listing(parts))
        rest = len(rates) - len(unknown)
        if rest == 1:
            sentence += "; the other column is always known."
        elif rest > 1:
            sentence += "; every other column is always known."
        else:
            sentence += "."
    return Reading(sentence, table, {"unknown share": PERCENT})


BALANCE_STAGES = {
    "loaded": "as loaded",
    "drop": "after dropping unknowns",
    "impute": "after imputing unknowns",
}


def class_balance(balance: dict[str, dict[str, int]]) -> Reading:
    """Tracks per genre before and after cleaning (``charts.class_balance``)."""
    table = pd.DataFrame(
        {BALANCE_STAGES.get(stage, stage): counts for stage, counts in balance.items()}
    )
    table = table.rename_axis("genre").reset_index()
    parts = []
    loaded = balance.get("loaded")
    for stage, counts in balance.items():
        if not counts:
            continue
        where = BALANCE_STAGES.get(stage, stage)
        if stage != "loaded" and counts == loaded:
            parts.append(f"{where.removeprefix('after ')} keeps every track")
            continue
        fewest = min(counts, key=counts.__getitem__)
        most = max(counts, key=counts.__getitem__)
        if counts[fewest] == counts[most]:
            parts.append(f"{where}, every genre has {counts[most]:,} tracks")
        else:
            parts.append(
                f"{where}, {counts[fewest]:,} ({fewest}) to {counts[most]:,} ({most})"
                + (" tracks per genre" if not parts else "")
            )
    if not parts:
        return Reading("There are no tracks to count.", table)
    return Reading(capitalised("; ".join(parts)) + ".", table)


def feature_by_genre(typed: pd.DataFrame, feature: str) -> Reading:
    """A feature's spread per genre (``charts.feature_by_genre``).

    Over every known value.
    """
    usable = typed.loc[
        typed[schema.TARGET].notna() & typed[feature].notna(), [schema.TARGET, feature]
    ]
    values = usable[feature].astype(float).groupby(usable[schema.TARGET].astype(str))
    # pandas takes a list of quantiles; the stubs want one, or an array.
    quartiles = values.quantile([0.25, 0.5, 0.75]).unstack()  # type: ignore[arg-type]
    table = pd.DataFrame(
        {
            "tracks": values.size(),
            "lower quartile": quartiles.get(0.25),
            "median": quartiles.get(0.5),
            "upper quartile": quartiles.get(0.75),
        }
    ).reindex(default_order(str(genre) for genre in values.groups))
    table = table.rename_axis("genre").reset_index()
    name = spoken(feature)
    if table.empty:
        return Reading(f"No track has a known {name} and a genre.", table)
    ordered = table.sort_values("median", ascending=False, kind="stable")
    said = [
        f"{row['genre']} ({feature_value(feature, row['median'], unit=position == 0)})"
        for position, (_, row) in enumerate(ordered.iterrows())
    ]
    if len(said) <= 3:
        sentence = f"Median {name}: {listing(said)}."
    else:
        sentence = (
            f"Median {name} is highest for {listing(said[:2])}, lowest for "
            f"{listing(said[::-1][:2])}."
        )
    formats = dict.fromkeys(("lower quartile", "median", "upper quartile"), "%.3g")
    if feature in ("duration_ms", "popularity", "tempo"):
        formats = dict.fromkeys(formats, "%.0f")
    return Reading(sentence, table, formats | {"tracks": "%d"})
