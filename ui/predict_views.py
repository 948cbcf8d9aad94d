"""The Predict page's views of the track, one at a time, picked under the answer.

Why this genre, songs that sound alike, what if, another genre, and the map.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from core import (
    counterfactual,
    explain,
    inputs,
    predict,
    schema,
    songs,
    wording,
)
from core.errors import GenreLabError
from ui import cache, charts, readings, show
from ui.predict_track import PICKED, PredictContext, move_sliders

VIEW = "predict_view"
VIEWS = {
    "why": "Why this genre?",
    "alike": "Songs that sound alike",
    "what_if": "What if?",
    "another": "Another genre?",
    "map": "Map of songs",
}
EXPLAINED = "predict_explain_genre"  # the explained-genre selector
# The top genre when the selector was last drawn (a plain key, like PICKED).
TOP_SHOWN = "predict_explain_top"
CHANGE_GENRE = "predict_change_genre"


def explore(
    page: PredictContext,
    values: dict[str, Any],
    row: pd.DataFrame,
    result: pd.DataFrame,
    prediction: predict.TrackPrediction,
    loaded: inputs.LoadedTrack | None,
) -> None:
    """The views' picker, and the view picked."""
    view = st.segmented_control(
        "Explore this track",
        list(VIEWS),
        format_func=VIEWS.__getitem__,
        default="why",
        required=True,
        key=VIEW,
    )
    predicted = result[predict.PREDICTED].iloc[0]
    if view == "why":
        why_section(page, values, prediction)
    elif view == "alike":
        alike_section(page, row, predicted, loaded)
    elif view == "what_if":
        what_if_section(page, row, values)
    elif view == "another":
        another_genre_section(page, values, prediction)
    else:
        map_section(page, row)


def pick_genre() -> None:
    """Callback of the explained-genre selector: keep a genre picked on purpose.

    Picking the top genre itself means "follow the top genre" again.
    """
    picked = st.session_state[EXPLAINED]
    st.session_state[PICKED] = (
        None if picked == st.session_state.get(TOP_SHOWN) else picked
    )


def why_section(
    page: PredictContext, values: dict[str, Any], prediction: predict.TrackPrediction
) -> None:
    """Shapley values of the track: what each feature adds to a genre's probability.

    The explained genre follows the top genre (a new track, a preset, a slider
    that changes the answer), unless the person picked one on purpose.
    """
    by_probability = prediction.genres_by_probability
    top = by_probability[0]
    picked = st.session_state.get(PICKED)
    st.session_state[TOP_SHOWN] = top
    st.session_state[EXPLAINED] = picked if picked in by_probability else top
    genre = st.selectbox(
        "Explain the genre",
        by_probability,
        key=EXPLAINED,
        on_change=pick_genre,
        help="It follows the top genre (listed first) as the track changes; pick "
        "another to ask 'why not this one?', and it stays until you pick the top "
        "genre again.",
    )
    if genre != top:
        st.markdown(
            f"Explaining **{genre}**, the genre you picked; the top genre is "
            f"**{top}** (pick it above to follow the top genre again)."
        )
    bundle = page.model.bundle
    try:
        result = cache.shapley_values(page.model.choice.key, values, bundle)
    except GenreLabError as error:
        st.warning(str(error))
        return
    column = bundle.genres.index(genre)
    table = result.for_genre(genre)
    baseline = float(result.baseline_probabilities[column])
    st.markdown(wording.shapley_reading(result, genre))
    show.chart(
        charts.explanation.contributions(table, genre, baseline),
        readings.explanation.contributions(table, genre, baseline),
        "predict_contributions",
    )
    st.caption(
        "The typical track has each feature at the training tracks' median (key "
        f"{result.baseline[schema.KEY_COLUMN]} {result.baseline[schema.MODE_COLUMN]}). "
        "Each bar is what one feature adds (green) or takes away (red), averaged "
        "over every order in which the features could change (Shapley values); the "
        "bars add up exactly."
    )


def alike_section(
    page: PredictContext,
    row: pd.DataFrame,
    predicted: str,
    loaded: inputs.LoadedTrack | None,
) -> None:
    """The nearest real tracks, and the nearest one of another predicted genre."""
    if page.typed is None or page.source is None:
        st.info(
            "Songs that sound alike need the dataset: load it on the **Home** page."
        )
        return
    bundle = page.model.bundle
    index = cache.sound_index(
        page.model.choice.key, page.source.key, bundle, page.typed
    )
    try:
        near = songs.nearest_tracks(bundle, index, row)
        other = songs.closest_of_another_genre(bundle, index, row, predicted)
    except GenreLabError as error:
        st.warning(str(error))
        return
    shown = near[
        ["rank", songs.SONG, songs.LISTED, predict.PREDICTED, "distance"]
    ].copy()
    if loaded is not None and len(shown) and shown.index[0] == loaded.index:
        shown.loc[shown.index[0], songs.SONG] = "this track"
    st.markdown(
        "The 10 real tracks of the data nearest to this one, as the model hears them "
        "(distance in its own scaled inputs; 0 is the same track)."
    )
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={
            "rank": st.column_config.NumberColumn("#", width="small"),
            songs.SONG: "track",
            songs.LISTED: "listed under",
            predict.PREDICTED: "model says",
            "distance": st.column_config.NumberColumn(format="%.2f"),
        },
    )
    if other is not None:
        other_row = page.typed.loc[[other.name]]
        _, words = songs.differences(bundle, row, other_row)
        st.markdown(
            f"**Closest track the model puts in another genre:** {other[songs.SONG]} "
            f"({other[predict.PREDICTED]}, distance {other['distance']:.2f}): {words}."
        )


