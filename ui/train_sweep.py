"""The Train page's "Try several values": sweeps and random searches, and their results.

core.sweep builds and scores the runs; each trains through the server's
training queue (ui.training) and is kept as it ends, so a stopped sweep keeps
its finished runs (SWEEP).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from core import sweep, wording
from core.errors import GenreLabError
from ui import charts, readings, show, train_form, training

# {"mode", "settings", "planned", "runs", "finished"} of the last sweep
SWEEP = "train_sweep"


@dataclass(frozen=True)
class SweepRequest:
    """What the sweep section asks for."""

    # "sweep" (one setting) or "search" (several at random).
    mode: str
    # Whether the start button was clicked in this run.
    start: bool
    # A sweep's setting and its values.
    setting: str = ""
    values: list[str] = field(default_factory=list)
    # A search's settings and their values, its runs and its time limit.
    ranges: dict[str, Sequence[str]] = field(default_factory=dict)
    planned_runs: int = 0
    minutes: float = 0.0


def values_box(setting: str, key_prefix: str) -> list[str]:
    """A text box of a setting's values (semicolons between them), with suggestions."""
    spec = sweep.SETTINGS[setting]
    key = f"{key_prefix}_{setting}"
    st.session_state.setdefault(key, "; ".join(spec.suggestions))
    text = st.text_input(
        f"Values of {spec.label.lower()} (separated by semicolons)",
        key=key,
        help=spec.help,
    )
    return [part.strip() for part in text.split(";") if part.strip()]


def sweep_request() -> SweepRequest:
    """The section's introduction and inputs: one setting, or several at random."""
    st.header("Try several values")
    st.markdown(
        "GenreLab trains one model per value of a setting (or per random "
        "combination of a few), one after the other, each on the same training "
        "tracks, and scores them on a validation share of those tracks, never on "
        "the test tracks: so you can pick by these scores and still trust the "
        "test score of the one you pick. Everything else comes from the form "
        "above (as last applied or trained)."
    )
    mode = st.segmented_control(
        "Try",
        ["sweep", "search"],
        default="sweep",
        required=True,
        key="train_sweep_mode",
        format_func={
            "sweep": "one setting",
            "search": "several settings at random",
        }.__getitem__,
    )
    if mode == "sweep":
        setting = st.selectbox(
            "Setting",
            list(sweep.SETTINGS),
            key="train_sweep_setting",
            format_func=lambda name: sweep.SETTINGS[name].label,
        )
        st.caption(sweep.SETTINGS[setting].help)
        values = values_box(setting, "train_sweep_values")
        start = st.button(
            "Try these values", key="train_sweep_start", icon=":material/science:"
        )
        return SweepRequest(mode, start, setting=setting, values=values)
    chosen = st.multiselect(
        "Settings to vary together (2 to 4)",
        list(sweep.SETTINGS),
        default=["learning_rate", "dropout"],
        max_selections=4,
        format_func=lambda name: sweep.SETTINGS[name].label,
        key="train_search_settings",
    )
    ranges: dict[str, Sequence[str]] = {
        name: values_box(name, "train_search_values") for name in chosen
    }
    run_column, minute_column = st.columns(2)
    planned_runs = run_column.slider("Runs", 2, 20, 6, key="train_search_runs")
    minutes = minute_column.number_input(
        "At most (minutes, 0 = no limit)",
        0.0,
        120.0,
        5.0,
        step=1.0,
        key="train_search_minutes",
    )
    start = st.button(
        "Start the search", key="train_search_start", icon=":material/science:"
    )
    return SweepRequest(
        "search", start, ranges=ranges, planned_runs=planned_runs, minutes=minutes
    )


def describe(tried: dict) -> str:
    """ "learning rate 0.01, dropout 0.3": what a run tried."""
    return ", ".join(
        f"{sweep.SETTINGS[name].label.lower()} {sweep.shown_value(value)}"
        for name, value in tried.items()
    )


def run_sweep(request: SweepRequest, data: train_form.TrainingData) -> None:
    """Start the sweep asked for, if its button was clicked; say why it failed."""
    if not request.start:
        return
    try:
        start_sweep(request, data)
    except Exception as failure:  # Streamlit's stop and rerun pass (BaseException)
        train_form.report_failure(failure)


