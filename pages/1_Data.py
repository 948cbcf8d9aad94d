"""Data page: how clean the dataset is, before any model sees it.

No TensorFlow here; the typed frame and the report are cached by file content
(ui.cache); the sections are drawn by ui.data_page.
"""

from __future__ import annotations

import streamlit as st

from ui import cache, data_page, navigation, state

navigation.page_frame(
    "Data",
    "What the dataset looks like before any model sees it: which values are "
    "missing, how many tracks each genre has before and after cleaning, songs "
    "listed under several genres, and how each audio feature differs between "
    "genres. Problems found here limit what any model can learn.",
)

typed, source, error = state.load_data()
if typed is None or source is None:
    navigation.no_data_notice(error, source.label if source else None)
    st.stop()

summary = cache.data_report(source.key, typed, state.data_understood())
st.caption(f"Source: {source.label}")
data_page.counts(summary)
data_page.unknown_values(summary)
data_page.genre_balance(summary)
data_page.labels(summary)
data_page.duplicates(summary)
data_page.features_by_genre(typed)
data_page.sample_of_rows(typed)
model, _ = state.active_model()
data_page.genres_that_look_wrong(typed, source.key, model)
