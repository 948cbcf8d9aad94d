"""Train page: choose the network's settings, train it and watch it learn.

Or let GenreLab try several values. The page draws; ui.training waits for a
slot in the server's training queue and trains with live progress; core.sweep
builds and scores the sweeps.
"""

from __future__ import annotations

import dataclasses
import time

import pandas as pd
import streamlit as st

from core import config as settings
from core import inputs, sweep
from core.errors import GenreLabError
from ui import charts, genre_choice, navigation, readings, show, state, training
from ui.genre_choice import GENRE_FIELDS

navigation.page_frame(
    "Train",
    "Pick a preset, change any setting, then **Train**. The curves show the "
    "network learning epoch by epoch: the *training* line is measured on the "
    "tracks it learns from, the *validation* line on tracks set aside (set a "
    "validation share to see it). When training keeps improving while "
    "validation stalls, the network has started memorising (over-fitting). "
    "Not sure which setting matters? **Try several values** below.",
)

SAVED_SETTINGS = "train_saved_settings"  # the form's last values, across pages
PRESET_KEY = "train_preset"
# {"mode", "settings", "planned", "runs", "finished"} of the last sweep
SWEEP = "train_sweep"
LIMITS = settings.LIMITS


def apply_preset() -> None:
    """Fill the form with the chosen preset (callback of the preset picker)."""
    preset = st.session_state[PRESET_KEY] or "recommended"
    st.session_state[SAVED_SETTINGS] = {
        "preset": preset,
        "values": training.widget_values(settings.PRESETS[preset]),
    }
    st.session_state.update(st.session_state[SAVED_SETTINGS]["values"])


def form_config() -> settings.TrainingConfig:
    """The form's configuration (raises ConfigError with a plain message)."""
    return training.config_from_values(
        {key: st.session_state[key] for key in training.FIELDS}, genre_fields
    )


def preset_label(config: settings.TrainingConfig) -> str:
    preset = settings.PRESET_LABELS[st.session_state[PRESET_KEY] or "recommended"]
    # The genres are the data's, not the recipe's: a genre choice is no edit.
    recipe = dataclasses.replace(
        config, **{field: getattr(settings.STUDY, field) for field in GENRE_FIELDS}
    )
    return preset + ("" if recipe in settings.PRESETS.values() else ", edited")


# Widget state is dropped when people leave the page, so the form is refilled
# from the last values kept in a plain session key.
st.session_state.setdefault(
    SAVED_SETTINGS,
    {"preset": "recommended", "values": training.widget_values(settings.RECOMMENDED)},
)
saved_preset = settings.PRESETS[st.session_state[SAVED_SETTINGS]["preset"]]
for key, value in training.widget_values(saved_preset).items():
    st.session_state.setdefault(
        key, st.session_state[SAVED_SETTINGS]["values"].get(key, value)
    )
st.session_state.setdefault(PRESET_KEY, st.session_state[SAVED_SETTINGS]["preset"])

if st.session_state[state.TRAINING]:
    # The flag is cleared when training returns: still set means the last run
    # was interrupted (Stop, or a click elsewhere).
    st.session_state[state.TRAINING] = False
    st.warning("Training was stopped. The previous model is still the one in use.")
if st.session_state[state.WAITING]:
    st.session_state[state.WAITING] = False
    st.warning(
        "You left the training queue; nothing was trained and the previous "
        "model is still the one in use."
    )

typed, source, error = state.load_data()
if typed is None or source is None:
    st.markdown("Training needs the labelled dataset.")
    navigation.no_data_notice(error, source.label if source else None)
    st.stop()

st.caption(f"Training data: {source.label} ({len(typed):,} rows).")
fixed_genres = state.corrections(source.key)
use_corrections = bool(fixed_genres) and st.checkbox(
    f"Train with my corrections ({len(fixed_genres)} "
    f"{'genre' if len(fixed_genres) == 1 else 'genres'} fixed by hand)",
    value=True,
    key="train_use_corrections",
    help="The genres fixed on the Evaluate or Data page replace the listed ones "
    "before training; the model card counts them.",
)
corrections_used = dict(fixed_genres) if use_corrections else None
genre_fields = genre_choice.genre_section(typed, source.key)
st.header("Settings")

