"""The Evaluate page's parts that need the dataset: the model in use on the loaded data.

Where it fails, genres that look wrong, how far to trust its percentages, the
map of songs, which features matter, and the slow comparisons.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from core import schema, songs, wording
from core.bundle import Bundle
from core.errors import GenreLabError
from core.held_out import HeldOut
from ui import cache, charts, navigation, readings, show, state, trust
from ui.evaluate_matrices import SPLIT_LABELS


@dataclass(frozen=True)
class ModelOnData:
    """The model in use and the loaded data, as the sections below read them."""

    model: state.ActiveModel
    # The loaded data's content key (caches are keyed by it).
    data_key: str
    # The data as loaded, and as the model learned it: a model trained with
    # genres fixed by hand is tied to the corrected data, where its training
    # and test tracks are known.
    typed: pd.DataFrame
    model_typed: pd.DataFrame
    # Every labelled row's prediction and split (when the model's split can
    # be known); None when no labelled row of the data can be predicted.
    songs_table: pd.DataFrame | None
    # The splits of songs_table, test first ([] without it).
    splits: list[str]

    @property
    def cache_arguments(self) -> tuple[str, str, Bundle, pd.DataFrame]:
        """What a cache of the model on the data takes: its keys, then the
        model and the data it learned from (not hashed)."""
        return self.model.choice.key, self.data_key, self.model.bundle, self.model_typed


def model_on_data(
    typed: pd.DataFrame | None,
    source: state.DataSource | None,
    model: state.ActiveModel | None,
) -> ModelOnData | None:
    """The model on the loaded data (None without data or without a model)."""
    if typed is None or source is None or model is None:
        return None
    model_typed = cache.model_data(model.choice.key, source.key, model.bundle, typed)
    # For the confusion cells, the reliability chart and the map.
    table: pd.DataFrame | None = cache.predictions_table(
        model.choice.key, source.key, model.bundle, model_typed
    )
    if table is not None and table.empty:
        table = None  # no labelled row of the data can be predicted by this model
    splits = songs.splits_of(table) if table is not None else []
    return ModelOnData(model, source.key, typed, model_typed, table, splits)


def held_out_tracks(on_data: ModelOnData | None) -> HeldOut | None:
    """The tracks the model did not learn, predicted (None: no data, or an error)."""
    if on_data is None:
        return None
    try:
        return cache.held_out(*on_data.cache_arguments)
    except GenreLabError as held_out_error:
        st.warning(str(held_out_error))
        return None


def held_out_named(held_out: HeldOut | None) -> str:
    """What the held-out tracks are called: "test tracks", or "tracks"."""
    return "test tracks" if held_out is not None and held_out.test_split else "tracks"


def _held_out_section(
    header: str,
    explanation: str,
    needing: str,
    on_data: ModelOnData | None,
    held_out: HeldOut | None,
) -> tuple[ModelOnData, HeldOut] | None:
    """A section on the tracks the model did not learn: its header and what
    it shows; None, with what it needs said, when there are none."""
    st.header(header)
    st.markdown(explanation)
    if on_data is None or held_out is None or not len(held_out.rows):
        st.info(
            f"{needing} needs the dataset (load it on the **Home** page) with "
            "labelled tracks this model did not learn from."
        )
        return None
    return on_data, held_out


def where_it_fails(
    on_data: ModelOnData | None, held_out: HeldOut | None, named: str
) -> None:
    """Groups of songs where the model is wrong more often, and the error heatmap."""
    found = _held_out_section(
        "Where the model fails",
        "Groups of songs, described by their audio features, where the model is "
        "wrong more often than overall: a small decision tree finds them among "
        f"the {named} it did not learn from. Pick a group to list its "
        "songs; the heatmap shows how often it is wrong for any two features.",
        "Finding where the model fails",
        on_data,
        held_out,
    )
    if found is not None:
        model_data, tracks = found
        report = cache.segment_report(
            model_data.model.choice.key, model_data.data_key, tracks
        )
        trust.failing_groups(report, model_data.songs_table, "evaluate_segments")
        st.subheader("The error rate over two features")
        trust.error_heatmap(tracks, "evaluate_segments")


def genres_that_look_wrong(
    on_data: ModelOnData | None, held_out: HeldOut | None, named: str
) -> None:
    """Held-out songs whose listed genre the model finds very unlikely, to fix."""
    found = _held_out_section(
        "Tracks whose genre looks wrong",
        f"Songs of the {named} listed under a genre the model finds very "
        "unlikely: a mislabelled song, or one the model gets badly wrong. Fix a "
        "genre you agree with; the next training can learn from your corrections.",
        "Checking the genres",
        on_data,
        held_out,
    )
    if found is not None:
        model_data, tracks = found
        issues = cache.label_issues_of(
            model_data.model.choice.key, model_data.data_key, tracks
        )
        trust.issue_list(issues, model_data.data_key, named, "evaluate_labels")
        trust.corrections_panel(
            model_data.typed, model_data.data_key, "evaluate_labels"
        )


def percentages(on_data: ModelOnData | None) -> None:
    """The reliability chart: how sure the model was against how often it was right."""
    st.header("Can I trust the percentages?")
    if on_data is None or on_data.songs_table is None:
        st.info(
            "Checking the percentages needs the dataset: load it on the **Home** page."
        )
        return
    split = on_data.splits[0]
    result = cache.reliability(
        on_data.model.choice.key,
        on_data.data_key,
        split,
        on_data.songs_table,
        on_data.model.bundle.genres.names,
    )
    st.markdown(
        f"On the {SPLIT_LABELS[split]}: the model's tracks grouped by "
        "how sure it was of its top genre, against how often that genre was "
        "right. On the dotted diagonal, a 70% answer would be right 70% of the "
        "time. " + wording.reliability_reading(result)
    )
    show.chart(
        charts.evaluation.reliability(result["table"]),
        readings.evaluation.reliability(result["table"]),
        "evaluate_reliability",
        say=False,
    )  # the paragraph above says it


def song_map(on_data: ModelOnData | None) -> None:
    """Every track of a split placed by how the network's last hidden layer sees it."""
    st.header("A map of songs")
    if on_data is None or on_data.songs_table is None:
        st.info("The map of songs needs the dataset: load it on the **Home** page.")
        return
    split = on_data.splits[0]
    try:
        points = cache.song_map(
            on_data.model.choice.key,
            on_data.data_key,
            split,
            on_data.model.bundle,
            on_data.model_typed,
        ).points
    except GenreLabError as map_error:
        st.warning(str(map_error))
        return
    st.markdown(
        f"Every one of the {len(points):,} {SPLIT_LABELS[split]} "
        "placed by how the network's last hidden layer sees it (its two main "
        "directions, PCA): songs close together sound alike to the model. "
        "Colour is the genre the track is listed under; an x marks a wrong "
        "prediction. Genres that share a region are the ones it mixes up."
    )
    show.chart(
        charts.explanation.song_map(points),
        readings.explanation.song_map(points),
        "evaluate_map",
    )


