"""Predict page: describe a track (or load a real one) and see the genre.

And why, and what sounds alike. The sliders and everything computed from them
live in one fragment (ui.predict_panel), so moving a slider reruns only that
part; ui.predict_track keeps the track's state, ui.predict_views explains it.
"""

from __future__ import annotations

from ui import preload

# Before the imports below: on a fresh server they take the first visitor's
# run most of a second, which the browser spends loading the chart code.
remove_chart_code = preload.chart_code()

import streamlit as st  # noqa: E402

from ui import (  # noqa: E402
    navigation,
    predict_panel,
    predict_track,
    sharing,
    song_finder,
    state,
)

# A link opened in this run (the address's parameters, see ui.sharing): its
# model becomes the one in use before the page frame draws the model picker.
opened = sharing.new_link()
model_note = sharing.use_link_model(opened) if opened is not None else None
navigation.page_frame(
    "Predict",
    "Describe a track with the sliders, start from a typical track of a genre, "
    "or find a real song of the data, and watch the model's probability for each "
    "genre change. The bars add up to 100%: one long bar means the model is sure; "
    "several similar bars mean the sound fits more than one genre. Below, see "
    "why it chose that genre and which real songs sound alike.",
)

model, model_error = state.active_model()
if model is None:
    remove_chart_code()
    navigation.no_model_notice(model_error)
    st.stop()

page = predict_track.context(model)
predict_track.restore_sliders(page)
if opened is not None:
    opening = sharing.read_link(opened, page.ranges, page.typed, page.genres)
    predict_track.open_link(page, opening, model_note)

# Drawn here, filled after the prediction panel: listing the songs takes a
# fresh server 0.2 s, which the first chart need not wait for.
song_finder_slot = st.container()
predict_panel.prediction_panel(page)
with song_finder_slot:
    song_finder.find_a_song(page)
remove_chart_code()
