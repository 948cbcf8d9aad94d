"""Plotly figures for the pages: each takes plain values and returns a figure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core import schema
from core.genres import REFERENCE, default_order

# One colour per genre, kept the same on every chart. Colour-blind safe: the ten
# are taken from Paul Tol's qualitative schemes (muted, bright, vibrant, dark)
# and Okabe-Ito, chosen by search among those with at least 3:1 contrast
# against the white background (WCAG 1.4.11, so no bar fades into the page;
# Tol's sand and pale cyan fail it). Simulated with Machado et al. (2009) at
# full severity, any two stay at least 10 CIEDE2000 apart for normal vision,
# protanopia, deuteranopia and tritanopia (Plotly's default palette: 0.7 under
# protanopia). The most often confused genres get far-apart pairs:
# Rap/Hip-Hop indigo/olive, Rock/Alternative blue/dark red.
GENRE_COLOURS: dict[str, str] = dict(
    zip(
        schema.GENRES,
        (
            "#AA3377",
            "#EE6677",
            "#225555",
            "#663333",
            "#117733",
            "#332288",
            "#009E73",
            "#0077BB",
            "#CC79A7",
            "#999933",
        ),
        strict=True,
    )
)
# Genres of other files, in the order a model lists them: Okabe-Ito's and
# Tol's remaining colours that keep 3:1 against white (the ten's own stay
# theirs). Past these, colours repeat: a chart of many genres names each
# one in text, and the map groups the rarer ones (MAP_COLOURED_GENRES).
OTHER_GENRE_COLOURS: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#882255",
    "#44AA99",
    "#E69F00",
    "#4477AA",
    "#CC3311",
    "#228833",
    "#AA4499",
    "#666633",
    "#EE3377",
    "#33BBEE",
)
# Genres shown one by one in the probability bars and the genre lines; the
# rest are summed ("all others") or left out, so that 100 genres stay readable.
SHOWN_GENRES = 10
# Genres the map colours one by one (the most tracks first); the rest are
# drawn grey as "other genres".
MAP_COLOURED_GENRES = 12
OTHERS_COLOUR = "#888888"
TRAIN_COLOUR = "#6C3FC5"
TEST_COLOUR = "#F08A24"


def _genre_colours(genres: Sequence[str]) -> dict[str, str]:
    """A colour per genre: the study's ten keep theirs, the others share a palette."""
    colours = {}
    others = 0
    for genre in genres:
        reference = REFERENCE.name_of(genre)
        if reference is not None:
            colours[genre] = GENRE_COLOURS[reference]
        else:
            colours[genre] = OTHER_GENRE_COLOURS[others % len(OTHER_GENRE_COLOURS)]
            others += 1
    return colours