def start_sweep(request: SweepRequest, data: train_form.TrainingData) -> None:
    """Build the runs, then train them one by one through the queue.

    Each is kept as it ends.
    """
    try:
        base = train_form.form_config(data.genre_fields)
        if request.mode == "sweep":
            configs, tried = sweep.sweep_plan(base, request.setting, request.values)
            varied = [request.setting]
        else:
            configs, tried = sweep.search_configs(
                base, request.ranges, request.planned_runs
            )
            varied = sorted(request.ranges)
    except GenreLabError as sweep_error:
        st.error(str(sweep_error))
        return
    kept: dict[str, Any] = {
        "mode": request.mode,
        "settings": varied,
        "planned": len(configs),
        "runs": [],
        "finished": False,
    }
    st.session_state[SWEEP] = kept
    train_form.stop_button("train_sweep_stop", "Stop (keep the finished runs)")
    overall = st.progress(0.0, text=f"0 of {len(configs)} runs done")
    started = time.perf_counter()
    for number, (config, values_tried) in enumerate(zip(configs, tried, strict=True)):
        if request.mode == "search" and sweep.timed_out(
            started, request.minutes or None
        ):
            break
        what = describe(values_tried)
        run = data.train(
            config,
            training.progress_hook(f"Run {number + 1} of {len(configs)} ({what}): "),
            cancel_key=f"train_sweep_cancel_{number}",
        )
        kept["runs"].append(sweep.SweepRun(values_tried, run))
        overall.progress(
            (number + 1) / len(configs),
            text=f"{number + 1} of {len(configs)} runs done",
        )
    kept["finished"] = True
    st.rerun()


def sweep_results() -> None:
    """The last sweep's runs: what the setting does, a chart, the table, a pick."""
    kept_sweep = st.session_state.get(SWEEP)
    if not kept_sweep or not kept_sweep["runs"]:
        return
    runs = kept_sweep["runs"]
    table = sweep.results_table(runs)
    if not kept_sweep["finished"]:
        st.warning(
            f"The sweep was stopped after {len(runs)} of {kept_sweep['planned']} "
            "runs; the finished ones are below."
        )
    if kept_sweep["mode"] == "sweep":
        _what_a_setting_does(kept_sweep["settings"][0], runs, table)
    else:
        _what_the_search_found(kept_sweep["settings"], runs, table)
    percent = st.column_config.NumberColumn(format="percent")
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "validation accuracy": percent,
            "validation top-2": percent,
            "validation macro F1": st.column_config.NumberColumn(format="%.3f"),
            "training seconds": st.column_config.NumberColumn(format="%.1f"),
        },
    )
    _pick_a_run(runs)


def _what_a_setting_does(name: str, runs: list, table: pd.DataFrame) -> None:
    st.subheader(f"What {sweep.SETTINGS[name].label.lower()} does")
    st.markdown(wording.sweep_reading(name, runs))
    label, numeric = (
        sweep.SETTINGS[name].label.lower(),
        sweep.SETTINGS[name].numeric,
    )
    show.chart(
        charts.training.sweep_scores(table, label, numeric),
        readings.training.sweep_scores(table, label, numeric),
        "train_sweep_scores",
        numbers=False,
    )  # the runs table is below
    curves: dict[str, Sequence[float]] = {
        describe(run.values): sweep.validation_curve(run) for run in runs
    }
    show.chart(
        charts.training.sweep_curves(curves),
        readings.training.sweep_curves(curves),
        "train_sweep_curves",
    )


def _what_the_search_found(varied: list[str], runs: list, table: pd.DataFrame) -> None:
    st.subheader("What the search found")
    winner = sweep.best(runs)
    st.markdown(
        f"Best of {len(runs)} runs by validation accuracy: "
        + describe(winner.values)
        + f" ({winner.validation['accuracy']:.1%})."
    )
    show.chart(
        charts.training.search_runs(table, varied),
        readings.training.search_runs(table, varied),
        "train_search_chart",
        say=False,
        numbers=False,
    )


def _pick_a_run(runs: list) -> None:
    """Pick a run: its test score; use it, add it to the runs, or download it."""
    best_index = runs.index(sweep.best(runs))
    labels = {
        i: describe(run.values) + (" (best on validation)" if i == best_index else "")
        for i, run in enumerate(runs)
    }
    picked = st.selectbox(
        "Pick a run",
        list(labels),
        index=best_index,
        format_func=labels.__getitem__,
        key="train_sweep_pick",
    )
    test = runs[picked].run.metrics["test"]
    st.markdown(
        f"Its test score, on tracks no choice was made on: "
        f"**{test['accuracy']:.1%}** right, **{test['top2_accuracy']:.1%}** with "
        "the right genre in its top 2."
    )
    use_column, add_column, download_column = st.columns(3)
    label = f"{train_form.preset_label(runs[picked].run.bundle.config)}, sweep"
    if use_column.button("Use this model", key="train_sweep_use", type="primary"):
        training.keep_run(runs[picked].run, label)
        st.rerun()
    if add_column.button("Add to the runs table", key="train_sweep_add"):
        training.keep_run(runs[picked].run, label, make_active=False)
        st.rerun()
    download_column.download_button(
        "Download this model (zip)",
        lambda: training.bundle_zip(runs[picked].run.bundle),
        file_name=f"genrelab_sweep_run{picked + 1}.zip",
        mime="application/zip",
        key="train_sweep_download",
        icon=":material/download:",
        on_click="ignore",
    )
