"""Evaluate's "Two models, song by song": pick two models, see where they differ."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from core import songs, two_models
from core.errors import GenreLabError
from ui import cache, state

FIRST, SECOND = "evaluate_pair_first", "evaluate_pair_second"
OPEN = "evaluate_pair_open"


def _table(key: str, data_key: str, typed: pd.DataFrame) -> pd.DataFrame:
    return cache.predictions_table(key, data_key, state.model_bundle(key), typed)


def song_by_song_section(
    typed: pd.DataFrame | None,
    source: state.DataSource | None,
    open_song: Callable[[int], None],
) -> None:
    """Two models' answers on the same unseen tracks: counts, 2x2 table, flips.

    Args:
        typed, source: the loaded data (None when there is none).
        open_song: opens a row of ``typed`` on the Predict page.
    """
    st.header("Two models, song by song")
    st.markdown(
        "Two models can score almost the same and still disagree on many songs. "
        "Pick two: see how many songs each gets right, and which songs one gets "
        "right and the other wrong (only songs neither model learned from)."
    )
    choices = state.model_choices()
    if len(choices) < 2:
        st.info(
            "Comparing needs two models: train one on the **Train** page (the "
            "shipped model counts as one)."
        )
        return
    if typed is None or source is None:
        st.info(
            "Comparing song by song needs the dataset: load it on the **Home** page."
        )
        return
    names = {choice.key: choice.name for choice in choices}
    keys = list(names)
    first_column, second_column = st.columns(2)
    first = first_column.selectbox(
        "First model", keys, index=0, format_func=names.__getitem__, key=FIRST
    )
    second = second_column.selectbox(
        "Second model",
        keys,
        index=len(keys) - 1,
        format_func=names.__getitem__,
        key=SECOND,
    )
    if first == second:
        st.info("Pick two different models.")
        return
    try:
        result = two_models.song_by_song(
            _table(first, source.key, typed), _table(second, source.key, typed), typed
        )
    except GenreLabError as error:
        st.error(str(error))
        return
    first_name, second_name = names[first], names[second]
    columns = st.columns(3)
    columns[0].metric("Songs compared", f"{result.rows:,}")
    for column, name, right in (
        (columns[1], first_name, result.first_right),
        (columns[2], second_name, result.second_right),
    ):
        share = f" ({right / result.rows:.1%})" if result.rows else ""
        column.metric(f"{name}: right", f"{right:,}{share}")
    st.markdown(two_models.comparison_sentence(result, first_name, second_name))
    grid = result.table.rename(
        index=lambda answer: f"{first_name} {answer}",
        columns=lambda answer: f"{second_name} {answer}",
    )
    st.dataframe(grid, width="content")
    st.caption(
        "Each cell counts songs: the top-right one the songs the second model "
        "breaks, the bottom-left one the songs it fixes."
    )
    flipped = result.flipped
    if flipped.empty:
        return
    st.markdown(
        f"**The {len(flipped):,} songs that flipped** (fixed first). The link opens "
        "a song on the Predict page in a new tab, with the shipped model; the "
        "button below opens it here, with the model in use."
    )
    shown = [
        c
        for c in (
            "artist_name",
            "track_name",
            songs.LISTED,
            two_models.FIRST_ANSWER,
            two_models.SECOND_ANSWER,
            two_models.CHANGE,
            two_models.LINK,
        )
        if c in flipped.columns
    ]
    st.dataframe(
        flipped[shown],
        hide_index=True,
        width="stretch",
        column_config={
            "artist_name": "artist",
            "track_name": "title",
            songs.LISTED: "listed under",
            two_models.FIRST_ANSWER: f"{first_name} says",
            two_models.SECOND_ANSWER: f"{second_name} says",
            two_models.CHANGE: "fixed or broken",
            two_models.LINK: st.column_config.LinkColumn(
                "open", display_text="Open on Predict"
            ),
        },
    )
    labels = dict(zip(flipped.index, flipped[songs.SONG], strict=True))
    song_column, button_column = st.columns([3, 1], vertical_alignment="bottom")
    picked = song_column.selectbox(
        "Or open this song on the Predict page",
        list(labels)[:500],
        format_func=labels.__getitem__,
        key=OPEN,
    )
    if button_column.button("Open on Predict", key="evaluate_pair_open_song"):
        open_song(int(picked))
