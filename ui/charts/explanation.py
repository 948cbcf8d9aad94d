"""Charts of how a model sees tracks (Predict, Evaluate).

Genre probabilities, what each feature adds, genre lines, the map of songs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core import predict
from core.genres import default_order
from ui.charts.style import MAP_COLOURED_GENRES, genre_colours, tidy

# Genres shown one by one in the probability bars and the genre lines; the
# rest are summed ("all others") or left out, so that 100 genres stay readable.
SHOWN_GENRES = 10


OTHERS_COLOUR = "#888888"


def _shown_probabilities(
    prediction: predict.TrackPrediction,
) -> tuple[list[str], list[float]]:
    """The likeliest ``SHOWN_GENRES`` genres, likeliest first, then "all others"."""
    ranked = prediction.ranked
    names = [genre for genre, _ in ranked[:SHOWN_GENRES]]
    shown = [share for _, share in ranked[:SHOWN_GENRES]]
    rest = ranked[SHOWN_GENRES:]
    if rest:
        names.append(f"all {len(rest)} others")
        shown.append(float(sum(share for _, share in rest)))
    return names, shown


def probabilities(prediction: predict.TrackPrediction) -> go.Figure:
    """Horizontal bars: the probability of each genre, likeliest on top.

    A model of more than ``SHOWN_GENRES`` genres shows its likeliest ones
    and one bar for all the others together.
    """
    names, shown = _shown_probabilities(prediction)
    colours = genre_colours(prediction.genres)
    genres = names[::-1]
    shares = shown[::-1]
    figure = go.Figure(
        go.Bar(
            x=shares,
            y=genres,
            orientation="h",
            marker_color=[colours.get(genre, OTHERS_COLOUR) for genre in genres],
            text=[f"{share:.0%}" for share in shares],
            textposition="outside",
        )
    )
    figure.update_layout(
        title="Genre probabilities", xaxis_range=[0, 1.08], xaxis_tickformat=".0%"
    )
    return tidy(figure, 400)


def _lines_shown(sweep: pd.DataFrame) -> list[str]:
    """The genres of a sweep drawn as lines: every one, or the ``SHOWN_GENRES``
    that reach the highest probability anywhere along it (in the model's order)."""
    genres = [str(column) for column in sweep if column != "value"]
    if len(genres) <= SHOWN_GENRES:
        return genres
    peaks = sweep[genres].max()
    top = set(peaks.sort_values(ascending=False, kind="stable").index[:SHOWN_GENRES])
    return [genre for genre in genres if genre in top]


def genre_lines(
    sweep: pd.DataFrame, title: str, label: str, current: object = None
) -> go.Figure:
    """Lines: each genre's probability over a feature's values, named at their ends.

    Args:
        sweep: ``value`` plus one column per genre (``core.explain.what_if``
            or ``core.explain.partial_dependence_table``).
        title: the chart's title.
        label: the x-axis title.
        current: the value to mark with a dotted line (a number in the axis'
            units, or a category for key and mode), or None.
    """
    categorical = not pd.api.types.is_numeric_dtype(sweep["value"])
    genres = _lines_shown(sweep)
    colours = genre_colours([str(column) for column in sweep if column != "value"])
    figure = go.Figure(
        [
            go.Scatter(
                x=sweep["value"],
                y=sweep[genre],
                name=genre,
                mode="lines+markers" if categorical else "lines",
                line={"color": colours[genre]},
            )
            for genre in genres
        ]
    )
    # The genre's name at the end of its line: colour is never the only cue.
    figure.add_trace(
        go.Scatter(
            x=[sweep["value"].iloc[-1]] * len(genres),
            y=[sweep[genre].iloc[-1] for genre in genres],
            mode="text",
            text=genres,
            textposition="middle right",
            textfont={"color": [colours[genre] for genre in genres]},
            showlegend=False,
            hoverinfo="skip",
        )
    )
    if current is not None and categorical:
        # A vertical line needs a number: on a category axis, its position.
        categories = list(sweep["value"])
        if current in categories:
            figure.add_vline(
                x=categories.index(current), line_dash="dot", line_color="grey"
            )
    elif current is not None:
        figure.add_vline(x=current, line_dash="dot", line_color="grey")
    figure.update_layout(
        title=title,
        xaxis_title=label,
        yaxis_title="probability",
        yaxis_tickformat=".0%",
        margin_r=90,
    )
    return tidy(figure, 400)


def contributions(
    table: pd.DataFrame, genre: str, baseline: float, shown: int = 8
) -> go.Figure:
    """Waterfall: from the typical track's probability, what each feature adds or takes.

    Args:
        table: ``core.shapley.Shapley.for_genre`` (largest effect first).
        genre: the explained genre.
        baseline: the typical track's probability of ``genre``.
        shown: features drawn one by one; the rest are summed into one bar.
    """
    first, rest = table.iloc[:shown], table.iloc[shown:]
    labels = ["typical track"] + [
        f"{feature} = {_short(value)}"
        for feature, value in zip(first["feature"], first["value"], strict=True)
    ]
    steps = [baseline, *first["contribution"]]
    measures = ["absolute"] + ["relative"] * len(first)
    if len(rest):
        labels.append(f"{len(rest)} other features")
        steps.append(float(rest["contribution"].sum()))
        measures.append("relative")
    labels.append(f"this track: {genre}")
    steps.append(0.0)
    measures.append("total")
    figure = go.Figure(
        go.Waterfall(
            orientation="h",
            y=labels,
            x=steps,
            measure=measures,
            text=[f"{baseline:.0%}"]
            + [f"{step * 100:+.1f} pts" for step in steps[1:-1]]
            + [f"{baseline + sum(steps[1:-1]):.0%}"],
            # Inside a bar when it fits: outside, a long bar's text would run
            # off a phone-wide chart.
            textposition="auto",
            increasing={"marker": {"color": "#117733"}},
            decreasing={"marker": {"color": "#AA3377"}},
            totals={"marker": {"color": genre_colours([genre])[genre]}},
            connector={"line": {"color": "#888888"}},
        )
    )
    figure.update_layout(
        title=f"Why {genre}: what each feature adds",
        xaxis_tickformat=".0%",
        yaxis_autorange="reversed",
        margin_r=60,
    )
    return tidy(figure, max(320, 34 * len(labels)))


def _short(value: object) -> str:
    if isinstance(value, float):
        if value != value:
            return "unknown"
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return str(value)


def _map_groups(points: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The genres the map colours (``MAP_COLOURED_GENRES`` with the most tracks,
    in the study's then alphabetical order) and the rarer ones it draws grey."""
    counts = points["true_genre"].astype(str).value_counts(sort=False)
    genres = default_order(counts.index)
    if len(genres) <= MAP_COLOURED_GENRES:
        return genres, []
    top = set(
        counts.sort_values(ascending=False, kind="stable").index[
            : MAP_COLOURED_GENRES - 1
        ]
    )
    return [g for g in genres if g in top], [g for g in genres if g not in top]


def song_map(
    points: pd.DataFrame, star: tuple[float, float] | None = None
) -> go.Figure:
    """Every track as a point on the network's map of songs, coloured by its genre.

    Args:
        points: ``x``, ``y``, ``song``, ``true_genre``, ``listed_genres``,
            ``predicted_genre`` per track.
        star: where the current slider track falls, drawn as a star.
    """
    traces = []
    coloured, others = _map_groups(points)
    colours = genre_colours(coloured)
    groups = [(genre, [genre]) for genre in coloured]
    if others:
        groups.append((f"{len(others)} other genres", others))
    for name, members in groups:
        rows = points[points["true_genre"].isin(members)]
        if rows.empty:
            continue
        wrong = rows["predicted_genre"] != rows["true_genre"]
        traces.append(
            go.Scattergl(
                x=rows["x"],
                y=rows["y"],
                mode="markers",
                name=name,
                marker={
                    "color": colours.get(name, OTHERS_COLOUR),
                    "size": 5,
                    "symbol": np.where(wrong, "x", "circle"),
                    "opacity": 0.7,
                },
                customdata=np.column_stack(
                    [rows["song"], rows["listed_genres"], rows["predicted_genre"]]
                ),
                hovertemplate="%{customdata[0]}<br>listed: %{customdata[1]}"
                "<br>predicted: %{customdata[2]}<extra></extra>",
            )
        )
    if star is not None:
        traces.append(
            go.Scatter(
                x=[star[0]],
                y=[star[1]],
                mode="markers+text",
                name="your track",
                text=["your track"],
                textposition="top center",
                marker={
                    "symbol": "star",
                    "size": 22,
                    "color": "#F08A24",
                    "line": {"color": "#000000", "width": 1.5},
                },
            )
        )
    figure = go.Figure(traces)
    figure.update_layout(
        title="A map of songs as the network hears them",
        xaxis={"title": "first direction", "showticklabels": False, "zeroline": False},
        yaxis={"title": "second direction", "showticklabels": False, "zeroline": False},
        legend={"orientation": "h", "y": -0.12},
    )
    return tidy(figure, 520)
