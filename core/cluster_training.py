"""Trainings on a Dask cluster: each run one task, TensorFlow on the workers only.

A sweep's runs (:func:`core.sweep.run_configs`) become one task each; the
data is sent once (:func:`core.cluster.resent_value`). A worker trains exactly as
:func:`core.pipeline.train_from_frame` does here, with the run's own seed
(set inside the training), so a run gives the same model as here. What comes
back is a :class:`core.pipeline.TrainingRun`, whose bundle holds the model
file's bytes and its NumPy network: the process that asked never imports
TensorFlow.

A training's epochs come back as they end, as Dask's structured events: the
worker logs each epoch under one topic (``Worker.log_event``), the scheduler
passes them to the client that subscribed (``Client.subscribe_topic``), and
:class:`_EpochRelay` hands each to the training it belongs to, to be drawn
in the thread that waits for it (a Streamlit page's own).
"""

from __future__ import annotations

import contextlib
import dataclasses
import queue
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from core import sweep
from core.cluster import resent_value
from core.config import TrainingConfig
from core.errors import GenreLabError
from core.history import EpochLog, ProgressHook

if TYPE_CHECKING:
    from distributed import Client

    from core.pipeline import TrainingRun


@contextlib.contextmanager
def _python_random_of_its_own() -> Iterator[None]:
    """Keras' Python-side seeds drawn from a generator no other thread uses.

    ``keras.utils.set_random_seed`` seeds Python's shared ``random``, and
    Keras draws each unseeded layer's seed from it when the model is built
    (``keras.src.random.seed_generator.make_default_seed``). On a Dask
    worker, the worker's own threads draw from that same generator while a
    task trains, and a run then got other weights than here (measured: 0.50
    against 0.29 validation accuracy for a 3-epoch run, first task of a
    fresh worker). A private ``random.Random``, seeded by the same call,
    gives the draws an undisturbed process gives.
    """
    from keras.src.random import seed_generator
    from keras.src.utils import rng_utils

    private = random.Random()
    saved = rng_utils.random, seed_generator.python_random
    rng_utils.random = seed_generator.python_random = private
    try:
        yield
    finally:
        rng_utils.random, seed_generator.python_random = saved


# The topic every worker logs its trainings' epochs under: one topic, so the
# scheduler keeps one bounded log of them, however many trainings there are.
EPOCH_TOPIC = "genrelab-training-epochs"


def _train(
    typed: pd.DataFrame,
    config: TrainingConfig,
    corrections: dict[int, str] | None = None,
    training: str | None = None,
) -> TrainingRun:
    """One training, as a task on a worker (one task at a time per worker).

    ``training``: the name its epochs are logged with (None: not logged).
    """
    from core import pipeline

    on_epoch: ProgressHook | None = None
    if training is not None:
        from distributed import get_worker

        worker = get_worker()

        def on_epoch(log: EpochLog) -> None:
            worker.log_event(
                EPOCH_TOPIC, {"training": training, "epoch": dataclasses.asdict(log)}
            )

    with _python_random_of_its_own():
        return pipeline.train_from_frame(typed, config, on_epoch, corrections)


class _EpochRelay:
    """Hands the epochs workers log to the trainings waiting for them here.

    A client has one handler per topic, and the app's one client serves
    every visitor: the relay subscribes each client once and routes each
    epoch by its training's name. Thread-safe: epochs arrive on the
    client's event loop, and are read by the thread that waits.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._trainings: dict[str, queue.SimpleQueue[EpochLog]] = {}
        self._clients: set[str] = set()

    def listen(self, client: Client) -> tuple[str, queue.SimpleQueue[EpochLog]]:
        """A new training's name, and where its epochs will arrive."""
        name = f"training-{uuid.uuid4().hex}"
        epochs: queue.SimpleQueue[EpochLog] = queue.SimpleQueue()
        with self._lock:
            self._trainings[name] = epochs
            if client.id not in self._clients:
                # Sent before the training's task, on the same connection:
                # the scheduler knows the subscriber before any epoch.
                client.subscribe_topic(EPOCH_TOPIC, self._deliver)
                self._clients.add(client.id)
        return name, epochs

    def forget(self, name: str) -> None:
        """No more epochs for ``name`` (finished, failed or stopped)."""
        with self._lock:
            self._trainings.pop(name, None)

    def _deliver(self, event: tuple[float, Any]) -> None:
        _, message = event
        with self._lock:
            epochs = self._trainings.get(message.get("training"))
        if epochs is not None:
            epochs.put(EpochLog(**message["epoch"]))


_RELAY = _EpochRelay()


