"""Groups of tracks where the model fails more often than overall.

A shallow scikit-learn decision tree is fit on whether each track was
predicted right or wrong, from the features people understand (the audio
features and popularity, in their own units), as Microsoft's Responsible AI
error-analysis tree and Deepchecks' weak segments do. Each leaf is a group:
a rule of 1 to 3 conditions ("energy above 0.80 and speechiness below
0.10") holding at least ``min_share`` of the tracks, with its error rate and
its lift (error rate / overall error rate). The leaves split the tracks, so
their counts add up to the whole.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core import schema
from core.bundle import Bundle
from core.errors import GenreLabError
from core.held_out import HeldOut, held_out_predictions

# What the rules may speak of: numbers people can read in their own units.
# Key and mode are left out: a rule "key is not C#, D or F" reads as noise.
SEGMENT_FEATURES: tuple[str, ...] = schema.NUMERIC_FEATURES
MIN_SHARE = 0.02
MAX_CONDITIONS = 3
# Columns of segments_table(), in order.
SEGMENT_COLUMNS = ["rule", "tracks", "errors", "error_rate", "share", "lift"]

# --- the words people read --------------------------------------------------------

_FEATURE_WORDS = {"duration_ms": "duration"}


def feature_words(feature: str) -> str:
    """A feature's name in a rule: ``duration_ms`` reads "duration"."""
    return _FEATURE_WORDS.get(feature, feature)


def value_words(feature: str, value: float) -> str:
    """A threshold in the feature's own unit: "0.80", "45", "-7.5 dB", "3.5 min"."""
    if feature == "duration_ms":
        return f"{value / 60_000:.1f} min"
    if feature == "loudness":
        return f"{value:.1f} dB"
    if feature == "tempo":
        return f"{value:.0f} BPM"
    if feature == "popularity":
        return f"{value:.0f}"
    return f"{value:.2f}"


def condition_words(
    feature: str, lower: float | None, upper: float | None, unknown: bool
) -> str:
    """One condition: "energy above 0.80", "tempo from 90 to 120 BPM or unknown"."""
    name = feature_words(feature)
    if lower is not None and upper is not None:
        text = (
            f"{name} from {value_words(feature, lower)} "
            f"to {value_words(feature, upper)}"
        )
    elif lower is not None:
        text = f"{name} above {value_words(feature, lower)}"
    else:
        assert upper is not None  # a condition has at least one bound
        text = f"{name} below {value_words(feature, upper)}"
    return f"{text} or unknown" if unknown else text


def rule_words(conditions: list[str]) -> str:
    """Conditions joined: "energy above 0.80 and speechiness below 0.10"."""
    return " and ".join(conditions)


def segment_reading(lift: float, share: float, tracks_named: str) -> str:
    """One sentence on a group, e.g. "Wrong 2.1x as often as overall, 6% of test
    tracks."

    Args:
        lift: the group's error rate divided by the overall error rate.
        share: the group's share of the tracks scored.
        tracks_named: what the tracks scored are ("test tracks", "tracks").
    """
    if lift >= 1.05:
        how_often = f"Wrong {lift:.1f}x as often as overall"
    elif lift > 0.95:
        how_often = "Wrong about as often as overall"
    else:
        how_often = f"Wrong only {lift:.1f}x as often as overall"
    return f"{how_often}, {share:.0%} of {tracks_named}."


def check_min_share(min_share: float) -> None:
    """Refuse a smallest group that is no share of the tracks, in plain words.

    Raises:
        GenreLabError: ``min_share`` outside (0, 0.5].
    """
    if not 0 < min_share <= 0.5:
        raise GenreLabError(
            "The smallest group must be a share of the tracks above 0 and at "
            f"most 0.5 (0.02 is 2%), not {min_share:g}."
        )


# --- the groups ---------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """One condition of a rule, on one feature, in the feature's own unit."""

    feature: str
    # Values above ``lower`` (exclusive) and at most ``upper``; None: no bound.
    lower: float | None
    upper: float | None
    # Whether rows with an unknown value (tempo, duration) meet it too: the
    # tree sends them to one side of each split.
    unknown: bool

    @property
    def words(self) -> str:
        """The condition in words (thresholds rounded to their unit)."""
        return condition_words(self.feature, self.lower, self.upper, self.unknown)

    def matches(self, rows: pd.DataFrame) -> np.ndarray:
        """Which rows meet the condition (exact thresholds, not the rounded words)."""
        values = rows[self.feature].to_numpy(dtype=np.float64)
        inside = np.ones(len(rows), dtype=bool)
        with np.errstate(invalid="ignore"):
            if self.lower is not None:
                inside &= values > self.lower
            if self.upper is not None:
                inside &= values <= self.upper
        unknown = np.isnan(values)
        return (inside & ~unknown) | (unknown & self.unknown)


