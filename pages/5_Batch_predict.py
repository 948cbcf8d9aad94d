"""Batch predict page: predict the genre of every track in an uploaded CSV.

The parts are drawn by ui.batch_page; the file is predicted a chunk at a time
and the table kept on disk (see there).
"""

from __future__ import annotations

import streamlit as st

from ui import batch_page, genre_column, navigation, state

navigation.page_frame(
    "Batch predict",
    "Upload a file of tracks with their Spotify audio features (the Kaggle "
    "dataset's format, an Exportify playlist export, a Spotify dataset such as "
    "the Spotify Tracks Dataset, or the Spotify Web API's audio-features JSON) "
    "to get the model's two likeliest genres and every genre's probability for "
    "each track. Rows that cannot be predicted keep their place with the "
    "reason. When the file has genres, you also see how often the model was "
    "right.",
)

model, model_error = state.active_model()
if model is None:
    navigation.no_model_notice(model_error)
    st.stop()
# The model's genres, in the order of its probability columns.
genres = model.bundle.genres.names
st.caption(f"Model: **{model.choice.name}**, {len(genres)} genres")

batch_page.where_to_get_a_file()
uploaded = batch_page.upload_box()
coverage = batch_page.coverage_choice(model.bundle)
if uploaded is None:
    st.info("Upload a file to start. Its data stays in this browser tab.")
    st.stop()

content = uploaded.getvalue()
pending, label = genre_column.choose(
    content, key=f"batch_label_{state.digest(content)}", required=False
)
if pending:
    st.stop()
predicted = batch_page.predicted_file(
    model.choice.key, model.bundle, uploaded.name, content, label, coverage
)
if predicted is None:
    st.stop()

batch_page.summary(predicted, coverage, uploaded.name)
batch_page.predictions(predicted.result, genres)
batch_page.unpredicted_rows(predicted.result)
batch_page.novelty_section(predicted.result)
batch_page.scores_section(predicted.result.scores, genres)
