"""The Predict page's "Find a song": a real track of the data by name, or by chance."""

from __future__ import annotations

import streamlit as st

from core import songs
from ui import cache
from ui.predict_track import SURPRISE_NONE, PredictContext, load_match, surprise


def find_a_song(page: PredictContext) -> None:
    """Look up a real track of the data by artist or title, or by chance."""
    st.subheader("Find a song")
    if page.typed is None or page.source is None:
        st.info(
            "Finding real songs needs the dataset: load it on the **Home** page. The "
            "sliders, the explanation and the what-if work without it."
        )
        return
    index = cache.song_index(page.source.key, page.typed)
    search_column, pick_column = st.columns([1, 2], vertical_alignment="bottom")
    query = search_column.text_input(
        "Artist or title",
        key="predict_search",
        placeholder="e.g. daft punk",
        help="Type part of an artist's name or of a title; then pick the track.",
    )
    matches = songs.search(index, query) if query.strip() else index.iloc[:0]
    labels = dict(
        zip(
            matches.index,
            (matches[songs.SONG] + " (" + matches[songs.LISTED] + ")"),
            strict=True,
        )
    )
    pick_column.selectbox(
        f"Matching tracks ({len(matches)} shown)"
        if query.strip()
        else "Matching tracks",
        list(labels),
        index=None,
        format_func=labels.__getitem__,
        key="predict_match",
        on_change=load_match,
        args=(page,),
        placeholder="Type in the box on the left first"
        if not query.strip()
        else ("No track matches" if matches.empty else "Pick a track to load it"),
        disabled=matches.empty,
    )
    columns = st.columns([1, 1, 2])
    for column, right, which in (
        (columns[0], True, "right"),
        (columns[1], False, "wrong"),
    ):
        column.button(
            f"Surprise me: one it got {which}",
            key=f"predict_surprise_{which}",
            on_click=surprise,
            args=(page, right),
            icon=":material/casino:",
            help="A random test track (never seen in training) the model named "
            f"{which}.",
        )
    missing = st.session_state.get(SURPRISE_NONE)
    if missing:
        st.info(f"There is no track the model got {missing} to pick from.")
