"""The Train page's Genres section: which genres a model learns.

Every genre of the file with enough tracks, unless the person leaves some
out, learns several as one, or renames one. What it sets are three fields of
the training configuration (``genres``, ``genre_merges``,
``min_genre_tracks``), so one training and every run of a sweep learn the
same genres; before any training, it says which genres that gives and every
row it leaves out (core.genres.choose, through core.features.choose_genres).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd
import streamlit as st

from core import config as settings
from core import features, genres, report
from core.errors import GenreLabError
from core.model_card import GENRE_CHOICE

# {"data": the data's key, "merges": ["A+B=Name", ...]}: merges belong to one file.
MERGES = "train_genre_merges"
LEFT_OUT = "train_genres_left_out"
MIN_TRACKS = "train_min_genre_tracks"
TO_MERGE = "train_genres_to_merge"
MERGED_NAME = "train_genres_merged_name"
GENRE_FIELDS = ("genres", "genre_merges", "min_genre_tracks")


def _merges(data_key: str) -> list[str]:
    kept = st.session_state.get(MERGES)
    if not kept or kept.get("data") != data_key:
        kept = {"data": data_key, "merges": []}
        st.session_state[MERGES] = kept
        st.session_state.pop(LEFT_OUT, None)
    return kept["merges"]


def _add_merge(data_key: str) -> None:
    """Callback of the Merge button: one more merge (or rename), if it reads."""
    sources = st.session_state.get(TO_MERGE) or []
    name = str(st.session_state.get(MERGED_NAME) or "").strip()
    if not sources or not name:
        st.session_state["train_genres_merge_problem"] = (
            "Pick one or more genres and type the name to learn them as."
        )
        return
    text = "+".join(sources) + "=" + name
    merges = _merges(data_key)
    try:
        genres.parse_merges([*merges, text])
    except GenreLabError as error:
        st.session_state["train_genres_merge_problem"] = str(error)
        return
    merges.append(text)
    st.session_state[TO_MERGE] = []
    st.session_state[MERGED_NAME] = ""
    st.session_state.pop(LEFT_OUT, None)


def _undo_merges(data_key: str) -> None:
    _merges(data_key).clear()
    st.session_state.pop(LEFT_OUT, None)


def genre_section(typed: pd.DataFrame, data_key: str) -> dict[str, object]:
    """Draw the section; return the configuration fields it chooses.

    Args:
        typed: the training data (labelled).
        data_key: the data's key (merges are kept per file).
    """
    st.header("Genres")
    default_min = settings.TrainingConfig().min_genre_tracks
    st.markdown(
        "A model learns the genres of its data: every genre of the file with "
        "enough tracks, in the order below. Leave genres out, learn several as "
        "one (many sources do not tell Rap from Hip-Hop), or give one a new "
        "name. One training and every run of a sweep learn these genres."
    )
    labels = report.file_genres(typed)
    merges = _merges(data_key)
    merged_sources = {
        genres.genre_key(source)
        for merge in genres.parse_merges(merges)
        for source in merge.sources
    }
    names = genres.merged_names(labels, merges)
    pick_column, name_column, button_column = st.columns(
        [3, 2, 1], vertical_alignment="bottom"
    )
    pick_column.multiselect(
        "Genres to merge (or one to rename)",
        [label for label in labels if genres.genre_key(label) not in merged_sources],
        key=TO_MERGE,
    )
    name_column.text_input(
        "Learned as", key=MERGED_NAME, placeholder="e.g. Hip-Hop/Rap"
    )
    button_column.button(
        "Merge", key="train_genres_merge", on_click=_add_merge, args=(data_key,)
    )
    problem = st.session_state.pop("train_genres_merge_problem", None)
    if problem:
        st.error(problem)
    if merges:
        listed = "; ".join(merge.sentence() for merge in genres.parse_merges(merges))
        text_column, undo_column = st.columns([5, 1], vertical_alignment="center")
        text_column.markdown(f"Merged: {listed}.")
        undo_column.button(
            "Undo merges",
            key="train_genres_undo",
            on_click=_undo_merges,
            args=(data_key,),
        )
    left_column, minimum_column = st.columns([3, 1])
    left_out = left_column.multiselect(
        "Leave out these genres",
        names,
        key=LEFT_OUT,
        help="Their tracks are not learned from; the model card counts them.",
    )
    limit = settings.LIMITS["min_genre_tracks"]
    minimum = minimum_column.number_input(
        "Fewest tracks a genre needs",
        min_value=int(limit.low),
        max_value=int(limit.high),
        value=default_min,
        step=1,
        key=MIN_TRACKS,
        help="A genre with fewer tracks is left out, and named: too few to "
        "learn it and to test it on unseen tracks.",
    )
    chosen: dict[str, Any] = {
        "genres": tuple(name for name in names if name not in left_out)
        if left_out
        else (),
        "genre_merges": tuple(merges),
        "min_genre_tracks": int(minimum),
    }
    try:
        choice = features.choose_genres(
            typed, dataclasses.replace(settings.RECOMMENDED, **chosen)
        )
    except GenreLabError as error:
        st.error(str(error))
        return chosen
    learned = ", ".join(f"{genre} ({rows:,})" for genre, rows in choice.rows.items())
    st.markdown(
        f"**The model will learn {len(choice.genres)} genres** (tracks of each): "
        f"{learned}."
    )
    for sentence in choice.sentences():
        st.caption(sentence)
    return chosen


def left_out_sentences(metrics: dict) -> list[str]:
    """What a trained model's metrics say it left out, a sentence per reason."""
    choice = metrics.get(GENRE_CHOICE)
    if not choice:
        return []
    return genres.GenreChoice.from_dict(choice).sentences()
