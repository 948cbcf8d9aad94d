"""The genre column picker: a person says which column of an upload holds the genres.

Shared by the pages that read a labelled upload (Home's dataset, Batch
predict's tracks); what could be a genre column is core's to say
(:func:`core.reading.label_columns`).
"""

from __future__ import annotations

import streamlit as st

from ui import cache


def choose(content: bytes, key: str, required: bool) -> tuple[bool, str | None]:
    """Let a person choose the genre column of an upload, when there is a choice.

    A selectbox (widget ``key``) and its one-sentence explanation, shown when
    several columns could hold the genres or none is named like a genre
    column but some look like one (:class:`core.formats.LabelColumns`).

    Args:
        content: the upload's bytes.
        key: the selectbox's widget key (prefixed by page).
        required: the page needs genres (a dataset to learn from); else
            they are optional (predictions are scored when there are some).

    Returns:
        Whether a choice is still needed before the file can be read, and
        the column chosen (None: the one found by name, or none).
    """
    candidates = cache.label_columns(content)
    if not candidates.to_choose:
        return False, None
    default = candidates.default
    chosen = st.selectbox(
        "Genre column",
        candidates.choices,
        index=candidates.choices.index(default) if default else None,
        key=key,
        placeholder="Choose the column that holds each track's genre",
    )
    st.caption(candidates.explanation())
    # A dataset needs its genres; two columns named like genre columns
    # cannot be read without a choice.
    pending = chosen is None and (required or len(candidates.named) > 1)
    return pending, None if chosen == default else chosen
