"""What each chart shows, in words and numbers, for people who cannot see it.

One function per function of ``ui.charts``, taking the same values: each
returns a :class:`Reading`, a plain-English sentence of the chart's key
figures (shown next to the chart and given to the browser as the chart's
``alt`` text) and the numbers drawn, as a table. No Streamlit here: the pages
draw a reading with ``ui.show.chart``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import pandas as pd

from core import predict, schema, wording
from core.genres import default_order

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


# --- wording helpers ---------------------------------------------------------------

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


def _name_and_unit(label: str) -> tuple[str, str]:
    """ "tempo (beats per minute)" -> ("tempo", "beats per minute")."""
    match = re.fullmatch(r"(.*?) \((.+)\)", label)
    return (match.group(1), match.group(2)) if match else (label, "")


# --- Data page ---------------------------------------------------------------------


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


# --- Train page --------------------------------------------------------------------


def training_curves(history: Sequence[dict]) -> Reading:
    """Loss and accuracy per epoch (``charts.training_curves``)."""
    frame = pd.DataFrame(list(history))
    columns = {
        "epoch": "epoch",
        "member": "network",
        "loss": "training loss",
        "accuracy": "training accuracy",
        "val_loss": "validation loss",
        "val_accuracy": "validation accuracy",
    }
    if frame.empty:
        return Reading(
            "No epoch has finished yet.", pd.DataFrame(columns=list(columns.values()))
        )
    members = int(frame["members"].max()) if "members" in frame else 1
    kept = [
        column
        for column in columns
        if column in frame and not frame[column].isna().all()
    ]
    if members == 1:
        kept.remove("member")
    table = frame[kept].rename(columns=columns)
    if "network" in table:
        table["network"] = table["network"] + 1
    # An ensemble's networks train together: one line per epoch, averaged.
    measured = [
        c for c in ("loss", "accuracy", "val_loss", "val_accuracy") if c in frame
    ]
    per_epoch = frame[measured].astype(float).groupby(frame["epoch"]).mean()
    last = per_epoch.iloc[-1]
    epochs = int(per_epoch.index[-1])
    averaged = f" ({members} networks averaged)" if members > 1 else ""
    sentence = (
        f"After {epochs} epoch{'s' if epochs != 1 else ''}{averaged}: "
        f"training accuracy {percent(last['accuracy'])}"
    )
    validation = per_epoch["val_accuracy"] if "val_accuracy" in per_epoch else None
    if validation is not None and validation.notna().any():
        best_epoch = int(cast(int, validation.idxmax()))  # indexed by epoch
        sentence += f", validation accuracy {percent(last['val_accuracy'])}"
        if best_epoch != epochs:
            sentence += f" (best {percent(validation.max())}, at epoch {best_epoch})"
        sentence += (
            f"; loss {last['loss']:.3f} on the training tracks and "
            f"{last['val_loss']:.3f} on the validation tracks."
        )
    else:
        sentence += (
            f" and loss {last['loss']:.3f}; there is no validation line (no "
            "validation share was set)."
        )
    formats = {
        "training accuracy": PERCENT,
        "validation accuracy": PERCENT,
        "training loss": "%.4f",
        "validation loss": "%.4f",
    }
    return Reading(sentence, table, formats)


def _value_order(values: pd.Series) -> list[int]:
    """Positions of a sweep's values, smallest to largest (hidden layers by depth)."""
    keys = [
        len(str(value).split(",")) if isinstance(value, str) else float(value)
        for value in values
    ]
    return list(np.argsort(keys, kind="stable"))


