"""Draw a chart with its text equivalent: the one way every page shows a chart.

A chart is never only a picture: its key figures are said in words next to
it (the same sentence is the chart's ``alt`` text for screen readers) and its
numbers are offered as a table in an expander below it.
"""

from __future__ import annotations

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
