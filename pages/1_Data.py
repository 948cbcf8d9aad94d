"""Data page: how clean the dataset is, before any model sees it.

No TensorFlow here; the typed frame and the report are cached by file content.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import config as settings
from core import schema
from core.tables import PROBLEM_COLUMN
from ui import cache, charts, navigation, readings, show, state, trust

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

columns = st.columns(4)
columns[0].metric("Rows", f"{summary['rows']:,}")
columns[1].metric(
    "Blank rows", f"{summary['blank_rows']:,}", help="Rows with no value at all."
)
columns[2].metric(
    "Rows with unknown values",
    f"{summary['rows_with_unknowns']:,}",
    help="Spotify had no value (the file says '?' for tempo, -1 for duration "
    "or key) or the cell is empty.",
)
columns[3].metric(
    "Invalid rows",
    f"{summary['invalid_rows']:,}",
    help="Rows with a value that is not allowed (text in a number column, an "
    "unknown key, ...). They are never used.",
)

st.header("Unknown values")
st.markdown(
    "The share of rows (blank rows aside) where a column has no value. A model "
    "cannot use an unknown value as it is: training either **drops** those "
    "rows or **imputes** them (fills in the typical value and remembers it was "
    "unknown)."
)
show.chart(
    charts.dataset.unknown_rates(summary["unknown_rates"]),
    readings.dataset.unknown_rates(summary["unknown_rates"]),
    "data_unknown_rates",
)

st.header("Genre balance before and after cleaning")
file_genres = len(summary["class_balance"]["loaded"])
st.markdown(
    f"Tracks per genre as loaded ({file_genres:,} genres), and after each "
    "cleaning policy. Bars of equal height mean a balanced dataset, where "
    "guessing one genre for everything would be right only "
    f"{1 / max(file_genres, 1):.0%} of the time."
)
show.chart(
    charts.dataset.class_balance(summary["class_balance"]),
    readings.dataset.class_balance(summary["class_balance"]),
    "data_class_balance",
)

counted = summary["label_counts"]
st.subheader("Every label in the file")
st.markdown(
    "Rows per genre label as the file writes it, and the genre it counts as "
    "(`hip hop` and `Hip-Hop` are one). A model learns every genre with "
    "enough tracks, unless you choose, merge or leave out genres on the "
    "**Train** page."
)
st.dataframe(
    pd.DataFrame(counted["labels"], columns=["label", "rows", "genre"]),
    hide_index=True,
    key="data_labels",
)
uncounted = {
    "rows of other labels": counted["other_labels"],
    "rows without a label": counted["unlabelled"],
}
if any(uncounted.values()):
    st.caption(
        "; ".join(f"{rows:,} {what}" for what, rows in uncounted.items() if rows) + "."
    )

st.header("Duplicate and multi-genre tracks")
duplicates = summary["duplicates"]
st.markdown(
    "The same song (artist and title) can appear several times, sometimes "
    "under different genres. A model cannot get all of those rows right, so "
    "they cap the accuracy anyone can reach."
)
left, right = st.columns([1, 2])
left.metric("Rows repeating an earlier track", f"{duplicates['duplicate_rows']:,}")
left.metric(
    "Tracks listed under several genres", f"{duplicates['multi_genre_tracks']:,}"
)
with right:
    if duplicates["genre_pairs"]:
        st.markdown("Most common genre pairs among those tracks:")
        st.dataframe(
            pd.DataFrame(duplicates["genre_pairs"]),
            hide_index=True,
            width="stretch",
            column_config={
                "genres": "genre pair",
                "tracks": st.column_config.NumberColumn("tracks", format="%d"),
            },
        )
    else:
        st.markdown("No track is listed under two genres.")

st.header("Audio features by genre")
st.markdown(
    "Each box spans the middle half of a genre's tracks, with the line at the "
    "median. Features whose boxes sit apart tell genres apart; boxes that "
    "overlap explain why some genres get mixed up."
)
picker, kind_column = st.columns([2, 1])
feature = picker.selectbox(
    "Feature",
    schema.NUMERIC_FEATURES,
    index=schema.NUMERIC_FEATURES.index("danceability"),
    key="data_feature",
)
kind = kind_column.radio(
    "Chart", ["box", "violin"], horizontal=True, key="data_chart_kind"
)
show.chart(
    charts.dataset.feature_by_genre(typed, feature, kind),
    readings.dataset.feature_by_genre(typed, feature),
    "data_feature_by_genre",
)
st.caption(
    "Drawn from a random sample of up to 1,500 tracks per genre; the sentence and "
    "the numbers count every track."
)

st.header("A sample of rows")
st.markdown(
    "Rows as read from the file (blank cells are unknown values; "
    "`row_problem` says why a row cannot be used)."
)
sample_size = min(20, len(typed))
only_problems = st.toggle("Only rows with a problem", key="data_only_problems")
shown = typed[typed[PROBLEM_COLUMN] != ""] if only_problems else typed
if shown.empty:
    st.markdown("No row has a problem.")
else:
    st.dataframe(
        shown.sample(min(sample_size, len(shown)), random_state=0).sort_index(),
        width="stretch",
    )

st.header("Tracks whose genre looks wrong")
st.markdown(
    "Songs listed under a genre a model finds very unlikely (less than a 2% "
    "chance): a mislabelled song, or one that sounds like another genre. A "
    "model remembers the genres it learned, so every track is checked by a "
    "model trained without it: GenreLab trains several models, each without "
    "a share of the songs. That takes minutes (4 models of the Recommended "
    "recipe on the whole Kaggle file: 7 minutes on a 2-core server); the "
    "**Evaluate** page checks the model's test tracks at once."
)
model, _ = state.active_model()
recipe = model.bundle.config if model is not None else settings.RECOMMENDED
recipe_name = f"{model.choice.name}'s recipe" if model is not None else "Recommended"
issues = trust.cross_validated_check(
    typed, source.key, recipe, recipe_name, "data_labels"
)
if issues is not None:
    trust.issue_list(issues, source.key, "tracks", "data_labels")
trust.corrections_panel(typed, source.key, "data_labels")
