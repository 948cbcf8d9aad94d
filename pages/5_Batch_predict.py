"""Batch predict page: predict the genre of every track in an uploaded CSV."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import data, evaluate, export, predict
from core.errors import GenreLabError
from ui import charts, navigation, state

navigation.page_frame(
    "Batch predict",
    "Upload a CSV of tracks in the Kaggle format (the `music_genre` column is "
    "optional) to get the model's two likeliest genres and every genre's "
    "probability for each track. Rows that cannot be predicted keep their place "
    "with the reason. When the file has genres, you also see how often the "
    "model was right.",
)

model, model_error = state.active_model()
if model is None:
    navigation.no_model_notice(model_error)
    st.stop()
st.caption(f"Model: **{model.choice.name}**")

uploaded = st.file_uploader(
    "CSV of tracks",
    type=["csv"],
    key="batch_upload",
    help="Columns: popularity, acousticness, danceability, duration_ms, energy, "
    "instrumentalness, key, liveness, loudness, mode, speechiness, tempo, valence "
    "(and optionally music_genre, artist_name, track_name).",
)
if uploaded is None:
    st.info("Upload a file to start. Its data stays in this browser tab.")
    st.stop()

content = uploaded.getvalue()


@st.cache_data(max_entries=3, show_spinner="Predicting...")
def predictions_for(model_key: str, file_key: str, _content: bytes, _bundle) -> tuple:
    """Predict an upload once per model and file content."""
    raw = data.read_raw(_content)
    typed = data.type_frame(raw)
    table = export.predictions_table(raw, predict.predict_frame(_bundle, typed))
    scores = (
        predict.evaluate_frame(_bundle, typed) if export.has_labels(typed) else None
    )
    return table, scores


try:
    table, scores = predictions_for(
        model.choice.key, state.digest(content), content, model.bundle
    )
except GenreLabError as upload_error:
    st.error(f"{uploaded.name} cannot be used: {upload_error}")
    st.stop()

predicted = int((table[predict.REASON] == "").sum())
columns = st.columns(3)
columns[0].metric("Rows", f"{len(table):,}")
columns[1].metric("Predicted", f"{predicted:,}")
columns[2].metric("Could not be predicted", f"{len(table) - predicted:,}")

st.download_button(
    "Download the predictions (CSV)",
    export.predictions_csv_bytes(table),
    file_name=f"{uploaded.name.removesuffix('.csv')}_predictions.csv",
    mime="text/csv",
    key="batch_download",
    icon=":material/download:",
    on_click="ignore",
)

st.header("Predictions")
first_columns = [
    column
    for column in ("artist_name", "track_name", "music_genre", predict.PREDICTED,
                   predict.SECOND)
    if column in table.columns
]  # fmt: skip
shown = table[first_columns + predict.PROBABILITY_COLUMNS].copy()
# Rows are numbered as in a spreadsheet under the header (1 = first data row).
shown.insert(0, "row", shown.index + 1)
st.dataframe(
    shown,
    width="stretch",
    hide_index=True,
    column_config={
        column: st.column_config.ProgressColumn(
            column.removeprefix("p_"), min_value=0.0, max_value=1.0, format="percent"
        )
        for column in predict.PROBABILITY_COLUMNS
    },
)

unpredictable = export.unpredictable_rows(table)
if not unpredictable.empty:
    st.header("Rows that could not be predicted")
    st.markdown("`row` counts data rows from 1 (the line under the header).")
    st.dataframe(unpredictable, hide_index=True, width="stretch")

if scores is not None and scores["n_rows"]:
    st.header("How often the model was right")
    st.markdown(
        "Over the rows that have a genre and got a prediction. Each row of the "
        "matrix is a true genre, each column the predicted one."
    )
    columns = st.columns(3)
    columns[0].metric("Accuracy", f"{scores['accuracy']:.1%}")
    columns[1].metric("Right genre in its top 2", f"{scores['top2_accuracy']:.1%}")
    columns[2].metric("Rows scored", f"{scores['n_rows']:,}")
    normalised = st.toggle("Show shares of each true genre", key="batch_normalised")
    matrix = scores["confusion_matrix"]
    st.plotly_chart(
        charts.confusion_matrix(
            evaluate.normalise_rows(matrix) if normalised else matrix,
            "Confusion matrix",
            normalised,
        ),
        width="stretch",
    )
    st.dataframe(
        pd.DataFrame.from_dict(scores["per_genre"], orient="index"),
        width="stretch",
        column_config={
            name: st.column_config.NumberColumn(format="%.2f")
            for name in ("precision", "recall", "f1")
        },
    )
elif scores is None:
    st.caption("The file has no music_genre column, so accuracy cannot be measured.")
