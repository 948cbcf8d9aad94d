"""Train page: choose the network's settings, train it and watch it learn.

Training is not cached (a cached function cannot draw progress); the model is
kept in this session only after training finishes, so a stopped run leaves the
previous model in place.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path

import pandas as pd
import streamlit as st

from core import config as settings
from core import inputs
from core.errors import GenreLabError
from core.history import EpochLog, ensemble_epoch
from ui import charts, navigation, state

navigation.page_frame(
    "Train",
    "Pick a preset, change any setting, then **Train**. The curves show the "
    "network learning epoch by epoch: the *training* line is measured on the "
    "tracks it learns from, the *validation* line on tracks set aside (set a "
    "validation share to see it). When training keeps improving while "
    "validation stalls, the network has started memorising (over-fitting).",
)

SAVED_SETTINGS = "train_saved_settings"  # the form's last values, across pages
PRESET_KEY = "train_preset"
# Form fields: widget key -> TrainingConfig field.
FIELDS = {
    "train_unknowns": "unknowns",
    "train_impute_strategy": "impute_strategy",
    "train_key_encoding": "key_encoding",
    "train_scaling": "scaling",
    "train_numeric_bins": "numeric_bins",
    "train_test_size": "test_size",
    "train_stratify": "stratify",
    "train_hidden_layers": "hidden_layers",
    "train_activation": "activation",
    "train_output_activation": "output_activation",
    "train_dropout": "dropout",
    "train_optimizer": "optimizer",
    "train_learning_rate": "learning_rate",
    "train_learning_rate_schedule": "learning_rate_schedule",
    "train_batch_size": "batch_size",
    "train_epochs": "epochs",
    "train_early_stopping_patience": "early_stopping_patience",
    "train_validation_fraction": "validation_fraction",
    "train_ensemble_size": "ensemble_size",
    "train_seed": "seed",
}
# Yes/no settings without a dedicated widget above (added to TrainingConfig
# later) still get a checkbox, so that the form always covers every setting.
FIELD_LABELS = {
    "group_tracks": "Keep a song's repeats together",
    "log_skewed": "Log-transform skewed features",
}
FIELD_HELP = {
    "group_tracks": "The same song is often listed several times, under several "
    "genres; keeping its rows together makes the test tracks truly unseen.",
    "log_skewed": "Duration, speechiness, liveness, instrumentalness and "
    "acousticness have long tails; a logarithm spreads most tracks out.",
}
EXTRA_FLAGS = [
    f"train_{extra.name}"
    for extra in dataclasses.fields(settings.TrainingConfig)
    if extra.name not in FIELDS.values()
    and isinstance(getattr(settings.RECOMMENDED, extra.name), bool)
]
FIELDS.update({key: key.removeprefix("train_") for key in EXTRA_FLAGS})


def widget_values(config: settings.TrainingConfig) -> dict[str, object]:
    """The form's widget values for a configuration."""
    values = {key: getattr(config, field) for key, field in FIELDS.items()}
    values["train_hidden_layers"] = inputs.format_hidden_layers(config.hidden_layers)
    return values


def apply_preset() -> None:
    """Fill the form with the chosen preset (callback of the preset picker)."""
    preset = st.session_state[PRESET_KEY] or "recommended"
    st.session_state[SAVED_SETTINGS] = {
        "preset": preset,
        "values": widget_values(settings.PRESETS[preset]),
    }
    st.session_state.update(st.session_state[SAVED_SETTINGS]["values"])


def config_from_form() -> settings.TrainingConfig:
    """Build the configuration from the form (raises ConfigError with a plain message)."""
    values = {field: st.session_state[key] for key, field in FIELDS.items()}
    values["hidden_layers"] = inputs.parse_hidden_layers(values["hidden_layers"])
    # Settings the form does not show keep the preset's value.
    preset = settings.PRESETS[st.session_state[PRESET_KEY] or "recommended"]
    return dataclasses.replace(preset, **values)


# Widget state is dropped when people leave the page, so the form is refilled
# from the last values kept in a plain session key.
st.session_state.setdefault(
    SAVED_SETTINGS,
    {"preset": "recommended", "values": widget_values(settings.RECOMMENDED)},
)
saved_preset = settings.PRESETS[st.session_state[SAVED_SETTINGS]["preset"]]
for key, value in widget_values(saved_preset).items():
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