def _tidy(figure: go.Figure, height: int = 380) -> go.Figure:
    figure.update_layout(height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return figure


def unknown_rates(rates: dict[str, float]) -> go.Figure:
    """Bar chart: share of rows whose value is unknown, per column."""
    columns = list(rates)
    figure = go.Figure(
        go.Bar(
            x=columns,
            y=[rates[column] for column in columns],
            marker_color=TRAIN_COLOUR,
            text=[f"{rates[column]:.1%}" for column in columns],
            textposition="outside",
        )
    )
    figure.update_layout(
        title="Unknown values per column", yaxis_tickformat=".0%", yaxis_title="rows"
    )
    return _tidy(figure)


def class_balance(balance: dict[str, dict[str, int]]) -> go.Figure:
    """Grouped bars: rows per genre.

    As loaded, after dropping and after imputing unknowns.
    """
    names = {
        "loaded": "as loaded",
        "drop": "after cleaning: drop unknowns",
        "impute": "after cleaning: impute unknowns",
    }
    figure = go.Figure(
        [
            go.Bar(name=names[stage], x=list(counts), y=list(counts.values()))
            for stage, counts in balance.items()
        ]
    )
    figure.update_layout(
        barmode="group",
        title="Tracks per genre before and after cleaning",
        yaxis_title="tracks",
        legend={"orientation": "h", "y": -0.15},
    )
    return _tidy(figure, 420)


def feature_by_genre(
    typed: pd.DataFrame, feature: str, kind: str = "box", per_genre: int = 1500
) -> go.Figure:
    """Box or violin plot of one feature per genre.

    A seeded sample of rows per genre.
    """
    usable = typed[typed[schema.TARGET].notna() & typed[feature].notna()]
    genres = default_order(usable[schema.TARGET].astype(str).unique())
    colours = _genre_colours(genres)
    traces = []
    for genre in genres:
        values = usable.loc[usable[schema.TARGET] == genre, feature]
        if len(values) > per_genre:
            values = values.sample(per_genre, random_state=0)
        common = {"y": values, "name": genre, "marker_color": colours[genre]}
        if kind == "violin":
            traces.append(go.Violin(**common, box_visible=True, points=False))
        else:
            traces.append(go.Box(**common, boxpoints=False))
    figure = go.Figure(traces)
    unit = schema.FEATURE_UNITS.get(feature)
    figure.update_layout(
        title=f"{feature} by genre",
        yaxis_title=f"{feature} ({unit})" if unit else feature,
        showlegend=False,
    )
    return _tidy(figure, 440)


def training_curves(history: Sequence[dict]) -> go.Figure:
    """Loss and accuracy per epoch, training and validation, side by side.

    Args:
        history: epoch logs as dicts (``EpochLog`` fields); the networks of
            an ensemble train together, so each gets its own line over the
            same epochs.
    """
    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("Loss (lower is better)", "Accuracy (higher is better)"),
    )
    frame = pd.DataFrame(list(history))
    if frame.empty:
        return _tidy(figure, 320)
    members = int(frame["members"].max())
    for column_index, series in enumerate(
        (("loss", "val_loss"), ("accuracy", "val_accuracy")), start=1
    ):
        for column, colour, label, dash in zip(
            series,
            (TRAIN_COLOUR, TEST_COLOUR),
            ("training", "validation"),
            (None, "dot"),
            strict=True,
        ):
            if column not in frame or frame[column].isna().all():
                continue
            for member, rows in frame.groupby("member"):
                # EpochLog.member: an int (the stubs type a group key as any scalar).
                network = "" if members == 1 else f", network {cast(int, member) + 1}"
                figure.add_trace(
                    go.Scatter(
                        x=rows["epoch"],
                        y=rows[column],
                        name=label,
                        mode="lines+markers",
                        legendgroup=label,
                        line={"color": colour, "dash": dash},
                        showlegend=column_index == 1 and member == 0,
                        hovertemplate=f"{label}{network}<br>epoch %{{x}}: "
                        "%{y:.3f}<extra></extra>",
                    ),
                    row=1,
                    col=column_index,
                )
    figure.update_xaxes(title_text="epoch")
    figure.update_yaxes(tickformat=".0%", row=1, col=2)
    figure.update_layout(legend={"orientation": "h", "y": -0.25})
    return _tidy(figure, 340)


