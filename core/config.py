"""Training configuration: one frozen dataclass, its limits and its named presets.

Every choice and every numeric limit of a setting is declared once here: the
checks in ``TrainingConfig.__post_init__``, the Train page's widgets and the
command line all read them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal, get_args

from core.errors import ConfigError
from core.genres import parse_merges

UnknownPolicy = Literal["drop", "impute"]
ImputeStrategy = Literal["median", "mean"]
KeyEncoding = Literal["scale", "key_mode"]
Scaling = Literal["study_minmax", "standard"]
Activation = Literal["sigmoid", "relu", "tanh", "elu", "gelu"]
OutputActivation = Literal["sigmoid", "softmax"]
Optimizer = Literal["adam", "sgd", "rmsprop", "adamw"]
LearningRateSchedule = Literal["constant", "cosine"]

# The allowed values of each choice setting, read off its Literal type.
CHOICES: dict[str, tuple[str, ...]] = {
    "unknowns": get_args(UnknownPolicy),
    "impute_strategy": get_args(ImputeStrategy),
    "key_encoding": get_args(KeyEncoding),
    "scaling": get_args(Scaling),
    "activation": get_args(Activation),
    "output_activation": get_args(OutputActivation),
    "optimizer": get_args(Optimizer),
    "learning_rate_schedule": get_args(LearningRateSchedule),
}


@dataclass(frozen=True)
class Limit:
    """The allowed range of a numeric setting."""

    # How the setting is named in a sentence: "The batch size".
    label: str
    low: float
    high: float
    # A whole number (an int), not any number.
    whole: bool = False
    # True when the bound itself is not allowed (dropout below 0.9; a
    # learning rate above 0).
    open_low: bool = False
    open_high: bool = False

    def allows(self, value: object) -> bool:
        """Whether ``value`` is in range (and whole when it must be)."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.whole and not isinstance(value, int):
            return False
        above = value > self.low if self.open_low else value >= self.low
        below = value < self.high if self.open_high else value <= self.high
        return above and below

    def message(self, value: object) -> str:
        """The sentence that refuses ``value``."""
        if self.whole:
            span = f"a whole number from {int(self.low)} to {int(self.high)}"
        elif self.open_low and self.open_high:
            span = f"above {self.low:g} and below {self.high:g}"
        elif self.open_high:
            span = f"at least {self.low:g} and below {self.high:g}"
        elif self.open_low:
            span = f"above {self.low:g} and at most {self.high:g}"
        else:
            span = f"between {self.low:g} and {self.high:g}"
        return f"{self.label} must be {span}, not {value!r}."


MAX_HIDDEN_LAYERS = 8
MAX_LAYER_WIDTH = 4096
MAX_NUMERIC_BINS = 64
LIMITS: dict[str, Limit] = {
    "test_size": Limit("The test share", 0.05, 0.5),
    "dropout": Limit("Dropout", 0.0, 0.9, open_high=True),
    "learning_rate": Limit("The learning rate", 0.0, 1.0, open_low=True),
    "batch_size": Limit("The batch size", 1, 65536, whole=True),
    "epochs": Limit("Epochs", 1, 1000, whole=True),
    "early_stopping_patience": Limit("Early-stopping patience", 0, 1000, whole=True),
    "validation_fraction": Limit("The validation share", 0.0, 0.5),
    "calibration_fraction": Limit("The calibration share", 0.0, 0.5),
    "ensemble_size": Limit("The ensemble size", 1, 10, whole=True),
    "seed": Limit("The seed", 0, 2**31 - 1, whole=True),
    "min_genre_tracks": Limit("The fewest tracks per genre", 2, 100_000, whole=True),
}
# Used by the command line's --unknowns.
UNKNOWN_POLICIES = CHOICES["unknowns"]


