"""Charts of the dataset (Data page).

Unknown values, genre balance before and after cleaning, features by genre.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from core import schema
from core.genres import default_order
from ui.charts.style import TRAIN_COLOUR, genre_colours, tidy


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
    return tidy(figure)


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
    return tidy(figure, 420)


def feature_by_genre(
    typed: pd.DataFrame, feature: str, kind: str = "box", per_genre: int = 1500
) -> go.Figure:
    """Box or violin plot of one feature per genre.

    A seeded sample of rows per genre.
    """
    usable = typed[typed[schema.TARGET].notna() & typed[feature].notna()]
    genres = default_order(usable[schema.TARGET].astype(str).unique())
    colours = genre_colours(genres)
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
    return tidy(figure, 440)