def confusion_matrix(
    matrix: Sequence[Sequence[float]],
    title: str,
    normalised: bool,
    genres: Sequence[str],
    selected: tuple[str, str] | None = None,
) -> go.Figure:
    """Heatmap: true genre down the side, predicted genre along the top.

    Each cell also holds an invisible marker (Plotly reports no point when a
    heatmap cell is clicked, streamlit issues 8760 and 15042), so that with
    ``st.plotly_chart(on_select="rerun")`` a click selects the cell: its
    ``x`` is the predicted genre, its ``y`` the true one. ``selected`` (true,
    predicted) is outlined. ``genres`` name the rows and columns (a page
    may pass a few genres' part of a model's matrix).
    """
    values = np.asarray(matrix, dtype=float)
    text = [[f"{v:.0%}" if normalised else f"{v:.0f}" for v in row] for row in values]
    genres = list(genres)
    figure = go.Figure(
        go.Heatmap(
            z=values,
            x=genres,
            y=genres,
            text=text,
            texttemplate="%{text}",
            colorscale="Purples",
            zmin=0,
            zmax=1 if normalised else None,
            hovertemplate="true %{y}<br>predicted %{x}<br>%{text}<extra></extra>",
            showscale=False,
        )
    )
    figure.add_trace(
        go.Scatter(
            x=[predicted for _ in genres for predicted in genres],
            y=[true for true in genres for _ in genres],
            mode="markers",
            marker={
                "symbol": "square",
                "size": max(8, 28 * 10 // max(len(genres), 10)),
                "opacity": 0.01,
            },
            customdata=[cell for row in text for cell in row],
            hovertemplate="true %{y}<br>predicted %{x}<br>%{customdata}"
            "<extra>click to list the songs</extra>",
            showlegend=False,
        )
    )
    if selected is not None and selected[0] in genres and selected[1] in genres:
        row, column = genres.index(selected[0]), genres.index(selected[1])
        figure.add_shape(
            type="rect",
            x0=column - 0.5,
            x1=column + 0.5,
            y0=row - 0.5,
            y1=row + 0.5,
            line={"color": "#F08A24", "width": 3},
        )
    figure.update_layout(
        title=title,
        xaxis_title="predicted genre",
        yaxis_title="true genre",
        yaxis_autorange="reversed",
        # Keep the marker trace on the heatmap's category axes.
        xaxis={"categoryorder": "array", "categoryarray": genres},
        yaxis={"categoryorder": "array", "categoryarray": genres},
    )
    return _tidy(figure, max(460, 120 + 26 * len(genres)))


def _shown_probabilities(
    values: Sequence[float], genres: Sequence[str]
) -> tuple[list[str], list[float]]:
    """The likeliest ``SHOWN_GENRES`` genres, likeliest first, then "all others"."""
    shares = np.asarray(values, dtype=float)
    order = np.argsort(-shares, kind="stable")
    names = [genres[i] for i in order[:SHOWN_GENRES]]
    shown = [float(shares[i]) for i in order[:SHOWN_GENRES]]
    rest = order[SHOWN_GENRES:]
    if len(rest):
        names.append(f"all {len(rest)} others")
        shown.append(float(shares[rest].sum()))
    return names, shown


def probabilities(values: Sequence[float], genres: Sequence[str]) -> go.Figure:
    """Horizontal bars: the probability of each genre, likeliest on top.

    A model of more than ``SHOWN_GENRES`` genres shows its likeliest ones
    and one bar for all the others together.
    """
    names, shown = _shown_probabilities(values, genres)
    colours = _genre_colours(genres)
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
    return _tidy(figure, 400)


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
    colours = _genre_colours([str(column) for column in sweep if column != "value"])
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
    return _tidy(figure, 400)


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
            totals={"marker": {"color": _genre_colours([genre])[genre]}},
            connector={"line": {"color": "#888888"}},
        )
    )
    figure.update_layout(
        title=f"Why {genre}: what each feature adds",
        xaxis_tickformat=".0%",
        yaxis_autorange="reversed",
        margin_r=60,
    )
    return _tidy(figure, max(320, 34 * len(labels)))


def _short(value: object) -> str:
    if isinstance(value, float):
        if value != value:
            return "unknown"
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return str(value)


def reliability(table: pd.DataFrame) -> go.Figure:
    """Reliability diagram.

    How often the top genre is right, against how sure the model was.

    Args:
        table: ``core.explain.reliability(...)["table"]``.
    """
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_trace(
        go.Bar(
            x=table["confidence"],
            y=table["tracks"],
            name="tracks in the bin",
            marker_color="#BBBBBB",
            width=0.08,
            opacity=0.6,
        ),
        secondary_y=True,
    )
    figure.add_trace(
        go.Scatter(
            x=[0, 1],
            y=[0, 1],
            mode="lines",
            name="perfectly calibrated",
            line={"color": "#555555", "dash": "dot"},
        ),
    )
    figure.add_trace(
        go.Scatter(
            x=table["confidence"],
            y=table["accuracy"],
            mode="lines+markers",
            name="this model",
            line={"color": TRAIN_COLOUR, "width": 3},
            hovertemplate="says %{x:.0%}: right %{y:.0%}<extra></extra>",
        ),
    )
    figure.update_layout(
        title="When the model is this sure, how often is it right?",
        xaxis={
            "title": "the model's top probability",
            "tickformat": ".0%",
            "range": [0, 1],
        },
        legend={"orientation": "h", "y": -0.25},
    )
    figure.update_yaxes(
        title_text="share right", tickformat=".0%", range=[0, 1], secondary_y=False
    )
    figure.update_yaxes(title_text="tracks", secondary_y=True, showgrid=False)
    return _tidy(figure, 420)


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
    colours = _genre_colours(coloured)
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
    return _tidy(figure, 520)


