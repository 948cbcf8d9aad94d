"""GenreLab home page: what the app does, which data and model are in use, where to go.

No TensorFlow here (the page must open quickly): the model's accuracy is read
from its metrics file. The parts are drawn by ui.home_page.
"""

from __future__ import annotations

import streamlit as st

from ui import home_page, navigation, state

navigation.page_frame(
    "GenreLab",
    "GenreLab guesses a song's genre (one of ten, from Electronic to Hip-Hop) "
    "from the numbers Spotify uses to describe how it sounds, such as energy, "
    "tempo and danceability. A small neural network learns the link from about "
    "45,000 labelled tracks; you can inspect that data, retrain the network with "
    "your own settings and see where it is right or wrong. Then move a few "
    "sliders, or upload a file of tracks, and watch it predict.",
)

typed, source, error = state.load_data()
left, right = st.columns(2, gap="large")
with left:
    home_page.data_section(typed, source, error)
with right:
    home_page.model_section()
home_page.where_to_go()
