"""GenreLab home page (placeholder until the dashboard lands)."""

import streamlit as st

st.set_page_config(page_title="GenreLab", page_icon="🎵", layout="wide")
st.title("GenreLab")
st.write(
    "Predict a track's music genre from its Spotify audio features with a "
    "neural network, and see how and why."
)
