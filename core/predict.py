"""Predict genres for raw rows.

Every row gets probabilities or a reason, none is lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core import conformal, evaluate, forward, novelty, understanding
from core.bundle import Bundle
from core.errors import GenreLabError
from core.features import without_popularity
from core.genres import Genres
from core.tables import EMPTY_SEPARATOR, label_codes, track_keys

PREDICTED = "predicted_genre"
SECOND = "second_genre"
REASON = "reason"
# Each feature the model filled in and the value it used ("" when none).
FILLED = understanding.TYPICAL_VALUES_COLUMN
# How unlike the training tracks each row is, 0-100 (core.novelty).
NOVELTY = novelty.NOVELTY


@dataclass(frozen=True)
class TrackPrediction:
    """One track's answer: each genre's probability, and the genres likeliest first.

    Worked out once per answer and handed to every chart and sentence that
    shows it, so that they agree on the order (ties: the model's genre
    order first).
    """

    genres: tuple[str, ...]
    probabilities: np.ndarray
    # Genre positions, likeliest first.
    order: np.ndarray

    @classmethod
    def of(
        cls, probabilities: np.ndarray | Sequence[float], genres: Sequence[str]
    ) -> TrackPrediction:
        shares = np.asarray(probabilities, dtype=float)
        return cls(tuple(genres), shares, np.argsort(-shares, kind="stable"))

    @property
    def ranked(self) -> list[tuple[str, float]]:
        """(genre, probability) pairs, likeliest first."""
        return [(self.genres[i], float(self.probabilities[i])) for i in self.order]

    @property
    def genres_by_probability(self) -> list[str]:
        return [self.genres[i] for i in self.order]


def probability_column(genre: str) -> str:
    """Name of the output column holding one genre's probability, e.g. ``p_Hip-Hop``."""
    return f"p_{genre}"


def probability_columns(genres: Sequence[str]) -> list[str]:
    """The ``p_<genre>`` columns of a model's genres, in the order of its outputs."""
    return [probability_column(genre) for genre in genres]


def probabilities_for_features(bundle: Bundle, features: np.ndarray) -> np.ndarray:
    """Genre probabilities (rows sum to 1) for already-prepared feature rows."""
    return bundle.network.probabilities(features)