def importance(table: pd.DataFrame) -> go.Figure:
    """Horizontal bars: accuracy lost when a feature is shuffled.

    Permutation importance.
    """
    ordered = table.sort_values("importance_mean")
    figure = go.Figure(
        go.Bar(
            x=ordered["importance_mean"],
            y=ordered["feature"],
            orientation="h",
            error_x={"type": "data", "array": ordered["importance_std"]},
            marker_color=TRAIN_COLOUR,
        )
    )
    figure.update_layout(
        title="Accuracy lost when a feature is shuffled",
        xaxis_tickformat=".1%",
        xaxis_title="drop in accuracy",
    )
    return _tidy(figure, max(320, 26 * len(ordered)))


def comparison(
    table: pd.DataFrame, label_column: str, metrics: dict[str, str], title: str
) -> go.Figure:
    """Grouped bars of several metrics (0-1 shares) for each compared item."""
    figure = go.Figure(
        [
            go.Bar(
                name=name,
                x=table[label_column],
                y=table[column],
                text=[f"{v:.1%}" if pd.notna(v) else "" for v in table[column]],
                textposition="outside",
            )
            for column, name in metrics.items()
            if column in table
        ]
    )
    figure.update_layout(
        barmode="group",
        title=title,
        yaxis_tickformat=".0%",
        legend={"orientation": "h", "y": -0.2},
    )
    return _tidy(figure, 400)


def sweep_scores(table: pd.DataFrame, label: str, numeric: bool) -> go.Figure:
    """Validation accuracy and top-2 for each value tried, with the training seconds.

    Args:
        table: ``core.sweep.results_table`` (its first column holds the values).
        label: the setting's name, for the axis.
        numeric: space the values by size (a log axis for ranges over 10x).
    """
    values = table.iloc[:, 0]
    if numeric:
        order = np.argsort(
            [len(str(v).split(",")) if isinstance(v, str) else float(v) for v in values]
        )
        table = table.iloc[order]
        values = table.iloc[:, 0]
    x = (
        [str(value) for value in values]
        if not numeric or isinstance(values.iloc[0], str)
        else values
    )
    positive = numeric and not isinstance(values.iloc[0], str) and (values > 0).all()
    log_axis = bool(positive and values.max() / values.min() > 10)
    seconds = table["training seconds"]
    seconds_text = [f"{v:.0f} s" for v in seconds]
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_trace(
        # Bars on a log axis get widths of their own (one wide, one a hair):
        # there the seconds are grey squares instead.
        go.Scatter(
            x=x,
            y=seconds,
            name="training seconds",
            mode="markers+text",
            marker={"color": "#888888", "symbol": "square", "size": 10},
            text=seconds_text,
            textposition="bottom center",
        )
        if log_axis
        else go.Bar(
            x=x,
            y=seconds,
            name="training seconds",
            marker_color="#BBBBBB",
            opacity=0.6,
            text=seconds_text,
            textposition="inside",
        ),
        secondary_y=True,
    )
    for column, colour, name in (
        ("validation accuracy", TRAIN_COLOUR, "validation accuracy"),
        ("validation top-2", TEST_COLOUR, "right genre in the top 2"),
    ):
        figure.add_trace(
            go.Scatter(
                x=x,
                y=table[column],
                name=name,
                mode="lines+markers+text",
                line={"color": colour, "width": 3},
                text=[f"{v:.1%}" for v in table[column]],
                textposition="top center",
            ),
        )
    if log_axis:
        figure.update_xaxes(type="log")
    figure.update_layout(
        title=f"Validation scores by {label}",
        xaxis_title=label,
        legend={"orientation": "h", "y": -0.25},
    )
    figure.update_yaxes(
        title_text="on the validation tracks", tickformat=".0%", secondary_y=False
    )
    figure.update_yaxes(
        title_text="training seconds",
        secondary_y=True,
        showgrid=False,
        tickformat=".0f",
        rangemode="tozero",
    )
    return _tidy(figure, 420)


