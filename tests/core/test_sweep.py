"""core.sweep.

Values read and refused plainly, runs scored on validation tracks only, a reading.
"""

from __future__ import annotations

import numpy as np
import pytest

from core import features, sweep, tables, wording
from core.errors import ConfigError
from core.genres import REFERENCE
from tests.conftest import tiny_config


@pytest.fixture(scope="module")
def base():
    return tiny_config(epochs=2, group_tracks=True)


@pytest.fixture(scope="module")
def three_runs(separable_typed, base):
    started, finished = [], []
    runs = sweep.sweep(
        separable_typed,
        base,
        "learning_rate",
        ["0.001", "0.01", "0.05"],
        on_run_start=lambda number, count, tried: started.append(
            (number, count, tried)
        ),
        on_run_end=finished.append,
    )
    return runs, started, finished


def test_a_sweep_trains_one_scored_run_per_value_in_order(three_runs):
    runs, started, finished = three_runs
    assert [run.values["learning_rate"] for run in runs] == [0.001, 0.01, 0.05]
    assert [run.run.bundle.config.learning_rate for run in runs] == [0.001, 0.01, 0.05]
    assert [number for number, _, _ in started] == [0, 1, 2]
    assert finished == runs
    for run in runs:
        assert run.run.bundle.config.validation_fraction == sweep.SWEEP_VALIDATION_SHARE
        assert 0 <= run.validation["accuracy"] <= 1
    table = sweep.results_table(runs)
    assert list(table.columns[:2]) == ["learning_rate", "validation accuracy"]
    assert table["epochs run"].tolist() == [2, 2, 2]
    assert sweep.best(runs) is max(runs, key=lambda run: run.validation["accuracy"])


def test_validation_tracks_never_overlap_the_test_tracks(separable_typed, three_runs):
    runs, _, _ = three_runs
    config = runs[0].run.bundle.config
    cleaned, _ = features.clean(
        separable_typed, config.unknowns, tables.label_codes(separable_typed, REFERENCE)
    )
    labels = features.label_codes(cleaned, REFERENCE)
    groups = features.track_groups(cleaned)
    train, test = features.split_positions(
        labels, groups, config.test_size, config.seed, config.stratify
    )
    _, held = features.split_positions(
        labels[train],
        groups[train],
        config.validation_fraction,
        config.seed,
        config.stratify,
    )
    validation_tracks = set(groups[train][held])
    assert validation_tracks and validation_tracks.isdisjoint(set(groups[test]))
    assert runs[0].validation["n_rows"] == len(held)


def test_the_reading_says_where_the_best_value_lies(three_runs):
    runs, _, _ = three_runs
    sentence = wording.sweep_reading("learning_rate", runs)
    winner = sweep.best(runs).values["learning_rate"]
    assert str(winner) in sentence and sentence.endswith(".")
    assert wording.sweep_reading("learning_rate", []) == "No run has finished yet."


@pytest.mark.parametrize(
    ("setting", "values", "message"),
    [
        (
            "colour",
            ["1", "2"],
            "not a setting that can be swept; choose one of hidden_layers",
        ),
        ("dropout", ["0.1"], "2 to 8 values"),
        ("dropout", ["0.1", "0.95"], "Dropout must be at least 0 and below 0.9"),
        (
            "learning_rate",
            ["0.01", "fast"],
            "Learning rate must be a number, not 'fast'",
        ),
        ("epochs", ["2", "2.5"], "Epochs must be a whole number, not '2.5'"),
        (
            "activation",
            ["relu", "swish"],
            "must be one of sigmoid, relu, tanh, elu, gelu",
        ),
        ("layers", ["1", "9"], "from 1 to 8, not '9'"),
        ("dropout", ["0.1", "0.10"], "given twice"),
    ],
)
def test_bad_settings_and_values_are_refused_plainly(setting, values, message, base):
    with pytest.raises(ConfigError, match=message) as raised:
        sweep.sweep_plan(base, setting, values)
    assert str(raised.value).endswith(".")


def test_layers_repeat_the_first_width(base):
    configs, tried = sweep.sweep_plan(base, "layers", ["1", "3"])
    assert [config.hidden_layers for config in configs] == [(16,), (16, 16, 16)]
    assert tried == [{"layers": 1}, {"layers": 3}]


def test_a_search_draws_distinct_combinations_of_the_ranges(base):
    configs, tried = sweep.search_configs(
        base,
        {"dropout": ["0", "0.2"], "learning_rate": ["0.01", "0.02", "0.05"]},
        runs=4,
        seed=1,
    )
    assert len(configs) == 4
    pairs = [(t["dropout"], t["learning_rate"]) for t in tried]
    assert len(set(pairs)) == 4
    for config, values in zip(configs, tried, strict=True):
        assert (config.dropout, config.learning_rate) == (
            values["dropout"],
            values["learning_rate"],
        )
    all_of_them, _ = sweep.search_configs(
        base, {"dropout": ["0", "0.2"], "learning_rate": ["0.01"]}, runs=10
    )
    assert len(all_of_them) == 2  # no more runs than combinations
    with pytest.raises(ConfigError, match="2 to 4 settings"):
        sweep.search_configs(base, {"dropout": ["0", "0.2"]}, runs=3)


def test_a_stop_keeps_the_finished_runs(separable_typed, base):
    kept = []

    class Stop(Exception):
        pass

    def stop_in_the_second_run(log):
        if len(kept) == 1:
            raise Stop

    with pytest.raises(Stop):
        sweep.sweep(
            separable_typed,
            base,
            "dropout",
            ["0", "0.2", "0.4"],
            on_epoch=stop_in_the_second_run,
            on_run_end=kept.append,
        )
    assert [run.values["dropout"] for run in kept] == [0.0]
    assert np.isfinite(kept[0].validation["accuracy"])


def fake_run(value, accuracy):
    """A finished run with a flat validation curve (what reading() reads)."""
    from types import SimpleNamespace

    history = [[{"val_accuracy": accuracy}] * 3]
    metrics = {"validation": {"accuracy": accuracy}, "history": history}
    return sweep.SweepRun({"dropout": value}, SimpleNamespace(metrics=metrics))


@pytest.mark.parametrize(
    ("accuracies", "words"),
    [
        ((0.58, 0.61, 0.55), "helped up to 0.3 (61.0%), then hurt"),
        ((0.58, 0.61, 0.609), "helped up to 0.3 (61.0%), then levelled off"),
        ((0.55, 0.58, 0.61), "More was better"),
        ((0.61, 0.58, 0.55), "Less was better"),
        ((0.600, 0.602, 0.601), "made little difference"),
    ],
)
def test_the_reading_of_a_sweep(accuracies, words):
    runs = [
        fake_run(value, accuracy)
        for value, accuracy in zip((0.0, 0.3, 0.5), accuracies, strict=True)
    ]
    assert words in wording.sweep_reading("dropout", runs)