def network_inputs(
    bundle: Bundle, typed: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The network's inputs for every row of a typed frame.

    Returns:
        Which rows can be predicted, each row's reason when it cannot (else
        ""), what the model filled in each row (``Preprocessor.filled_values``)
        and a float32 matrix with a row of inputs for every row, zeros
        for those that cannot (the network runs on every row so that each
        keeps its place in the file; see ``Network.outputs``).
    """
    usable, reasons = bundle.preprocessor.usable_rows(typed)
    filled = bundle.preprocessor.filled_values(typed, usable)
    features = np.zeros(
        (len(typed), len(bundle.preprocessor.feature_names)), dtype=np.float32
    )
    if usable.any():
        features[usable] = bundle.preprocessor.transform(typed[usable])
    return usable, reasons, filled, features


def predictions_from(
    index: pd.Index,
    usable: np.ndarray,
    reasons: np.ndarray,
    filled: np.ndarray,
    probabilities: np.ndarray,
    genres: Sequence[str],
    novelty_scores: np.ndarray | None = None,
) -> pd.DataFrame:
    """The predictions table of :func:`predict_frame`, from the network's output.

    Args:
        index: the typed frame's index.
        usable, reasons, filled: from :func:`network_inputs`.
        probabilities: the network's output for every row.
        genres: the model's genres, in the order of its outputs.
        novelty_scores: each row's novelty (:func:`row_novelty`); None:
            unknown (an empty column).
    """
    probabilities = np.where(usable[:, np.newaxis], probabilities, np.nan)
    order = np.argsort(-np.nan_to_num(probabilities, nan=-1.0), axis=1)
    names = np.asarray(genres, dtype=object)
    first = np.where(usable, names[order[:, 0]], "")
    second = np.where(usable, names[order[:, 1]], "")
    result = pd.DataFrame(
        {
            PREDICTED: first,
            SECOND: second,
            REASON: reasons,
            FILLED: filled,
            NOVELTY: np.full(len(index), np.nan)
            if novelty_scores is None
            else np.round(novelty_scores, 1),
        },
        index=index,
    )
    probability_table = pd.DataFrame(
        probabilities, index=index, columns=probability_columns(genres)
    )
    # One concat, not a column at a time: a model may have a hundred genres.
    return pd.concat([result, probability_table], axis=1)


# The column of each row's prediction set ("Rap; Hip-Hop"; empty when none).
PREDICTION_SET = conformal.PREDICTION_SET


def check_prediction_sets(
    bundle: Bundle, coverage: object
) -> tuple[conformal.Calibration, float]:
    """The bundle's calibration and ``coverage``, when it can give sets at it.

    Raises:
        GenreLabError: the coverage is not strictly between 0 and 1, or the
            bundle was saved without a calibration (no sets).
    """
    coverage = conformal.check_coverage(coverage)
    if bundle.conformal is None:
        raise GenreLabError(
            f"{conformal.NO_SETS} Train one with a calibration share, or run "
            "'python -m core calibrate-conformal' on this one."
        )
    return bundle.conformal, coverage


def with_prediction_sets(
    bundle: Bundle, predictions: pd.DataFrame, coverage: float
) -> pd.DataFrame:
    """``predictions`` with a ``prediction_set`` column at ``coverage``.

    The one function the Predict page, Batch predict and ``predict
    --coverage`` call.

    Args:
        bundle: a calibrated bundle (:func:`check_prediction_sets`).
        predictions: :func:`predict_frame` (or :func:`predictions_from`) rows.
        coverage: e.g. 0.9 for "90% sure".

    Raises:
        GenreLabError: see :func:`check_prediction_sets`.
    """
    calibration, coverage = check_prediction_sets(bundle, coverage)
    genres = bundle.genres.names
    predicted = (predictions[REASON] == "").to_numpy()
    columns = probability_columns(genres)
    probabilities = predictions.loc[predicted, columns].to_numpy(dtype=float)
    sets = np.full(len(predictions), "", dtype=object)
    if predicted.any():
        members = conformal.prediction_sets(calibration, probabilities, coverage)
        sets[predicted] = conformal.set_names(members, probabilities, genres)
    return predictions.assign(**{PREDICTION_SET: sets})


def row_novelty(
    bundle: Bundle,
    features: np.ndarray,
    usable: np.ndarray,
    first_row: int | None = None,
) -> np.ndarray:
    """Each row's novelty from its network inputs (NaN: unknown or not predicted).

    ``first_row``: the rows' place in their file, as for the network.
    """
    return novelty.novelty_scores(bundle.novelty, features, usable, first_row)


def novelty_of(
    bundle: Bundle, typed: pd.DataFrame, first_row: int | None = None
) -> pd.Series:
    """The ``novelty`` column of a typed frame's rows (explain, similar).

    ``first_row``: the rows' place in their file (see :func:`row_novelty`).
    """
    usable, _, _, features = network_inputs(bundle, typed)
    scores = np.round(row_novelty(bundle, features, usable, first_row), 1)
    return pd.Series(scores, index=typed.index, name=NOVELTY)


# A bundle with a second network, which learned without popularity
# (core.pipeline.train_audio_network), predicts a file with it when the file
# gives no popularity, or when its tracks are unlike the training tracks: a
# median novelty of AUDIO_ONLY_NOVELTY or more over its first predictable
# rows, at least AUDIO_ONLY_MIN_ROWS of them. Popularity depends on when and
# where a source was gathered, so it is the first input not to trust on
# another source. Kaggle's own test tracks have a median novelty of 50 by
# construction (a percentile among the training tracks); TidyTuesday's edm,
# rap and rock playlists 70 (docs/model.md). Fewer rows cannot tell a file
# apart (the median of 10 Kaggle-like tracks is 50 +- 14): the main network
# then predicts them.
AUDIO_ONLY_NOVELTY = 60.0
AUDIO_ONLY_MIN_ROWS = 50
# A file is judged by its first rows, however it is read (whole, in chunks
# of any size, in parts on a cluster): the same rows give the same network.
CHOICE_ROWS = 2_000


@dataclass(frozen=True)
class NetworkChoice:
    """Which of a bundle's networks predicts a file, and why, in a sentence."""

    audio_only: bool
    sentence: str