def features_that_matter(
    on_data: ModelOnData | None, has_data: bool, model_error: str | None
) -> bool:
    """Permutation importance of each feature, then one feature's average effect.

    Returns:
        False when there is no dataset (said with st.info): nothing below
        can be shown either.
    """
    st.header("Which features matter")
    st.markdown(
        "Permutation importance: shuffle one feature's values across tracks and "
        "measure how much accuracy drops. A big drop means the model relies on "
        "that feature; near zero means it barely uses it."
    )
    if not has_data:
        st.info(
            "Feature importance and the comparisons below need the dataset: load it "
            "on the **Home** page."
        )
        return False
    if on_data is None:
        navigation.no_model_notice(model_error)
    else:
        importance(on_data)
    return True


def importance(on_data: ModelOnData) -> None:
    """Permutation importance of each feature, then one feature's average effect."""
    try:
        table = cache.importance_table(*on_data.cache_arguments)
    except GenreLabError as importance_error:
        st.error(str(importance_error))
    else:
        show.chart(
            charts.evaluation.importance(table),
            readings.evaluation.importance(table),
            "evaluate_importance",
        )
        st.caption(
            "Measured on a random sample of up to 3,000 tracks of the loaded "
            "data; the bars show the spread over three shuffles."
        )
    average_effect(on_data)