@dataclass(frozen=True)
class Segment:
    """A group of tracks: its rule and how often the model was wrong in it."""

    conditions: tuple[Condition, ...]
    tracks: int
    errors: int

    @property
    def rule(self) -> str:
        """The rule in words."""
        return rule_words([condition.words for condition in self.conditions])

    @property
    def error_rate(self) -> float:
        """Share of the group's tracks the model got wrong."""
        return self.errors / self.tracks

    def matches(self, rows: pd.DataFrame) -> np.ndarray:
        """Which rows the rule holds for."""
        inside = np.ones(len(rows), dtype=bool)
        for condition in self.conditions:
            inside &= condition.matches(rows)
        return inside


@dataclass(frozen=True)
class SegmentReport:
    """The groups of a file's tracks, best first, and what they were taken from."""

    segments: tuple[Segment, ...]
    # Tracks scored (the rows kept by core.held_out) and how many were wrong.
    tracks: int
    errors: int
    held_out: HeldOut | None = None

    @property
    def error_rate(self) -> float | None:
        """The overall error rate; None without a track."""
        return self.errors / self.tracks if self.tracks else None

    def lift(self, segment: Segment) -> float:
        """A group's error rate over the overall one (1: as often as overall)."""
        overall = self.error_rate
        return segment.error_rate / overall if overall else 0.0

    def share(self, segment: Segment) -> float:
        """A group's share of the tracks scored."""
        return segment.tracks / self.tracks

    def rows_of(self, segment: Segment) -> pd.Index:
        """The group's rows: their index in the file (the held-out rows' index)."""
        if self.held_out is None:
            return pd.Index([], dtype=np.int64)
        rows = self.held_out.rows
        return rows.index[segment.matches(rows)]

    def reading(self, segment: Segment) -> str:
        """One sentence on a group (:func:`segment_reading`)."""
        named = (
            "test tracks"
            if self.held_out is not None and self.held_out.test_split
            else "tracks"
        )
        return segment_reading(self.lift(segment), self.share(segment), named)


def _leaf_conditions(
    tree, path: list[tuple[int, bool]], has_unknowns: np.ndarray
) -> tuple[Condition, ...]:
    """A leaf's path as conditions, several splits on one feature merged into one.

    ``has_unknowns``: per feature, whether any row had it unknown; for the
    others, where the tree would send an unknown value is moot, and unsaid.
    """
    bounds: dict[str, list] = {}
    for node, went_left in path:
        feature = SEGMENT_FEATURES[tree.feature[node]]
        threshold = float(tree.threshold[node])
        lower, upper, unknown = bounds.get(feature, [None, None, True])
        # scikit-learn: a value at most the threshold goes left; an unknown
        # value goes where missing_go_to_left says.
        goes_left_if_unknown = bool(tree.missing_go_to_left[node])
        if went_left:
            upper = threshold if upper is None else min(upper, threshold)
        else:
            lower = threshold if lower is None else max(lower, threshold)
        unknown = (
            unknown
            and goes_left_if_unknown == went_left
            and bool(has_unknowns[tree.feature[node]])
        )
        bounds[feature] = [lower, upper, unknown]
    return tuple(
        Condition(feature, lower, upper, unknown)
        for feature, (lower, upper, unknown) in bounds.items()
    )


def _paths(tree) -> dict[int, list[tuple[int, bool]]]:
    """Each leaf's path from the root: (node, went left) pairs."""
    paths: dict[int, list[tuple[int, bool]]] = {}
    waiting: list[tuple[int, list[tuple[int, bool]]]] = [(0, [])]
    while waiting:
        node, path = waiting.pop()
        left, right = tree.children_left[node], tree.children_right[node]
        if left == right:  # a leaf
            paths[node] = path
            continue
        waiting.append((left, [*path, (node, True)]))
        waiting.append((right, [*path, (node, False)]))
    return paths


