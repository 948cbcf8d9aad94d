"""Trainings on a real Dask cluster (issue 28): epochs as they end.

The scheduler and its 2 workers are separate processes (``dask scheduler``,
``dask worker``: tests/conftest.py's ``scheduler_address``); the data are
rows built here; the trainings are real Keras trainings of tiny networks.
"""

from __future__ import annotations

import pytest

from core import cluster_training
from tests.conftest import tiny_config


@pytest.fixture(scope="module")
def client(scheduler_address):
    from distributed import Client

    with Client(scheduler_address, set_as_default=False) as connected:
        connected.wait_for_workers(2, timeout=120)
        yield connected


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