with st.form("train_form", enter_to_submit=False):
    data_column, network_column, learning_column = st.columns(3, gap="large")
    with data_column:
        st.markdown("**Data preparation**")
        st.selectbox(
            "Rows with unknown tempo or duration",
            settings.UNKNOWN_POLICIES,
            key="train_unknowns",
            format_func={"drop": "drop them", "impute": "fill in (impute)"}.get,
        )
        st.selectbox(
            "Fill unknowns with the", settings.IMPUTE_STRATEGIES,
            key="train_impute_strategy",
            help="Only used when filling in unknowns.",
        )  # fmt: skip
        st.selectbox(
            "Key and mode as",
            settings.KEY_ENCODINGS,
            key="train_key_encoding",
            format_func={
                "scale": "24 scales (key + mode, the study)",
                "key_mode": "12 keys + major/minor",
            }.get,
        )
        st.selectbox(
            "Scaling",
            settings.SCALINGS,
            key="train_scaling",
            format_func={
                "study_minmax": "0-1 for four columns (the study)",
                "standard": "standardise every column",
            }.get,
        )
        st.number_input(
            "Bins per numeric feature (0 = off)", min_value=0,
            max_value=settings.MAX_NUMERIC_BINS, step=1, key="train_numeric_bins",
            help="Also give the network each feature's position within its "
            "quantile bins (e.g. 16), so it can respond differently to low, "
            "middle and high values as easily as a decision tree does.",
        )  # fmt: skip
        st.slider("Test share", 0.05, 0.5, step=0.05, key="train_test_size",
                  help="Tracks held back to measure the model on unseen data.")  # fmt: skip
        st.checkbox(
            "Stratified split",
            key="train_stratify",
            help="Keep each genre's share the same in the training and test tracks.",
        )
        for key in EXTRA_FLAGS:
            name = FIELDS[key]
            st.checkbox(
                FIELD_LABELS.get(name, name.replace("_", " ").capitalize()),
                key=key,
                help=FIELD_HELP.get(name),
            )
    with network_column:
        st.markdown("**Network**")
        st.text_input(
            "Hidden layers (widths, comma separated)",
            key="train_hidden_layers",
            help="e.g. 256, 128 for two layers; empty for none.",
        )
        st.selectbox("Hidden activation", settings.ACTIVATIONS, key="train_activation")
        st.selectbox(
            "Output activation",
            settings.OUTPUT_ACTIVATIONS,
            key="train_output_activation",
            help="softmax gives probabilities that sum to 1; the study used sigmoid.",
        )
        st.slider("Dropout", 0.0, 0.8, step=0.05, key="train_dropout",
                  help="Share of units switched off at random while learning; "
                  "fights over-fitting.")  # fmt: skip
        st.number_input(
            "Ensemble size", min_value=1, max_value=10, step=1, key="train_ensemble_size",
            help="Networks trained with different seeds and averaged.",
        )  # fmt: skip
    with learning_column:
        st.markdown("**Learning**")
        st.selectbox("Optimizer", settings.OPTIMIZERS, key="train_optimizer")
        st.number_input(
            "Learning rate", min_value=0.00001, max_value=1.0, step=0.0005,
            format="%.5f", key="train_learning_rate",
        )  # fmt: skip
        st.selectbox(
            "Learning-rate schedule", settings.LEARNING_RATE_SCHEDULES,
            key="train_learning_rate_schedule",
            format_func={"constant": "constant",
                         "cosine": "cosine (falls smoothly to 0)"}.get,
            help="A rate that falls towards the end lets the last epochs settle.",
        )  # fmt: skip
        st.number_input("Batch size", min_value=1, max_value=65536, step=16,
                        key="train_batch_size")  # fmt: skip
        st.number_input("Epochs (at most)", min_value=1, max_value=1000, step=1,
                        key="train_epochs")  # fmt: skip
        st.number_input(
            "Early stopping patience (0 = off)", min_value=0, max_value=100, step=1,
            key="train_early_stopping_patience",
            help="Stop after this many epochs without a better validation loss.",
        )  # fmt: skip
        st.slider("Validation share", 0.0, 0.5, step=0.05,
                  key="train_validation_fraction",
                  help="Training tracks set aside to draw the validation curves.")  # fmt: skip
        st.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1,
                        key="train_seed")  # fmt: skip
    submitted = st.form_submit_button(
        "Train", type="primary", icon=":material/play_arrow:"
    )


def save_form() -> None:
    """Remember the form so that it survives a visit to another page."""
    st.session_state[SAVED_SETTINGS] = {
        "preset": st.session_state[PRESET_KEY],
        "values": {key: st.session_state[key] for key in FIELDS},
    }


def wait_for_a_slot(ticket) -> None:
    """Show the visitor's place in the training queue until a slot is theirs.

    Cancel (or any click, or leaving the page) reruns the script, which stops
    this loop at its next Streamlit call; the caller then gives the place up.
    """
    queue = state.training_queue()
    if queue.try_start(ticket):
        return
    notice = st.empty()
    st.button(
        "Cancel",
        key="train_cancel",
        icon=":material/close:",
        help="Leave the queue; the model in use stays as it is.",
    )
    # Stays True if a click stops the wait (the next run then says so).
    st.session_state[state.WAITING] = True
    while not queue.try_start(ticket):
        place = queue.place(ticket)
        running, _ = queue.counts()
        ahead = (
            "you are next"
            if place.ahead == 0
            else f"{place.ahead} {'visitor' if place.ahead == 1 else 'visitors'} "
            "ahead of you"
        )
        text = (
            f"{running} training{'s' if running != 1 else ''} running on this server "
            f"(at most {queue.slots} at once); {ahead}. Yours starts by itself in "
            f"about {max(5, round(place.wait_seconds / 5) * 5):.0f} s."
        )
        # Each call replaces the notice, and is where a click (Cancel) or a
        # closed tab stops this loop.
        notice.info(text)
        time.sleep(0.5)
    st.session_state[state.WAITING] = False
    notice.empty()


