"""Training from the Train page.

The form's fields, a place in the server's queue, live progress. Training is
not cached (a cached function cannot draw progress); a model is kept in the
session only after its training finishes, so a stopped run leaves the
previous model in place. Every training, one or a sweep's, goes through the
one training queue of the server (core.training_queue).
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from core import cluster, inputs
from core import config as settings
from core.history import EpochLog, ensemble_epoch
from core.model_card import SOURCE_KEY
from ui import cache, charts, state
from ui.genre_choice import GENRE_FIELDS

# The form's widgets: key -> TrainingConfig field (every field but the genre
# choice, which the Genres section sets: ui.genre_choice).
FIELDS: dict[str, str] = {
    f"train_{field.name}": field.name
    for field in dataclasses.fields(settings.TrainingConfig)
    if field.name not in GENRE_FIELDS
}
HIDDEN_LAYERS_KEY = "train_hidden_layers"


def widget_values(config: settings.TrainingConfig) -> dict[str, object]:
    """The form's widget values for a configuration."""
    values = {key: getattr(config, field) for key, field in FIELDS.items()}
    values[HIDDEN_LAYERS_KEY] = inputs.format_hidden_layers(config.hidden_layers)
    return values


def config_from_values(
    values: dict[str, object], genre_fields: dict[str, Any] | None = None
) -> settings.TrainingConfig:
    """The configuration the form's values describe, with the Genres section's choice.

    Raises ConfigError with a plain message.
    """
    fields: dict[str, Any] = {field: values[key] for key, field in FIELDS.items()}
    fields["hidden_layers"] = inputs.parse_hidden_layers(str(fields["hidden_layers"]))
    return settings.TrainingConfig(**fields, **(genre_fields or {}))


# The key of the button that leaves the training queue, unless a caller names another.
CANCEL_KEY = "train_cancel"


def wait_for_a_slot(ticket, key: str = CANCEL_KEY) -> None:
    """Show the visitor's place in the training queue until a slot is theirs.

    Cancel (or any click, or leaving the page) reruns the script, which stops
    this loop at its next Streamlit call; the caller then gives the place up.
    """
    queue = cache.training_queue()
    if queue.try_start(ticket):
        return
    notice = st.empty()
    st.button(
        "Cancel",
        key=key,
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
        # Each call replaces the notice, and is where a click (Cancel) or a
        # closed tab stops this loop.
        notice.info(
            f"{running} training{'s' if running != 1 else ''} running on this server "
            f"(at most {queue.slots} at once); {ahead}. Yours starts by itself in "
            f"about {max(5, round(place.wait_seconds / 5) * 5):.0f} s."
        )
        time.sleep(0.5)
    st.session_state[state.WAITING] = False
    notice.empty()


def progress_hook(title: str = "") -> Callable[[EpochLog], None]:
    """An epoch hook that draws a progress bar and the live curves.

    Drawn below where it is called.
    """
    progress = st.progress(
        0.0, text=f"{title}Preparing the data and building the network..."
    )
    chart_slot = st.empty()
    logs: list[dict] = []
    last_drawn = [0.0]

    def on_epoch(log: EpochLog) -> None:
        logs.append(dataclasses.asdict(log))
        # An ensemble's networks train together: draw once all have reported.
        if log.member < log.members - 1:
            return
        epoch = ensemble_epoch([EpochLog(**each) for each in logs[-log.members :]])
        networks = f" ({log.members} networks together)" if log.members > 1 else ""
        validation = (
            f", validation {epoch.val_accuracy:.1%}"
            if epoch.val_accuracy is not None
            else ""
        )
        progress.progress(
            min(log.epoch / log.epochs, 1.0),
            text=f"{title}epoch {log.epoch}/{log.epochs}{networks}: "
            f"accuracy {epoch.accuracy:.1%}{validation}",
        )
        # Redraw at most once a second: a redraw costs the server about 30 ms
        # and the browser more, and with others waiting in the training queue
        # every second of this training counts three or four times.
        now = time.perf_counter()
        if now - last_drawn[0] > 1.0 or log.epoch == log.epochs:
            chart_slot.plotly_chart(
                charts.training.training_curves(logs),
                width="stretch",
                key=f"train_live_curves_{id(logs)}_{len(logs)}",
            )
            last_drawn[0] = now

    return on_epoch


def queued_training(
    typed: pd.DataFrame,
    config: settings.TrainingConfig,
    on_epoch: Callable[[EpochLog], None],
    cancel_key: str = CANCEL_KEY,
    corrections: dict[int, str] | None = None,
    source: dict[str, str] | None = None,
):
    """Wait for a slot, train, give the slot back.

    ``corrections`` (row -> genre, fixed by hand) are applied before training;
    ``source`` (the file's name, format and genre column) goes on the card.

    Returns the finished core.pipeline.TrainingRun. Raises whatever training
    raises (DataError for data it cannot use), and Streamlit's stop when the
    visitor clicks elsewhere: the slot is freed either way.
    """
    from core import pipeline

    queue = cache.training_queue()
    ticket = queue.join(state.session_id())
    try:
        wait_for_a_slot(ticket, cancel_key)
        # Stays True if a stop interrupts the run (the next run then says so).
        st.session_state[state.TRAINING] = True

        def report(log: EpochLog) -> None:
            queue.alive(ticket)
            on_epoch(log)

        address = cluster.address_from_environment()
        if address is None:
            run = pipeline.train_from_frame(
                typed, config, on_epoch=report, corrections=corrections
            )
        else:
            run = _trained_on_cluster(
                str(address), typed, config, corrections, queue, ticket, report
            )
        st.session_state[state.TRAINING] = False
        if source:
            run.bundle.info[SOURCE_KEY] = dict(source)
        return run
    finally:
        queue.leave(ticket)


def _trained_on_cluster(address, typed, config, corrections, queue, ticket, report):
    """A training as a task on the cluster: this process never imports TensorFlow.

    The visitor sees the seconds go by and each epoch as the worker ends it
    (``report``: the same progress as a training here); Stop, a click or a
    closed tab cancel the task within half a second.
    """
    from core import cluster_training

    notice = st.empty()

    def waiting(seconds: float) -> None:
        queue.alive(ticket)
        notice.caption(f"Training on the cluster ({address}): {seconds:.0f} s so far.")

    run = cluster_training.train(
        state.cluster_client(address),
        typed,
        config,
        corrections,
        on_wait=waiting,
        on_epoch=report,
    )
    notice.empty()
    return run


def bundle_zip(bundle) -> bytes:
    """A trained bundle as the zip people download (the Home page can load it back)."""
    from core import bundle as bundles

    with tempfile.TemporaryDirectory() as folder:
        saved = bundles.save_bundle(bundle, Path(folder) / "genrelab_model")
        return bundles.bundle_zip_bytes(saved)


def keep_run(run, preset_label: str, make_active: bool = True) -> dict:
    """Keep a finished training in the session's runs (and, by default, use it)."""
    return state.record_run(
        run.bundle,
        preset_label,
        run.bundle.config.to_dict(),
        bundle_zip(run.bundle),
        make_active=make_active,
    )