def choose_network(
    bundle: Bundle, typed: pd.DataFrame, usable: np.ndarray, scores: np.ndarray
) -> NetworkChoice:
    """The network for a file, from its own rows alone (never their genres).

    Args:
        typed: the file's rows (its first chunk, for a file read in chunks).
        usable, scores: :func:`network_inputs`' usable rows and their
            :func:`row_novelty`, with the file's own values.
    """
    if bundle.audio_network is None:
        return NetworkChoice(False, "")
    popularity = typed["popularity"].to_numpy(dtype=float)[usable]
    if len(popularity) and np.isnan(popularity).all():
        return NetworkChoice(
            True,
            "Predicted without popularity (with the model's network that learned "
            "without it), because this file gives none.",
        )
    known = scores[usable & ~np.isnan(scores)]
    if len(known) < AUDIO_ONLY_MIN_ROWS:
        return NetworkChoice(
            False,
            f"Predicted with popularity: {len(known):,} tracks are too few to tell "
            "whether the file is like the training data.",
        )
    median = float(np.median(known))
    if median >= AUDIO_ONLY_NOVELTY:
        return NetworkChoice(
            True,
            "Predicted without popularity (with the model's network that learned "
            "without it), because this file's tracks are unlike the training "
            f"tracks (median novelty {median:.0f}; {AUDIO_ONLY_NOVELTY:.0f} or "
            "more), and a source's popularity depends on when and where it was "
            "gathered.",
        )
    return NetworkChoice(
        False,
        "Predicted with popularity: this file's tracks are like the training "
        f"tracks (median novelty {median:.0f}, under {AUDIO_ONLY_NOVELTY:.0f}).",
    )


def file_choice(bundle: Bundle, first_rows: pd.DataFrame) -> NetworkChoice:
    """:func:`choose_network` of a file from its first ``CHOICE_ROWS`` rows.

    Args:
        first_rows: the file's first rows (its first typed rows, at least
            ``CHOICE_ROWS`` of them when it has that many).
    """
    if bundle.audio_network is None:
        return NetworkChoice(False, "")
    head = first_rows.iloc[:CHOICE_ROWS]
    usable, _, _, inputs = network_inputs(bundle, head)
    return choose_network(bundle, head, usable, row_novelty(bundle, inputs, usable, 0))


def network_of(bundle: Bundle, choice: NetworkChoice) -> forward.Network:
    """The network a choice names."""
    if choice.audio_only and bundle.audio_network is not None:
        return bundle.audio_network
    return bundle.network


Inputs = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def chosen_inputs(
    bundle: Bundle, typed: pd.DataFrame, choice: NetworkChoice, own: Inputs
) -> Inputs:
    """:func:`network_inputs` for the chosen network.

    ``own`` (the rows' own :func:`network_inputs`) for the main network;
    popularity typical for the network that learned without it.
    """
    if choice.audio_only:
        return inputs_without_popularity(bundle, typed, own)
    return own


