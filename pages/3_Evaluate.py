"""Evaluate page: where the model in use is right, where it mixes genres up, and why.

The confusion matrices and reports come from the model's own metrics (no data
needed); comparisons and feature importance need the dataset.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import streamlit as st

from core import card_figures, evaluate, explain, schema, songs
from core.errors import GenreLabError
from ui import (
    cache,
    charts,
    genre_picker,
    navigation,
    readings,
    show,
    song_list,
    state,
    trust,
    two_models,
)

navigation.page_frame(
    "Evaluate",
    "How well the model in use does on the tracks it learned from (*training*) "
    "and on tracks it never saw (*test*). In a confusion matrix each row is a "
    "true genre and each column the genre the model predicted: a strong "
    "diagonal means right answers, bright cells off the diagonal show which "
    "genres it mixes up.",
)

choice = state.active_choice()
if choice is None:
    navigation.no_model_notice()
    st.stop()

metrics = choice.metrics
train_metrics, test_metrics = metrics.get("train"), metrics.get("test")
if not train_metrics or not test_metrics or train_metrics.get("accuracy") is None:
    st.warning(f"{choice.name} has no training and test scores to show.")
    st.stop()

# The model's genres, in the order of its matrices' rows and columns.
GENRES = list(test_metrics["genres"])
st.caption(f"Model: **{choice.name}**, {len(GENRES)} genres: {', '.join(GENRES)}")
columns = st.columns(4)
columns[0].metric(
    "Test accuracy",
    f"{test_metrics['accuracy']:.1%}",
    help="Share of unseen tracks whose genre was guessed right.",
)
columns[1].metric("Training accuracy", f"{train_metrics['accuracy']:.1%}")
gap = train_metrics["accuracy"] - test_metrics["accuracy"]
columns[2].metric(
    "Over-fitting gap",
    f"{gap * 100:+.1f} points",
    help="Training minus test accuracy. A large gap means the model memorised "
    "its training tracks instead of learning what makes a genre.",
)
top2 = test_metrics.get("top2_accuracy")
columns[3].metric(
    "Right genre in its top 2 (test)",
    "n/a" if top2 is None else f"{top2:.1%}",
    help=(
        "Share of unseen tracks whose true genre is the model's first or second "
        "guess (not counted for a model of two genres: always both)."
    ),
)
st.markdown(
    evaluate.overfitting_reading(train_metrics["accuracy"], test_metrics["accuracy"])
)
fusion = test_metrics.get("fusion_accuracy")
if fusion is not None:
    st.caption(
        f"Counting a prediction as right when the song is listed under that genre "
        f"anywhere in the data (many songs are listed under two genres), test "
        f"accuracy is {fusion:.1%}."
    )

typed, source, error = state.load_data()
model, model_error = state.active_model()
# The data as the model learned it: a model trained with genres fixed by hand
# is tied to the corrected data, where its training and test tracks are known.
model_typed = (
    cache.model_data(model.choice.key, source.key, model.bundle, typed)
    if typed is not None and source is not None and model is not None
    else typed
)
# Every labelled row's prediction and split (when the model's split can be
# known), for the confusion cells, the reliability chart and the map.
songs_table = (
    cache.predictions_table(model.choice.key, source.key, model.bundle, model_typed)
    if typed is not None and source is not None and model is not None
    else None
)
if songs_table is not None and songs_table.empty:
    songs_table = None  # no labelled row of the data can be predicted by this model
splits = songs.splits_of(songs_table) if songs_table is not None else []
SPLIT_LABELS = {
    songs.TEST: "test tracks",
    songs.TRAINING: "training tracks",
    songs.TRACKS: "tracks of the loaded file",
}


def pick_cell(chart_key: str, split: str) -> None:
    """Callback of a clickable matrix: the clicked cell becomes the one listed below."""
    points = st.session_state[chart_key]["selection"]["points"]
    if points:
        st.session_state["evaluate_cell_split"] = split
        st.session_state["evaluate_cell_true"] = points[0]["y"]
        st.session_state["evaluate_cell_predicted"] = points[0]["x"]


def selected_cell(split: str) -> tuple[str, str] | None:
    if st.session_state.get("evaluate_cell_split") != split:
        return None
    return (
        st.session_state.get("evaluate_cell_true"),
        st.session_state.get("evaluate_cell_predicted"),
    )


def draw_matrix(
    column, matrix, title: str, split: str, chart_key: str, clickable: bool
) -> None:
    """One confusion matrix with its reading; clickable when its songs can be listed.

    Only the ``shown_genres`` rows and columns are drawn; shares are of all
    of a true genre's tracks.
    """
    full = evaluate.normalise_rows(matrix) if normalised else matrix
    shown = evaluate.matrix_part(full, GENRES, shown_genres)
    counts = evaluate.matrix_part(matrix, GENRES, shown_genres)
    figure = charts.evaluation.confusion_matrix(
        shown,
        title,
        normalised,
        shown_genres,
        selected_cell(split) if clickable else None,
    )
    reading = readings.evaluation.confusion_matrix(
        counts, SPLIT_LABELS[split], shown_genres, normalised
    )
    options = (
        {
            "on_select": functools.partial(pick_cell, chart_key, split),
            "selection_mode": "points",
        }
        if clickable
        else {}
    )
    with column:
        show.chart(figure, reading, chart_key, **options)


st.header("Confusion matrices")
normalised = (
    st.segmented_control(
        "Show",
        ["counts", "shares"],
        default="shares",
        required=True,
        key="evaluate_matrix_scale",
        format_func={
            "counts": "track counts",
            "shares": "share of each true genre",
        }.get,
    )
    == "shares"
)
shown_genres = genre_picker.matrix_genres(
    GENRES, test_metrics["confusion_matrix"], "evaluate_matrix_genres"
)
if songs.TEST in splits:
    st.caption("Click a cell to list its songs below.")
left, right = st.columns(2)
for column, split_metrics, title, split in (
    (left, train_metrics, "Training tracks", songs.TRAINING),
    (right, test_metrics, "Test tracks (never seen)", songs.TEST),
):
    draw_matrix(
        column,
        split_metrics["confusion_matrix"],
        f"{title}: {split_metrics['n_rows']:,}",
        split,
        f"evaluate_matrix_{split}",
        split in splits,
    )
if splits == [songs.TRACKS]:
    st.warning(
        "The loaded data is not the data this model was trained on, so its "
        "training and test tracks cannot be told apart in it. The matrices above "
        "are the model's own; the one below counts every track of the loaded "
        "file, and its cells list their songs."
    )
    tracks_matrix = songs.confusion_counts(songs_table, songs.TRACKS, GENRES)
    draw_matrix(
        st.container(),
        tracks_matrix,
        f"Tracks of the loaded file: {int(np.sum(tracks_matrix)):,}",
        songs.TRACKS,
        "evaluate_matrix_tracks",
        True,
    )


st.subheader("Songs in a cell")
if songs_table is None:
    st.info(
        "Listing the songs of a cell needs the dataset (load it on the **Home** "
        "page) with labelled tracks this model can predict."
    )
else:
    st.markdown(
        "Pick a cell by clicking a matrix, or here: the songs of one true genre "
        "that the model called another (or the same) genre."
    )
    split_column, true_column, predicted_column = st.columns(3)
    if st.session_state.get("evaluate_cell_split") not in splits:
        st.session_state["evaluate_cell_split"] = splits[0]
    pairs = evaluate.most_confused_pairs(
        test_metrics["confusion_matrix"], GENRES, top=1
    )
    first_pair = (
        (pairs["true_genre"].iloc[0], pairs["predicted_genre"].iloc[0])
        if len(pairs)
        else (GENRES[0], GENRES[0])
    )
    # A cell of another model's genres is no cell of this one.
    for cell_key in ("evaluate_cell_true", "evaluate_cell_predicted"):
        if st.session_state.get(cell_key) not in GENRES:
            st.session_state.pop(cell_key, None)
    st.session_state.setdefault("evaluate_cell_true", first_pair[0])
    st.session_state.setdefault("evaluate_cell_predicted", first_pair[1])
    cell_split = split_column.selectbox(
        "Tracks",
        splits,
        format_func=SPLIT_LABELS.__getitem__,
        key="evaluate_cell_split",
    )
    true_genre = true_column.selectbox("True genre", GENRES, key="evaluate_cell_true")
    predicted_genre = predicted_column.selectbox(
        "Predicted as", GENRES, key="evaluate_cell_predicted"
    )
    cell = songs.cell_songs(songs_table, cell_split, true_genre, predicted_genre)
    st.markdown(
        f"**{len(cell):,} {SPLIT_LABELS[cell_split]}** of {true_genre} were called "
        f"{predicted_genre}. Click a row to open that song on the Predict page."
    )
    song_list.song_table(
        cell, "evaluate_cell_songs", "evaluate_cell_open", "evaluate_open_song"
    )

held_out = None
if typed is not None and source is not None and model is not None:
    try:
        held_out = cache.held_out(
            model.choice.key, source.key, model.bundle, model_typed
        )
    except GenreLabError as held_out_error:
        st.warning(str(held_out_error))
HELD_OUT_NAMED = (
    "test tracks" if held_out is not None and held_out.test_split else "tracks"
)

st.header("Where the model fails")
st.markdown(
    "Groups of songs, described by their audio features, where the model is "
    "wrong more often than overall: a small decision tree finds them among "
    f"the {HELD_OUT_NAMED} it did not learn from. Pick a group to list its "
    "songs; the heatmap shows how often it is wrong for any two features."
)
if held_out is None or not len(held_out.rows):
    st.info(
        "Finding where the model fails needs the dataset (load it on the **Home** "
        "page) with labelled tracks this model did not learn from."
    )
else:
    report = cache.segment_report(model.choice.key, source.key, held_out)
    trust.failing_groups(report, songs_table, "evaluate_segments")
    st.subheader("The error rate over two features")
    trust.error_heatmap(held_out, "evaluate_segments")

st.header("Tracks whose genre looks wrong")
st.markdown(
    f"Songs of the {HELD_OUT_NAMED} listed under a genre the model finds very "
    "unlikely: a mislabelled song, or one the model gets badly wrong. Fix a "
    "genre you agree with; the next training can learn from your corrections."
)
if held_out is None or not len(held_out.rows):
    st.info(
        "Checking the genres needs the dataset (load it on the **Home** page) "
        "with labelled tracks this model did not learn from."
    )
else:
    issues = cache.label_issues_of(model.choice.key, source.key, held_out)
    trust.issue_list(issues, source.key, HELD_OUT_NAMED, "evaluate_labels")
    trust.corrections_panel(typed, source.key, "evaluate_labels")

two_models.song_by_song_section(typed, source, song_list.open_on_predict)

st.header("Most confused genres (test)")
st.markdown("Pairs where tracks of the first genre were most often called the second.")
pairs = evaluate.most_confused_pairs(test_metrics["confusion_matrix"], GENRES)
st.dataframe(
    pairs,
    hide_index=True,
    width="stretch",
    column_config={
        "true_genre": "true genre",
        "predicted_genre": "predicted as",
        "share": st.column_config.NumberColumn(
            "share of the true genre", format="percent"
        ),
    },
)

st.header("Classification reports")
st.markdown(
    "Per genre: *precision* = of the tracks called this genre, the share that "
    "really are; *recall* = of the tracks of this genre, the share found; "
    "*F1* combines both; *support* = number of tracks."
)


def report_table(split_metrics: dict) -> pd.DataFrame:
    """Per-genre precision, recall, F1 and support as a table."""
    return pd.DataFrame.from_dict(split_metrics["per_genre"], orient="index").reindex(
        GENRES
    )


report_format = {
    name: st.column_config.NumberColumn(format="%.2f")
    for name in ("precision", "recall", "f1")
}
left, right = st.columns(2)
left.markdown("**Training tracks**")
left.dataframe(
    report_table(train_metrics), width="stretch", column_config=report_format
)
right.markdown("**Test tracks**")
right.dataframe(
    report_table(test_metrics), width="stretch", column_config=report_format
)

st.header("Can I trust the percentages?")
if songs_table is None:
    st.info("Checking the percentages needs the dataset: load it on the **Home** page.")
else:
    reliability_split = splits[0]
    result = cache.reliability(
        model.choice.key,
        source.key,
        reliability_split,
        songs_table,
        model.bundle.genres.names,
    )
    st.markdown(
        f"On the {SPLIT_LABELS[reliability_split]}: the model's tracks grouped by "
        "how sure it was of its top genre, against how often that genre was "
        "right. On the dotted diagonal, a 70% answer would be right 70% of the "
        "time. " + explain.reliability_reading(result)
    )
    show.chart(
        charts.evaluation.reliability(result["table"]),
        readings.evaluation.reliability(result["table"]),
        "evaluate_reliability",
        say=False,
    )  # the paragraph above says it

# Issue 25: the figures on another source's tracks, as the model card gives
# them (recorded by `python -m core transfer`), with top-1 by novelty band.
other_source = card_figures.other_source_section(metrics)
if other_source:
    st.markdown(other_source)
else:
    st.header("On tracks from another source")
    st.info(card_figures.NO_OTHER_SOURCE)

st.header("A map of songs")
if songs_table is None:
    st.info("The map of songs needs the dataset: load it on the **Home** page.")
else:
    map_split = splits[0]
    try:
        song_map = cache.song_map(
            model.choice.key, source.key, map_split, model.bundle, model_typed
        )
    except GenreLabError as map_error:
        st.warning(str(map_error))
    else:
        st.markdown(
            f"Every one of the {len(song_map.points):,} {SPLIT_LABELS[map_split]} "
            "placed by how the network's last hidden layer sees it (its two main "
            "directions, PCA): songs close together sound alike to the model. "
            "Colour is the genre the track is listed under; an x marks a wrong "
            "prediction. Genres that share a region are the ones it mixes up."
        )
        show.chart(
            charts.explanation.song_map(song_map.points),
            readings.explanation.song_map(song_map.points),
            "evaluate_map",
        )

st.header("Which features matter")
st.markdown(
    "Permutation importance: shuffle one feature's values across tracks and "
    "measure how much accuracy drops. A big drop means the model relies on "
    "that feature; near zero means it barely uses it."
)


def average_effect_section() -> None:
    """Partial dependence: each genre's average probability as one feature changes."""
    st.subheader("The effect of one feature across all songs")
    st.markdown(
        "Every track set to each value of one feature in turn (the rest of it "
        "unchanged), and each genre's probability averaged: the feature's average "
        "effect, where the Predict page's what-if shows one song's."
    )
    if songs_table is None:
        st.info("The average effect needs labelled tracks this model can predict.")
        return
    feature = st.selectbox(
        "Feature",
        schema.FEATURE_COLUMNS,
        index=schema.FEATURE_COLUMNS.index("speechiness"),
        key="evaluate_average_feature",
    )
    split = splits[0]
    try:
        sweep = cache.partial_dependence(
            model.choice.key,
            source.key,
            split,
            feature,
            model.bundle,
            model_typed,
            songs_table,
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
    compute,
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
            table = compute(source.key, typed)
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


if typed is None or source is None:
    st.info(
        "Feature importance and the comparisons below need the dataset: load it "
        "on the **Home** page."
    )
    st.stop()

if model is None:
    navigation.no_model_notice(model_error)
else:
    try:
        table = cache.importance_table(
            model.choice.key, source.key, model.bundle, model_typed
        )
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
    average_effect_section()

st.header("Compare models and cleaning policies")
st.markdown(
    "Each comparison trains several models on the same split of this data, so "
    "it takes one to three minutes; the results are kept until the data changes."
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
    "model",
    {"accuracy": "accuracy", "top2_accuracy": "top-2 accuracy", "macro_f1": "macro F1"},
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