def error_segments(
    rows: pd.DataFrame,
    wrong: np.ndarray,
    min_share: float = MIN_SHARE,
    max_conditions: int = MAX_CONDITIONS,
    seed: int = 0,
) -> list[Segment]:
    """The groups of ``rows`` a shallow tree fit on right/wrong finds, best first.

    Args:
        rows: a frame with the ``SEGMENT_FEATURES`` columns (unknown tempo or
            duration as NaN).
        wrong: whether the model was wrong on each row.
        min_share: the smallest group, as a share of the rows (0 to 0.5).
        max_conditions: the tree's depth: at most this many splits per rule.
        seed: seeds the tree's choice between equally good splits.

    Returns:
        The tree's leaves, highest lift first, then the largest; every row is
        in exactly one. Empty when there is nothing to split: no row, or the
        model right (or wrong) on every row.

    Raises:
        GenreLabError: ``min_share`` outside (0, 0.5] (a ValueError).
        ValueError: rows and wrong differ in length.
    """
    from sklearn.tree import DecisionTreeClassifier

    check_min_share(min_share)
    wrong = np.asarray(wrong, dtype=bool)
    if len(wrong) != len(rows):
        raise ValueError("rows and wrong must have one entry per row")
    errors = int(wrong.sum())
    if errors == 0 or errors == len(wrong):
        return []
    values = rows[list(SEGMENT_FEATURES)].to_numpy(dtype=np.float64)
    smallest = max(1, math.ceil(min_share * len(rows)))
    tree = DecisionTreeClassifier(
        max_depth=max_conditions, min_samples_leaf=smallest, random_state=seed
    ).fit(values, wrong)
    structure = tree.tree_
    if structure.node_count == 1:
        return []
    paths = _paths(structure)
    leaf_of_row = tree.apply(values)
    has_unknowns = np.isnan(values).any(axis=0)
    segments = [
        Segment(
            conditions=_leaf_conditions(structure, paths[leaf], has_unknowns),
            tracks=int((leaf_of_row == leaf).sum()),
            errors=int(wrong[leaf_of_row == leaf].sum()),
        )
        for leaf in paths
    ]
    segments.sort(key=lambda segment: (-segment.error_rate, -segment.tracks))
    return segments


def file_segments(
    bundle: Bundle, typed: pd.DataFrame, min_share: float = MIN_SHARE
) -> SegmentReport:
    """The groups of a labelled file's tracks where the model fails, best first.

    The rows scored are those of :func:`core.held_out.held_out_predictions`:
    rows the model can predict and whose genre is known, and only the test
    tracks when the file is the model's own training data.
    """
    return segments_of(held_out_predictions(bundle, typed), min_share)


def segments_of(held_out: HeldOut, min_share: float = MIN_SHARE) -> SegmentReport:
    """The groups of out-of-sample predictions where the model fails, best first.

    Args:
        held_out: :func:`core.held_out.held_out_predictions` of a file.
        min_share: the smallest group, as a share of the rows (0 to 0.5).
    """
    wrong = held_out.wrong
    return SegmentReport(
        segments=tuple(error_segments(held_out.rows, wrong, min_share)),
        tracks=len(wrong),
        errors=int(wrong.sum()),
        held_out=held_out,
    )


def segments_table(report: SegmentReport) -> pd.DataFrame:
    """The groups as a table: ``SEGMENT_COLUMNS`` plus ``reading``, best first."""
    return pd.DataFrame(
        [
            {
                "rule": segment.rule,
                "tracks": segment.tracks,
                "errors": segment.errors,
                "error_rate": segment.error_rate,
                "share": report.share(segment),
                "lift": report.lift(segment),
                "reading": report.reading(segment),
            }
            for segment in report.segments
        ],
        columns=[*SEGMENT_COLUMNS, "reading"],
    )


# --- the error rate over two features ----------------------------------------------

GRID_BINS = 5
# A cell with fewer tracks than this has no error rate: too few to say.
MIN_CELL_TRACKS = 20
# Columns of error_grid(), in order.
GRID_COLUMNS = [
    "x_bin",
    "y_bin",
    "x_order",
    "y_order",
    "tracks",
    "errors",
    "error_rate",
]