def _hand_over(epochs: queue.SimpleQueue[EpochLog], on_epoch: ProgressHook) -> None:
    """Every epoch that has arrived, to ``on_epoch``, in order."""
    while True:
        try:
            log = epochs.get_nowait()
        except queue.Empty:
            return
        on_epoch(log)


@contextlib.contextmanager
def _said_when_lost(training: str) -> Iterator[None]:
    """A training the cluster lost, said in one sentence (a GenreLabError).

    Dask tries a task again on another worker when the one running it dies,
    up to the scheduler's ``allowed-failures``; past that, or when the
    scheduler drops it, the training is lost.
    """
    from distributed import KilledWorker
    from distributed.client import FutureCancelledError

    try:
        yield
    except KilledWorker as lost:
        raise GenreLabError(
            f"The cluster lost the workers training {training} more than "
            f"{lost.allowed_failures} times (out of memory?); give its workers "
            "more memory, or train a smaller network or on fewer rows."
        ) from None
    except FutureCancelledError:
        raise GenreLabError(
            f"The cluster dropped the training of {training} before it was "
            "done (was the scheduler restarted?); try again."
        ) from None


def run_configs(
    client: Client,
    typed: pd.DataFrame,
    configs: Sequence[TrainingConfig],
    tried: Sequence[dict[str, Any]],
    on_run_end: Callable[[int, int, sweep.SweepRun], None] | None = None,
) -> list[sweep.SweepRun]:
    """Train one model per configuration, each as a task on the cluster.

    Args:
        client: a connected client (:func:`core.cluster.connect`).
        typed, configs, tried: as for :func:`core.sweep.run_configs`.
        on_run_end: called with (run number from 0, count, the run) as each
            run finishes, in the order they finish.

    Returns:
        The runs, in the configurations' order.

    Raises:
        Whatever a training raises (a ``DataError`` for too few rows), and
        a ``GenreLabError`` when the cluster lost a run. An interruption
        (Ctrl-C, a stopped page) cancels the runs not done.
    """
    from distributed import as_completed

    # Sent once, with the graph: computed again if lost with its workers.
    data = client.submit(resent_value, typed, pure=False)
    futures = [client.submit(_train, data, config, pure=False) for config in configs]
    number_of = {future.key: number for number, future in enumerate(futures)}
    runs: list[sweep.SweepRun | None] = [None] * len(futures)
    try:
        # This client's loop: the client is not the process's default one.
        for future in as_completed(futures, loop=client.loop):
            number = number_of[future.key]
            with _said_when_lost(f"run {number + 1} of {len(futures)}"):
                trained = future.result()
            finished = sweep.SweepRun(dict(tried[number]), trained)
            runs[number] = finished
            if on_run_end is not None:
                on_run_end(number, len(futures), finished)
    finally:
        client.cancel([future for future in futures if not future.done()])
    return [run for run in runs if run is not None]


# Seconds between two calls of a waiting training's ``on_wait``.
WAIT_POLL_SECONDS = 0.5


def train(
    client: Client,
    typed: pd.DataFrame,
    config: TrainingConfig,
    corrections: dict[int, str] | None = None,
    on_wait: Callable[[float], None] | None = None,
    on_epoch: ProgressHook | None = None,
) -> TrainingRun:
    """One training as a task on the cluster (the app's, with a scheduler).

    Args:
        client: a connected client.
        typed, config, corrections: as for
            :func:`core.pipeline.train_from_frame`.
        on_wait: called with the seconds waited, about twice a second, until
            the run is back; whatever it raises (a stopped page) cancels the
            task.
        on_epoch: called with each epoch of each network as the worker ends
            it (:class:`core.history.EpochLog`, as for a training here), in
            the calling thread, within about half a second; whatever it
            raises cancels the task.

    Raises:
        What :func:`core.pipeline.train_from_frame` raises, and a
        ``GenreLabError`` when the cluster lost the training.
    """
    name: str | None = None
    epochs: queue.SimpleQueue[EpochLog] | None = None
    if on_epoch is not None:
        name, epochs = _RELAY.listen(client)
    future = client.submit(_train, typed, config, corrections, name, pure=False)
    started = time.monotonic()
    try:
        while True:
            try:
                with _said_when_lost("this model"):
                    run = future.result(timeout=WAIT_POLL_SECONDS)
            except TimeoutError:
                if epochs is not None and on_epoch is not None:
                    _hand_over(epochs, on_epoch)
                if on_wait is not None:
                    on_wait(time.monotonic() - started)
                continue
            if epochs is not None and on_epoch is not None:
                _hand_over(epochs, on_epoch)  # the last ones, if already here
            return run
    finally:
        if name is not None:
            _RELAY.forget(name)
        if not future.done():
            future.cancel()