st.segmented_control(
    "Start from a preset",
    list(settings.PRESETS),
    format_func=settings.PRESET_LABELS.__getitem__,
    key=PRESET_KEY,
    on_change=apply_preset,
    required=True,
    help="Reference study: the original 53% study (sigmoid, 15 epochs, rows with "
    "unknowns dropped). Recommended: the best settings measured so far.",
)


def bounded_number(label: str, field: str, step: float, **options) -> None:
    """A number input whose bounds are the configuration's declared limits."""
    limit = LIMITS[field]
    st.number_input(
        label,
        min_value=limit.low if limit.whole else None,
        max_value=limit.high if limit.whole else None,
        step=step,
        key=f"train_{field}",
        **options,
    )


def help_of(setting: str) -> str:
    return sweep.SETTINGS[setting].help


with st.form("train_form", enter_to_submit=False):
    data_column, network_column, learning_column = st.columns(3, gap="large")
    with data_column:
        st.markdown("**Data preparation**")
        st.selectbox(
            "Rows with unknown tempo or duration",
            settings.CHOICES["unknowns"],
            key="train_unknowns",
            help=help_of("unknowns"),
            format_func={"drop": "drop them", "impute": "fill in (impute)"}.get,
        )
        st.selectbox(
            "Fill unknowns with the",
            settings.CHOICES["impute_strategy"],
            key="train_impute_strategy",
            help="Only used when filling in unknowns.",
        )
        st.selectbox(
            "Key and mode as",
            settings.CHOICES["key_encoding"],
            key="train_key_encoding",
            help=help_of("key_encoding"),
            format_func={
                "scale": "24 scales (key + mode, the study)",
                "key_mode": "12 keys + major/minor",
            }.get,
        )
        st.selectbox(
            "Scaling",
            settings.CHOICES["scaling"],
            key="train_scaling",
            help=help_of("scaling"),
            format_func={
                "study_minmax": "0-1 for four columns (the study)",
                "standard": "standardise every column",
            }.get,
        )
        st.number_input(
            "Bins per numeric feature (0 = off)",
            min_value=0,
            max_value=settings.MAX_NUMERIC_BINS,
            step=1,
            key="train_numeric_bins",
            help=help_of("numeric_bins"),
        )
        limit = LIMITS["test_size"]
        st.slider(
            "Test share",
            limit.low,
            limit.high,
            step=0.05,
            key="train_test_size",
            help="Tracks held back to measure the model on unseen data.",
        )
        st.checkbox(
            "Stratified split",
            key="train_stratify",
            help="Keep each genre's share the same in the training and test tracks.",
        )
        st.checkbox(
            "Keep a song's repeats together",
            key="train_group_tracks",
            help="The same song is often listed several times, under several "
            "genres; keeping its rows together makes the test tracks truly unseen.",
        )
        st.checkbox(
            "Log-transform skewed features",
            key="train_log_skewed",
            help="Duration, speechiness, liveness, instrumentalness and "
            "acousticness have long tails; a logarithm spreads most tracks out.",
        )
    with network_column:
        st.markdown("**Network**")
        st.text_input(
            "Hidden layers (widths, comma separated)",
            key="train_hidden_layers",
            help=help_of("hidden_layers") + " E.g. 256, 128 for two layers; empty "
            "for none.",
        )
        st.selectbox(
            "Hidden activation",
            settings.CHOICES["activation"],
            key="train_activation",
            help=help_of("activation"),
        )
        st.selectbox(
            "Output activation",
            settings.CHOICES["output_activation"],
            key="train_output_activation",
            help="softmax gives probabilities that sum to 1; the study used sigmoid.",
        )
        limit = LIMITS["dropout"]
        st.slider(
            "Dropout",
            limit.low,
            limit.high - 0.05,
            step=0.05,
            key="train_dropout",
            help=help_of("dropout"),
        )
        bounded_number(
            "Ensemble size", "ensemble_size", 1, help=help_of("ensemble_size")
        )
    with learning_column:
        st.markdown("**Learning**")
        st.selectbox("Optimizer", settings.CHOICES["optimizer"], key="train_optimizer")
        st.number_input(
            "Learning rate",
            min_value=0.00001,
            max_value=LIMITS["learning_rate"].high,
            step=0.0005,
            format="%.5f",
            key="train_learning_rate",
            help=help_of("learning_rate"),
        )
        st.selectbox(
            "Learning-rate schedule",
            settings.CHOICES["learning_rate_schedule"],
            key="train_learning_rate_schedule",
            format_func={
                "constant": "constant",
                "cosine": "cosine (falls smoothly to 0)",
            }.get,
            help="A rate that falls towards the end lets the last epochs settle.",
        )
        bounded_number("Batch size", "batch_size", 16, help=help_of("batch_size"))
        bounded_number("Epochs (at most)", "epochs", 1, help=help_of("epochs"))
        bounded_number(
            "Early stopping patience (0 = off)",
            "early_stopping_patience",
            1,
            help="Stop after this many epochs without a better validation loss.",
        )
        limit = LIMITS["validation_fraction"]
        st.slider(
            "Validation share",
            limit.low,
            limit.high,
            step=0.05,
            key="train_validation_fraction",
            help="Training tracks set aside to draw the validation curves "
            "(and to score a sweep's runs).",
        )
        limit = LIMITS["calibration_fraction"]
        st.slider(
            "Calibration share",
            limit.low,
            limit.high,
            step=0.05,
            key="train_calibration_fraction",
            help="Training tracks set aside, never learned from, so that "
            'Predict can say "90% sure it is one of ..." (0 = no such sets).',
        )
        bounded_number("Seed", "seed", 1)
    train_column, apply_column = st.columns([1, 3])
    submitted = train_column.form_submit_button(
        "Train", type="primary", icon=":material/play_arrow:"
    )
    applied = apply_column.form_submit_button(
        "Apply without training",
        help="Keep these settings for the sweeps below without training now.",
    )