def map_section(page: PredictContext, row: pd.DataFrame) -> None:
    """The current track as a star on the map of the test tracks."""
    if page.typed is None or page.source is None:
        st.info("The map of songs needs the dataset: load it on the **Home** page.")
        return
    split = songs.splits_of(page.predictions_table())[0]
    bundle = page.model.bundle
    try:
        song_map = cache.song_map(
            page.model.choice.key, page.source.key, split, bundle, page.typed
        )
        star = explain.place_on_map(bundle, song_map, row)
    except GenreLabError as error:
        st.warning(str(error))
        return
    show.chart(
        charts.explanation.song_map(song_map.points, star),
        readings.explanation.song_map(song_map.points, star),
        "predict_map",
    )
    st.caption(
        f"Each dot is a {split} track, placed by how the network's last layer "
        "sees it (tracks close together sound alike to the model; x marks a "
        "wrong prediction). The star is your track and moves with the sliders."
    )


def what_if_section(
    page: PredictContext, row: pd.DataFrame, values: dict[str, Any]
) -> None:
    """How each genre's probability moves when one feature sweeps its range."""
    feature = st.selectbox(
        "What if this feature changed (the others stay as they are)?",
        schema.FEATURE_COLUMNS,
        index=schema.FEATURE_COLUMNS.index("energy"),
        key="predict_what_if_feature",
    )
    try:
        sweep = explain.what_if(page.model.bundle, row, feature)
    except GenreLabError as what_if_error:
        st.error(str(what_if_error))
        return
    current: object
    if feature in page.ranges:
        rng = page.ranges[feature]
        sweep = sweep.assign(value=sweep["value"] / rng.factor)
        raw = values[feature]
        current = rng.to_display(float(raw)) if raw == raw else None
        label = rng.label
    else:  # key or mode: one point per category
        current, label = values[feature], feature
    show.chart(
        charts.explanation.genre_lines(
            sweep, f"What if only {feature} changed?", label, current
        ),
        readings.explanation.genre_lines(sweep, label, current),
        "predict_what_if",
    )
    st.caption("The dotted line marks the track's current value.")


def lock_key(feature: str) -> str:
    """The key of the checkbox that keeps a feature as it is."""
    return f"predict_lock_{feature}"


def another_genre_section(
    page: PredictContext, values: dict[str, Any], prediction: predict.TrackPrediction
) -> None:
    """The smallest change of the track that makes the model name another genre."""
    st.markdown(
        "Pick a genre: GenreLab looks for the smallest change to this track that "
        "makes the model name that genre first, changing as few features as "
        "possible and leaving alone the ones you lock."
    )
    others = prediction.genres_by_probability[1:]
    if st.session_state.get(CHANGE_GENRE) not in others:
        st.session_state[CHANGE_GENRE] = others[0]
    genre = st.selectbox(
        "Make it", others, key=CHANGE_GENRE, help="Listed from likeliest to least."
    )
    st.caption("Keep these as they are:")
    lock_columns = st.columns(4)
    for position, feature in enumerate(schema.NUMERIC_FEATURES):
        lock_columns[position % 4].checkbox(
            feature.removesuffix("_ms"),
            value=feature == "popularity",
            key=lock_key(feature),
        )
    locked = tuple(
        feature
        for feature in schema.NUMERIC_FEATURES
        if st.session_state.get(lock_key(feature))
    )
    bounds = {
        feature: (rng.to_raw(rng.low), rng.to_raw(rng.high))
        for feature, rng in page.ranges.items()
    }
    steps = {feature: rng.to_raw(rng.step) for feature, rng in page.ranges.items()}
    bundle = page.model.bundle
    try:
        result = cache.genre_change(
            page.model.choice.key, values, genre, locked, bounds, steps, bundle
        )
    except GenreLabError as change_error:
        st.warning(str(change_error))
        return
    sentence = counterfactual.change_sentence(result)
    st.markdown(f"**{sentence[0].upper()}{sentence[1:]}.**")
    if result.changes:
        new_probability = result.probabilities[bundle.genres.index(genre)]
        st.caption(
            f"After the change the model gives {genre} {new_probability:.0%}. Each "
            "feature's change is as small as the model allows, in steps of its "
            "slider; key and mode stay."
        )
        st.button(
            "Move the sliders there",
            key="predict_change_move",
            on_click=move_sliders,
            args=(page, {change.feature: change.new for change in result.changes}),
            disabled=not result.reached,
        )
