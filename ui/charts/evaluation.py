"""Charts of how good a model is (Evaluate, Batch predict).

Confusion matrices, reliability, feature importance, comparisons of models,
error rates over two features.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.charts.style import TRAIN_COLOUR, tidy


def _labelled_heatmap(
    values: np.ndarray,
    x: list[str],
    y: list[str],
    text: list[list[str]],
    colorscale: str,
    **options: Any,
) -> go.Figure:
    """A heatmap whose cells are coloured from 0 and carry their own text."""
    return go.Figure(
        go.Heatmap(
            z=values,
            x=x,
            y=y,
            text=text,
            texttemplate="%{text}",
            colorscale=colorscale,
            zmin=0,
            **options,
        )
    )


def confusion_matrix(
    matrix: Sequence[Sequence[float]] | np.ndarray,
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
    figure = _labelled_heatmap(
        values,
        genres,
        genres,
        text,
        "Purples",
        zmax=1 if normalised else None,
        hovertemplate="true %{y}<br>predicted %{x}<br>%{text}<extra></extra>",
        showscale=False,
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
    return tidy(figure, max(460, 120 + 26 * len(genres)))


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
    return tidy(figure, 420)


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
    return tidy(figure, max(320, 26 * len(ordered)))


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
    return tidy(figure, 400)


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
    figure = _labelled_heatmap(
        rates,
        x_labels,
        y_labels,
        text,
        "Oranges",
        zmax=1,
        hoverongaps=False,
        hovertemplate=f"{x_name} %{{x}}<br>{y_name} %{{y}}<br>wrong for "
        "%{text}<extra></extra>",
        colorbar={"title": "wrong", "tickformat": ".0%"},
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
    return tidy(figure, 440)
