"""The Evaluate page's parts read from the model's own metrics (no data needed)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from core import card_figures, evaluate
from ui import show


def headline(
    name: str, train_metrics: dict, test_metrics: dict, genres: Sequence[str]
) -> None:
    """The model's genres, its accuracies, its over-fitting gap, and what they mean."""
    st.caption(f"Model: **{name}**, {len(genres)} genres: {', '.join(genres)}")
    columns = st.columns(4)
    show.scores([columns[0], columns[1], columns[3]], test_metrics, train_metrics)
    gap = train_metrics["accuracy"] - test_metrics["accuracy"]
    columns[2].metric(
        "Over-fitting gap",
        f"{gap * 100:+.1f} points",
        help="Training minus test accuracy. A large gap means the model memorised "
        "its training tracks instead of learning what makes a genre.",
    )
    st.markdown(
        evaluate.overfitting_reading(
            train_metrics["accuracy"], test_metrics["accuracy"]
        )
    )
    fusion = test_metrics.get("fusion_accuracy")
    if fusion is not None:
        st.caption(
            f"Counting a prediction as right when the song is listed under that "
            f"genre anywhere in the data (many songs are listed under two genres), "
            f"test accuracy is {fusion:.1%}."
        )


def most_confused(test_metrics: dict, genres: Sequence[str]) -> None:
    """The pairs of genres most often mixed up on the test tracks."""
    st.header("Most confused genres (test)")
    st.markdown(
        "Pairs where tracks of the first genre were most often called the second."
    )
    pairs = evaluate.most_confused_pairs(test_metrics["confusion_matrix"], genres)
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


def report_table(split_metrics: dict, genres: Sequence[str]) -> pd.DataFrame:
    """Per-genre precision, recall, F1 and support as a table."""
    return pd.DataFrame.from_dict(split_metrics["per_genre"], orient="index").reindex(
        list(genres)
    )


def classification_reports(
    train_metrics: dict, test_metrics: dict, genres: Sequence[str]
) -> None:
    """Precision, recall, F1 and support per genre, training and test side by side."""
    st.header("Classification reports")
    st.markdown(
        "Per genre: *precision* = of the tracks called this genre, the share that "
        "really are; *recall* = of the tracks of this genre, the share found; "
        "*F1* combines both; *support* = number of tracks."
    )
    report_format = {
        name: st.column_config.NumberColumn(format="%.2f")
        for name in ("precision", "recall", "f1")
    }
    left, right = st.columns(2)
    left.markdown("**Training tracks**")
    left.dataframe(
        report_table(train_metrics, genres),
        width="stretch",
        column_config=report_format,
    )
    right.markdown("**Test tracks**")
    right.dataframe(
        report_table(test_metrics, genres),
        width="stretch",
        column_config=report_format,
    )


def other_source(metrics: dict) -> None:
    """The figures on another source's tracks, as the model card gives them.

    Issue 25: recorded by ``python -m core transfer``, with top-1 by novelty band.
    """
    section = card_figures.other_source_section(metrics)
    if section:
        st.markdown(section)
    else:
        st.header("On tracks from another source")
        st.info(card_figures.NO_OTHER_SOURCE)
