"""How unlike the training tracks a track is: its novelty, 0-100 (issue 25).

A track's novelty is the percentile of its distance to the training tracks,
in the model's input space (the preprocessor's output), among the training
tracks' own distances: 50 is a typical training track, 99 is stranger than
almost every one. A prediction for a track with high novelty is one the
model has little to go on, whatever its probabilities say.

What is kept from training (:class:`NoveltyReference`, saved in the bundle):

- **prototypes**: the centres of ``PROTOTYPES`` k-means clusters of
  (at most ``PLACING_ROWS`` of) half of the training tracks' inputs. A
  track's distance is its distance to the nearest prototype. Centres, not
  tracks: each is the mean of at least ``MIN_MEMBERS`` tracks (smaller
  clusters are dropped), so a bundle (and ``models/default`` in git) holds
  no row of the data, and a million rows are measured against at most 256
  points in about a second.
- **reference distances**: quantiles of the distances of the *other* half
  of the training tracks to those prototypes. Those tracks did not place
  the prototypes, so their distances are what a new track from the same
  source gets (the leave-one-out idea): the percentile of a new track's
  distance among them is its novelty, and tracks like the training ones
  have a median novelty near 50.
- **input means and spreads** of the plain (not binned) inputs, for
  comparing a whole file's features with the training tracks'
  (:func:`feature_shifts`).

Bundles saved without a reference (before issue 25) have no novelty: the
column is left empty ("unknown"), as no distance can be turned into a
percentile without the training tracks' own distances.
``python -m core calibrate-novelty`` adds one to such a bundle without
touching its network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

# k-means clusters of the training inputs whose centres are kept.
PROTOTYPES = 256
# Training tracks that place the prototypes, at most (a random draw of the
# first half), and k-means' iterations: a second of one core, not minutes.
# On a trial split the Kaggle test tracks' median novelty was 51.5 with
# 4,000 tracks and 50 iterations, 50.7 with all 20,229 and 300 (docs/model.md).
PLACING_ROWS = 4_000
KMEANS_ITERATIONS = 50
# Tracks a prototype is the mean of, at least: a smaller cluster's centre
# would be (nearly) one track's inputs, which a bundle must not hold.
MIN_MEMBERS = 5
# Quantiles of the reference distances kept (0%, 0.1%, ..., 100%).
REFERENCE_QUANTILES = 1001
# Novelty from which a track counts as unusual (stranger than 95% of the
# training tracks): Batch predict's share and Predict's warning.
UNUSUAL = 95.0
# Rows whose distances are computed at once (a 16,384 x 256 float32 block,
# 16 MB: as fast as 4 times more rows, in a quarter of the memory).
BLOCK_ROWS = 16_384
# Rows of a block when rows are computed at their place in a file: the
# network's (core.forward.BLOCK_ROWS), so that a chunk of a file
# (core.reading.CHUNK_ROWS, 5 blocks) is computed without padding.
FILE_BLOCK_ROWS = 2_048
# A file's feature whose mean lies this many training standard deviations
# from the training mean is named as different.
NOTABLE_SHIFT = 0.25
# Novelty bands of the accuracy-by-novelty tables: [low, high).
NOVELTY_BANDS = ((0.0, 50.0), (50.0, 75.0), (75.0, 95.0), (95.0, 100.1))
# Column of the predictions table.
NOVELTY = "novelty"


@dataclass(frozen=True)
class NoveltyReference:
    """What novelty needs from the training tracks (no track itself)."""

    # (PROTOTYPES, inputs) float32: k-means centres of half the training inputs.
    prototypes: np.ndarray
    # REFERENCE_QUANTILES ascending quantiles of the other half's distances.
    reference_distances: np.ndarray
    # Names of the plain inputs compared by feature_shifts, their training
    # means and standard deviations (in input units: after logs and scaling).
    shift_features: tuple[str, ...]
    input_means: np.ndarray
    input_spreads: np.ndarray

    def to_dict(self) -> dict[str, object]:
        """JSON-ready values (float32 precision is all the distances need)."""
        return {
            "prototypes": [[_short(v) for v in row] for row in self.prototypes],
            "reference_distances": [float(v) for v in self.reference_distances],
            "shift_features": list(self.shift_features),
            "input_means": [float(v) for v in self.input_means],
            "input_spreads": [float(v) for v in self.input_spreads],
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> NoveltyReference:
        """Rebuild from :meth:`to_dict`.

        Raises:
            ValueError: missing or inconsistent values.
        """
        prototypes = np.asarray(values["prototypes"], dtype=np.float32)
        distances = np.asarray(values["reference_distances"], dtype=np.float64)
        names = tuple(str(name) for name in values["shift_features"])
        means = np.asarray(values["input_means"], dtype=np.float64)
        spreads = np.asarray(values["input_spreads"], dtype=np.float64)
        if (
            prototypes.ndim != 2
            or prototypes.shape[0] == 0
            or distances.ndim != 1
            or distances.size < 2
            or np.any(np.diff(distances) < 0)
            or not len(names) == means.size == spreads.size
        ):
            raise ValueError("the novelty reference is inconsistent")
        return cls(prototypes, distances, names, means, spreads)


def _short(value: float) -> float:
    # Seven significant digits: float32's precision, a third of the JSON.
    return float(f"{value:.7g}")


def plain_inputs(feature_names: tuple[str, ...]) -> list[int]:
    """Positions of the inputs that are a feature itself (not a bin or a key)."""
    from core import schema

    return [
        position
        for position, name in enumerate(feature_names)
        if name in schema.NUMERIC_FEATURES
    ]


def nearest_distances(
    prototypes: np.ndarray, inputs: np.ndarray, first_row: int | None = None
) -> np.ndarray:
    """Each row's Euclidean distance to its nearest prototype (float64).

    ``first_row``: the first row's place in its file. Given, the rows are
    computed at their file position in full blocks, as the network's are
    (``core.forward.Network.outputs``): a row's bits then do not depend on
    how the file was cut into chunks or parts (float32 products do depend
    on a row's place in its block).
    """
    block_rows, count, lead = BLOCK_ROWS, len(inputs), 0
    if first_row is not None:
        block_rows = FILE_BLOCK_ROWS
        lead = first_row % block_rows
        size = -(-(lead + len(inputs)) // block_rows) * block_rows
        padded = np.zeros((size, inputs.shape[1]), dtype=np.float32)
        padded[lead : lead + len(inputs)] = inputs
        inputs = padded
    centres = np.asarray(prototypes, dtype=np.float32)
    # |x - c|^2 = |x|^2 - 2 x.c + |c|^2: one matrix product per block, the
    # -2 folded into the centres and |c|^2 added in place (no temporaries).
    doubled = -2.0 * centres.T
    centre_norms = (centres * centres).sum(axis=1)
    result = np.empty(len(inputs), dtype=np.float64)
    for start in range(0, len(inputs), block_rows):
        block = np.asarray(inputs[start : start + block_rows], dtype=np.float32)
        squared = block @ doubled
        squared += centre_norms
        nearest = squared.min(axis=1)
        nearest += np.einsum("ij,ij->i", block, block)
        result[start : start + len(block)] = np.sqrt(np.maximum(nearest, 0.0))
    return result[lead : lead + count]


def fit_reference(
    train_inputs: np.ndarray, feature_names: tuple[str, ...], seed: int
) -> NoveltyReference:
    """Learn the novelty reference from the training tracks' network inputs.

    Args:
        train_inputs: the preprocessor's output for the training rows.
        feature_names: the preprocessor's input names, in column order.
        seed: seeds the halves and k-means.

    Raises:
        ValueError: fewer than two training rows.
    """
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    inputs = np.asarray(train_inputs, dtype=np.float32)
    if len(inputs) < 2:
        raise ValueError("novelty needs at least two training tracks")
    order = np.random.default_rng(seed).permutation(len(inputs))
    placing, measured = np.array_split(order, 2)
    placing = placing[:PLACING_ROWS]
    clusters = max(1, min(PROTOTYPES, len(placing) // MIN_MEMBERS))
    kmeans = KMeans(
        n_clusters=clusters,
        n_init=1,
        max_iter=KMEANS_ITERATIONS,
        random_state=seed,
    )
    # One thread: on a shared 2-core machine k-means' OpenMP threads, spinning
    # against other work, took 2 minutes for what one thread does in seconds.
    with threadpool_limits(limits=1, user_api="openmp"):
        fitted = kmeans.fit(inputs[placing])
    members = np.bincount(fitted.labels_, minlength=clusters)
    kept = fitted.cluster_centers_[members >= MIN_MEMBERS]
    # Too few tracks for any such cluster: their mean is the one prototype.
    prototypes = (
        kept if len(kept) else inputs[placing].mean(axis=0, keepdims=True)
    ).astype(np.float32)
    distances = nearest_distances(prototypes, inputs[measured])
    positions = plain_inputs(feature_names)
    plain = inputs[:, positions].astype(np.float64)
    return NoveltyReference(
        prototypes=prototypes,
        reference_distances=np.quantile(
            distances, np.linspace(0.0, 1.0, REFERENCE_QUANTILES)
        ),
        shift_features=tuple(feature_names[p] for p in positions),
        input_means=plain.mean(axis=0),
        input_spreads=plain.std(axis=0),
    )


def novelty_scores(
    reference: NoveltyReference | None,
    inputs: np.ndarray,
    usable: np.ndarray,
    first_row: int | None = None,
) -> np.ndarray:
    """Each row's novelty, 0-100 (NaN: no reference, or a row not predicted).

    Args:
        reference: the bundle's reference (None: bundles saved without one).
        inputs: the network's inputs, a row per row.
        usable: which rows are predicted (the others get NaN).
        first_row: the first row's place in its file (see
            :func:`nearest_distances`); None: rows of no file.
    """
    scores = np.full(len(inputs), np.nan)
    if reference is None or not usable.any():
        return scores
    if first_row is not None:
        distances = nearest_distances(reference.prototypes, inputs, first_row)[usable]
    else:
        # Every row of a file's chunk is usually usable: no copy then.
        rows = inputs if usable.all() else inputs[usable]
        distances = nearest_distances(reference.prototypes, rows)
    levels = np.linspace(0.0, 100.0, len(reference.reference_distances))
    scores[usable] = np.interp(distances, reference.reference_distances, levels)
    return scores


class FileNovelty:
    """A file's novelty and feature means, gathered a chunk at a time.

    Keeps counts and sums, never rows, so a file of any size can stream.
    """

    def __init__(self, reference: NoveltyReference | None) -> None:
        self.reference = reference
        self.rows = 0
        self.unusual = 0
        self._sums = None if reference is None else np.zeros(len(reference.input_means))
        self._positions: list[int] | None = None

    def add(
        self,
        inputs: np.ndarray,
        usable: np.ndarray,
        scores: np.ndarray,
        feature_names: tuple[str, ...],
    ) -> None:
        """Take one chunk's network inputs, usable rows and novelty scores."""
        if self.reference is None or self._sums is None:
            return
        if self._positions is None:
            self._positions = [
                feature_names.index(name) for name in self.reference.shift_features
            ]
        self.rows += int(usable.sum())
        self.unusual += int((scores[usable] >= UNUSUAL).sum())
        # The plain columns first: a chunk's 11 columns copied, not its 112.
        plain = inputs[:, self._positions][usable]
        self._sums += plain.sum(axis=0, dtype=np.float64)

    def merge(self, other: FileNovelty) -> None:
        """Take the counts and sums of another part of the same file."""
        if self._sums is None or other._sums is None:
            return
        self.rows += other.rows
        self.unusual += other.unusual
        self._sums += other._sums

    def summary(self) -> FileSummary | None:
        """The file's share of unusual tracks and feature shifts (None: unknown)."""
        if self.reference is None or self._sums is None or self.rows == 0:
            return None
        means = self._sums / self.rows
        return FileSummary(
            rows=self.rows,
            unusual_share=self.unusual / self.rows,
            shifts=feature_shifts(self.reference, means),
        )