def sweep_curves(curves: dict[str, Sequence[float]]) -> go.Figure:
    """Each run's validation accuracy epoch by epoch, overlaid.

    Args:
        curves: a run's label -> its validation accuracy per epoch (the
            networks of an ensemble averaged).
    """
    figure = go.Figure(
        [
            go.Scatter(
                x=list(range(1, len(values) + 1)),
                y=list(values),
                name=name,
                mode="lines",
                line={"dash": dash},
            )
            for (name, values), dash in zip(
                curves.items(), ["solid", "dash", "dot", "dashdot"] * 2, strict=False
            )
        ]
    )
    figure.update_layout(
        title="Validation accuracy while learning",
        xaxis_title="epoch",
        yaxis_title="validation accuracy",
        yaxis_tickformat=".0%",
        legend={"orientation": "h", "y": -0.25},
    )
    return _tidy(figure, 380)


def search_runs(table: pd.DataFrame, varied: Sequence[str]) -> go.Figure:
    """Parallel coordinates.

    Each run a line through its settings and its validation accuracy.
    """
    dimensions = []
    for name in varied:
        column = table[name]
        if pd.api.types.is_numeric_dtype(column):
            dimensions.append({"label": name, "values": column})
        else:
            labels = sorted(set(map(str, column)))
            dimensions.append(
                {
                    "label": name,
                    "values": [labels.index(str(v)) for v in column],
                    "tickvals": list(range(len(labels))),
                    "ticktext": labels,
                }
            )
    dimensions.append(
        {"label": "validation accuracy", "values": table["validation accuracy"]}
    )
    figure = go.Figure(
        go.Parcoords(
            line={
                "color": table["validation accuracy"],
                "colorscale": "Purples",
                "showscale": True,
                "colorbar": {"title": "accuracy"},
            },
            dimensions=dimensions,
        )
    )
    figure.update_layout(title="Each run's settings and validation accuracy")
    return _tidy(figure, 420)


# Cells with too few tracks have no error rate: they show this background.
TOO_FEW_COLOUR = "#E4E4E4"


def error_grid(grid: pd.DataFrame, feature_x: str, feature_y: str) -> go.Figure:
    """Heatmap: how often the model is wrong in each pair of bins of two features.

    ``grid`` is :func:`core.segments.error_grid`. A cell with too few tracks
    has no colour (the grey background shows) and says how many it holds.
    """
    x_labels = grid.sort_values("x_order")["x_bin"].drop_duplicates().tolist()
    y_labels = grid.sort_values("y_order")["y_bin"].drop_duplicates().tolist()
    rates = np.full((len(y_labels), len(x_labels)), np.nan)
    text = [["" for _ in x_labels] for _ in y_labels]
    cell: Any  # a row of core.segments.error_grid (the stubs: any scalar per field)
    for cell in grid.itertuples():
        rates[cell.y_order, cell.x_order] = cell.error_rate
        text[cell.y_order][cell.x_order] = (
            f"{cell.error_rate:.0%} of {cell.tracks}"
            if cell.error_rate == cell.error_rate
            else f"too few ({cell.tracks})"
        )
    x_name = feature_x.replace("_ms", "")
    y_name = feature_y.replace("_ms", "")
    figure = go.Figure(
        go.Heatmap(
            z=rates,
            x=x_labels,
            y=y_labels,
            text=text,
            texttemplate="%{text}",
            colorscale="Oranges",
            zmin=0,
            zmax=1,
            hoverongaps=False,
            hovertemplate=f"{x_name} %{{x}}<br>{y_name} %{{y}}<br>wrong for "
            "%{text}<extra></extra>",
            colorbar={"title": "wrong", "tickformat": ".0%"},
        )
    )
    figure.update_layout(
        # Two lines: on a phone (about 340 px) one line is cut off.
        title=f"How often the model is wrong,<br>by {x_name} and {y_name}",
        xaxis_title=x_name,
        yaxis_title=y_name,
        plot_bgcolor=TOO_FEW_COLOUR,
        xaxis={"categoryorder": "array", "categoryarray": x_labels},
        yaxis={"categoryorder": "array", "categoryarray": y_labels},
    )
    return _tidy(figure, 440)