def save_form() -> None:
    """Remember the form so that it survives a visit to another page."""
    st.session_state[SAVED_SETTINGS] = {
        "preset": st.session_state[PRESET_KEY],
        "values": {key: st.session_state[key] for key in training.FIELDS},
    }


def stop_button(key: str, label: str = "Stop training") -> None:
    st.button(
        label,
        key=key,
        icon=":material/stop:",
        help="Stops at the end of the current epoch; finished runs and the "
        "previous model stay as they are.",
    )


def train_one(config: settings.TrainingConfig) -> None:
    """Train with live progress and keep the result as the active model."""
    stop_button("train_stop")
    run = training.queued_training(
        typed,
        config,
        training.progress_hook(),
        corrections=corrections_used,
        source=state.source_facts(source),
    )
    training.keep_run(run, preset_label(config))
    # Run the page again so that the sidebar, drawn before training, shows the
    # new model as the one in use; the result section draws the final curves.
    st.rerun()


def report_failure(failure: Exception) -> None:
    st.session_state[state.TRAINING] = False
    if isinstance(failure, GenreLabError):
        st.error(str(failure))
    else:
        st.error(
            f"Training failed unexpectedly ({type(failure).__name__}); the "
            "previous model is still the one in use. Try other settings."
        )


if submitted or applied:
    save_form()
    try:
        config = form_config()
    except GenreLabError as config_error:
        st.error(str(config_error))
    else:
        if submitted:
            try:
                train_one(config)
            except (
                Exception
            ) as failure:  # Streamlit's stop and rerun pass (BaseException)
                report_failure(failure)
        else:
            st.success("Settings applied: the sweeps below start from them.")