@dataclass(frozen=True)
class FileSummary:
    """How unlike the training tracks a whole file is."""

    # Rows scored (predicted rows).
    rows: int
    # Share of them with novelty >= UNUSUAL (about 5% for tracks like the
    # training ones).
    unusual_share: float
    # Feature -> (file mean - training mean) / training standard deviation,
    # largest first by size.
    shifts: dict[str, float]


def feature_shifts(
    reference: NoveltyReference, file_means: np.ndarray
) -> dict[str, float]:
    """Each plain feature's standardised mean shift, largest (in size) first."""
    spreads = np.where(reference.input_spreads > 0, reference.input_spreads, 1.0)
    shifts = (np.asarray(file_means) - reference.input_means) / spreads
    order = np.argsort(-np.abs(shifts), kind="stable")
    return {reference.shift_features[i]: float(shifts[i]) for i in order}


def accuracy_by_novelty(correct: np.ndarray, novelty_scores: np.ndarray) -> list[dict]:
    """Rows and accuracy in each of :data:`NOVELTY_BANDS` (rows with a novelty)."""
    bands = []
    for low, high in NOVELTY_BANDS:
        inside = (novelty_scores >= low) & (novelty_scores < high)
        bands.append(
            {
                "band": f"{low:.0f}-{min(high, 100.0):.0f}",
                "rows": int(inside.sum()),
                "top1": float(correct[inside].mean()) if inside.any() else None,
            }
        )
    return bands