def average_effect(on_data: ModelOnData) -> None:
    """Partial dependence: each genre's average probability as one feature changes."""
    st.subheader("The effect of one feature across all songs")
    st.markdown(
        "Every track set to each value of one feature in turn (the rest of it "
        "unchanged), and each genre's probability averaged: the feature's average "
        "effect, where the Predict page's what-if shows one song's."
    )
    if on_data.songs_table is None:
        st.info("The average effect needs labelled tracks this model can predict.")
        return
    feature = st.selectbox(
        "Feature",
        schema.FEATURE_COLUMNS,
        index=schema.FEATURE_COLUMNS.index("speechiness"),
        key="evaluate_average_feature",
    )
    split = on_data.splits[0]
    try:
        sweep = cache.partial_dependence(
            on_data.model.choice.key,
            on_data.data_key,
            split,
            feature,
            on_data.model.bundle,
            on_data.model_typed,
            on_data.songs_table,
        )
    except GenreLabError as effect_error:
        st.warning(str(effect_error))
        return
    unit = schema.FEATURE_UNITS.get(feature)
    label = f"{feature} ({unit})" if unit and feature != "popularity" else feature
    show.chart(
        charts.explanation.genre_lines(sweep, f"Average effect of {feature}", feature),
        readings.explanation.genre_lines(sweep, label),
        "evaluate_average_effect",
    )
    st.caption(
        f"Averaged over up to 1,000 {SPLIT_LABELS[split]} (a random sample); "
        "values from the 1st to the 99th percentile of the data."
    )


def comparison_section(
    label: str,
    key: str,
    spinner: str,
    compute: Callable[[str, pd.DataFrame], pd.DataFrame],
    data_key: str,
    typed: pd.DataFrame,
    category: str,
    bars: dict[str, str],
    title: str,
    column_config: dict,
) -> None:
    """A button that runs a slow comparison once, then its bar chart and table.

    The request is remembered in the session, so the (cached) result stays on
    screen while people use the rest of the page.
    """
    requested = f"{key}_requested"
    if st.button(label, key=key):
        st.session_state[requested] = True
    if not st.session_state.get(requested):
        return
    try:
        with st.spinner(spinner):
            table = compute(data_key, typed)
    except GenreLabError as comparison_error:
        st.error(str(comparison_error))
        return
    show.chart(
        charts.evaluation.comparison(table, category, bars, title),
        readings.evaluation.comparison(table, category, bars),
        f"{key}_chart",
        numbers=False,
    )  # the same table is right below
    st.dataframe(table, hide_index=True, width="stretch", column_config=column_config)


def comparisons(data_key: str, typed: pd.DataFrame) -> None:
    """This network against other models, and dropping against imputing unknowns."""
    st.header("Compare models and cleaning policies")
    st.markdown(
        "Each comparison trains several models on the same split of this data, so "
        "it takes one to three minutes; the results are kept until the data "
        "changes."
    )
    percent = st.column_config.NumberColumn(format="percent")

    st.subheader("This network against other models")
    st.caption(
        "The reference study's network, the recommended network, and two classic "
        "learners, trained and tested on the same tracks: "
        "is a neural network worth it here?"
    )
    comparison_section(
        "Compare models",
        "evaluate_compare_models",
        "Training four models (one to three minutes)...",
        cache.model_comparison,
        data_key,
        typed,
        "model",
        {
            "accuracy": "accuracy",
            "top2_accuracy": "top-2 accuracy",
            "macro_f1": "macro F1",
        },
        "Test scores by model",
        {
            "accuracy": percent,
            "top2_accuracy": st.column_config.NumberColumn(
                "top-2 accuracy", format="percent"
            ),
            "macro_f1": st.column_config.NumberColumn("macro F1", format="%.3f"),
            "train_seconds": st.column_config.NumberColumn(
                "training seconds", format="%.1f"
            ),
        },
    )

    st.subheader("Drop or impute unknown values?")
    st.caption(
        "The recommended network trained after dropping the rows with an unknown "
        "tempo or duration (as the study did), and after filling them in. A model "
        "trained without such rows cannot predict them either, so the last bars "
        "count those rows as wrong."
    )
    comparison_section(
        "Compare drop and impute",
        "evaluate_compare_policies",
        "Training with each policy (about a minute)...",
        cache.policy_comparison,
        data_key,
        typed,
        "policy",
        {
            "accuracy_known_rows": "test rows with known values",
            "accuracy_unknown_rows": "test rows with unknown values",
            "accuracy": "test rows it can predict",
            "accuracy_all_rows": "all test rows (no prediction = wrong)",
        },
        "Test accuracy by cleaning policy",
        dict.fromkeys(
            (
                "accuracy",
                "accuracy_known_rows",
                "accuracy_unknown_rows",
                "accuracy_all_rows",
            ),
            percent,
        ),
    )
