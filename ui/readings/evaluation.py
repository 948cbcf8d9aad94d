"""What the charts of a model's quality say (``ui.charts.evaluation``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ui.readings.words import PERCENT, Reading, listing, percent, spoken


def confusion_matrix(
    matrix: Sequence[Sequence[float]] | np.ndarray,
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
