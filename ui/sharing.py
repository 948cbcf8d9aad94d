"""The Predict page's address: open the track a link names, keep it up to date.

The address carries what the page shows (see :mod:`core.links`): opening it
in a new tab, or sending it to someone, shows the same track, answer and
explanation. A link the page cannot open (an unknown track, a value out of
range, text typed by hand) never breaks it: the page shows the typical track
and says why, in a sentence from here.

Each time the page draws a track it writes the address (``st.query_params``),
and remembers what it wrote: only parameters it did not write itself (a link
opened in a new session, or the browser's back button) are opened.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from core import links
from core.inputs import SliderRange
from ui import state

# The link parameters this session last wrote or opened.
SHOWN = "predict_link_shown"


def new_link() -> dict[str, str] | None:
    """The address's link parameters, if this page did not write them itself.

    Returns:
        None when there is nothing new to open (no link, or the page's own).
    """
    params = links.link_params(st.query_params.to_dict())
    if not params or params == st.session_state.get(SHOWN):
        return None
    st.session_state[SHOWN] = params
    return params


def use_link_model(params: dict[str, str]) -> str | None:
    """Make the link's model the one in use, or the shipped one when it is gone.

    Called before the page frame draws the model picker.

    Returns:
        A sentence to show when the model in use changes or the link's model
        cannot be used, else None.
    """
    wanted = params.get(links.MODEL) or state.DEFAULT_MODEL_KEY
    choices = {choice.key: choice for choice in state.model_choices()}
    keys = list(choices)
    if wanted in keys:
        in_use = state.active_choice()
        state.select_model(wanted)
        if in_use is None or in_use.key == wanted:
            return None
        # The back button, say, to a track shown before a training.
        return (
            f"This link was made with **{choices[wanted].name}**, which is the "
            "model in use again."
        )
    if state.DEFAULT_MODEL_KEY in keys:
        state.select_model(state.DEFAULT_MODEL_KEY)
        return (
            "This link was made with a model trained in another session, which "
            "only that session had: it opens with the shipped model, whose answer "
            "may differ."
        )
    return (
        "This link was made with a model this app does not have: it opens with "
        "the model in use, whose answer may differ."
    )


@dataclass(frozen=True)
class Opening:
    """What the page does with a link: the track to show and what to say."""

    # The link, or None: fall back to the typical track.
    link: links.TrackLink | None
    # The dataset row of the link's track (None: a track of values only).
    row: int | None
    # The genre to explain on purpose (None: the top genre).
    genre: str | None
    # Sentences to show, in order.
    notes: tuple[str, ...]


def read_link(
    params: dict[str, str],
    ranges: dict[str, SliderRange],
    typed: pd.DataFrame | None,
    genres: tuple[str, ...],
) -> Opening:
    """Decide what a link opens: its track, or the typical one and why.

    Args:
        params: the link's query parameters (:func:`new_link`).
        ranges: the page's sliders.
        typed: the loaded dataset, or None.
        genres: the model's genres.
    """
    try:
        link = links.decode(params, ranges)
    except links.LinkError as error:
        return _typical_track(str(error))
    row = None
    if link.track is not None:
        if typed is None:
            return _typical_track(
                "it is a song of the dataset, and no dataset is loaded here."
            )
        row = links.find_track(typed, link.track)
        if row is None:
            return _typical_track(
                f"the loaded data has no track {link.track} (the link may have "
                "been made with other data)."
            )
    try:
        genre = links.decode_genre(link.genre, genres)
    except links.LinkError as error:
        note = (
            f"The link's explained genre is unknown: {error} Explaining the top "
            "genre instead."
        )
        return Opening(link, row, None, (note,))
    return Opening(link, row, genre, ())


def _typical_track(reason: str) -> Opening:
    note = f"The link's track could not be opened: {reason} Showing the typical track."
    return Opening(None, None, None, (note,))


def keep_address(params: dict[str, str]) -> None:
    """Put the link of what the page shows in its address (if it changed)."""
    current = links.link_params(st.query_params.to_dict())
    if current != params:
        # One change, so one new entry in the browser's history.
        others = {
            name: st.query_params.get_all(name)
            for name in st.query_params
            if name not in links.NAMES
        }
        st.query_params.from_dict({**others, **params})
    st.session_state[SHOWN] = params


def address(params: dict[str, str]) -> str:
    """The full web address of the page with these parameters.

    Without a browser (tests), the part after the page's path: "?energy=0.5...".
    """
    # Quoted, so that the address is safe inside a Markdown link.
    base = urllib.parse.quote(st.context.url or "", safe=":/")
    query = urllib.parse.urlencode(params)
    return f"{base}?{query}" if query else base


def copy_link(params: dict[str, str]) -> None:
    """The link to what the page shows: a link, and a box with a copy button.

    The box's copy button shows on hover only; keyboard users reach the link
    itself, and the page's address holds the same one.
    """
    url = address(params)
    st.markdown(
        f"**[Link to this track]({url})**: opens this track, its answer and its "
        "explanation again, in a new tab or on someone else's computer. Copy it "
        "with the button at the box's right, or from the page's address (Ctrl+L, "
        "then Ctrl+C), which holds the same link."
    )
    st.code(url, language=None, wrap_lines=True)