# --- Try several values -----------------------------------------------------------

st.header("Try several values")
st.markdown(
    "GenreLab trains one model per value of a setting (or per random combination "
    "of a few), one after the other, each on the same training tracks, and scores "
    "them on a validation share of those tracks, never on the test tracks: so you "
    "can pick by these scores and still trust the test score of the one you pick. "
    "Everything else comes from the form above (as last applied or trained)."
)
mode = st.segmented_control(
    "Try",
    ["sweep", "search"],
    default="sweep",
    required=True,
    key="train_sweep_mode",
    format_func={"sweep": "one setting", "search": "several settings at random"}.get,
)


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
else:
    chosen = st.multiselect(
        "Settings to vary together (2 to 4)",
        list(sweep.SETTINGS),
        default=["learning_rate", "dropout"],
        max_selections=4,
        format_func=lambda name: sweep.SETTINGS[name].label,
        key="train_search_settings",
    )
    ranges = {name: values_box(name, "train_search_values") for name in chosen}
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


def describe(tried: dict) -> str:
    """ "learning rate 0.01, dropout 0.3": what a run tried."""
    return ", ".join(
        f"{sweep.SETTINGS[name].label.lower()} {sweep.shown_value(value)}"
        for name, value in tried.items()
    )


def start_sweep() -> None:
    """Build the runs, then train them one by one through the queue.

    Each is kept as it ends.
    """
    try:
        base = form_config()
        if mode == "sweep":
            configs, tried = sweep.sweep_plan(base, setting, values)
            varied = [setting]
        else:
            configs, tried = sweep.search_configs(base, ranges, planned_runs)
            varied = sorted(ranges)
    except GenreLabError as sweep_error:
        st.error(str(sweep_error))
        return
    kept = {
        "mode": mode,
        "settings": varied,
        "planned": len(configs),
        "runs": [],
        "finished": False,
    }
    st.session_state[SWEEP] = kept
    stop_button("train_sweep_stop", "Stop (keep the finished runs)")
    overall = st.progress(0.0, text=f"0 of {len(configs)} runs done")
    started = time.perf_counter()
    for number, (config, values_tried) in enumerate(zip(configs, tried, strict=True)):
        if mode == "search" and sweep.timed_out(started, minutes or None):
            break
        what = describe(values_tried)
        run = training.queued_training(
            typed,
            config,
            training.progress_hook(f"Run {number + 1} of {len(configs)} ({what}): "),
            cancel_key=f"train_sweep_cancel_{number}",
            corrections=corrections_used,
            source=state.source_facts(source),
        )
        kept["runs"].append(sweep.SweepRun(values_tried, run))
        overall.progress(
            (number + 1) / len(configs),
            text=f"{number + 1} of {len(configs)} runs done",
        )
    kept["finished"] = True
    st.rerun()


if start:
    try:
        start_sweep()
    except Exception as failure:  # Streamlit's stop and rerun pass (BaseException)
        report_failure(failure)

kept_sweep = st.session_state.get(SWEEP)
if kept_sweep and kept_sweep["runs"]:
    runs = kept_sweep["runs"]
    table = sweep.results_table(runs)
    if not kept_sweep["finished"]:
        st.warning(
            f"The sweep was stopped after {len(runs)} of {kept_sweep['planned']} "
            "runs; the finished ones are below."
        )
    if kept_sweep["mode"] == "sweep":
        name = kept_sweep["settings"][0]
        st.subheader(f"What {sweep.SETTINGS[name].label.lower()} does")
        st.markdown(sweep.reading(name, runs))
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
        curves = {describe(run.values): sweep.validation_curve(run) for run in runs}
        show.chart(
            charts.training.sweep_curves(curves),
            readings.training.sweep_curves(curves),
            "train_sweep_curves",
        )
    else:
        st.subheader("What the search found")
        winner = sweep.best(runs)
        st.markdown(
            f"Best of {len(runs)} runs by validation accuracy: "
            + describe(winner.values)
            + f" ({winner.validation['accuracy']:.1%})."
        )
        show.chart(
            charts.training.search_runs(table, kept_sweep["settings"]),
            readings.training.search_runs(table, kept_sweep["settings"]),
            "train_search_chart",
            say=False,
            numbers=False,
        )
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
        f"Its test score, on tracks no choice was made on: **{test['accuracy']:.1%}** "
        f"right, **{test['top2_accuracy']:.1%}** with the right genre in its top 2."
    )
    use_column, add_column, download_column = st.columns(3)
    label = f"{preset_label(runs[picked].run.bundle.config)}, sweep"
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