@dataclass(frozen=True)
class TrainingConfig:
    """Everything that decides how data is prepared and how the network learns.

    Frozen so that it can be hashed (Streamlit caches on it) and so that a
    preset can never be edited in place: derive variants with
    ``dataclasses.replace``.
    """

    # How rows with an unknown tempo or duration are handled.
    unknowns: UnknownPolicy = "drop"
    # Statistic used to fill unknowns when ``unknowns == "impute"``.
    impute_strategy: ImputeStrategy = "median"
    # "scale": one-hot of key+mode combined (24 columns, the study);
    # "key_mode": one-hot of key (12 columns) plus mode as 0/1.
    key_encoding: KeyEncoding = "scale"
    # "study_minmax": min-max of four columns only (the study);
    # "standard": zero mean, unit variance for every numeric feature.
    scaling: Scaling = "study_minmax"
    # Share of rows held out for testing.
    test_size: float = 0.2
    # Keep each genre's share equal in train and test.
    stratify: bool = False
    # Keep every row of a track (same artist and title) on one side of each
    # split, so the test (and validation) tracks are truly unseen: the same
    # song is often listed several times, under several genres.
    group_tracks: bool = False
    # Take the logarithm of the skewed features (duration, speechiness,
    # liveness, instrumentalness, acousticness) before scaling, so their long
    # tails do not squash most tracks into a narrow band.
    log_skewed: bool = False
    # 0: each numeric feature is one input. N >= 2: it also gets N inputs, one
    # per quantile bin of the training values, each rising from 0 to 1 across
    # its bin ("piecewise-linear encoding", Gorishniy et al. 2022). A network
    # then bends its response per range of a feature as easily as a tree
    # splits it, which plain scaled inputs make hard.
    numeric_bins: int = 0
    # Widths of the hidden layers, input side first.
    hidden_layers: tuple[int, ...] = (35,)
    # Activation of the hidden layers.
    activation: Activation = "sigmoid"
    # "softmax" gives probabilities that sum to 1; the study used "sigmoid".
    output_activation: OutputActivation = "sigmoid"
    # Dropout rate after each hidden layer (0 = none).
    dropout: float = 0.0
    optimizer: Optimizer = "adam"
    learning_rate: float = 0.001
    # "constant", or "cosine": the rate falls smoothly to 0 over the epochs,
    # so the last epochs settle into a minimum instead of jumping around it.
    learning_rate_schedule: LearningRateSchedule = "constant"
    batch_size: int = 16
    # Upper bound on epochs; early stopping may end sooner.
    epochs: int = 15
    # Stop after this many epochs without a better validation loss (0 = never).
    early_stopping_patience: int = 0
    # Share of the training rows set aside to watch validation loss/accuracy.
    validation_fraction: float = 0.0
    # Share of the training rows set aside before training (never learned
    # from, not even for early stopping) to calibrate prediction sets
    # (core.conformal). 0 = none, the value of every bundle saved before the
    # setting existed, so an old bundle loads as "no prediction sets".
    calibration_fraction: float = 0.0
    # Number of networks trained with different seeds whose probabilities are
    # averaged; more members give steadier, slightly better predictions.
    ensemble_size: int = 1
    # Seeds the split, the weights and the batch order.
    seed: int = 42
    # The genres to learn, in this order (after merges); empty: every genre
    # of the file with at least min_genre_tracks rows (core.genres.choose).
    genres: tuple[str, ...] = ()
    # Labels learned as one genre, each written "Rap+Hip-Hop=Hip-Hop/Rap".
    genre_merges: tuple[str, ...] = ()
    # A genre with fewer rows is left out, and named: a label written once or
    # twice is a typo or a stray, not a genre, and two tracks cannot be
    # split into training and test tracks with one to learn from. Raise it
    # (--min-genre-tracks, the Train page) to learn only well-filled genres.
    min_genre_tracks: int = 3

    def __post_init__(self) -> None:
        def require(condition: bool, message: str) -> None:
            if not condition:
                raise ConfigError(message)

        for name, allowed in CHOICES.items():
            value = getattr(self, name)
            require(
                value in allowed,
                f"{name} must be one of {', '.join(allowed)}, not {value!r}.",
            )
        for name, limit in LIMITS.items():
            value = getattr(self, name)
            require(limit.allows(value), limit.message(value))
        require(
            len(self.hidden_layers) <= MAX_HIDDEN_LAYERS
            and all(
                isinstance(w, int) and 1 <= w <= MAX_LAYER_WIDTH
                for w in self.hidden_layers
            ),
            f"Hidden layers must be at most {MAX_HIDDEN_LAYERS} whole numbers "
            f"between 1 and {MAX_LAYER_WIDTH}, not {self.hidden_layers}.",
        )
        require(
            isinstance(self.numeric_bins, int)
            and (self.numeric_bins == 0 or 2 <= self.numeric_bins <= MAX_NUMERIC_BINS),
            f"Bins per numeric feature must be 0 (off) or a whole number from 2 to "
            f"{MAX_NUMERIC_BINS}, not {self.numeric_bins}.",
        )
        require(
            all(isinstance(name, str) and name.strip() for name in self.genres),
            f"The genres to learn must be names, not {self.genres!r}.",
        )
        parse_merges(self.genre_merges)
        require(
            not (self.early_stopping_patience and self.validation_fraction == 0),
            "Early stopping watches the validation loss: "
            "set a validation share above 0 or turn early stopping off.",
        )

    def to_dict(self) -> dict[str, object]:
        """Return the configuration as JSON-ready values."""
        values = dataclasses.asdict(self)
        for name in _TUPLE_SETTINGS:
            values[name] = list(getattr(self, name))
        if self.calibration_fraction == 0:
            # Written only when on: a bundle without prediction sets stays
            # readable by GenreLab from before the setting, and a recipe's
            # digest (core.card_figures.recipe_digest) stays what was measured.
            del values["calibration_fraction"]
        return values

    @classmethod
    def from_dict(cls, values: dict[str, object]) -> TrainingConfig:
        """Rebuild a configuration saved by :meth:`to_dict`; unknown keys are errors."""
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"Unknown training settings: {', '.join(unknown)}.")
        values = dict(values)
        for name in _TUPLE_SETTINGS:
            if name in values:
                values[name] = tuple(values[name])  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]


