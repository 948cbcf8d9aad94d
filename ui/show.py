"""Draw a chart with its text equivalent: the one way every page shows a chart.

A chart is never only a picture: its key figures are said in words next to
it (the same sentence is the chart's ``alt`` text for screen readers) and its
numbers are offered as a table in an expander below it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from ui.readings.words import PERCENT, Reading

NUMBERS_LABEL = "The numbers behind this chart"


def chart(
    figure: go.Figure,
    reading: Reading,
    key: str | None = None,
    *,
    say: bool = True,
    numbers: bool = True,
    **options,
):
    """Draw ``figure``, say ``reading.sentence`` under it and offer ``reading.table``.

    Args:
        figure: a ``ui.charts`` figure.
        reading: its ``ui.readings`` text equivalent.
        key: the chart's widget key (also keys the table's expander).
        say: show the sentence as a caption; False when the page already says
            it in its own words next to the chart (it stays the ``alt`` text).
        numbers: offer the table; False when the page shows the same numbers
            as a table right below the chart.
        **options: passed to ``st.plotly_chart`` (``on_select``, ...).

    Returns:
        What ``st.plotly_chart`` returns (the selection, with ``on_select``).
    """
    event = st.plotly_chart(
        figure, width="stretch", key=key, alt=reading.sentence, **options
    )
    if say:
        st.caption(reading.sentence)
    if not numbers:
        return event
    with st.expander(NUMBERS_LABEL, icon=":material/table:"):
        st.dataframe(
            reading.table,
            hide_index=True,
            width="stretch",
            column_config=column_config(reading),
            alt=f"The numbers behind the chart: {title_of(figure)}",
        )
    return event


def column_config(reading: Reading) -> dict:
    """Streamlit column settings from the reading's formats."""
    return {
        column: st.column_config.NumberColumn(
            format="percent" if shown == PERCENT else shown
        )
        for column, shown in reading.formats.items()
        if column in reading.table.columns
    }


def title_of(figure: go.Figure) -> str:
    """The figure's title text, or "untitled"."""
    title = figure.layout.title.text
    # A title broken in two lines for phones reads as one sentence.
    return title.replace("<br>", " ") if title else "untitled"


def scores(columns: Sequence[Any], test: dict, train: dict) -> None:
    """Test accuracy, training accuracy and top-2, said alike on every page.

    ``columns``: three Streamlit columns, in that order.
    """
    columns[0].metric(
        "Test accuracy",
        f"{test['accuracy']:.1%}",
        help="Share of unseen tracks (the network never learned from them) "
        "whose genre was guessed right.",
    )
    columns[1].metric("Training accuracy", f"{train['accuracy']:.1%}")
    top2 = test.get("top2_accuracy")
    columns[2].metric(
        "Right genre in its top 2 (test)",
        "n/a" if top2 is None else f"{top2:.1%}",
        help=(
            "Share of unseen tracks whose true genre is the model's first or second "
            "guess (not counted for a model of two genres: always both)."
        ),
    )
