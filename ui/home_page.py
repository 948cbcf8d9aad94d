"""The Home page's parts: the data in use, the model in use, and where to go.

No TensorFlow here (the page must open quickly): the model's accuracy is read
from its metrics file.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import download, formats, tables
from core.errors import GenreLabError
from ui import genre_column, state
from ui.page_list import PAGES

MODEL_UPLOAD_DIGEST = "home_model_upload_digest"  # the model zip last loaded
MODEL_UPLOAD_NOTE = "home_model_upload_note"  # what loading it said
# The uploader's key changes when people drop their upload, which empties it
# (a file uploader's value cannot be set from code).
UPLOAD_ROUND = "home_upload_round"
# What each page is for, under its link.
DESCRIPTIONS = {
    "Data": "How clean the data is: unknown values, genre balance, duplicates.",
    "Train": "Change the network's settings, retrain and watch it learn.",
    "Evaluate": "Where the model is right and which genres it mixes up.",
    "Predict": "Move sliders and watch the genre probabilities change.",
    "Batch predict": "Upload a CSV of tracks and download their predicted genres.",
}


def forget_upload() -> None:
    """Callback: go back to the data file, and empty the uploader."""
    state.forget_upload()
    st.session_state[UPLOAD_ROUND] += 1


def data_section(
    typed: pd.DataFrame | None, source: state.DataSource | None, error: str | None
) -> None:
    """The data in use (or how to get it), and the uploader of a labelled file."""
    st.session_state.setdefault(UPLOAD_ROUND, 0)
    st.subheader("Data")
    if typed is not None and source is not None:
        usable = int((typed[tables.PROBLEM_COLUMN] == "").sum())
        st.success(
            f"**{len(typed):,} rows** loaded from {source.label} "
            f"({usable:,} usable for training)."
        )
        understood = state.data_understood()
        if understood is not None:
            st.caption(understood.sentence())
        if st.session_state[state.UPLOAD]:
            st.button(
                "Stop using the uploaded file",
                key="home_forget_upload",
                on_click=forget_upload,
            )
    else:
        _no_data_yet(source, error)
    _dataset_upload()


def _no_data_yet(source: state.DataSource | None, error: str | None) -> None:
    if error and source is not None:
        st.error(f"The data in {source.label} cannot be used: {error}")
    st.info(
        "No dataset yet. GenreLab learns from the Kaggle dataset "
        "*Prediction of music genre* (`music_genre.csv`, about 7 MB). "
        "Get it in one of three ways: upload it below, download it from "
        "Kaggle with the button (no account needed), or put the file in "
        "the `data/` folder and reload this page."
        + (
            " You can already predict with the model in use without it."
            if state.active_choice() is not None
            else ""
        )
    )
    if st.button(
        "Download from Kaggle", key="home_download", icon=":material/download:"
    ):
        try:
            with st.spinner("Downloading music_genre.csv from Kaggle..."):
                path = download.download_dataset(download.resolve_data_path())
        except GenreLabError as download_error:
            st.error(str(download_error))
        else:
            st.success(f"Saved to {path}.")
            st.rerun()


def _dataset_upload() -> None:
    uploaded = st.file_uploader(
        "Upload a labelled music genre CSV",
        type=["csv", "gz"],
        key=f"home_upload_{st.session_state[UPLOAD_ROUND]}",
        help="The Kaggle file or another table of Spotify audio features with "
        "each track's genre "
        f"({formats.listed(formats.LABEL_NAMES, conjunction='or')}) and "
        "popularity, such as the Spotify Tracks Dataset or the TidyTuesday "
        "Spotify songs; column names are matched ignoring "
        "case and spaces. It is kept only in this browser tab.",
    )
    if uploaded is None:
        return
    content = uploaded.getvalue()
    pending, label = genre_column.choose(
        content, key=f"home_label_{state.digest(content)}", required=True
    )
    if not pending and not state.is_current_upload(content, label):
        try:
            rows = state.accept_upload(uploaded.name, content, label)
        except GenreLabError as upload_error:
            st.error(f"{uploaded.name} cannot be used: {upload_error}")
        else:
            st.success(f"Using {uploaded.name}: {rows:,} rows.")
            st.rerun()


def model_section() -> None:
    """The model in use and its scores, and the uploader of a downloaded model."""
    st.subheader("Model")
    choice = state.active_choice()
    if choice is None:
        st.info(
            "No model yet: the shipped model is not installed and none was "
            "trained in this session. Train one on the **Train** page (it takes "
            "seconds with the data loaded)."
        )
    else:
        test = choice.metrics.get("test", {})
        accuracy = test.get("accuracy")
        st.markdown(f"In use: **{choice.name}**")
        columns = st.columns(3)
        columns[0].metric(
            "Test accuracy",
            f"{accuracy:.1%}" if accuracy is not None else "n/a",
            help="Share of tracks the model never saw whose genre it guessed right "
            "(10% would be pure chance).",
        )
        top2 = test.get("top2_accuracy")
        columns[1].metric(
            "Right genre in its top 2",
            f"{top2:.1%}" if top2 is not None else "n/a",
        )
        columns[2].metric("Test tracks", f"{test.get('n_rows', 0):,}")
        st.caption("Pick another model in the sidebar once you have trained some.")
    _model_upload()


def _model_upload() -> None:
    model_file = st.file_uploader(
        "Use a model you downloaded",
        type=["zip"],
        key="home_model_upload",
        help="The .zip that the Train page's download button saves. It is kept "
        "only in this browser tab and becomes the model every page uses.",
    )
    if model_file is not None:
        content = model_file.getvalue()
        digest = state.digest(content)
        if st.session_state.get(MODEL_UPLOAD_DIGEST) != digest:
            try:
                run = state.add_model_file(model_file.name, content)
            except GenreLabError as model_error:
                st.error(f"{model_file.name} cannot be used: {model_error}")
            else:
                # Remembered so that later reruns do not add it again.
                st.session_state[MODEL_UPLOAD_DIGEST] = digest
                st.session_state[MODEL_UPLOAD_NOTE] = f"Using {run['name']}."
                st.rerun()
    if st.session_state.get(MODEL_UPLOAD_NOTE):
        st.success(st.session_state[MODEL_UPLOAD_NOTE])


def where_to_go() -> None:
    """A card per page: its link and what it is for."""
    st.subheader("Where to go")
    pages = st.columns(len(PAGES) - 1)
    for column, (path, label, icon) in zip(pages, PAGES[1:], strict=True):
        with column, st.container(border=True):
            st.page_link(path, label=f"**{label}**", icon=icon)
            st.caption(DESCRIPTIONS[label])
