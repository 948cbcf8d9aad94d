"""Metrics, confusion matrices and comparisons, as plain dicts (JSON-ready).

scikit-learn is imported where the metrics are computed: it takes over a
second to import, and predicting a file without labels never needs it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from core.genres import Genres
from core.tables import label_codes, track_keys

# Top-2 accuracy is reported for models of at least this many genres: with
# two, every track's genre is among the two likeliest.
TOP2_MIN_GENRES = 3


def classification_metrics(
    labels: np.ndarray, probabilities: np.ndarray, genres: Sequence[str]
) -> dict:
    """Score predicted probabilities against true genre indices.

    Args:
        labels: true genre indices (into ``genres``), one per row.
        probabilities: shape (rows, genres), one probability per genre.
        genres: the model's genres, in the order of its outputs.

    Returns:
        ``accuracy``, ``top2_accuracy``, ``macro_f1``, ``n_rows``,
        ``confusion_matrix`` (counts; rows = true genre, columns = predicted),
        ``genres`` (the order of rows and columns) and ``per_genre``
        (precision, recall, f1, support for each genre).
    """
    labels = np.asarray(labels)
    probabilities = np.asarray(probabilities)
    return prediction_scores(
        labels,
        probabilities.argmax(axis=1) if len(labels) else labels,
        top2_hits(labels, probabilities),
        genres,
    )


def top2_hits(labels: np.ndarray, probabilities: np.ndarray) -> int:
    """How many rows have their true genre among the two likeliest.

    Ties as scikit-learn.
    """
    from sklearn.metrics import top_k_accuracy_score

    if len(labels) == 0 or probabilities.shape[1] < TOP2_MIN_GENRES:
        return 0
    return int(
        top_k_accuracy_score(
            labels,
            probabilities,
            k=2,
            labels=np.arange(probabilities.shape[1]),
            normalize=False,
        )
    )


def prediction_scores(
    labels: np.ndarray, predicted: np.ndarray, top2: int, genres: Sequence[str]
) -> dict:
    """:func:`classification_metrics` from the predicted genres and the top-2 hit count.

    What a file streamed chunk by chunk needs to keep: two small integers a
    row, not ten probabilities.
    """
    from sklearn.metrics import (
        accuracy_score,
        classification_report,
        confusion_matrix,
        f1_score,
    )

    labels = np.asarray(labels)
    predicted = np.asarray(predicted)
    genres = list(genres)
    codes = np.arange(len(genres))
    if len(labels) == 0:
        return {
            "accuracy": None,
            "top2_accuracy": None,
            "macro_f1": None,
            "n_rows": 0,
            "confusion_matrix": np.zeros((len(genres),) * 2, dtype=int).tolist(),
            "genres": genres,
            "per_genre": {},
        }
    report = classification_report(
        labels,
        predicted,
        labels=codes,
        target_names=[str(code) for code in codes],
        output_dict=True,
        zero_division=0,
    )
    return {
        "accuracy": float(accuracy_score(labels, predicted)),
        "top2_accuracy": (
            top2 / len(labels) if len(genres) >= TOP2_MIN_GENRES else None
        ),
        # Averaged over the genres the scored rows hold: a genre absent from
        # the file (e.g. the eight of the ten a two-genre file lacks) would
        # otherwise count as an F1 of 0 (issue 30: 0.273 where the genres
        # present score 0.304). A genre predicted but absent still lowers
        # the precision of the genres present.
        "macro_f1": float(
            f1_score(
                labels,
                predicted,
                labels=np.unique(labels),
                average="macro",
                zero_division=0,
            )
        ),
        "macro_f1_genres": int(len(np.unique(labels))),
        "n_rows": int(len(labels)),
        "confusion_matrix": confusion_matrix(labels, predicted, labels=codes).tolist(),
        "genres": genres,
        # Keyed by code, not name: scikit-learn's report has keys of its own
        # ("accuracy", "macro avg") that a genre may be called.
        "per_genre": {
            genre: {
                "precision": float(report[str(code)]["precision"]),
                "recall": float(report[str(code)]["recall"]),
                "f1": float(report[str(code)]["f1-score"]),
                "support": int(report[str(code)]["support"]),
            }
            for code, genre in enumerate(genres)
        },
    }


def matrix_lines(matrix: list[list[int]], genres: list[str]) -> list[str]:
    """A confusion matrix as aligned plain text: a header, then a line per true genre.

    For a terminal: each column is as wide as its genre's name or its
    largest count. A line for each genre the rows hold, a column for each
    genre they hold or were predicted as.
    """
    counts = np.asarray(matrix, dtype=int)
    columns = [
        (index, max(len(genres[index]), len(str(counts[:, index].max()))))
        for index in range(len(genres))
        if counts[index].sum() or counts[:, index].sum()
    ]
    corner = "true \\ predicted"
    label_width = max([len(corner)] + [len(genres[index]) for index, _ in columns])
    lines = [
        corner.ljust(label_width)
        + "".join(f"  {genres[index]:>{width}}" for index, width in columns)
    ]
    for row, _ in columns:
        if not counts[row].sum():
            continue
        lines.append(
            genres[row].ljust(label_width)
            + "".join(f"  {counts[row, index]:>{width}}" for index, width in columns)
        )
    return lines


def most_confused_pairs(
    matrix: list[list[int]], genres: Sequence[str], top: int = 5
) -> pd.DataFrame:
    """The off-diagonal cells with the most rows: which genres get mixed up.

    Returns:
        Columns ``true_genre``, ``predicted_genre``, ``tracks`` and ``share``
        (of the true genre's rows), most confused first.
    """
    counts = np.asarray(matrix, dtype=float)
    row_totals = counts.sum(axis=1)
    cells = [
        (
            genres[i],
            genres[j],
            int(counts[i, j]),
            counts[i, j] / row_totals[i] if row_totals[i] else 0.0,
        )
        for i in range(len(counts))
        for j in range(len(counts))
        if i != j and counts[i, j] > 0
    ]
    cells.sort(key=lambda cell: cell[2], reverse=True)
    return pd.DataFrame(
        cells[:top], columns=["true_genre", "predicted_genre", "tracks", "share"]
    )


def most_confused_genres(
    matrix: list[list[int]], genres: Sequence[str], top: int
) -> list[str]:
    """The ``top`` genres most involved in mix-ups, most first.

    A genre's mix-ups are its tracks called another genre plus the tracks
    of other genres called it: the rows and columns worth looking at in a
    matrix too large to read whole.
    """
    counts = np.asarray(matrix, dtype=float)
    off = counts - np.diag(np.diag(counts))
    involvement = off.sum(axis=0) + off.sum(axis=1)
    order = np.argsort(-involvement, kind="stable")
    return [genres[i] for i in order[:top]]


def matrix_part(
    matrix: list[list[int]], genres: Sequence[str], chosen: Sequence[str]
) -> np.ndarray:
    """The rows and columns of ``chosen`` genres (in that order) of a matrix."""
    index = [list(genres).index(genre) for genre in chosen]
    return np.asarray(matrix)[np.ix_(index, index)]


def normalise_rows(matrix: list[list[int]]) -> np.ndarray:
    """Each row divided by its total: the share of a true genre given each label."""
    counts = np.asarray(matrix, dtype=float)
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)


def overfitting_reading(train_accuracy: float, test_accuracy: float) -> str:
    """One plain sentence on the gap between training and test accuracy."""
    # Rounded so that an exact 3- or 10-point gap (0.56 - 0.53 is 0.0300...03 in
    # floating point) reads the same as the "within 3 points" it is.
    gap = round(train_accuracy - test_accuracy, 9)
    points = gap * 100
    if gap > 0.10:
        return (
            f"Training accuracy is {points:.1f} points above test accuracy: the "
            "model memorises its training tracks (over-fitting). Try fewer "
            "epochs, more dropout, or early stopping."
        )
    if gap > 0.03:
        return (
            f"Training accuracy is {points:.1f} points above test accuracy: "
            "slight over-fitting, usual for a network of this size."
        )
    return (
        f"Training and test accuracy are within {abs(points):.1f} points: the "
        "model does as well on new tracks as on the ones it learned from "
        "(no over-fitting)."
    )


# Genres a 64-bit mask holds; a model of more genres keeps Python integers.
_INT64_GENRES = 62


def genre_bits_by_track(
    track_ids: np.ndarray, labels: np.ndarray, n_genres: int
) -> np.ndarray:
    """For each row, a bit mask of every genre its track is listed under.

    Bit ``g`` is set when some row of the same track has genre index ``g``
    (rows with an unknown genre, -1, add nothing). Vectorised: a groupby with
    a Python aggregate per track took about 1 s on the full file, paid by
    every training run.

    Args:
        track_ids: one identifier per row (any hashable values); rows with
            the same identifier are the same track.
        labels: genre index per row (-1 when unknown).
        n_genres: the model's genres: past 62 the masks are Python integers
            (an object array), which hold any number of bits.
    """
    track_index, _ = pd.factorize(np.asarray(track_ids))
    labels = np.asarray(labels, dtype=np.int64)
    labelled = (track_index >= 0) & (labels >= 0)
    if n_genres > _INT64_GENRES:
        wide = [0] * (int(track_index.max(initial=-1)) + 1)
        for track, label in zip(
            track_index[labelled].tolist(), labels[labelled].tolist(), strict=True
        ):
            wide[track] |= 1 << label
        listed = np.array(wide + [0], dtype=object)
        return listed[np.where(track_index >= 0, track_index, len(wide))]
    masks = np.zeros(int(track_index.max(initial=-1)) + 1, dtype=np.int64)
    np.bitwise_or.at(masks, track_index[labelled], np.int64(1) << labels[labelled])
    return np.where(track_index >= 0, masks[np.maximum(track_index, 0)], 0)


def listed_genre_bits(typed: pd.DataFrame, genres: Genres) -> np.ndarray:
    """:func:`genre_bits_by_track` of a typed frame, tracks as core.tables.track_keys.

    Without track ids or names every row is a track of its own.
    """
    track = track_keys(typed)
    ids = np.arange(len(typed)) if track is None else track.to_numpy()
    return genre_bits_by_track(ids, label_codes(typed, genres), len(genres))


def genres_of_bits(bits: int, genres: Sequence[str]) -> list[str]:
    """The genre names a bit mask of :func:`genre_bits_by_track` stands for."""
    return [genre for code, genre in enumerate(genres) if int(bits) >> code & 1]


def fusion_accuracy(predicted: np.ndarray, listed_bits: np.ndarray) -> float | None:
    """Share of rows whose predicted genre is among those the track is listed under.

    Args:
        predicted: predicted genre index per row.
        listed_bits: :func:`genre_bits_by_track` of the same rows.
    """
    predicted = np.asarray(predicted, dtype=np.int64)
    if len(predicted) == 0:
        return None
    listed_bits = np.asarray(listed_bits)
    if listed_bits.dtype == object:
        # Python integers shift by Python integers only.
        predicted = predicted.astype(object)
    return float(((listed_bits >> predicted) & 1).astype(np.int64).mean())


# For the annotations of the bootstrap helpers below.
from collections.abc import Callable  # noqa: E402


def bootstrap_interval(
    values: np.ndarray,
    groups: np.ndarray | None = None,
    statistic: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float] | None:
    """A seeded percentile-bootstrap interval of a metric over rows.

    Each resample draws as many rows as there are, with replacement, and
    computes the metric on them; the interval holds the middle ``level`` of
    those values. With ``groups`` (e.g. one track id per row) whole groups
    are drawn instead, as many as there are: the rows of one track (the same
    song listed under several genres) are not independent, and drawing them
    one by one would misstate the spread.

    Args:
        values: one number per row (the metric is their mean: pass each
            row's 0/1 hit for top-1 or top-2 accuracy), or a matrix with one
            row per row for ``statistic``.
        groups: optional group label per row (a missing label is a group of
            its own).
        statistic: None for the mean; else a function of a batch of
            resamples' column totals of ``values`` (resamples x columns) and
            their row counts (resamples) that returns one value per resample,
            e.g. :func:`macro_f1_of_cells`.
        resamples: number of bootstrap resamples.
        level: coverage of the interval (0.95: the 2.5% and 97.5% quantiles).
        seed: seeds the resampling, so the same inputs give the same interval.

    Returns:
        The interval's lower and upper bound; None when there is no row.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level}")
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, not {resamples}")
    values = np.asarray(values, dtype=np.float64)
    if values.shape[0] == 0:
        return None
    columns = values.reshape(values.shape[0], -1)
    if statistic is None:
        if columns.shape[1] != 1:
            raise ValueError("a matrix of values needs a statistic")

        def statistic(totals: np.ndarray, rows: np.ndarray) -> np.ndarray:
            return totals[:, 0] / rows

    if groups is None:
        index = np.arange(len(columns))
    else:
        index, _ = pd.factorize(np.asarray(groups))
        if len(index) != len(columns):
            raise ValueError("values and groups must have one entry per row")
        lone = index < 0
        index[lone] = index.max(initial=-1) + 1 + np.arange(int(lone.sum()))
    count = int(index.max()) + 1
    group_totals = np.zeros((count, columns.shape[1]))
    np.add.at(group_totals, index, columns)
    group_rows = np.bincount(index, minlength=count).astype(np.float64)
    generator = np.random.default_rng(seed)
    metrics = np.empty(resamples)
    # About 4 million draws at a time: memory stays small for any row count.
    chunk = max(1, 4_000_000 // count)
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        drawn = generator.integers(0, count, size=(size, count))
        # How often each group was drawn in each resample.
        weights = (
            np.bincount(
                (drawn + count * np.arange(size)[:, None]).ravel(),
                minlength=size * count,
            )
            .reshape(size, count)
            .astype(np.float64)
        )  # float: BLAS multiplies it
        metrics[start : start + size] = statistic(
            weights @ group_totals, weights @ group_rows
        )
    tail = (1 - level) / 2
    low, high = np.quantile(metrics, [tail, 1 - tail])
    return float(low), float(high)


def macro_f1_of_cells(totals: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Macro F1 of confusion-matrix cells, one set of cells per line.

    ``totals[:, true * 10 + predicted]`` counts the rows of each cell (for
    :func:`bootstrap_interval`, ``values`` is then each row's one-hot cell).
    Averaged over the genres that occur, true or predicted, as
    :func:`classification_metrics` does. ``rows`` is unused.
    """
    cells = np.asarray(totals, dtype=np.float64)
    genres = round(np.sqrt(cells.shape[-1]))
    cells = cells.reshape(-1, genres, genres)
    hits = np.diagonal(cells, axis1=1, axis2=2)
    occurrences = cells.sum(axis=2) + cells.sum(axis=1)  # true + predicted
    f1 = np.divide(
        2 * hits, occurrences, out=np.zeros_like(hits), where=occurrences > 0
    )
    present = occurrences > 0
    return (f1 * present).sum(axis=1) / np.maximum(present.sum(axis=1), 1)