def inputs_without_popularity(
    bundle: Bundle, typed: pd.DataFrame, own: Inputs
) -> Inputs:
    """``network_inputs(bundle, without_popularity(typed))``, from ``own``.

    The same values, bit for bit, without preparing the rows again (a tenth
    of predicting a big file with the network that learned without
    popularity): which rows are usable, and why not, does not depend on
    popularity's value; the inputs made from popularity alone (its own and
    its bins: ``Preprocessor.input_sources``) become the typical
    popularity's; and every usable row's typical values name popularity
    first (``Preprocessor.filled_values``' order), unless they did already.

    Args:
        own: the rows' own :func:`network_inputs`.
    """
    usable, reasons, filled, features = own
    preprocessor = bundle.preprocessor
    popularity_only = frozenset(["popularity"])
    columns = [
        position
        for position, sources in enumerate(preprocessor.input_sources)
        if sources == popularity_only
    ]
    rows = np.flatnonzero(usable)
    features = features.copy()
    if len(rows) and columns:
        # One usable row held typical: its popularity inputs are everyone's.
        typical = preprocessor.transform(without_popularity(typed.iloc[rows[:1]]))
        features[np.ix_(rows, np.asarray(columns))] = typical[0, columns]
    typical_popularity = preprocessor.fill_value("popularity")
    note = f"popularity={understanding.value_text(typical_popularity)}"
    known = usable & ~np.isnan(typed["popularity"].to_numpy(dtype=np.float64))
    filled = filled.copy()
    alone = known & (filled == "")
    filled[alone] = note
    filled[known & ~alone] = note + EMPTY_SEPARATOR + filled[known & ~alone]
    return usable, reasons, filled, features


def predict_frame(
    bundle: Bundle,
    typed: pd.DataFrame,
    first_row: int | None = None,
    choice: NetworkChoice | None = None,
) -> pd.DataFrame:
    """Predict every row of a typed frame.

    Args:
        bundle: a trained model bundle.
        typed: a typed frame (label optional).
        first_row: the first row's place in its file when ``typed`` is a
            file's rows (0: from its first), so that a file predicted whole
            or a chunk at a time gives the same bits (``Network.outputs``).
            None for rows of no file (a track on the Predict page): aligning
            pads them to a full block, 48 ms instead of 7 ms for one row.
        choice: the network to use; None: :func:`choose_network` of these rows.

    Returns:
        One row per input row, same index: ``predicted_genre``,
        ``second_genre``, ``reason`` (empty when predicted),
        ``typical_values_used`` (the features the model filled in, with the
        values it used: ``key=G``; empty when none), ``novelty`` (0-100, how
        unlike the training tracks; empty when unknown) and one
        ``p_<Genre>`` column per genre (empty when not predicted).
    """
    own = network_inputs(bundle, typed)
    scores = row_novelty(bundle, own[3], own[0], first_row)
    if choice is None:
        # The rows are the file's first ones, at its first position: what
        # file_choice would compute again.
        whole = first_row == 0 and len(typed) <= CHOICE_ROWS
        choice = (
            choose_network(bundle, typed, own[0], scores)
            if whole
            else file_choice(bundle, typed)
        )
    return predicted_rows(bundle, typed, choice, first_row, own, scores)


def predicted_rows(
    bundle: Bundle,
    typed: pd.DataFrame,
    choice: NetworkChoice,
    first_row: int | None,
    own: Inputs,
    scores: np.ndarray,
) -> pd.DataFrame:
    """:func:`predict_frame` of rows whose own inputs and novelty are known.

    Args:
        own: :func:`network_inputs` of the rows (a chunk's, when the caller
            also adds them to a file's novelty).
        scores: their :func:`row_novelty`.
    """
    usable, reasons, filled, inputs = chosen_inputs(bundle, typed, choice, own)
    probabilities = network_of(bundle, choice).probabilities(inputs, first_row)
    return predictions_from(
        typed.index,
        usable,
        reasons,
        filled,
        probabilities,
        bundle.genres.names,
        scores,
    )


