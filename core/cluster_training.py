"""Trainings on a Dask cluster: each run one task, TensorFlow on the workers only.

A sweep's runs (:func:`core.sweep.run_configs`) become one task each; the
data is sent to the workers once. A worker trains exactly as
:func:`core.pipeline.train_from_frame` does here, with the run's own seed
(set inside the training), so a run gives the same model as here. What comes
back is a :class:`core.pipeline.TrainingRun`, whose bundle holds the model
file's bytes and its NumPy network: the process that asked never imports
TensorFlow.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from core import sweep
from core.config import TrainingConfig

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


def _train(
    typed: pd.DataFrame,
    config: TrainingConfig,
    corrections: dict[int, str] | None = None,
) -> TrainingRun:
    """One training, as a task on a worker (one task at a time per worker)."""
    from core import pipeline

    with _python_random_of_its_own():
        return pipeline.train_from_frame(typed, config, None, corrections)


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
        Whatever a training raises (a ``DataError`` for too few rows). An
        interruption (Ctrl-C, a stopped page) cancels the runs not done.
    """
    from distributed import as_completed

    data = client.scatter(typed, broadcast=True, hash=False)
    futures = [client.submit(_train, data, config, pure=False) for config in configs]
    number_of = {future.key: number for number, future in enumerate(futures)}
    runs: list[sweep.SweepRun | None] = [None] * len(futures)
    try:
        # This client's loop: the client is not the process's default one.
        for future in as_completed(futures, loop=client.loop):
            number = number_of[future.key]
            finished = sweep.SweepRun(dict(tried[number]), future.result())
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
) -> TrainingRun:
    """One training as a task on the cluster (the app's, with a scheduler).

    Args:
        client: a connected client.
        typed, config, corrections: as for
            :func:`core.pipeline.train_from_frame`.
        on_wait: called with the seconds waited, about twice a second, until
            the run is back; whatever it raises (a stopped page) cancels the
            task.

    Raises:
        What :func:`core.pipeline.train_from_frame` raises.
    """
    future = client.submit(_train, typed, config, corrections, pure=False)
    started = time.monotonic()
    try:
        while True:
            try:
                return future.result(timeout=WAIT_POLL_SECONDS)
            except TimeoutError:
                if on_wait is not None:
                    on_wait(time.monotonic() - started)
    finally:
        if not future.done():
            future.cancel()
