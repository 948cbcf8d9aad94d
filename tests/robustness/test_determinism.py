"""Same seed, same machine: the same numbers, in this thread or a new one.

Streamlit runs every script run in a new thread and Keras keeps its random
state per thread, so a model trained on the Train page must not depend on
which thread trained it.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from core import pipeline
from tests.conftest import tiny_config

# Timing varies from run to run; everything else must not.
TIMING_KEYS = ("train_seconds",)


def comparable(metrics: dict) -> dict:
    return {key: value for key, value in metrics.items() if key not in TIMING_KEYS}


def train(typed, config):
    run = pipeline.train_from_frame(typed, config)
    return comparable(run.metrics), [w.copy() for w in run.bundle.network.weights()]


def train_in_a_thread(typed, config):
    result: dict = {}

    def target() -> None:
        try:
            result["value"] = train(typed, config)
        except BaseException as error:  # re-raised in the test's thread
            result["error"] = error

    worker = threading.Thread(target=target, name="like-a-streamlit-script-run")
    worker.start()
    worker.join(timeout=300)
    assert not worker.is_alive(), "training in a thread did not finish"
    if "error" in result:
        raise result["error"]
    return result["value"]


def assert_same(first, second) -> None:
    first_metrics, first_weights = first
    second_metrics, second_weights = second
    assert first_metrics == second_metrics
    assert len(first_weights) == len(second_weights)
    for one, other in zip(first_weights, second_weights, strict=True):
        np.testing.assert_array_equal(one, other)


@pytest.mark.parametrize(
    "changes",
    [
        {"epochs": 2, "unknowns": "drop"},
        {"epochs": 2, "unknowns": "impute", "dropout": 0.2, "validation_fraction": 0.2},
        {"epochs": 1, "ensemble_size": 2},
    ],
    ids=["drop", "impute-dropout-validation", "ensemble"],
)
def test_same_seed_gives_identical_metrics_in_process_and_in_a_new_thread(
    separable_typed, changes
):
    config = tiny_config(**changes)
    first = train(separable_typed, config)
    assert_same(first, train(separable_typed, config))
    assert_same(first, train_in_a_thread(separable_typed, config))


def test_a_thread_that_trained_with_another_seed_does_not_leak_into_the_next(
    separable_typed,
):
    config = tiny_config(epochs=2)
    first = train(separable_typed, config)
    train_in_a_thread(separable_typed, tiny_config(epochs=2, seed=7))
    assert_same(first, train_in_a_thread(separable_typed, config))


def test_another_seed_gives_other_weights(separable_typed):
    _, weights = train(separable_typed, tiny_config(epochs=1))
    _, other = train(separable_typed, tiny_config(epochs=1, seed=43))
    assert any(not np.array_equal(a, b) for a, b in zip(weights, other, strict=True))
