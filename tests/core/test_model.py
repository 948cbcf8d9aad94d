"""core.model: the network's shape and training behaviour on tiny synthetic problems."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from core import config, forward
from core import model as network
from tests.conftest import tiny_config


def separable_problem(rows_per_genre: int = 20, seed: int = 0):
    """Ten noisy clusters in 12 dimensions: genre g lights up input g."""
    generator = np.random.default_rng(seed)
    labels = np.repeat(np.arange(10), rows_per_genre)
    features = generator.normal(0, 0.3, (len(labels), 12))
    features[np.arange(len(labels)), labels] += 2.0
    order = generator.permutation(len(labels))
    return features[order].astype(np.float32), labels[order]


def as_numpy(model) -> forward.Network:
    """The model as every page and command runs it: its .keras file read into NumPy."""
    return forward.read_model_file(network.model_file_bytes(model))


def accuracy(model, features, labels) -> float:
    predicted = as_numpy(model).probabilities(features).argmax(axis=1)
    return float((predicted == labels).mean())


def weights_of(model) -> list[np.ndarray]:
    return [np.asarray(w) for w in model.get_weights()]


# --- shape ------------------------------------------------------------------------


def test_the_study_network_is_35_35_10_sigmoid():
    model = network.build_model(config.STUDY, 35)
    assert model.input_shape == (None, 35)
    assert model.output_shape == (None, 10)
    dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
    assert [layer.units for layer in dense] == [35, 10]
    assert [layer.activation.__name__ for layer in dense] == ["sigmoid", "sigmoid"]
    assert model.count_params() == (35 * 35 + 35) + (35 * 10 + 10)


def test_a_softmax_config_with_dropout_builds_its_layers():
    chosen = tiny_config(hidden_layers=(32, 8), dropout=0.25, activation="tanh")
    model = network.build_model(chosen, 24)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Dense", "Dropout", "Dense", "Dropout", "Dense"]
    assert model.layers[0].units == 32 and model.layers[2].units == 8
    assert model.layers[0].activation.__name__ == "tanh"
    assert model.layers[1].rate == 0.25
    assert model.layers[-1].activation.__name__ == "softmax"
    assert model.input_shape == (None, 24)
    assert model.output_shape == (None, 10)


# --- training -------------------------------------------------------------------------


def test_training_learns_a_separable_problem_and_reports_every_epoch():
    features, labels = separable_problem()
    logs = []
    trained = network.train_network(
        tiny_config(epochs=6), features, labels, on_epoch=logs.append
    )
    assert accuracy(trained.model, features, labels) > 0.8  # chance is 0.1
    assert [log.epoch for log in logs] == [1, 2, 3, 4, 5, 6]
    assert all(log.epochs == 6 and log.member == 0 for log in logs)
    assert logs[-1].loss < logs[0].loss
    assert logs[0].val_loss is None  # no validation share configured
    assert len(trained.history) == 1 and trained.history[0] == logs
    assert trained.best_epochs == [6]


def test_the_study_network_also_learns_it():
    features, labels = separable_problem()
    study = dataclasses.replace(config.STUDY, epochs=40)
    trained = network.train_network(study, features, labels)
    assert accuracy(trained.model, features, labels) > 0.5


def test_validation_metrics_are_reported_when_a_share_is_set():
    features, labels = separable_problem()
    logs = []
    network.train_network(
        tiny_config(epochs=2, validation_fraction=0.2), features, labels, logs.append
    )
    assert all(0.0 <= log.val_accuracy <= 1.0 for log in logs)
    assert all(log.val_loss > 0 for log in logs)


def test_same_seed_same_weights_and_history_different_seed_different_weights():
    features, labels = separable_problem()
    chosen = tiny_config(epochs=2)
    first = network.train_network(chosen, features, labels)
    again = network.train_network(chosen, features, labels)
    other = network.train_network(dataclasses.replace(chosen, seed=7), features, labels)
    assert first.history == again.history
    for mine, theirs in zip(
        weights_of(first.model), weights_of(again.model), strict=True
    ):
        np.testing.assert_array_equal(mine, theirs)
    assert not np.array_equal(weights_of(first.model)[0], weights_of(other.model)[0])


def early_stopping_problem(**changes):
    """Features, random labels and a configuration that stops after 2 worse epochs.

    Random labels: the validation loss cannot keep improving for long.
    """
    generator = np.random.default_rng(1)
    features = generator.normal(0, 1, (200, 12)).astype(np.float32)
    labels = generator.integers(0, 10, 200)
    chosen = tiny_config(
        epochs=60,
        hidden_layers=(64,),
        learning_rate=0.05,
        early_stopping_patience=2,
        validation_fraction=0.25,
        stratify=False,
        **changes,
    )
    return features, labels, chosen


def test_early_stopping_stops_early_and_restores_the_best_epoch():
    features, labels, chosen = early_stopping_problem()
    trained = network.train_network(chosen, features, labels)
    history = trained.history[0]
    assert len(history) < 60
    validation_losses = [log.val_loss for log in history]
    best_epoch = int(np.argmin(validation_losses)) + 1
    assert trained.best_epochs == [best_epoch]
    assert len(history) == best_epoch + 2  # stopped after `patience` worse epochs
    # The kept weights are the best epoch's: their validation loss is the minimum.
    _, _, x_val, y_val = network._validation_split(chosen, features, labels)
    restored = trained.model(x_val, training=False)
    loss = network.keras.losses.SparseCategoricalCrossentropy()(y_val, restored)
    assert float(loss) == pytest.approx(min(validation_losses), rel=1e-4)


def test_an_ensemble_of_two_is_one_model_averaging_two_networks():
    features, labels = separable_problem()
    logs = []
    trained = network.train_network(
        tiny_config(epochs=2, ensemble_size=2), features, labels, logs.append
    )
    # Both members train together: each epoch reports one log per member.
    assert [(log.member, log.epoch) for log in logs] == [(0, 1), (1, 1), (0, 2), (1, 2)]
    assert all(log.members == 2 for log in logs)
    assert len(trained.history) == 2 and len(trained.best_epochs) == 2
    model = trained.model
    assert model.input_shape == (None, 12) and model.output_shape == (None, 10)
    members = [layer for layer in model.layers if hasattr(layer, "layers")]
    assert len(members) == 2
    mean = np.mean([np.asarray(m(features)) for m in members], axis=0)
    np.testing.assert_allclose(np.asarray(model(features)), mean, rtol=1e-5, atol=1e-6)
    # The two members started from different seeds.
    assert not np.array_equal(members[0].get_weights()[0], members[1].get_weights()[0])


def test_a_hook_that_raises_stops_training():
    features, labels = separable_problem()

    def stop(log):
        if log.epoch == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        network.train_network(tiny_config(epochs=5), features, labels, stop)


def test_training_on_fewer_rows_than_a_batch_works():
    features, labels = separable_problem(rows_per_genre=1)
    trained = network.train_network(
        tiny_config(epochs=1, batch_size=64), features, labels
    )
    assert len(trained.history[0]) == 1


# --- prediction -------------------------------------------------------------------


def test_probabilities_sum_to_one_even_for_a_sigmoid_output():
    features, _ = separable_problem()
    model = network.build_model(config.STUDY, 12)
    probabilities = as_numpy(model).probabilities(features)
    assert probabilities.shape == (200, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)
    assert (probabilities >= 0).all()


def test_probabilities_of_no_rows():
    model = network.build_model(config.STUDY, 12)
    empty = as_numpy(model).probabilities(np.zeros((0, 12), np.float32))
    assert empty.shape == (0, 10)


def test_the_validation_share_is_stratified_when_some_genres_are_absent():
    # Three genres of twenty rows (genres 2, 5 and 7; the others absent).
    labels = np.repeat([2, 5, 7], 20)
    features = np.random.default_rng(0).normal(size=(60, 4)).astype(np.float32)
    chosen = tiny_config(validation_fraction=0.25, stratify=True)
    _, y_train, _, y_val = network._validation_split(chosen, features, labels)
    assert np.unique(y_val, return_counts=True)[1].tolist() == [5, 5, 5]
    assert len(y_train) == 45


def test_a_cosine_schedule_falls_from_the_rate_to_zero_over_the_training():
    chosen = tiny_config(learning_rate=0.01, learning_rate_schedule="cosine")
    optimizer = network._optimizer(chosen, total_steps=100)
    rates = []
    for step in (0, 50, 100):
        optimizer.iterations.assign(step)
        rates.append(float(optimizer.learning_rate))
    assert rates == pytest.approx([0.01, 0.005, 0.0], abs=1e-6)
    constant = network._optimizer(tiny_config(learning_rate=0.01), total_steps=100)
    constant.iterations.assign(100)
    assert float(constant.learning_rate) == pytest.approx(0.01)


def test_training_with_a_cosine_schedule_learns():
    features, labels = separable_problem()
    trained = network.train_network(
        tiny_config(epochs=6, learning_rate_schedule="cosine"), features, labels
    )
    assert accuracy(trained.model, features, labels) > 0.8


def test_each_ensemble_member_is_the_network_its_seed_trains_alone():
    # The members train together, yet one optimizer over all their weights
    # updates each from its own loss and batches only: member k is the
    # network that seed + k gives when trained alone (dropout included).
    features, labels = separable_problem()
    chosen = tiny_config(epochs=3, dropout=0.2)
    together = network.train_network(
        dataclasses.replace(chosen, ensemble_size=2), features, labels
    )
    for member in (0, 1):
        alone = network.train_network(
            dataclasses.replace(chosen, seed=chosen.seed + member), features, labels
        )
        inside = together.model.get_layer(f"member_{member}")
        for mine, theirs in zip(
            weights_of(alone.model), weights_of(inside), strict=True
        ):
            np.testing.assert_allclose(mine, theirs, rtol=1e-4, atol=1e-5)
        assert [(log.loss, log.accuracy) for log in together.history[member]] == [
            pytest.approx((log.loss, log.accuracy), rel=1e-5)
            for log in alone.history[0]
        ]


def test_ensemble_early_stopping_keeps_each_members_best_epoch():
    features, labels, chosen = early_stopping_problem(ensemble_size=2)
    trained = network.train_network(chosen, features, labels)
    lengths = {len(history) for history in trained.history}
    assert len(lengths) == 1 and lengths.pop() < 60
    for history, best_epoch in zip(trained.history, trained.best_epochs, strict=True):
        losses = [log.val_loss for log in history]
        assert best_epoch == int(np.argmin(losses)) + 1
    # Training ran until the member that improved last had waited 2 epochs.
    assert len(trained.history[0]) == max(trained.best_epochs) + 2
