"""Train page: choose the network's settings, train it and watch it learn.

Or let GenreLab try several values. The page draws (ui.train_form,
ui.train_sweep, ui.train_results); ui.training waits for a slot in the
server's training queue and trains with live progress; core.sweep builds and
scores the sweeps.
"""

from __future__ import annotations

import streamlit as st

from ui import (
    genre_choice,
    navigation,
    state,
    train_form,
    train_results,
    train_sweep,
)

navigation.page_frame(
    "Train",
    "Pick a preset, change any setting, then **Train**. The curves show the "
    "network learning epoch by epoch: the *training* line is measured on the "
    "tracks it learns from, the *validation* line on tracks set aside (set a "
    "validation share to see it). When training keeps improving while "
    "validation stalls, the network has started memorising (over-fitting). "
    "Not sure which setting matters? **Try several values** below.",
)

train_form.restore_form()
train_form.interruption_notices()

typed, source, error = state.load_data()
if typed is None or source is None:
    st.markdown("Training needs the labelled dataset.")
    navigation.no_data_notice(error, source.label if source else None)
    st.stop()

st.caption(f"Training data: {source.label} ({len(typed):,} rows).")
corrections = train_form.corrections_choice(source.key)
genre_fields = genre_choice.genre_section(typed, source.key)
data = train_form.TrainingData(typed, source, genre_fields, corrections)
st.header("Settings")
train_form.preset_picker()
submitted, applied = train_form.settings_form()
train_form.submit(submitted, applied, data)

request = train_sweep.sweep_request()
train_sweep.run_sweep(request, data)
train_sweep.sweep_results()

runs = st.session_state[state.RUNS]
if not runs:
    st.info("No model trained in this session yet.")
    st.stop()
train_results.latest_result(runs[-1])
train_results.session_runs(runs)
