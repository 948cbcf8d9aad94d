"""The Data page's sections: how clean the dataset is, before any model sees it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import config as settings
from core import schema
from core.tables import PROBLEM_COLUMN
from ui import charts, readings, show, state, trust


def counts(summary: dict) -> None:
    """Rows, blank rows, rows with unknown values, invalid rows."""
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


def unknown_values(summary: dict) -> None:
    """The share of rows where each column has no value."""
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


def genre_balance(summary: dict) -> None:
    """Tracks per genre as loaded and after each cleaning policy."""
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


def labels(summary: dict) -> None:
    """Rows per genre label as the file writes it, and the genre it counts as."""
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
            "; ".join(f"{rows:,} {what}" for what, rows in uncounted.items() if rows)
            + "."
        )


def duplicates(summary: dict) -> None:
    """Songs listed more than once, and under several genres."""
    st.header("Duplicate and multi-genre tracks")
    found = summary["duplicates"]
    st.markdown(
        "The same song (artist and title) can appear several times, sometimes "
        "under different genres. A model cannot get all of those rows right, so "
        "they cap the accuracy anyone can reach."
    )
    left, right = st.columns([1, 2])
    left.metric("Rows repeating an earlier track", f"{found['duplicate_rows']:,}")
    left.metric(
        "Tracks listed under several genres", f"{found['multi_genre_tracks']:,}"
    )
    with right:
        if found["genre_pairs"]:
            st.markdown("Most common genre pairs among those tracks:")
            st.dataframe(
                pd.DataFrame(found["genre_pairs"]),
                hide_index=True,
                width="stretch",
                column_config={
                    "genres": "genre pair",
                    "tracks": st.column_config.NumberColumn("tracks", format="%d"),
                },
            )
        else:
            st.markdown("No track is listed under two genres.")


def features_by_genre(typed: pd.DataFrame) -> None:
    """One audio feature's spread per genre, as boxes or violins."""
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
        "Drawn from a random sample of up to 1,500 tracks per genre; the sentence "
        "and the numbers count every track."
    )


def sample_of_rows(typed: pd.DataFrame) -> None:
    """Up to 20 rows as read, or only rows with a problem."""
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


def genres_that_look_wrong(
    typed: pd.DataFrame, data_key: str, model: state.ActiveModel | None
) -> None:
    """Every track checked by models trained without it (behind a button)."""
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
    recipe = model.bundle.config if model is not None else settings.RECOMMENDED
    recipe_name = (
        f"{model.choice.name}'s recipe" if model is not None else "Recommended"
    )
    issues = trust.cross_validated_check(
        typed, data_key, recipe, recipe_name, "data_labels"
    )
    if issues is not None:
        trust.issue_list(issues, data_key, "tracks", "data_labels")
    trust.corrections_panel(typed, data_key, "data_labels")