class ScoreKeeper:
    """Scores predictions of a labelled file chunk by chunk.

    See :func:`evaluate_predictions`. It keeps 14 bytes a row (genre,
    predicted genre, a hash of the track, its novelty) and a running count
    of top-2 hits,
    never the rows or their probabilities, so a file of any size can be scored
    while it streams.
    """

    def __init__(self, genres: Genres) -> None:
        self._genres = genres
        self._columns = probability_columns(genres.names)
        self._labels: list[np.ndarray] = []
        self._predicted: list[np.ndarray] = []
        self._tracks: list[np.ndarray] = []
        # Each row's novelty (float32, NaN: unknown), for accuracy by band.
        self._novelty: list[np.ndarray] = []
        self._top2 = 0
        self._named_tracks = True

    def add(self, typed: pd.DataFrame, predictions: pd.DataFrame) -> None:
        """Take one chunk: its typed rows and :func:`predict_frame` of them."""
        labels = label_codes(typed, self._genres)
        predicted = (predictions[REASON] == "").to_numpy()
        probabilities = predictions.loc[predicted, self._columns].to_numpy()
        codes = np.full(len(typed), -1, dtype=np.int64)
        codes[predicted] = probabilities.argmax(axis=1)
        scored = labels[predicted] >= 0
        self._top2 += evaluate.top2_hits(
            labels[predicted][scored], probabilities[scored]
        )
        # int16: a model has at most core.genres.MAX_GENRES genres.
        self._labels.append(labels.astype(np.int16))
        self._predicted.append(codes.astype(np.int16))
        self._novelty.append(
            predictions[NOVELTY].to_numpy(dtype=np.float32)
            if NOVELTY in predictions
            else np.full(len(predictions), np.nan, dtype=np.float32)
        )
        keys = track_keys(typed)
        self._named_tracks = self._named_tracks and keys is not None
        # Hashes, not names: 8 bytes a row whatever the titles' length.
        self._tracks.append(
            pd.util.hash_array(keys.to_numpy(dtype=object))
            if keys is not None
            else typed.index.to_numpy(dtype=np.uint64)
        )

    def merge(self, other: ScoreKeeper) -> None:
        """Take every row another keeper holds (a file's next part), after its own."""
        self._labels.extend(other._labels)
        self._predicted.extend(other._predicted)
        self._tracks.extend(other._tracks)
        self._novelty.extend(other._novelty)
        self._top2 += other._top2
        self._named_tracks = self._named_tracks and other._named_tracks

    def metrics(self) -> dict:
        """The scores of every row added so far (see :func:`evaluate_predictions`)."""
        labels = np.concatenate([np.zeros(0, np.int16), *self._labels]).astype(np.int64)
        codes = np.concatenate([np.zeros(0, np.int16), *self._predicted]).astype(
            np.int64
        )
        predicted = codes >= 0
        scored = predicted & (labels >= 0)
        metrics = evaluate.prediction_scores(
            labels[scored], codes[scored], self._top2, self._genres.names
        )
        metrics["n_unpredictable"] = int((~predicted).sum())
        metrics["n_unlabelled"] = int((predicted & (labels < 0)).sum())
        scores = np.concatenate([np.zeros(0, np.float32), *self._novelty])
        if scored.any() and not np.isnan(scores[scored]).all():
            metrics["by_novelty"] = novelty.accuracy_by_novelty(
                codes[scored] == labels[scored], scores[scored]
            )
        if self._named_tracks and scored.any():
            tracks = np.concatenate(self._tracks)
            listed = evaluate.genre_bits_by_track(tracks, labels, len(self._genres))
            metrics["fusion_accuracy"] = evaluate.fusion_accuracy(
                codes[scored], listed[scored]
            )
        return metrics


def evaluate_predictions(
    typed: pd.DataFrame, predictions: pd.DataFrame, genres: Genres
) -> dict:
    """Score the predictions of a labelled typed frame, over the rows that got one.

    Args:
        genres: the genres of the model that predicted (its merges apply
            to the file's labels).

    Returns:
        :func:`core.evaluate.classification_metrics` plus ``n_unpredictable``
        (rows with no prediction) and ``n_unlabelled`` (rows whose genre is
        missing or none of the model's genres, left out of the scores),
        ``fusion_accuracy`` when artist and title are present, and
        ``by_novelty`` (core.novelty.accuracy_by_novelty) when the model
        measures novelty.
    """
    keeper = ScoreKeeper(genres)
    keeper.add(typed, predictions)
    return keeper.metrics()


# The scores' key saying which of a bundle's two networks predicted the rows.
WITHOUT_POPULARITY = "predicted_without_popularity"


def with_network(scores: dict, bundle: Bundle, choice: NetworkChoice) -> dict:
    """``scores`` and, for a bundle of two networks, which one predicted."""
    if bundle.audio_network is None:
        return scores
    return {**scores, WITHOUT_POPULARITY: choice.audio_only}