def train(config: settings.TrainingConfig) -> None:
    """Wait for a free slot, then train with live progress; keep the result when done."""
    queue = state.training_queue()
    ticket = queue.join(state.session_id())
    try:
        wait_for_a_slot(ticket)
        train_now(config, lambda: queue.alive(ticket))
    finally:
        queue.leave(ticket)


def train_now(config: settings.TrainingConfig, still_here) -> None:
    """Train with live progress; keep the result in the session when it finishes."""
    from core import bundle as bundles
    from core import pipeline

    stop_slot = st.empty()
    stop_slot.button(
        "Stop training",
        key="train_stop",
        icon=":material/stop:",
        help="Stops at the end of the current epoch; the previous model stays in use.",
    )
    progress = st.progress(0.0, text="Preparing the data and building the network...")
    chart_slot = st.empty()
    logs: list[dict] = []
    last_drawn = [0.0]

    def on_epoch(log: EpochLog) -> None:
        still_here()
        logs.append(dataclasses.asdict(log))
        # An ensemble's networks train together: draw once all have reported.
        if log.member < log.members - 1:
            return
        epoch = ensemble_epoch([EpochLog(**each) for each in logs[-log.members :]])
        networks = f" ({log.members} networks together)" if log.members > 1 else ""
        progress.progress(
            min(log.epoch / log.epochs, 1.0),
            text=f"epoch {log.epoch}/{log.epochs}{networks}: "
            f"accuracy {epoch.accuracy:.1%}"
            + (
                f", validation {epoch.val_accuracy:.1%}"
                if epoch.val_accuracy is not None
                else ""
            ),
        )
        # Redraw at most once a second: a redraw costs the server about 30 ms
        # and the browser more, and with others waiting in the training queue
        # every second of this training counts three or four times.
        now = time.perf_counter()
        if now - last_drawn[0] > 1.0 or log.epoch == log.epochs:
            chart_slot.plotly_chart(
                charts.training_curves(logs),
                width="stretch",
                key=f"train_live_curves_{len(logs)}",
            )
            last_drawn[0] = now

    # Stays True if a stop interrupts the run (the next run then says so).
    st.session_state[state.TRAINING] = True
    run = pipeline.train_from_frame(typed, config, on_epoch=on_epoch)
    with tempfile.TemporaryDirectory() as folder:
        saved = bundles.save_bundle(run.bundle, Path(folder) / "genrelab_model")
        zip_bytes = bundles.bundle_zip_bytes(saved)
    preset = settings.PRESET_LABELS[st.session_state[PRESET_KEY] or "recommended"]
    changed = config not in settings.PRESETS.values()
    state.record_run(run.bundle, preset + (", edited" if changed else ""),
                     config.to_dict(), zip_bytes)  # fmt: skip
    st.session_state[state.TRAINING] = False
    # Run the page again so that the sidebar, drawn before training, shows the
    # new model as the one in use; the result section draws the final curves.
    st.rerun()


if submitted:
    save_form()
    try:
        config = config_from_form()
    except GenreLabError as config_error:
        st.error(str(config_error))
    else:
        try:
            train(config)
        except GenreLabError as training_error:
            st.session_state[state.TRAINING] = False
            st.error(str(training_error))
        except (
            Exception
        ) as unexpected:  # Streamlit's stop and rerun pass (BaseException)
            st.session_state[state.TRAINING] = False
            st.error(
                f"Training failed unexpectedly ({type(unexpected).__name__}); the "
                "previous model is still the one in use. Try other settings."
            )

runs = st.session_state[state.RUNS]
if not runs:
    st.info("No model trained in this session yet.")
    st.stop()

latest = runs[-1]
metrics = latest["metrics"]
st.header(f"Result of {latest['name']}")
columns = st.columns(4)
columns[0].metric("Test accuracy", f"{metrics['test']['accuracy']:.1%}",
                  help="On tracks the network never saw.")  # fmt: skip
columns[1].metric("Training accuracy", f"{metrics['train']['accuracy']:.1%}")
columns[2].metric(
    "Right genre in top 2 (test)", f"{metrics['test']['top2_accuracy']:.1%}"
)
columns[3].metric("Training time", f"{metrics['train_seconds']:.1f} s")
history = [log for member in metrics["history"] for log in member]
st.plotly_chart(charts.training_curves(history), width="stretch", key="train_curves")
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
        }
        for run in runs
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
