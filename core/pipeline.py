"""Training from a typed frame to a scored bundle: the steps of the study in order."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from core import conformal, evaluate, features, forward, novelty, preprocessing, tables
from core.bundle import Bundle
from core.config import TrainingConfig
from core.corrections import (
    CORRECTED_GENRES,
    INFO_KEY,
    apply_corrections,
    to_info,
)
from core.errors import DataError
from core.features import CleaningSummary
from core.genres import Genres
from core.history import EpochLog, ProgressHook
from core.model_card import (
    AUDIO_ONLY,
    GENRE_CHOICE,
    GROUPED_BY,
    POPULARITY_FILLED,
    SOURCE_KEY,
)
from core.tables import label_codes, track_keys

# Column added while training: each row's genre_bits_by_track (see core.evaluate).
LISTED_GENRES = "listed_genre_bits"


@dataclass
class TrainingRun:
    """The result of one training: a bundle to save or use.

    Its metrics say how it went.
    """

    bundle: Bundle

    @property
    def metrics(self) -> dict:
        """The bundle's metrics: ``train`` and ``test`` dicts and run facts."""
        return self.bundle.metrics

    @property
    def cleaning(self) -> CleaningSummary:
        """How many rows cleaning kept and why it removed the others."""
        return CleaningSummary(**self.metrics["cleaning"])

    @property
    def history(self) -> list[list[EpochLog]]:
        """Each network's per-epoch logs."""
        return [
            [EpochLog(**log) for log in member] for member in self.metrics["history"]
        ]

    @property
    def seconds(self) -> float:
        """Seconds from the raw rows to the trained network."""
        return float(self.metrics["train_seconds"])


def _split_metrics(
    rows: pd.DataFrame,
    labels: np.ndarray,
    unknown: np.ndarray,
    probabilities: np.ndarray,
    imputed: bool,
    genres: Genres,
) -> dict:
    metrics = evaluate.classification_metrics(labels, probabilities, genres.names)
    if track_keys(rows) is not None:
        metrics["fusion_accuracy"] = evaluate.fusion_accuracy(
            probabilities.argmax(axis=1), rows[LISTED_GENRES].to_numpy()
        )
    if imputed:
        for name, mask in (("known_rows", ~unknown), ("unknown_rows", unknown)):
            metrics[f"accuracy_{name}"] = (
                float((probabilities[mask].argmax(axis=1) == labels[mask]).mean())
                if mask.any()
                else None
            )
            metrics[f"n_{name}"] = int(mask.sum())
    return metrics


def _validation_metrics(
    config: TrainingConfig,
    predictor: forward.Network,
    train_rows: pd.DataFrame,
    train_features: np.ndarray,
    labels: np.ndarray,
    groups: np.ndarray | None,
    unknown: np.ndarray,
    genres: Genres,
) -> dict:
    """``{"validation": metrics}`` of the training rows held out for validation, if any.

    The held-out rows are the ones core.model set aside (the same seeded
    split, recomputed), so they are tracks the network never learned from,
    and never test tracks: what settings may be chosen by.
    """
    if config.validation_fraction == 0:
        return {}
    _, held = features.split_positions(
        labels, groups, config.validation_fraction, config.seed, config.stratify
    )
    return {
        "validation": _split_metrics(
            train_rows.iloc[held],
            labels[held],
            unknown[held],
            predictor.probabilities(train_features[held]),
            config.unknowns == "impute",
            genres,
        )
    }


def _popularity_filled_metrics(
    predictor: forward.Network,
    preprocessor: preprocessing.Preprocessor,
    rows: pd.DataFrame,
    labels: np.ndarray,
    genres: Genres,
) -> dict:
    """Top-1, top-2 and macro F1 of ``rows`` scored without their popularity.

    Popularity is left empty, so the preprocessor fills the typical value, as
    it does for a file that has no popularity column (Spotify's Web API): what
    the model card reports such a file costs.
    """
    inputs = preprocessor.transform(features.without_popularity(rows))
    scores = evaluate.classification_metrics(
        labels, predictor.probabilities(inputs), genres.names
    )
    return {
        name: scores[name]
        for name in ("accuracy", "top2_accuracy", "macro_f1", "n_rows")
    }


