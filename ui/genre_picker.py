"""Which genres a confusion matrix shows, for a model of many genres.

A matrix of 113 genres is a grid nobody can read: past ``MATRIX_GENRES``
genres the pages show a part of it, the genres most mixed up first, and the
person picks others.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from core import evaluate

# Genres a matrix shows whole; a model of more shows this many at a time.
MATRIX_GENRES = 12


def matrix_genres(
    genres: Sequence[str], matrix: list[list[int]], key: str
) -> list[str]:
    """The genres to draw: every one, or those the person picks (the most
    confused ones to start with), the most mixed up first."""
    genres = list(genres)
    if len(genres) <= MATRIX_GENRES:
        return genres
    ranking = evaluate.most_confused_genres(matrix, genres, len(genres))
    confused = ranking[:MATRIX_GENRES]
    chosen = st.multiselect(
        "Genres in the matrices",
        genres,
        default=confused,
        key=key,
        help=f"This model has {len(genres)} genres: the matrices show the ones "
        f"picked here, at first the {MATRIX_GENRES} it mixes up most. Shares "
        "stay shares of all of a true genre's tracks.",
    )
    st.caption(
        f"{len(genres)} genres are too many for one readable grid: showing "
        f"{len(chosen)} of them, picked above (at first the {MATRIX_GENRES} "
        "most mixed up)."
    )
    return [genre for genre in ranking if genre in chosen] or confused
