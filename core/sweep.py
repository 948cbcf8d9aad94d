"""Try several values of a setting (a sweep) or random combinations of a few (a search).

Every run trains the same way as the Train page does (core.pipeline), on the
same training tracks, and is scored on a validation share of those tracks:
never on the test tracks, so that choosing a setting by these scores stays
honest, and the test score of the run people pick still says how it does on
songs no choice was made on.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core import config as configuration
from core import inputs
from core.config import TrainingConfig
from core.errors import ConfigError
from core.history import ProgressHook

# A sweep needs a validation share to score on: this one when the settings
# have none.
SWEEP_VALIDATION_SHARE = 0.15
MIN_VALUES, MAX_VALUES = 2, 8
# Differences in validation accuracy below this many points are read as none
# (the spread of one recipe over seeds is about 0.2-0.5 points here).
LEVEL_POINTS = 0.5


@dataclass(frozen=True)
class Setting:
    """A setting people can sweep: how to read its values and what to suggest."""

    # The TrainingConfig field it sets (``layers`` sets hidden_layers too).
    field: str
    label: str
    suggestions: tuple[str, ...]
    # One plain sentence: what it does and what to expect, as measured on
    # the development data (docs/settings.md, benchmarks/settings_effects.py).
    help: str
    numeric: bool = True


def _choices(name: str) -> tuple[str, ...]:
    return tuple(configuration.CHOICES[name])


SETTINGS: dict[str, Setting] = {
    "hidden_layers": Setting(
        "hidden_layers",
        "Hidden layer widths",
        ("64", "128, 64", "256, 128", "512, 256"),
        "How many units each hidden layer has: wider layers learn a little more "
        "(measured: 59.7% at 64 units, 61.2% at 512 then 256) but train much slower.",
        numeric=False,
    ),
    "layers": Setting(
        "hidden_layers",
        "Number of hidden layers",
        ("1", "2", "3", "4"),
        "How many hidden layers of the first layer's width: depth barely matters "
        "here (1 to 4 layers within 0.4 points); each layer adds training time.",
    ),
    "activation": Setting(
        "activation",
        "Hidden activation",
        _choices("activation"),
        "The bend each hidden unit applies: gelu and relu learn these features about "
        "2 points better than the study's sigmoid.",
        numeric=False,
    ),
    "dropout": Setting(
        "dropout",
        "Dropout",
        ("0", "0.1", "0.3", "0.5"),
        "Share of units switched off at random while learning: some fights "
        "over-fitting, too much stops the network from learning.",
    ),
    "learning_rate": Setting(
        "learning_rate",
        "Learning rate",
        ("0.0005", "0.002", "0.01", "0.05"),
        "How big each learning step is: too small learns slowly, too big learns "
        "fast at first and then ends lower.",
    ),
    "batch_size": Setting(
        "batch_size",
        "Batch size",
        ("32", "128", "512", "2048"),
        "Tracks per learning step: small batches take many more steps (slower), "
        "very large ones learn less per epoch.",
    ),
    "epochs": Setting(
        "epochs",
        "Epochs",
        ("5", "15", "45", "90"),
        "Passes over the training tracks: more helps up to about 45 (58.5% after 5, "
        "61.0% after 45), then levels off while training takes longer.",
    ),
    "numeric_bins": Setting(
        "numeric_bins",
        "Bins per numeric feature",
        ("0", "4", "8", "16"),
        "Extra inputs for low, middle and high values of each feature, as a tree "
        "splits them: 8 bins add about a point; 16 add nothing more.",
    ),
    "ensemble_size": Setting(
        "ensemble_size",
        "Ensemble size",
        ("1", "2", "3", "4"),
        "Networks averaged: more are steadier and put the right genre in the top 2 "
        "slightly more often (84.2% with 1, 84.8% with 4), "
        "each costing its training time.",
    ),
    "unknowns": Setting(
        "unknowns",
        "Rows with unknown tempo or duration",
        _choices("unknowns"),
        "Dropping them loses a tenth of the tracks (and the model cannot predict "
        "such tracks); filling them in keeps every track.",
        numeric=False,
    ),
    "key_encoding": Setting(
        "key_encoding",
        "Key and mode as",
        _choices("key_encoding"),
        "How key and mode become inputs; it makes little difference, since genre "
        "hardly depends on the key.",
        numeric=False,
    ),
    "scaling": Setting(
        "scaling",
        "Scaling",
        _choices("scaling"),
        "How numbers are put on a common scale: standardising every column is half "
        "a point better here than the study's partial 0-1 scaling.",
        numeric=False,
    ),
}


def _parse(setting: str, text: str, base: TrainingConfig) -> Any:
    """One value of a setting, read from text.

    Raises ConfigError naming what is allowed.
    """
    spec = SETTINGS[setting]
    text = str(text).strip()
    if setting == "hidden_layers":
        return inputs.parse_hidden_layers(text)
    if setting == "layers":
        if not text.isdigit() or not 1 <= int(text) <= configuration.MAX_HIDDEN_LAYERS:
            raise ConfigError(
                f"The number of hidden layers must be a whole number from 1 to "
                f"{configuration.MAX_HIDDEN_LAYERS}, not {text!r}."
            )
        width = base.hidden_layers[0] if base.hidden_layers else 128
        return (width,) * int(text)
    if not spec.numeric:
        allowed = configuration.CHOICES[spec.field]
        if text not in allowed:
            raise ConfigError(
                f"{spec.label} must be one of {', '.join(allowed)}, not {text!r}."
            )
        return text
    kind = type(getattr(base, spec.field))
    try:
        number = float(text)
    except ValueError:
        raise ConfigError(f"{spec.label} must be a number, not {text!r}.") from None
    if kind is int:
        if not number.is_integer():
            raise ConfigError(f"{spec.label} must be a whole number, not {text!r}.")
        return int(number)
    return number


def sweep_plan(
    base: TrainingConfig, setting: str, values: Sequence[str]
) -> tuple[list[TrainingConfig], list[dict[str, Any]]]:
    """One configuration per value of ``setting``, everything else from ``base``.

    Each gets a validation share (``base``'s, or ``SWEEP_VALIDATION_SHARE``)
    to be scored on.

    Returns:
        The configurations, and what each tries ({setting: value}, the value
        as read: a number, a choice, widths, or a count of layers).

    Raises:
        ConfigError: an unknown setting (the message lists the allowed ones), a
            value that cannot be read or is out of range, a repeated value, or
            fewer than 2 or more than 8 values.
    """
    if setting not in SETTINGS:
        raise ConfigError(
            f"{setting!r} is not a setting that can be swept; choose one of "
            f"{', '.join(SETTINGS)}."
        )
    if not MIN_VALUES <= len(values) <= MAX_VALUES:
        raise ConfigError(
            f"A sweep tries {MIN_VALUES} to {MAX_VALUES} values, not {len(values)}."
        )
    share = base.validation_fraction or SWEEP_VALIDATION_SHARE
    configs, tried, seen = [], [], set()
    for text in values:
        value = _parse(setting, text, base)
        if value in seen:
            raise ConfigError(f"The value {text!r} is given twice.")
        seen.add(value)
        configs.append(_with(base, {setting: value}, share))
        tried.append({setting: len(value) if setting == "layers" else value})
    return configs, tried


def _with(base: TrainingConfig, values: dict[str, Any], share: float) -> TrainingConfig:
    """``base`` with the settings' values and a validation share.

    ConfigError if out of range.
    """
    changes: dict[str, Any] = {"validation_fraction": share}
    for setting, value in values.items():
        changes[SETTINGS[setting].field] = value
    return dataclasses.replace(base, **changes)


@dataclass
class SweepRun:
    """One finished run of a sweep or a search."""

    # What was tried: setting name -> value as people typed it (shown).
    values: dict[str, Any]
    run: Any  # core.pipeline.TrainingRun

    @property
    def validation(self) -> dict:
        """The run's scores on its validation share."""
        return self.run.metrics["validation"]

    def row(self) -> dict:
        """One line of the results table."""
        return {
            **{name: shown_value(value) for name, value in self.values.items()},
            "validation accuracy": self.validation["accuracy"],
            "validation top-2": self.validation["top2_accuracy"],
            "validation macro F1": self.validation["macro_f1"],
            "training seconds": self.run.metrics["train_seconds"],
            "epochs run": max(len(member) for member in self.run.metrics["history"]),
        }


def shown_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return inputs.format_hidden_layers(value)
    return value


RunStart = Callable[[int, int, dict[str, Any]], None]


def run_configs(
    typed: pd.DataFrame,
    configs: Sequence[TrainingConfig],
    tried: Sequence[dict[str, Any]],
    on_run_start: RunStart | None = None,
    on_epoch: ProgressHook | None = None,
    on_run_end: Callable[[SweepRun], None] | None = None,
) -> list[SweepRun]:
    """Train one model per configuration, one after the other.

    Args:
        typed: the labelled data.
        configs: the configurations, each with a validation share.
        tried: what each configuration tries, by setting (for the table).
        on_run_start: called with (run number from 0, count, tried) first.
        on_epoch: progress of the current run.
        on_run_end: called with each finished run: a stop during a later run
            keeps the finished ones (the caller stores them as they come).

    Returns:
        The runs, in order.
    """
    from core import pipeline

    runs = []
    for number, (config, values) in enumerate(zip(configs, tried, strict=True)):
        if on_run_start is not None:
            on_run_start(number, len(configs), values)
        finished = SweepRun(values, pipeline.train_from_frame(typed, config, on_epoch))
        runs.append(finished)
        if on_run_end is not None:
            on_run_end(finished)
    return runs


def sweep(
    typed: pd.DataFrame,
    base: TrainingConfig,
    setting: str,
    values: Sequence[str],
    **hooks: Any,
) -> list[SweepRun]:
    """Train one model per value of one setting.

    See :func:`run_configs` for the hooks.
    """
    configs, tried = sweep_plan(base, setting, values)
    return run_configs(typed, configs, tried, **hooks)


def results_table(runs: Sequence[SweepRun]) -> pd.DataFrame:
    """The runs as a table, in the order they ran."""
    return pd.DataFrame([run.row() for run in runs])


def best(runs: Sequence[SweepRun]) -> SweepRun:
    """The run with the best validation accuracy (the first of equals)."""
    return max(runs, key=lambda run: run.validation["accuracy"])


def validation_curve(run: SweepRun) -> list[float]:
    """The run's validation accuracy per epoch (an ensemble's networks averaged)."""
    history = run.run.metrics["history"]
    return [
        float(np.mean([member[epoch]["val_accuracy"] for member in history]))
        for epoch in range(min(len(member) for member in history))
    ]


def fastest_learner(runs: Sequence[SweepRun], winner: int) -> tuple[int, int] | None:
    """The run that led after a quarter of the epochs, when it is not the winner.

    And the epoch.
    """
    curves = [validation_curve(run) for run in runs]
    length = min(len(curve) for curve in curves)
    if length < 2:
        return None
    early = max(1, length // 4)
    early_scores = [curve[early - 1] for curve in curves]
    leader = int(np.argmax(early_scores))
    if leader == winner or early_scores[leader] < early_scores[winner] + 0.01:
        return None
    return leader, early


def setting_number(value: Any) -> float:
    return float(len(value)) if isinstance(value, tuple) else float(value)


# --- search several settings at once ---------------------------------------------


def search_configs(
    base: TrainingConfig,
    ranges: dict[str, Sequence[str]],
    runs: int,
    seed: int = 0,
) -> tuple[list[TrainingConfig], list[dict[str, Any]]]:
    """Random combinations of 2 to 4 settings' values.

    By scikit-learn's ``ParameterSampler``.

    Args:
        base: everything not searched.
        ranges: setting -> the values to draw from (text, as for a sweep).
        runs: how many combinations (distinct ones; fewer if there are fewer).
        seed: seeds the draw.

    Raises:
        ConfigError: fewer than 2 or more than 4 settings, or a bad value.
    """
    from sklearn.model_selection import ParameterSampler

    if not 2 <= len(ranges) <= 4:
        raise ConfigError(f"A search varies 2 to 4 settings, not {len(ranges)}.")
    parsed = {}
    for setting, texts in ranges.items():
        if setting not in SETTINGS:
            sweep_plan(base, setting, texts)  # raises, naming the allowed settings
        if not texts:
            raise ConfigError(
                f"Give at least one value of {SETTINGS[setting].label.lower()}."
            )
        parsed[setting] = [_parse(setting, text, base) for text in texts]
    combinations = math.prod(len(values) for values in parsed.values())
    sampler = ParameterSampler(
        {name: list(range(len(values))) for name, values in parsed.items()},
        n_iter=min(runs, combinations),
        random_state=seed,
    )
    share = base.validation_fraction or SWEEP_VALIDATION_SHARE
    configs, tried = [], []
    for draw in sampler:
        values = {name: parsed[name][index] for name, index in sorted(draw.items())}
        if "layers" in values and "hidden_layers" in values:
            raise ConfigError("Vary the hidden layer widths or their number, not both.")
        configs.append(_with(base, values, share))
        tried.append(
            {name: len(v) if name == "layers" else v for name, v in values.items()}
        )
    return configs, tried


def timed_out(started: float, minutes: float | None) -> bool:
    """Whether a search's time budget (None: none) is spent."""
    return minutes is not None and time.perf_counter() - started > minutes * 60
