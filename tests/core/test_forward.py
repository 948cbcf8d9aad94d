"""core.forward: the NumPy network gives Keras' probabilities.

And refuses what it cannot run.
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
import pytest

from core import bundle as bundles
from core import config, forward, pipeline
from core import model as network
from core.errors import BundleError
from tests.conftest import tensorflow_imported_by, tiny_config

TOLERANCE = 1e-5


def keras_probabilities(
    model_file: bytes, features: np.ndarray, tmp_path
) -> np.ndarray:
    """What Keras itself predicts from the same .keras file (rows summing to 1)."""
    path = tmp_path / "model.keras"
    path.write_bytes(model_file)
    raw = np.asarray(network.load_model(path).predict_on_batch(features), np.float64)
    return raw / raw.sum(axis=1, keepdims=True)


def inputs_for(bundle, typed, extra_rows: int = 200, seed: int = 0) -> np.ndarray:
    """Real prepared rows plus random ones far from them.

    To reach every unit's range.
    """
    usable, _ = bundle.preprocessor.usable_rows(typed)
    prepared = bundle.preprocessor.transform(typed[usable])
    noise = np.random.default_rng(seed).normal(0, 2, (extra_rows, prepared.shape[1]))
    return np.vstack([prepared, noise]).astype(np.float32)


def test_the_shipped_model_matches_keras(separable_typed, tmp_path):
    shipped = bundles.load_bundle(bundles.DEFAULT_MODEL_DIR)
    features = inputs_for(shipped, separable_typed)
    expected = keras_probabilities(shipped.model_file, features, tmp_path)
    np.testing.assert_allclose(
        shipped.network.probabilities(features), expected, atol=TOLERANCE
    )
    assert len(shipped.network.members) == shipped.config.ensemble_size


@pytest.mark.parametrize("preset", sorted(config.PRESETS))
def test_a_bundle_of_every_preset_matches_keras(preset, separable_typed, tmp_path):
    settings = dataclasses.replace(
        config.PRESETS[preset], epochs=2, ensemble_size=1 if preset == "study" else 2
    )
    run = pipeline.train_from_frame(separable_typed, settings)
    features = inputs_for(run.bundle, separable_typed)
    np.testing.assert_allclose(
        run.bundle.network.probabilities(features),
        keras_probabilities(run.bundle.model_file, features, tmp_path),
        atol=TOLERANCE,
    )


def test_an_ensemble_of_three_matches_keras_and_averages_its_members(
    separable_typed, tmp_path
):
    run = pipeline.train_from_frame(
        separable_typed, tiny_config(ensemble_size=3, epochs=3, hidden_layers=(8, 6))
    )
    predictor = run.bundle.network
    features = inputs_for(run.bundle, separable_typed)
    np.testing.assert_allclose(
        predictor.probabilities(features),
        keras_probabilities(run.bundle.model_file, features, tmp_path),
        atol=TOLERANCE,
    )
    members = [
        forward.Network((layers,)).outputs(features) for layers in predictor.members
    ]
    np.testing.assert_allclose(
        predictor.outputs(features), np.mean(members, axis=0), atol=1e-6
    )
    assert predictor.last_hidden(features).shape == (len(features), 3 * 6)


def model_with(activation: str, inputs: int = 7, dropout: float = 0.2):
    model = keras.Sequential(
        [
            keras.Input(shape=(inputs,)),
            keras.layers.Dense(9, activation=activation),
            keras.layers.Dropout(dropout),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    for weight in model.weights:
        weight.assign(np.random.default_rng(1).normal(0, 1, weight.shape))
    return model


@pytest.mark.parametrize("activation", sorted(forward.ACTIVATIONS))
def test_every_accepted_activation_matches_keras(activation, tmp_path):
    model = model_with(activation)
    features = np.random.default_rng(2).normal(0, 3, (500, 7)).astype(np.float32)
    content = network.model_file_bytes(model)
    np.testing.assert_allclose(
        forward.read_model_file(content).probabilities(features),
        keras_probabilities(content, features, tmp_path),
        atol=TOLERANCE,
    )


@pytest.mark.parametrize("activation", ["selu", "silu", "softplus"])
def test_an_activation_it_cannot_run_is_refused_by_name(activation):
    content = network.model_file_bytes(model_with(activation))
    with pytest.raises(BundleError, match=f"activation '{activation}'.*refused"):
        forward.read_model_file(content)


def test_a_layer_it_cannot_run_is_refused_by_name():
    model = keras.Sequential(
        [
            keras.Input(shape=(4,)),
            keras.layers.Dense(5),
            keras.layers.BatchNormalization(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    with pytest.raises(BundleError, match="BatchNormalization.*refused for safety"):
        forward.read_model_file(network.model_file_bytes(model))


def test_a_network_whose_members_read_a_layer_other_than_the_inputs_is_refused():
    inputs = keras.Input(shape=(4,))
    first = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(4)])
    second = keras.Sequential(
        [keras.Input(shape=(4,)), keras.layers.Dense(10, activation="softmax")]
    )
    chained = second(first(inputs))
    model = keras.Model(inputs, keras.layers.Average()([chained, chained]))
    with pytest.raises(BundleError, match="refused for safety"):
        forward.read_model_file(network.model_file_bytes(model))


def test_damaged_weights_are_a_bundle_error():
    import io
    import zipfile

    content = network.model_file_bytes(model_with("relu"))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    files[forward.WEIGHTS_ENTRY] = b"not an hdf5 file"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, value in files.items():
            archive.writestr(name, value)
    with pytest.raises(BundleError, match="damaged"):
        forward.read_model_file(buffer.getvalue())


def test_many_rows_are_predicted_in_blocks_with_the_same_result():
    model = model_with("gelu")
    predictor = forward.read_model_file(network.model_file_bytes(model))
    features = np.random.default_rng(5).normal(0, 1, (forward.BLOCK_ROWS + 17, 7))
    whole = predictor.probabilities(features)
    np.testing.assert_allclose(
        whole[-17:], predictor.probabilities(features[-17:]), atol=1e-7
    )
    assert predictor.probabilities(np.zeros((0, 7))).shape == (0, 10)


def test_predicting_with_the_shipped_model_never_imports_tensorflow():
    script = (
        "from core import bundle, predict, tables\n"
        "loaded = bundle.load_bundle(bundle.DEFAULT_MODEL_DIR)\n"
        "row = tables.track_rows([{'popularity': 50, 'acousticness': 0.1,"
        " 'danceability': 0.7, 'duration_ms': 200000, 'energy': 0.8,"
        " 'instrumentalness': 0.0, 'liveness': 0.1, 'loudness': -5,"
        " 'speechiness': 0.3, 'tempo': 95, 'valence': 0.5, 'key': 'C#',"
        " 'mode': 'Major'}])\n"
        "result = predict.predict_frame(loaded, row)\n"
        "assert result['reason'].iloc[0] == '', result\n"
    )
    assert tensorflow_imported_by(script) == "False False"


def test_erf_is_accurate_to_float32_precision():
    from scipy.special import erf as exact

    grid = np.linspace(-8, 8, 400_001, dtype=np.float32)
    error = np.abs(
        forward.erf_in_place(np.clip(grid, -4.0, 4.0)).astype(np.float64)
        - exact(grid.astype(np.float64))
    )
    assert error.max() < 6e-7
    assert forward.erf_in_place(np.float32([0.0]))[0] == 0.0
