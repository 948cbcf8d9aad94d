"""What the charts of how a model sees tracks say (``ui.charts.explanation``)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from core import predict, schema, wording
from core.genres import default_order
from ui.readings.words import (
    PERCENT,
    Reading,
    capitalised,
    feature_value,
    listing,
    number,
    percent,
    spoken,
)


def _name_and_unit(label: str) -> tuple[str, str]:
    """ "tempo (beats per minute)" -> ("tempo", "beats per minute")."""
    match = re.fullmatch(r"(.*?) \((.+)\)", label)
    return (match.group(1), match.group(2)) if match else (label, "")


def probabilities(prediction: predict.TrackPrediction) -> Reading:
    """Each genre's probability (``charts.probabilities``): the table has them all."""
    ranked = prediction.ranked
    table = pd.DataFrame(
        {
            "genre": [genre for genre, _ in ranked],
            "probability": [share for _, share in ranked],
        }
    )
    sentence = wording.top_two_sentence(prediction)
    following = [f"{genre} {percent(share, 0)}" for genre, share in ranked[2:4]]
    rest = np.array([share for _, share in ranked[4:]])
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
