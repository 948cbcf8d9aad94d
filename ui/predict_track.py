"""The track on the Predict page: its sliders' state, and what moves them.

Everything the Predict page works with is one :class:`PredictContext`, made
once per run and passed to every part and callback. The sliders' values live
in page-prefixed session keys (``predict_<feature>``, ``predict_key``,
``predict_mode``) and, since widget state is dropped when people switch
pages, in a plain key that refills them (SAVED_VALUES).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd
import streamlit as st

from core import inputs, links, schema, songs
from ui import cache, sharing, song_list, state

SAVED_VALUES = "predict_saved_values"  # slider values, kept across pages
LOADED = "predict_loaded_track"  # inputs.LoadedTrack of the song on the sliders
PENDING = song_list.PENDING_TRACK  # a row index another page asked to load
# The genre a person picked in the explained-genre selector on purpose (None:
# follow the top genre). A plain key: the selector's own state is dropped
# while another view is shown.
PICKED = "predict_explain_picked"
KEY, MODE = "predict_key", "predict_mode"
SURPRISE_NONE = "predict_surprise_none"  # "right" or "wrong": none to pick


@dataclass(frozen=True, eq=False)
class PredictContext:
    """What the Predict page works with in one run: the model, the data, the ranges."""

    model: state.ActiveModel
    # The loaded dataset and its source (None: no dataset).
    typed: pd.DataFrame | None
    source: state.DataSource | None
    # Each numeric feature's slider.
    ranges: dict[str, inputs.SliderRange]
    # Each genre's typical track (None: no dataset).
    medians: pd.DataFrame | None

    @property
    def genres(self) -> Sequence[str]:
        """The model's genres, in the order of its outputs."""
        return self.model.bundle.genres.names

    def predictions_table(self) -> pd.DataFrame:
        """Every labelled row's prediction and split (needs the dataset)."""
        assert self.typed is not None and self.source is not None
        return cache.predictions_table(
            self.model.choice.key, self.source.key, self.model.bundle, self.typed
        )


def context(model: state.ActiveModel) -> PredictContext:
    """The page's context, and a caption of the model and where the ranges come from."""
    typed, source, _ = state.load_data()
    summary: pd.DataFrame | None
    medians: pd.DataFrame | None
    if typed is not None and source is not None:
        summary = cache.feature_summary(source.key, typed)
        medians = cache.genre_medians(source.key, typed)
        st.caption(
            f"Model: **{model.choice.name}** · slider ranges and starting values "
            f"from {source.label}."
        )
    else:
        summary = medians = None
        st.caption(
            f"Model: **{model.choice.name}** · no dataset loaded, so the sliders use "
            "typical values; load the data on the Home page to find real songs and "
            "typical tracks per genre."
        )
    return PredictContext(model, typed, source, inputs.slider_ranges(summary), medians)


def slider_key(feature: str) -> str:
    """A feature's slider key."""
    return f"predict_{feature}"


def start_values(page: PredictContext) -> dict[str, object]:
    """The sliders' starting values: the data's medians (or typical values)."""
    values: dict[str, object] = {
        slider_key(feature): page.ranges[feature].default
        for feature in schema.NUMERIC_FEATURES
    }
    values[KEY] = (
        str(page.medians[schema.KEY_COLUMN].mode().iloc[0])
        if page.medians is not None
        else schema.TYPICAL_TRACK[schema.KEY_COLUMN]
    )
    values[MODE] = schema.TYPICAL_TRACK[schema.MODE_COLUMN]
    return values


def load_typical_track(page: PredictContext) -> None:
    """Callback: move every slider to the chosen genre's typical track."""
    assert page.medians is not None  # the button is drawn only with medians
    track = inputs.typical_track(
        page.ranges, page.medians, st.session_state["predict_genre"]
    )
    for feature in schema.NUMERIC_FEATURES:
        st.session_state[slider_key(feature)] = track[feature]
    st.session_state[KEY] = track[schema.KEY_COLUMN]
    st.session_state[MODE] = track[schema.MODE_COLUMN]
    st.session_state[LOADED] = None


