"""Trainings on a real Dask cluster (issue 28): epochs as they end, stopping,
and a random search that gives what the same runs give here.

The scheduler and its 2 workers are separate processes (``dask scheduler``,
``dask worker``: tests/conftest.py's ``scheduler_address``); the data are
rows built here; the trainings are real Keras trainings of tiny networks.
"""

from __future__ import annotations

import time

import pandas as pd
import pytest

from core import cluster_training, sweep
from tests.conftest import tiny_config


class Stopped(BaseException):
    """What Streamlit raises in a page's thread when the visitor clicks Stop
    (a ``BaseException``, as its ``StopException`` and ``RerunException``)."""


@pytest.fixture(scope="module")
def client(scheduler_address):
    from distributed import Client

    with Client(scheduler_address, set_as_default=False) as connected:
        connected.wait_for_workers(2, timeout=120)
        yield connected


def trainings_on(client) -> dict[str, str]:
    """The training tasks the scheduler knows, and their states."""

    def training_states(dask_scheduler) -> dict[str, str]:
        return {
            str(key): task.state
            for key, task in dask_scheduler.tasks.items()
            if str(key).startswith("_train-")
        }

    return client.run_on_scheduler(training_states)


def settled_trainings(client, before: dict[str, str]) -> dict[str, str]:
    """The trainings started since ``before``, once none is waiting or
    running any more (cancels are sent without an answer; at most 2 minutes).

    A cancelled training is forgotten at once; one that was not goes on to
    its end and, while the test holds its exception (whose frames hold the
    futures), stays in memory.
    """
    deadline = time.monotonic() + 120
    while True:
        new = {k: v for k, v in trainings_on(client).items() if k not in before}
        if all(state == "memory" for state in new.values()):
            return new
        if time.monotonic() > deadline:
            return new
        time.sleep(0.2)


def test_a_training_on_the_cluster_reports_each_epoch_as_it_ends(
    client, separable_typed
):
    config = tiny_config(epochs=4, ensemble_size=2, validation_fraction=0.2)
    reported = []
    run = cluster_training.train(
        client, separable_typed, config, on_epoch=reported.append
    )
    # Every epoch of both networks, with the figures the run recorded.
    assert sorted(reported, key=lambda log: (log.member, log.epoch)) == [
        log for member in run.history for log in member
    ]
    assert {(log.member, log.epoch) for log in reported} == {
        (member, epoch) for member in (0, 1) for epoch in (1, 2, 3, 4)
    }
    assert all(log.val_accuracy is not None for log in reported)


def test_stopping_a_training_on_the_cluster_cancels_its_task(client, separable_typed):
    seen = []

    def stop_at_the_first_epoch(log) -> None:
        seen.append(log.epoch)
        raise Stopped

    before = trainings_on(client)
    with pytest.raises(Stopped) as stopped:
        cluster_training.train(
            client,
            separable_typed,
            # Long enough to be stopped mid-way (epochs arrive every half
            # second at most).
            tiny_config(epochs=400),
            on_epoch=stop_at_the_first_epoch,
        )
    assert seen == [1]
    # Gone, though the exception (held here) still holds its future.
    assert settled_trainings(client, before) == {}
    assert stopped.value is not None


def search_plan():
    """A random search of 3 runs over 2 settings (as the Train page's)."""
    base = tiny_config(epochs=3, validation_fraction=0.2, seed=11)
    return sweep.search_configs(
        base,
        {"learning_rate": ["0.005", "0.02", "0.05"], "dropout": ["0", "0.3"]},
        runs=3,
        seed=5,
    )


def test_stopping_a_sweep_on_the_cluster_cancels_the_runs_not_done(
    client, separable_typed
):
    configs, tried = search_plan()
    kept: list[sweep.SweepRun] = []

    def keep_then_stop(number: int, count: int, run: sweep.SweepRun) -> None:
        # As the page keeps each finished run before a Stop can reach it.
        kept.append(run)
        raise Stopped

    before = trainings_on(client)
    with pytest.raises(Stopped) as stopped:
        cluster_training.run_configs(
            client, separable_typed, configs, tried, on_run_end=keep_then_stop
        )
    assert len(kept) == 1
    assert kept[0].values in tried
    # Only the finished run is left (held by the exception); the two others
    # were cancelled, running or not yet started.
    assert list(settled_trainings(client, before).values()) == ["memory"]
    assert stopped.value is not None


def test_a_random_search_on_the_cluster_equals_the_same_runs_here(
    client, separable_typed
):
    configs, tried = search_plan()
    assert len({tuple(sorted(values.items())) for values in tried}) == 3
    here = sweep.run_configs(separable_typed, configs, tried)
    # The command line's way (all runs at once) and the app's (one by one,
    # with each epoch reported).
    at_once = cluster_training.run_configs(client, separable_typed, configs, tried)
    one_by_one = [
        sweep.SweepRun(
            values,
            cluster_training.train(
                client, separable_typed, config, on_epoch=lambda log: None
            ),
        )
        for config, values in zip(configs, tried, strict=True)
    ]
    timing = ["training seconds"]
    expected = sweep.results_table(here).drop(columns=timing)
    for runs in (at_once, one_by_one):
        pd.testing.assert_frame_equal(
            sweep.results_table(runs).drop(columns=timing), expected
        )
        for mine, theirs in zip(here, runs, strict=True):
            assert mine.run.metrics["history"] == theirs.run.metrics["history"]
            for ours, cluster in zip(
                mine.run.bundle.network.weights(),
                theirs.run.bundle.network.weights(),
                strict=True,
            ):
                assert (ours == cluster).all()