def calibration_positions(
    labels: np.ndarray, groups: np.ndarray | None, config: TrainingConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Positions, among the training rows, of the rows trained on and of the
    calibration rows (``config.calibration_fraction``; none when 0).

    Set aside before the preprocessor is fitted and the network trained, so
    the calibration tracks are as unseen as the test tracks: what the
    guarantee of a prediction set needs (core.conformal). Whole tracks, like
    every split of the project.
    """
    if config.calibration_fraction == 0:
        return np.arange(len(labels)), np.zeros(0, dtype=np.int64)
    return features.split_positions(
        labels, groups, config.calibration_fraction, config.seed, config.stratify
    )


@dataclass
class SeededSplit:
    """The rows of one file split as :func:`train_from_frame` splits them."""

    train: pd.DataFrame
    calibration: pd.DataFrame
    test: pd.DataFrame
    # Each test row's track (None: tracks are not grouped).
    test_groups: np.ndarray | None


def seeded_split(
    typed: pd.DataFrame, config: TrainingConfig, genres: Genres
) -> SeededSplit:
    """The training, calibration and test rows of :func:`train_from_frame`.

    The same cleaning and seeded splits, recomputed without training.

    Args:
        genres: the genres the model learned (a bundle's ``genres``).
    """
    labels = label_codes(typed, genres)
    keys = track_keys(typed)
    tracks = np.arange(len(typed)) if keys is None else keys.to_numpy()
    unknown = features.unknown_mask(typed)
    cleaned, _ = features.clean(typed, config.unknowns, labels, unknown)
    kept = typed.index.get_indexer(cleaned.index)
    groups = tracks[kept] if config.group_tracks and keys is not None else None
    train, test = features.split_positions(
        labels[kept], groups, config.test_size, config.seed, config.stratify
    )
    fitted, calibration = calibration_positions(
        labels[kept][train], None if groups is None else groups[train], config
    )
    return SeededSplit(
        train=cleaned.iloc[train[fitted]],
        calibration=cleaned.iloc[train[calibration]],
        test=cleaned.iloc[test],
        test_groups=None if groups is None else groups[test],
    )


def split_rows(
    typed: pd.DataFrame, config: TrainingConfig, genres: Genres
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The training and test rows of :func:`train_from_frame`, same file and config.

    The same cleaning and seeded split, recomputed without training: what
    ``python -m core calibrate-novelty`` fits a bundle's novelty reference on,
    and the test tracks core.transfer scores. The training rows are the ones
    the network was trained on (calibration rows left out).
    """
    split = seeded_split(typed, config, genres)
    return split.train, split.test


def check_training_file(bundle: Bundle, typed: pd.DataFrame) -> SeededSplit:
    """The bundle's seeded split of ``typed``, once it is sure to be its data.

    Raises:
        DataError: the file is not the bundle's training data (its
            fingerprint differs), or its training rows give another
            preprocessor than the bundle's.
    """
    expected = bundle.info.get("data_fingerprint")
    if expected is not None and tables.fingerprint(typed) != expected:
        raise DataError(
            "This is not the file the model was trained on (its fingerprint "
            "differs), so its training tracks cannot be found in it."
        )
    split = seeded_split(typed, bundle.config, bundle.genres)
    refitted = preprocessing.fit_preprocessor(split.train, bundle.config)
    if refitted.to_dict() != bundle.preprocessor.to_dict():
        raise DataError(
            "The training rows recomputed from this file give another "
            "preprocessor than the model's: they are not its training tracks."
        )
    return split


@dataclass(frozen=True)
class _Trained:
    """A network trained: its .keras file, the NumPy network read from it."""

    model_file: bytes
    predictor: forward.Network
    # From the caller's start to the end of the last epoch.
    seconds: float
    # One list of per-epoch logs per ensemble member, and the epoch whose
    # weights each kept (core.model.TrainedNetwork).
    history: list[list[EpochLog]]
    best_epochs: list[int]


def _train(
    config: TrainingConfig,
    inputs: np.ndarray,
    labels: np.ndarray,
    on_epoch: ProgressHook | None,
    groups: np.ndarray | None,
    genres: Genres,
    started: float,
) -> _Trained:
    """Train one network (an ensemble, if the recipe says so) and read it back.

    The bundle predicts the way a saved one does, from its .keras file in
    NumPy: what training scores is what every page and command gets.
    """
    from core import model as network

    trained = network.train_network(
        config, inputs, labels, on_epoch, groups=groups, n_genres=len(genres)
    )
    seconds = time.perf_counter() - started
    model_file = network.model_file_bytes(trained.model)
    return _Trained(
        model_file,
        forward.read_model_file(model_file),
        seconds,
        trained.history,
        trained.best_epochs,
    )


def train_audio_network(
    bundle: Bundle, typed: pd.DataFrame, on_epoch: ProgressHook | None = None
) -> None:
    """Give ``bundle`` a second network that learned without popularity, in place.

    The same recipe, preprocessor, genres and training tracks (the seeded
    split, recomputed), each track's popularity held at its typical value:
    what a file without popularity, or whose popularity is unlike the
    training data's, is predicted with (core.predict.choose_network). Its
    test scores, the test tracks' popularity held typical too, are kept in
    the metrics (``AUDIO_ONLY``). The main network is left as it is.

    Raises:
        DataError: see :func:`check_training_file`.
    """
    split = check_training_file(bundle, typed)
    started = time.perf_counter()
    genres = bundle.genres
    train_rows, test_rows = split.train, split.test
    without = features.without_popularity
    groups = features.track_groups(train_rows) if bundle.config.group_tracks else None
    trained = _train(
        bundle.config,
        bundle.preprocessor.transform(without(train_rows)),
        label_codes(train_rows, genres),
        on_epoch,
        groups,
        genres,
        started,
    )
    scores = evaluate.classification_metrics(
        label_codes(test_rows, genres),
        trained.predictor.probabilities(
            bundle.preprocessor.transform(without(test_rows))
        ),
        genres.names,
    )
    bundle.audio_network = trained.predictor
    bundle.audio_model_file = trained.model_file
    bundle.metrics[AUDIO_ONLY] = {
        **{
            name: scores[name]
            for name in ("accuracy", "top2_accuracy", "macro_f1", "n_rows")
        },
        "train_seconds": round(trained.seconds, 2),
    }


def train_from_frame(
    typed: pd.DataFrame,
    config: TrainingConfig,
    on_epoch: ProgressHook | None = None,
    corrections: Mapping[int, str] | None = None,
    source: Mapping[str, str] | None = None,
) -> TrainingRun:
    """Clean, split, fit the preprocessor, train and score, as ``config`` says.

    Each row's genre, track and unknown-value flag are derived once, from
    the whole file, and handed down the steps.

    Args:
        typed: a labelled typed frame (``core.data.load_csv(..., require_label=True)``).
        config: every setting of the run.
        on_epoch: progress hook, called after every epoch.
        corrections: genres corrected by hand, row -> genre
            (:func:`core.corrections.apply_corrections`), applied first; the
            data the model is tied to is then the corrected data.
        source: the file's name, format and label column
            (``core.understanding.Understood.source``), for the model card.

    Returns:
        The run, whose bundle holds the model, preprocessor and metrics.

    Raises:
        DataError: too few usable rows or genres to train.
        GenreLabError: a correction of a row the data lacks, or to no genre.
    """
    started = time.perf_counter()
    corrections = dict(corrections or {})
    typed = apply_corrections(typed, corrections)
    choice = features.choose_genres(typed, config)
    genres = choice.genres
    labels = label_codes(typed, genres)
    keys = track_keys(typed)
    tracks = np.arange(len(typed)) if keys is None else keys.to_numpy()
    unknown = features.unknown_mask(typed)
    # Listed over the whole file, before the split: a test track's other
    # genres may be listed in training rows.
    typed = typed.assign(
        **{LISTED_GENRES: evaluate.genre_bits_by_track(tracks, labels, len(genres))}
    )
    cleaned, cleaning = features.clean(typed, config.unknowns, labels, unknown)
    kept = typed.index.get_indexer(cleaned.index)
    labels, tracks, unknown = labels[kept], tracks[kept], unknown[kept]
    features.check_trainable(labels)
    groups = tracks if config.group_tracks and keys is not None else None
    train, test = features.split_positions(
        labels, groups, config.test_size, config.seed, config.stratify
    )
    fitted, calibration = calibration_positions(
        labels[train], None if groups is None else groups[train], config
    )
    # From here on the training rows are the ones the network learns from.
    calibration, train = train[calibration], train[fitted]
    train_rows, test_rows = cleaned.iloc[train], cleaned.iloc[test]
    train_groups = None if groups is None else groups[train]
    preprocessor = preprocessing.fit_preprocessor(train_rows, config)
    train_features = preprocessor.transform(train_rows)
    test_features = preprocessor.transform(test_rows)
    trained = _train(
        config, train_features, labels[train], on_epoch, train_groups, genres, started
    )
    predictor, model_file = trained.predictor, trained.model_file
    imputed = config.unknowns == "impute"
    bundle = Bundle(
        network=predictor,
        model_file=model_file,
        preprocessor=preprocessor,
        config=config,
        # Which data: the split can be recomputed for exactly this data.
        info={
            "data_fingerprint": tables.fingerprint(typed),
            "data_rows": len(typed),
            **({SOURCE_KEY: dict(source)} if source else {}),
            **({INFO_KEY: to_info(corrections)} if corrections else {}),
        },
        novelty=novelty.fit_reference(
            train_features, preprocessor.feature_names, config.seed
        ),
        genres=genres,
    )
    test_probabilities = predictor.probabilities(test_features)
    if len(calibration):
        bundle.conformal = conformal.calibrate(
            predictor.probabilities(preprocessor.transform(cleaned.iloc[calibration])),
            labels[calibration],
            source=conformal.FROM_CALIBRATION_SHARE,
        )
    bundle.metrics = {
        "train": _split_metrics(
            train_rows,
            labels[train],
            unknown[train],
            predictor.probabilities(train_features),
            imputed,
            genres,
        ),
        "test": _split_metrics(
            test_rows,
            labels[test],
            unknown[test],
            test_probabilities,
            imputed,
            genres,
        ),
        **_validation_metrics(
            config,
            predictor,
            train_rows,
            train_features,
            labels[train],
            train_groups,
            unknown[train],
            genres,
        ),
        POPULARITY_FILLED: _popularity_filled_metrics(
            predictor, preprocessor, test_rows, labels[test], genres
        ),
        **(
            {
                conformal.METRICS_KEY: conformal.metrics(
                    bundle.conformal, test_probabilities, labels[test]
                )
            }
            if bundle.conformal is not None
            else {}
        ),
        "cleaning": asdict(cleaning),
        GENRE_CHOICE: choice.to_dict(),
        # What kept repeats of a song on one side of the split; None: nothing.
        GROUPED_BY: (tables.track_grouping(typed) if config.group_tracks else None),
        CORRECTED_GENRES: len(corrections),
        "best_epochs": trained.best_epochs,
        "history": [[asdict(log) for log in member] for member in trained.history],
        "train_seconds": round(trained.seconds, 2),
    }
    return TrainingRun(bundle)