def sweep_scores(table: pd.DataFrame, label: str, numeric: bool) -> Reading:
    """Validation scores and seconds per value tried (``charts.sweep_scores``)."""
    shown = table.iloc[_value_order(table.iloc[:, 0])] if numeric else table
    setting = table.columns[0]
    scores = [
        f"{value}: {percent(score)}"
        for value, score in zip(
            shown[setting], shown["validation accuracy"], strict=True
        )
    ]
    seconds = shown["training seconds"]
    sentence = (
        f"Validation accuracy by {label}: {listing(scores)}; each run trained in "
        + (
            f"{seconds.min():.0f} to {seconds.max():.0f} s."
            if len(shown) > 1
            else f"{seconds.iloc[0]:.0f} s."
        )
    )
    formats = {
        "validation accuracy": PERCENT,
        "validation top-2": PERCENT,
        "validation macro F1": "%.3f",
        "training seconds": "%.1f",
    }
    return Reading(sentence, shown.reset_index(drop=True), formats)


def sweep_curves(curves: dict[str, Sequence[float]]) -> Reading:
    """Each run's validation accuracy per epoch (``charts.sweep_curves``)."""
    length = max((len(values) for values in curves.values()), default=0)
    table = pd.DataFrame({"epoch": range(1, length + 1)})
    for name, values in curves.items():
        table[name] = list(values) + [np.nan] * (length - len(values))
    finals = {name: values[-1] for name, values in curves.items() if len(values)}
    if not finals:
        return Reading("No run has a validation curve yet.", table)
    best = max(finals, key=finals.__getitem__)
    worst = min(finals, key=finals.__getitem__)
    sentence = f"At its last epoch, {best} ends highest ({percent(finals[best])})"
    if worst != best:
        sentence += f" and {worst} lowest ({percent(finals[worst])})"
    # Who led early: a quarter of the way in.
    early = max(1, length // 4)
    early_scores = {
        name: values[early - 1]
        for name, values in curves.items()
        if len(values) >= early
    }
    leader = max(early_scores, key=early_scores.__getitem__)
    if length >= 4 and leader != best:
        sentence += (
            f"; after {early} epoch{'s' if early != 1 else ''} {leader} led "
            f"({percent(early_scores[leader])})"
        )
    return Reading(sentence + ".", table, dict.fromkeys(curves, PERCENT))


def search_runs(table: pd.DataFrame, varied: Sequence[str]) -> Reading:
    """Each run's settings and validation accuracy (``charts.search_runs``)."""
    shown = table[[*varied, "validation accuracy"]].sort_values(
        "validation accuracy", ascending=False, kind="stable"
    )

    def settings(row) -> str:
        return ", ".join(f"{name.replace('_', ' ')} {row[name]}" for name in varied)

    best, worst = shown.iloc[0], shown.iloc[-1]
    sentence = (
        f"Best of {len(shown)} runs: {settings(best)} "
        f"({percent(best['validation accuracy'])})"
    )
    if len(shown) > 1:
        sentence += (
            f"; worst: {settings(worst)} ({percent(worst['validation accuracy'])})"
        )
    return Reading(
        sentence + ".", shown.reset_index(drop=True), {"validation accuracy": PERCENT}
    )


# --- confusion matrices ------------------------------------------------------------


def confusion_matrix(
    matrix: Sequence[Sequence[float]],
    tracks: str,
    genres: Sequence[str],
    normalised: bool = False,
) -> Reading:
    """A confusion matrix of counts in words (``charts.confusion_matrix``).

    Args:
        matrix: the counts (true genre by row, predicted genre by column).
        genres: the genres of its rows and columns.
        tracks: what the rows are, for the sentence ("test tracks").
        normalised: give the table as shares of each true genre, as drawn.
    """
    counts = np.asarray(matrix, dtype=float)
    genres = list(genres)
    totals = counts.sum(axis=1)
    shares = np.divide(
        counts, totals[:, None], out=np.zeros_like(counts), where=totals[:, None] > 0
    )
    shown = shares if normalised else counts
    table = pd.DataFrame(shown, columns=genres)
    if not normalised:
        table = table.astype(int)
    table.insert(0, "true genre \\ predicted", genres)
    formats = dict.fromkeys(genres, PERCENT if normalised else "%d")
    total = counts.sum()
    if total == 0:
        return Reading(f"There are no {tracks} to count.", table, formats)
    right = np.trace(counts) / total
    present = [i for i in range(len(genres)) if totals[i] > 0]
    recall = {i: shares[i, i] for i in present}
    best = max(present, key=recall.__getitem__)
    worst = min(present, key=recall.__getitem__)
    sentence = f"Right for {percent(right)} of {int(total):,} {tracks}"
    if len(present) > 1 and best != worst:
        sentence += (
            f" (most often for {genres[best]}, {percent(recall[best], 0)}; least "
            f"for {genres[worst]}, {percent(recall[worst], 0)})"
        )
    off = counts.copy()
    np.fill_diagonal(off, 0)
    if off.max() <= 0:
        return Reading(
            sentence + "; no genre was mixed up with another.", table, formats
        )
    true_index, predicted_index = np.unravel_index(int(np.argmax(off)), off.shape)
    sentence += (
        f"; the most common mix-up: {genres[true_index]} called "
        f"{genres[predicted_index]}, {percent(shares[true_index, predicted_index], 0)} "
        f"of {genres[true_index]} tracks."
    )
    return Reading(sentence, table, formats)


# --- Predict page ------------------------------------------------------------------


def probabilities(values: Sequence[float], genres: Sequence[str]) -> Reading:
    """Each genre's probability (``charts.probabilities``): the table has them all."""
    shares = np.asarray(values, dtype=float)
    order = np.argsort(-shares, kind="stable")
    table = pd.DataFrame(
        {"genre": [genres[i] for i in order], "probability": shares[order]}
    )
    sentence = wording.top_two_sentence(predict.TrackPrediction.of(shares, genres))
    following = [f"{genres[i]} {percent(shares[i], 0)}" for i in order[2:4]]
    rest = shares[order[4:]]
    if following:
        sentence += f" Then {listing(following)}"
        if len(rest):
            sentence += (
                f"; the other {len(rest)} genres "
                f"{percent(float(rest.sum()), 0)} together"
            )
        sentence += "."
    return Reading(sentence, table, {"probability": PERCENT})


def genre_lines(sweep: pd.DataFrame, label: str, current: object = None) -> Reading:
    """Each genre's probability as one feature changes (``charts.genre_lines``).

    Args:
        sweep: ``value`` plus one column per genre.
        label: the feature's name, with its unit in brackets if any
            ("tempo (beats per minute)").
        current: the track's own value (what-if), or None.
    """
    genres = [str(column) for column in sweep if column != "value"]
    name, unit = _name_and_unit(label)
    name = spoken(name)
    table = sweep[["value", *genres]].rename(columns={"value": label})
    formats = dict.fromkeys(genres, PERCENT)
    if sweep.empty or not genres:
        return Reading(f"There is nothing to show for {name}.", table, formats)
    values = sweep["value"]
    categorical = not pd.api.types.is_numeric_dtype(values)
    unit_text = f" {unit}" if unit else ""
    if categorical:
        lows = {genre: sweep[genre].min() for genre in genres}
        highs = {genre: sweep[genre].max() for genre in genres}
        mover = max(genres, key=lambda genre: highs[genre] - lows[genre])
        low_at = values.iloc[int(sweep[mover].to_numpy().argmin())]
        high_at = values.iloc[int(sweep[mover].to_numpy().argmax())]
        span = (
            f"across the {len(values)} values of {name}"
            if len(values) > 2
            else (f"from {values.iloc[0]} to {values.iloc[-1]} {name}")
        )
        if highs[mover] - lows[mover] < 0.005:
            sentence = (
                f"{capitalised(span)}, no genre's probability moves by half a point."
            )
        else:
            sentence = (
                f"{capitalised(span)}, {mover} changes most: from "
                f"{percent(lows[mover], 0)} ({low_at}) to {percent(highs[mover], 0)} "
                f"({high_at})."
            )
    else:
        first, last = sweep.iloc[0], sweep.iloc[-1]
        change = {genre: last[genre] - first[genre] for genre in genres}
        span = (
            f"As {name} goes from {number(first['value'])} "
            f"to {number(last['value'])}{unit_text}"
        )
        riser = max(genres, key=change.__getitem__)
        faller = min(genres, key=change.__getitem__)
        moves: list[str] = []
        if change[riser] >= 0.005:
            moves.append(
                f"{riser} rises most, from {percent(first[riser], 0)} to "
                f"{percent(last[riser], 0)}"
            )
        if change[faller] <= -0.005:
            moves.append(
                f"{faller} falls most, from {percent(first[faller], 0)} to "
                f"{percent(last[faller], 0)}"
            )
        if not moves:
            sentence = f"{span}, no genre's probability moves by half a point."
        else:
            sentence = f"{span}, {'; '.join(moves)}."
        leading_low = max(genres, key=lambda genre: first[genre])
        leading_high = max(genres, key=lambda genre: last[genre])
        if leading_low == leading_high:
            sentence += f" {leading_low} is the likeliest genre at both ends."
        else:
            sentence += (
                f" The likeliest genre is {leading_low} at the low end and "
                f"{leading_high} at the high end."
            )
    if current is not None and current == current:
        shown = number(current) if isinstance(current, int | float) else str(current)
        sentence += f" This track's {name}: {shown}{unit_text}."
    return Reading(sentence, table, formats)


def contributions(table: pd.DataFrame, genre: str, baseline: float) -> Reading:
    """What each feature adds to a genre's probability (``charts.contributions``)."""
    shown = pd.DataFrame(
        {
            "feature": table["feature"],
            "this track": [_value_text(value) for value in table["value"]],
            "typical track": [_value_text(value) for value in table["baseline"]],
            "points added": table["contribution"].astype(float) * 100,
        }
    )
    final = baseline + float(table["contribution"].sum())
    sentence = (
        f"{genre}: {percent(baseline, 0)} for the typical track, {percent(final, 0)} "
        "for this one"
    )
    moves = [
        f"{spoken(row['feature'])} ({_value_text(row['value'], row['feature'])}) "
        f"{'adds' if row['contribution'] > 0 else 'takes'} "
        f"{abs(row['contribution']) * 100:.1f}"
        for _, row in table.head(3).iterrows()
        if abs(row["contribution"]) >= 0.0005
    ]
    if moves:
        sentence += "; " + listing(moves) + " points"
    return Reading(sentence + ".", shown, {"points added": "%+.1f"})


def _value_text(value: object, feature: str | None = None) -> str:
    """A feature's value in a table cell, or (given the feature) as said in words."""
    if isinstance(value, float | int | np.floating | np.integer):
        if feature in schema.NUMERIC_FEATURES:
            return feature_value(feature, float(value))
        return number(float(value))
    return str(value)


# --- Evaluate page -----------------------------------------------------------------


def reliability(table: pd.DataFrame) -> Reading:
    """How often the top genre is right against how sure the model was.

    For ``charts.reliability``.
    """
    shown = pd.DataFrame(
        {
            "the model says": [
                f"{low:.0%}-{high:.0%}"
                for low, high in zip(table["low"], table["high"], strict=True)
            ],
            "mean top probability": table["confidence"].astype(float),
            "share right": table["accuracy"].astype(float),
            "tracks": table["tracks"].astype(int),
        }
    )
    formats = {"mean top probability": PERCENT, "share right": PERCENT, "tracks": "%d"}
    total = int(shown["tracks"].sum())
    if total == 0:
        return Reading(
            "There are no tracks to check the percentages on.", shown, formats
        )
    gaps = (shown["share right"] - shown["mean top probability"]).abs()
    error = float((gaps * shown["tracks"]).sum() / total)
    # The largest gap among bins of at least 5% of the tracks (or any bin).
    enough = shown["tracks"] >= 0.05 * total
    candidates = gaps[enough] if enough.any() else gaps
    # (The stubs type idxmax's label as Hashable, which .loc refuses.)
    worst = shown.loc[candidates.idxmax()]  # type: ignore[call-overload]
    sentence = (
        f"Over {total:,} tracks in {len(shown)} groups, its percentages are off by "
        f"{error * 100:.1f} points on average; the largest gap: when it says about "
        f"{worst['mean top probability']:.0%}, it is right "
        f"{worst['share right']:.0%} of the time ({int(worst['tracks']):,} tracks)."
    )
    return Reading(sentence, shown, formats)


def song_map(points: pd.DataFrame, star: tuple[float, float] | None = None) -> Reading:
    """The map of songs per genre (``charts.song_map``).

    Where each genre lies, who overlaps.

    Args:
        points: ``x``, ``y``, ``true_genre`` and ``predicted_genre`` per track.
        star: where the current track falls, or None.
    """
    rows = []
    for genre in default_order(points["true_genre"].astype(str).unique()):
        members = points[points["true_genre"] == genre]
        if members.empty:
            continue
        rows.append(
            {
                "genre": genre,
                "tracks": len(members),
                "predicted right": float((members["predicted_genre"] == genre).mean()),
                "centre x": float(members["x"].mean()),
                "centre y": float(members["y"].mean()),
            }
        )
    table = pd.DataFrame(
        rows, columns=["genre", "tracks", "predicted right", "centre x", "centre y"]
    )
    formats = {
        "tracks": "%d",
        "predicted right": PERCENT,
        "centre x": "%.2f",
        "centre y": "%.2f",
    }
    if table.empty:
        return Reading("There are no tracks on the map.", table, formats)
    right = float((points["predicted_genre"] == points["true_genre"]).mean())
    sentence = (
        f"{len(points):,} tracks, {percent(right)} of them predicted right (the "
        "others drawn as x)"
    )
    centres = table[["centre x", "centre y"]].to_numpy()
    if len(table) > 1:
        distances = np.linalg.norm(centres[:, None, :] - centres[None, :, :], axis=2)
        np.fill_diagonal(distances, np.inf)
        first, second = np.unravel_index(int(np.argmin(distances)), distances.shape)
        apart = int(np.argmax(distances.min(axis=1)))
        sentence += (
            f"; {table['genre'].iloc[first]} and {table['genre'].iloc[second]} overlap "
            f"most (their centres are closest) and {table['genre'].iloc[apart]} lies "
            "furthest from the other genres"
        )
    sentence += "."
    if star is not None:
        gaps = np.linalg.norm(points[["x", "y"]].to_numpy() - np.asarray(star), axis=1)
        nearest = points.iloc[np.argsort(gaps, kind="stable")[:10]]
        counts = nearest["true_genre"].value_counts()
        named = [f"{count} {genre}" for genre, count in counts.head(3).items()]
        others = int(counts.iloc[3:].sum())
        if others:
            named.append(f"{others} of other genres")
        table["distance to your track"] = np.linalg.norm(
            centres - np.asarray(star), axis=1
        )
        formats["distance to your track"] = "%.2f"
        closest = table["genre"].iloc[int(table["distance to your track"].argmin())]
        sentence = (
            f"Your track lies nearest to the centre of {closest}; the "
            f"{len(nearest)} tracks closest to it on the map are {listing(named)}. "
            + sentence
        )
    return Reading(sentence, table, formats)


def importance(table: pd.DataFrame) -> Reading:
    """Accuracy lost when each feature is shuffled (``charts.importance``)."""
    ordered = table.sort_values("importance_mean", ascending=False, kind="stable")
    shown = pd.DataFrame(
        {
            "feature": ordered["feature"],
            "accuracy lost (points)": ordered["importance_mean"].astype(float) * 100,
            "spread over shuffles (points)": ordered["importance_std"].astype(float)
            * 100,
        }
    ).reset_index(drop=True)
    formats = {
        "accuracy lost (points)": "%.1f",
        "spread over shuffles (points)": "%.1f",
    }
    if shown.empty:
        return Reading("No feature was measured.", shown, formats)
    points = dict(zip(shown["feature"], shown["accuracy lost (points)"], strict=True))
    names = list(points)
    sentence = (
        f"Shuffling {spoken(names[0])} costs the most accuracy, "
        f"{points[names[0]]:.1f} points"
    )
    following = [f"{spoken(name)} ({points[name]:.1f})" for name in names[1:3]]
    if following:
        sentence += f", then {listing(following)}"
    small = [spoken(name) for name in names[3:] if points[name] < 0.5]
    if small:
        sentence += (
            f"; {listing(small)} cost{'s' if len(small) == 1 else ''} "
            "under half a point"
        )
    return Reading(sentence + ".", shown, formats)


def comparison(
    table: pd.DataFrame, label_column: str, metrics: dict[str, str]
) -> Reading:
    """Several metrics per compared item (``charts.comparison``)."""
    present = {column: name for column, name in metrics.items() if column in table}
    shown = table[[label_column, *present]].rename(columns=present)
    formats = dict.fromkeys(present.values(), PERCENT)
    if shown.empty or not present:
        return Reading("Nothing was compared.", shown, formats)
    first_column, first_name = next(iter(present.items()))
    ordered = table.sort_values(first_column, ascending=False, kind="stable")
    scores = [
        f"{label} {percent(score)}"
        for label, score in zip(
            ordered[label_column], ordered[first_column], strict=True
        )
        if pd.notna(score)
    ]
    sentence = f"By {first_name}: {listing(scores)}"
    for column, name in list(present.items())[1:]:
        scored = table[table[column].notna()]
        if scored.empty:
            continue
        # (The stubs type idxmax's label as Hashable, which .loc refuses.)
        best = scored.loc[scored[column].idxmax()]  # type: ignore[call-overload]
        sentence += f"; best {name}: {best[label_column]} ({percent(best[column])})"
    return Reading(sentence + ".", shown, formats)


# --- Evaluate page: where the model fails ------------------------------------------


def error_grid(grid: pd.DataFrame, feature_x: str, feature_y: str) -> Reading:
    """The error rate over two features' bins in words (``charts.error_grid``)."""
    x_name, y_name = spoken(feature_x), spoken(feature_y)
    table = grid.rename(
        columns={
            "x_bin": x_name if x_name != y_name else f"{x_name} (across)",
            "y_bin": y_name if x_name != y_name else f"{y_name} (down)",
            "error_rate": "wrong",
        }
    ).drop(columns=["x_order", "y_order"])
    formats = {"wrong": PERCENT, "tracks": "%d", "errors": "%d"}
    tracks = int(grid["tracks"].sum())
    if tracks == 0:
        return Reading("There are no tracks to count.", table, formats)
    overall = grid["errors"].sum() / tracks
    rated = grid.dropna(subset=["error_rate"])
    blank = len(grid) - len(rated)
    blank_words = (
        f" {blank} of {len(grid)} cells hold too few tracks to say and are left grey."
        if blank
        else ""
    )
    start = f"Wrong for {percent(overall, 0)} of {tracks:,} tracks overall."
    if rated.empty:
        return Reading(start + blank_words, table, formats)
    # (The stubs type idxmax's label as Hashable, which .loc refuses.)
    worst = rated.loc[rated["error_rate"].idxmax()]  # type: ignore[call-overload]
    best = rated.loc[rated["error_rate"].idxmin()]  # type: ignore[call-overload]
    sentence = (
        f"{start} Most often where {x_name} is {worst['x_bin']} and {y_name} "
        f"{worst['y_bin']} ({percent(worst['error_rate'], 0)} of "
        f"{int(worst['tracks']):,})"
    )
    if best.name != worst.name:
        sentence += (
            f", least often where {x_name} is {best['x_bin']} and {y_name} "
            f"{best['y_bin']} ({percent(best['error_rate'], 0)} of "
            f"{int(best['tracks']):,})"
        )
    return Reading(sentence + "." + blank_words, table, formats)