# --- Results ---------------------------------------------------------------------

runs_of_session = st.session_state[state.RUNS]
if not runs_of_session:
    st.info("No model trained in this session yet.")
    st.stop()

latest = runs_of_session[-1]
metrics = latest["metrics"]
st.header(f"Result of {latest['name']}")
columns = st.columns(4)
columns[0].metric(
    "Test accuracy",
    f"{metrics['test']['accuracy']:.1%}",
    help="On tracks the network never saw.",
)
columns[1].metric("Training accuracy", f"{metrics['train']['accuracy']:.1%}")
top2 = metrics["test"].get("top2_accuracy")
columns[2].metric(
    "Right genre in top 2 (test)", "n/a" if top2 is None else f"{top2:.1%}"
)
columns[3].metric("Training time", f"{metrics['train_seconds']:.1f} s")
learned = metrics["test"]["genres"]
st.markdown(f"**{len(learned)} genres learned:** {', '.join(learned)}.")
for sentence in genre_choice.left_out_sentences(metrics):
    st.caption(sentence)
history = [log for member in metrics["history"] for log in member]
show.chart(
    charts.training.training_curves(history),
    readings.training.training_curves(history),
    "train_curves",
)
zip_bytes = state.run_zip(latest["id"])
if zip_bytes:
    st.download_button(
        "Download this model (zip)",
        zip_bytes,
        file_name=f"genrelab_run{latest['number']}.zip",
        mime="application/zip",
        key="train_download",
        icon=":material/download:",
        on_click="ignore",
    )
st.caption(
    "See the confusion matrices on the **Evaluate** page and try the model on "
    "the **Predict** page; the sidebar picks which model those pages use."
)

st.header("Runs of this session")
st.markdown("Compare settings and scores; the newest run is at the bottom.")
table = pd.DataFrame(
    [
        {
            "run": run["name"],
            "test accuracy": run["metrics"]["test"]["accuracy"],
            "train accuracy": run["metrics"]["train"]["accuracy"],
            "test top-2": run["metrics"]["test"]["top2_accuracy"],
            "test macro F1": run["metrics"]["test"]["macro_f1"],
            "best epoch": ", ".join(
                str(epoch) for epoch in run["metrics"]["best_epochs"]
            ),
            "seconds": run["metrics"]["train_seconds"],
            "hidden layers": inputs.format_hidden_layers(
                tuple(run["settings"]["hidden_layers"])
            ),
            "activation": f"{run['settings']['activation']} / "
            f"{run['settings']['output_activation']}",
            "unknowns": run["settings"]["unknowns"],
            "batch": run["settings"]["batch_size"],
            "learning rate": run["settings"]["learning_rate"],
            "dropout": run["settings"]["dropout"],
            "genres": len(run["metrics"]["test"]["genres"]),
            "genres fixed": run["metrics"].get("corrected_genres", 0),
        }
        for run in runs_of_session
    ]
)
percent = st.column_config.NumberColumn(format="percent")
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        "test accuracy": percent,
        "train accuracy": percent,
        "test top-2": percent,
        "test macro F1": st.column_config.NumberColumn(format="%.3f"),
    },
)
