"""core.config: the frozen training configuration, its checks and presets."""

from __future__ import annotations

import dataclasses
import json

import pytest

from core import config
from core.config import TrainingConfig
from core.errors import ConfigError, GenreLabError


def test_the_study_preset_is_the_studys_method():
    study = config.STUDY
    assert study.unknowns == "drop"
    assert study.key_encoding == "scale"
    assert study.scaling == "study_minmax"
    assert (study.test_size, study.seed, study.stratify) == (0.2, 42, False)
    assert study.hidden_layers == (35,)
    assert (study.activation, study.output_activation) == ("sigmoid", "sigmoid")
    assert (study.optimizer, study.learning_rate) == ("adam", 0.001)
    assert (study.batch_size, study.epochs) == (16, 15)
    assert study.dropout == 0.0
    assert study.early_stopping_patience == 0
    assert study.validation_fraction == 0.0
    assert study.ensemble_size == 1


def test_presets_are_named_and_labelled():
    assert config.PRESETS == {"study": config.STUDY, "recommended": config.RECOMMENDED}
    assert set(config.PRESET_LABELS) == set(config.PRESETS)
    assert config.RECOMMENDED.output_activation == "softmax"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"unknowns": "guess"}, "unknowns must be one of drop, impute, not 'guess'"),
        ({"impute_strategy": "mode"}, "impute_strategy must be one of median, mean"),
        ({"key_encoding": "circle"}, "key_encoding must be one of scale, key_mode"),
        ({"scaling": "log"}, "scaling must be one of study_minmax, standard"),
        ({"activation": "swish"}, "activation must be one of sigmoid, relu"),
        ({"output_activation": "relu"}, "output_activation must be one of sigmoid"),
        ({"optimizer": "lbfgs"}, "optimizer must be one of adam, sgd"),
        ({"test_size": 0.0}, "test share must be between 0.05 and 0.5, not 0.0"),
        ({"test_size": 0.6}, "test share must be between 0.05 and 0.5, not 0.6"),
        ({"hidden_layers": (0,)}, "Hidden layers must be at most 8 whole numbers"),
        ({"hidden_layers": (5000,)}, "between 1 and 4096, not \\(5000,\\)"),
        ({"hidden_layers": (8,) * 9}, "Hidden layers must be at most 8"),
        ({"hidden_layers": (8.5,)}, "Hidden layers must be at most 8 whole numbers"),
        ({"dropout": -0.1}, "Dropout must be at least 0 and below 0.9, not -0.1"),
        ({"dropout": 0.9}, "Dropout must be at least 0 and below 0.9"),
        ({"learning_rate": 0.0}, "learning rate must be above 0 and at most 1"),
        (
            {"learning_rate": 2.0},
            "learning rate must be above 0 and at most 1, not 2.0",
        ),
        ({"batch_size": 0}, "batch size must be a whole number from 1 to 65536, not 0"),
        ({"epochs": 0}, "Epochs must be a whole number from 1 to 1000, not 0"),
        ({"epochs": 1001}, "Epochs must be a whole number from 1 to 1000, not 1001"),
        (
            {"early_stopping_patience": -1},
            "patience must be a whole number from 0 to 1000, not -1",
        ),
        (
            {"early_stopping_patience": 1001},
            "patience must be a whole number from 0 to 1000",
        ),
        ({"validation_fraction": 0.7}, "validation share must be between 0 and 0.5"),
        (
            {"early_stopping_patience": 3},
            "Early stopping watches the validation loss",
        ),
        (
            {"ensemble_size": 0},
            "ensemble size must be a whole number from 1 to 10, not 0",
        ),
        (
            {"ensemble_size": 11},
            "ensemble size must be a whole number from 1 to 10, not 11",
        ),
        (
            {"numeric_bins": 1},
            "Bins per numeric feature must be 0 \\(off\\) or a whole",
        ),
        ({"numeric_bins": 65}, "number from 2 to 64, not 65"),
        ({"numeric_bins": -2}, "Bins per numeric feature must be 0"),
        ({"numeric_bins": 2.5}, "Bins per numeric feature must be 0"),
        (
            {"learning_rate_schedule": "step"},
            "learning_rate_schedule must be one of constant, cosine, not 'step'",
        ),
        ({"seed": -1}, "seed must be a whole number from 0 to 2147483647, not -1"),
        ({"seed": 2**31}, "seed must be a whole number"),
        ({"seed": 1.5}, "seed must be a whole number"),
    ],
)
def test_bad_values_raise_config_error_with_a_plain_message(changes, message):
    with pytest.raises(ConfigError, match=message) as caught:
        TrainingConfig(**changes)
    # The message is one sentence a user can read: no newline, ends with a period.
    text = str(caught.value)
    assert "\n" not in text
    assert text.endswith(".")
    assert isinstance(caught.value, GenreLabError)
    assert isinstance(caught.value, ValueError)


def test_replace_derives_a_checked_variant_and_leaves_the_preset_alone():
    variant = dataclasses.replace(config.STUDY, epochs=3, learning_rate=0.01)
    assert (variant.epochs, variant.learning_rate) == (3, 0.01)
    assert config.STUDY.epochs == 15
    with pytest.raises(ConfigError, match="Epochs must be a whole number"):
        dataclasses.replace(config.STUDY, epochs=0)


def test_early_stopping_with_a_validation_share_is_valid():
    valid = TrainingConfig(early_stopping_patience=3, validation_fraction=0.1)
    assert valid.early_stopping_patience == 3


def test_a_config_is_frozen_and_hashable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.STUDY.epochs = 3  # type: ignore[misc]
    same = TrainingConfig()
    assert hash(same) == hash(config.STUDY)
    assert {same: "x"}[config.STUDY] == "x"
    assert hash(dataclasses.replace(same, seed=1)) != hash(same)


@pytest.mark.parametrize("preset", sorted(config.PRESETS))
def test_to_dict_from_dict_round_trip_through_json(preset):
    original = config.PRESETS[preset]
    values = json.loads(json.dumps(original.to_dict()))
    assert isinstance(values["hidden_layers"], list)
    restored = TrainingConfig.from_dict(values)
    assert restored == original
    assert isinstance(restored.hidden_layers, tuple)


def test_from_dict_refuses_unknown_settings():
    values = {**config.STUDY.to_dict(), "colour": "blue", "size": 3}
    with pytest.raises(ConfigError, match="Unknown training settings: colour, size."):
        TrainingConfig.from_dict(values)


def test_from_dict_checks_values():
    values = {**config.STUDY.to_dict(), "epochs": -4}
    with pytest.raises(ConfigError, match="Epochs must be a whole number"):
        TrainingConfig.from_dict(values)


def test_from_dict_fills_missing_settings_with_defaults():
    assert TrainingConfig.from_dict({"epochs": 4}) == dataclasses.replace(
        TrainingConfig(), epochs=4
    )
