"""Evaluate page: where the model in use is right, where it mixes genres up, and why.

The confusion matrices and reports come from the model's own metrics (no data
needed, ui.evaluate_scores and ui.evaluate_matrices); comparisons and feature
importance need the dataset (ui.evaluate_data).
"""

from __future__ import annotations

import streamlit as st

from ui import (
    evaluate_data,
    evaluate_matrices,
    evaluate_scores,
    navigation,
    song_list,
    state,
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
genres = list(test_metrics["genres"])
evaluate_scores.headline(choice.name, train_metrics, test_metrics, genres)

typed, source, _ = state.load_data()
model, model_error = state.active_model()
on_data = evaluate_data.model_on_data(typed, source, model)
songs_table = on_data.songs_table if on_data is not None else None
splits = on_data.splits if on_data is not None else []

evaluate_matrices.confusion_matrices(
    train_metrics, test_metrics, genres, songs_table, splits
)
evaluate_matrices.songs_in_a_cell(songs_table, splits, test_metrics, genres)

held_out = evaluate_data.held_out_tracks(on_data)
held_out_named = evaluate_data.held_out_named(held_out)
evaluate_data.where_it_fails(on_data, held_out, held_out_named)
evaluate_data.genres_that_look_wrong(on_data, held_out, held_out_named)
two_models.song_by_song_section(typed, source, song_list.open_on_predict)

evaluate_scores.most_confused(test_metrics, genres)
evaluate_scores.classification_reports(train_metrics, test_metrics, genres)
evaluate_data.percentages(on_data)
evaluate_scores.other_source(metrics)
evaluate_data.song_map(on_data)

has_data = typed is not None and source is not None
if evaluate_data.features_that_matter(on_data, has_data, model_error):
    evaluate_data.comparisons(source.key, typed)
