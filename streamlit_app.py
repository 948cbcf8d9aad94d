"""GenreLab home page: what the app does, which data and model are in use, where to go.

No TensorFlow here (the page must open quickly): the model's accuracy is read
from its metrics file.
"""

from __future__ import annotations

import streamlit as st

from core import download, formats, tables
from core.errors import GenreLabError
from ui import genre_column, navigation, state

navigation.page_frame(
    "GenreLab",
    "GenreLab guesses a song's genre (one of ten, from Electronic to Hip-Hop) "
    "from the numbers Spotify uses to describe how it sounds, such as energy, "
    "tempo and danceability. A small neural network learns the link from about "
    "45,000 labelled tracks; you can inspect that data, retrain the network with "
    "your own settings and see where it is right or wrong. Then move a few "
    "sliders, or upload a file of tracks, and watch it predict.",
)

MODEL_UPLOAD_DIGEST = "home_model_upload_digest"  # the model zip last loaded
MODEL_UPLOAD_NOTE = "home_model_upload_note"  # what loading it said

# The uploader's key changes when people drop their upload, which empties it
# (a file uploader's value cannot be set from code).
st.session_state.setdefault("home_upload_round", 0)


def forget_upload() -> None:
    state.forget_upload()
    st.session_state["home_upload_round"] += 1


typed, source, error = state.load_data()

left, right = st.columns(2, gap="large")

with left:
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
        if error:
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

    uploaded = st.file_uploader(
        "Upload a labelled music genre CSV",
        type=["csv", "gz"],
        key=f"home_upload_{st.session_state.home_upload_round}",
        help="The Kaggle file or another table of Spotify audio features with "
        "each track's genre "
        f"({formats.listed(formats.LABEL_NAMES, conjunction='or')}) and "
        "popularity, such as the Spotify Tracks Dataset or the TidyTuesday "
        "Spotify songs; column names are matched ignoring "
        "case and spaces. It is kept only in this browser tab.",
    )
    if uploaded is not None:
        content = uploaded.getvalue()
        pending, genre_column = genre_column.choose(
            content, key=f"home_label_{state.digest(content)}", required=True
        )
        if not pending and not state.is_current_upload(content, genre_column):
            try:
                rows = state.accept_upload(uploaded.name, content, genre_column)
            except GenreLabError as upload_error:
                st.error(f"{uploaded.name} cannot be used: {upload_error}")
            else:
                st.success(f"Using {uploaded.name}: {rows:,} rows.")
                st.rerun()

with right:
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

st.subheader("Where to go")
pages = st.columns(5)
descriptions = {
    "Data": "How clean the data is: unknown values, genre balance, duplicates.",
    "Train": "Change the network's settings, retrain and watch it learn.",
    "Evaluate": "Where the model is right and which genres it mixes up.",
    "Predict": "Move sliders and watch the genre probabilities change.",
    "Batch predict": "Upload a CSV of tracks and download their predicted genres.",
}
for column, (path, label, icon) in zip(pages, navigation.PAGES[1:], strict=True):
    with column, st.container(border=True):
        st.page_link(path, label=f"**{label}**", icon=icon)
        st.caption(descriptions[label])
