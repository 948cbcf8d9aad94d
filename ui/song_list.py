"""A table of songs that opens a clicked song on the Predict page.

The Evaluate page lists a confusion cell's songs and a failing group's songs
with it: one table, one way to open a song (click a row, or pick it in the
keyboard twin below the table).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import songs

# Columns of a core.songs.predictions_table shown, in order, and their headers.
SHOWN_COLUMNS = {
    "artist_name": "artist",
    "track_name": "title",
    songs.LISTED: "listed under",
    "predicted_genre": "predicted",
    "second_genre": "second guess",
}
# The keyboard twin lists at most this many songs.
MOST_PICKABLE = 500
# A row index of the loaded data the Predict page loads on arrival (set by
# the Evaluate page's "open on Predict").
PENDING_TRACK = "predict_pending_track"


def open_on_predict(index: int) -> None:
    """Open a row of the loaded data on the Predict page."""
    st.session_state[PENDING_TRACK] = index
    st.switch_page("pages/4_Predict.py")


def song_table(
    listed: pd.DataFrame, table_key: str, pick_key: str, button_key: str
) -> None:
    """Rows of a predictions table (``core.songs.predictions_table``) as songs.

    Clicking a row, or picking it below and pressing "Open on Predict",
    opens that song on the Predict page.

    Args:
        listed: the rows to list, in the order shown.
        table_key, pick_key, button_key: the widget keys of the table, the
            keyboard twin's picker and its button.
    """
    columns = [
        column
        for column in [*SHOWN_COLUMNS, songs.CONFIDENCE]
        if column in listed.columns
    ]
    shown = listed[columns].copy()
    if "artist_name" in shown:
        shown["artist_name"] = shown["artist_name"].replace(
            songs.EMPTY_ARTIST, songs.UNKNOWN_ARTIST
        )
    chosen = st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=table_key,
        column_config={
            **SHOWN_COLUMNS,
            songs.CONFIDENCE: st.column_config.ProgressColumn(
                "confidence", min_value=0.0, max_value=1.0, format="percent"
            ),
        },
    )
    if chosen.selection.rows:
        open_on_predict(int(listed.index[chosen.selection.rows[0]]))
    if len(listed):
        # The keyboard twin of clicking a row.
        names = dict(zip(listed.index, listed[songs.SONG], strict=True))
        song_column, button_column = st.columns([3, 1], vertical_alignment="bottom")
        picked = song_column.selectbox(
            "Or open this song on the Predict page",
            list(names)[:MOST_PICKABLE],
            format_func=names.__getitem__,
            key=pick_key,
        )
        if button_column.button("Open on Predict", key=button_key):
            open_on_predict(int(picked))