# What Batch predict says above a file's accuracy by novelty band.
BAND_SENTENCE = (
    "How often the model was right, by novelty (0-100: how unlike the tracks "
    "it learned from; 50 is typical). Where it is right less often as novelty "
    "rises, trust the predictions of the file's unusual tracks less."
)


def band_table(bands: list[dict]) -> pd.DataFrame:
    """:func:`accuracy_by_novelty` as a table for people (Batch predict)."""
    return pd.DataFrame(
        {
            "novelty": [band["band"] for band in bands],
            "tracks": [band["rows"] for band in bands],
            "right": [
                "n/a" if band["top1"] is None else f"{band['top1']:.1%}"
                for band in bands
            ],
        }
    )


def file_is_unusual(summary: FileSummary) -> bool:
    """True when a file has twice the training tracks' share of unusual ones."""
    return summary.unusual_share >= 2 * (1 - UNUSUAL / 100)


def shift_table(summary: FileSummary) -> pd.DataFrame:
    """The file's feature shifts as a table, largest first (Batch predict)."""
    return pd.DataFrame(
        {
            "feature": list(summary.shifts),
            "file mean - training mean (standard deviations)": [
                round(shift, 2) for shift in summary.shifts.values()
            ],
        }
    )


def novelty_sentence(score: float) -> str:
    """What a track's novelty means for trusting its prediction, in words."""
    if score != score:  # NaN
        return "Novelty unknown: this model was saved without its training reference."
    if score >= UNUSUAL:
        return (
            f"Novelty {score:.0f}/100: unlike most tracks the model learned from "
            "(stranger than {:.0%} of them): trust it less.".format(score / 100)
        )
    if score >= 75:
        return (
            f"Novelty {score:.0f}/100: less usual than most training tracks, "
            "but within their range."
        )
    return f"Novelty {score:.0f}/100: like the tracks the model learned from."


def file_sentences(summary: FileSummary) -> list[str]:
    """A file's share of unusual tracks and its most different features, in words."""
    expected = 1 - UNUSUAL / 100
    sentences = [
        f"{summary.unusual_share:.1%} of the {summary.rows:,} predicted tracks are "
        f"unlike the training tracks (novelty {UNUSUAL:.0f} or more; about "
        f"{expected:.0%} for tracks like them): trust their predictions less."
    ]
    notable = [
        f"{name} {'higher' if shift > 0 else 'lower'} ({abs(shift):.2f} standard "
        "deviations)"
        for name, shift in summary.shifts.items()
        if abs(shift) >= NOTABLE_SHIFT
    ][:3]
    if notable:
        sentences.append(
            "Most different from the training tracks, on average: "
            + "; ".join(notable)
            + "."
        )
    else:
        sentences.append(
            "On average every feature is close to the training tracks' "
            f"(within {NOTABLE_SHIFT} standard deviations)."
        )
    return sentences