# Settings held as tuples (frozen, hashable) and saved as JSON lists.
_TUPLE_SETTINGS = ("hidden_layers", "genres", "genre_merges")

# Exactly the reference study's method (see shared/seed-method.md).
STUDY = TrainingConfig()

# The best settings measured so far (the model the product ships), chosen by
# 4-fold cross-validation on the training tracks only (see the model card):
# inputs binned in 8 quantile bins, a cosine schedule over a fixed 45 epochs
# (as good as 60 there, and a quarter faster), two networks averaged; no early
# stopping, so no training track is set aside for validation. Test share and
# ensemble size by grouped cross-validation on the development data
# (benchmarks/learning_curve.py, docs/model.md): scores still rise with more
# training tracks (about +1.1 points top-1, +0.7 top-2 per doubling), so 90%
# of them train and 10% (about 4,500 rows) stay held out; a third or fourth
# network added at most 0.1 points, within the folds' noise.
RECOMMENDED = TrainingConfig(
    unknowns="impute",
    impute_strategy="median",
    key_encoding="key_mode",
    scaling="standard",
    test_size=0.1,
    stratify=True,
    group_tracks=True,
    log_skewed=True,
    numeric_bins=8,
    hidden_layers=(256, 128),
    activation="gelu",
    output_activation="softmax",
    dropout=0.3,
    optimizer="adam",
    learning_rate=0.002,
    learning_rate_schedule="cosine",
    batch_size=512,
    epochs=45,
    early_stopping_patience=0,
    validation_fraction=0.0,
    ensemble_size=2,
    seed=42,
)

PRESETS: dict[str, TrainingConfig] = {"study": STUDY, "recommended": RECOMMENDED}
PRESET_LABELS: dict[str, str] = {
    "study": "Reference study",
    "recommended": "Recommended",
}
