"""Charts of training (Train page): learning curves and the sweeps' scores."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.charts.style import TRAIN_COLOUR, tidy

TEST_COLOUR = "#F08A24"


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
        return tidy(figure, 320)
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
    return tidy(figure, 340)


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
    return tidy(figure, 420)


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
    return tidy(figure, 380)


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
    return tidy(figure, 420)