def reset_values(page: PredictContext) -> None:
    """Callback: back to the dataset's medians."""
    st.session_state.update(start_values(page))
    st.session_state[LOADED] = None


def load_song(page: PredictContext, index: int) -> None:
    """Move every slider, the key and the mode to a real track of the data."""
    assert page.typed is not None
    track = inputs.load_track(
        page.ranges,
        cast(pd.Series, page.typed.loc[index]),
        index,
        page.model.bundle.preprocessor.fill_values,
    )
    for feature in schema.NUMERIC_FEATURES:
        st.session_state[slider_key(feature)] = track.positions[feature]
    st.session_state[KEY] = track.values[schema.KEY_COLUMN]
    st.session_state[MODE] = track.values[schema.MODE_COLUMN]
    st.session_state[LOADED] = track


def load_match(page: PredictContext) -> None:
    """Callback of the song picker."""
    picked = st.session_state.get("predict_match")
    if picked is not None:
        load_song(page, picked)


def surprise(page: PredictContext, right: bool) -> None:
    """Callback: load a random test track the model got right (or wrong)."""
    # A new generator on every click: a new draw.
    index = songs.surprise(page.predictions_table(), right, np.random.default_rng())
    if index is None:
        st.session_state[SURPRISE_NONE] = "right" if right else "wrong"
        return
    st.session_state[SURPRISE_NONE] = None
    load_song(page, index)


def restore_sliders(page: PredictContext) -> None:
    """Refill the sliders, and load the song another page asked for.

    Widget state is dropped when people switch pages: the sliders are refilled
    from the last values, kept inside each slider's range (the data, hence
    the ranges, may change).
    """
    st.session_state.setdefault(LOADED, None)
    saved = st.session_state.get(SAVED_VALUES) or start_values(page)
    for feature in schema.NUMERIC_FEATURES:
        key = slider_key(feature)
        rng = page.ranges[feature]
        value = st.session_state.get(key, saved.get(key, rng.default))
        st.session_state[key] = rng.to_display(rng.to_raw(value))
    st.session_state.setdefault(KEY, saved[KEY])
    st.session_state.setdefault(MODE, saved[MODE])
    pending = st.session_state.pop(PENDING, None)
    if pending is not None and page.typed is not None and pending in page.typed.index:
        load_song(page, pending)


def open_link(
    page: PredictContext, opening: sharing.Opening, model_note: str | None
) -> None:
    """Show the track a link names, or the typical track, and say what went wrong."""
    if opening.row is not None:
        load_song(page, opening.row)
    else:
        reset_values(page)
    if opening.link is not None:
        for name, value in opening.link.values.items():
            st.session_state[slider_key(name)] = value  # "predict_key" for the key
    st.session_state[PICKED] = opening.genre
    for note in ([model_note] if model_note else []) + list(opening.notes):
        st.info(note)


def move_sliders(page: PredictContext, new_values: dict[str, float]) -> None:
    """Callback: put the changed features' sliders where the change takes them.

    A loaded song stays loaded for the features not changed (their exact
    values are still used); the changed ones now follow their sliders.
    """
    for feature, value in new_values.items():
        st.session_state[slider_key(feature)] = page.ranges[feature].to_display(value)
    loaded = st.session_state.get(LOADED)
    if loaded is not None:
        st.session_state[LOADED] = dataclasses.replace(
            loaded, positions={**loaded.positions, **dict.fromkeys(new_values)}
        )


def link_params(page: PredictContext, shown: inputs.SliderTrack) -> dict[str, str]:
    """The query parameters of the track shown (see core.links.track_link)."""
    track = None
    loaded = shown.loaded
    if loaded is not None and page.typed is not None:
        if links.ID_COLUMN in page.typed.columns:
            track = links.track_id(page.typed.at[loaded.index, links.ID_COLUMN])
    link = links.track_link(
        shown,
        track,
        genre=st.session_state.get(PICKED),
        model=None
        if page.model.choice.key == state.DEFAULT_MODEL_KEY
        else page.model.choice.key,
    )
    return links.encode(link)