def feature_bins(values: pd.Series, feature: str, bins: int = GRID_BINS) -> pd.Series:
    """Each value's bin (quantiles of the known values), labelled in its unit.

    Labels read "0.20 to 0.45" (or "below 0.20" / "above 0.80" at the ends);
    an unknown value's bin is NaN. Fewer bins when values repeat (popularity,
    a feature that is mostly 0).

    Raises:
        ValueError: ``bins`` below 1.
    """
    if bins < 1:
        raise ValueError("bins must be at least 1")
    known = values.dropna().to_numpy(dtype=np.float64)
    if known.size == 0:
        return pd.Series(pd.Categorical([None] * len(values)), index=values.index)
    edges = np.unique(np.quantile(known, np.linspace(0, 1, bins + 1)))
    # Edges that read the same once rounded to the unit would make two bins
    # of one label: keep the first of them.
    inner_edges: list[float] = []
    for edge in edges[1:-1]:
        if not inner_edges or value_words(feature, edge) != value_words(
            feature, inner_edges[-1]
        ):
            inner_edges.append(float(edge))
    inner = np.asarray(inner_edges, dtype=np.float64)
    labels = []
    for number in range(inner.size + 1):
        if inner.size == 0:
            labels.append("every value")
        elif number == 0:
            labels.append(f"up to {value_words(feature, inner[0])}")
        elif number == inner.size:
            labels.append(f"above {value_words(feature, inner[-1])}")
        else:
            labels.append(
                f"{value_words(feature, inner[number - 1])} to "
                f"{value_words(feature, inner[number])}"
            )
    positions = np.searchsorted(inner, values.to_numpy(dtype=np.float64), side="left")
    codes = np.where(values.isna().to_numpy(), -1, positions)
    return pd.Series(
        # pandas takes any list of categories; the stubs want an Index.
        pd.Categorical.from_codes(codes, categories=labels, ordered=True),  # type: ignore[call-overload]
        index=values.index,
    )


def error_grid(
    rows: pd.DataFrame,
    wrong: np.ndarray,
    feature_x: str,
    feature_y: str,
    bins: int = GRID_BINS,
    min_tracks: int = MIN_CELL_TRACKS,
) -> pd.DataFrame:
    """How often the model is wrong in each pair of bins of two features.

    Args:
        rows: a frame with both features (unknown values as NaN; such rows
            are left out).
        wrong: whether the model was wrong on each row.
        feature_x, feature_y: two of ``SEGMENT_FEATURES`` (may be the same).
        bins: quantile bins per feature.
        min_tracks: a cell with fewer tracks gets no error rate (NaN).

    Returns:
        ``GRID_COLUMNS``: one row per pair of bins (every pair, empty ones
        with 0 tracks), ``x_order`` and ``y_order`` the bins' positions.

    Raises:
        ValueError: a feature not in ``SEGMENT_FEATURES``, or rows and wrong
            of different lengths.
    """
    for feature in (feature_x, feature_y):
        if feature not in SEGMENT_FEATURES:
            raise ValueError(f"{feature} is not one of {', '.join(SEGMENT_FEATURES)}")
    wrong = np.asarray(wrong, dtype=bool)
    if len(wrong) != len(rows):
        raise ValueError("rows and wrong must have one entry per row")
    x_bins = feature_bins(rows[feature_x], feature_x, bins)
    y_bins = feature_bins(rows[feature_y], feature_y, bins)
    frame = pd.DataFrame({"x_bin": x_bins, "y_bin": y_bins, "wrong": wrong})
    counted = (
        frame.groupby(["x_bin", "y_bin"], observed=False)["wrong"]
        .agg(tracks="size", errors="sum")
        .reset_index()
    )
    counted["x_order"] = counted["x_bin"].cat.codes.astype(int)
    counted["y_order"] = counted["y_bin"].cat.codes.astype(int)
    counted["x_bin"] = counted["x_bin"].astype(str)
    counted["y_bin"] = counted["y_bin"].astype(str)
    counted["tracks"] = counted["tracks"].astype(int)
    counted["errors"] = counted["errors"].astype(int)
    enough = counted["tracks"] >= max(1, min_tracks)
    counted["error_rate"] = np.where(
        enough, counted["errors"] / counted["tracks"].clip(lower=1), np.nan
    )
    return counted[GRID_COLUMNS].sort_values(["y_order", "x_order"], ignore_index=True)
