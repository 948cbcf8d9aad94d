"""Encoding and scaling, fitted on the training tracks and applied anywhere.

Everything learned from data (fill values, scaler offsets and factors) lives in
one :class:`Preprocessor`, a small JSON-serialisable object applied unchanged to
test rows, slider values and uploaded files (:mod:`core.features` cleans and
splits the rows before).

scikit-learn is imported inside the functions that fit: it takes about a
second to import, and the Home and Data pages should not pay for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from core import schema, understanding
from core.config import TrainingConfig
from core.errors import DataError
from core.features import UNKNOWN_REASON
from core.tables import (
    EMPTY_COLUMN,
    EMPTY_SEPARATOR,
    PROBLEM_COLUMN,
)

# Skewed features and the small offset added before their logarithm (the
# offset keeps zeros finite and sets how far apart near-zero values stay).
LOG_OFFSETS: dict[str, float] = {
    "duration_ms": 1.0,
    "speechiness": 0.01,
    "liveness": 0.01,
    "instrumentalness": 1e-4,
    "acousticness": 1e-4,
}


def apply_logs(numeric: np.ndarray, log_offsets: dict[str, float]) -> None:
    """Replace the skewed columns of a numeric-feature matrix by their logarithm.

    In place.
    """
    for column, offset in log_offsets.items():
        position = schema.NUMERIC_FEATURES.index(column)
        # Valid values are never negative; the clip guards against -0.0 noise.
        numeric[:, position] = np.log(np.clip(numeric[:, position], 0.0, None) + offset)


@dataclass(frozen=True)
class Preprocessor:
    """The mapping from a typed frame to the network's input matrix.

    All numbers are learned from the training split only.
    """

    # "drop" or "impute": what to do with an unknown value (tempo, duration,
    # key, or any feature's empty cell).
    unknowns: str
    # "scale" (24 key+mode columns) or "key_mode" (12 key columns + mode 0/1).
    key_encoding: str
    # Value put in place of an unknown tempo or duration (empty when
    # dropping); other features are filled with their typical value.
    fill_values: dict[str, float] = field(default_factory=dict)
    # x -> (x - offset) / factor, per numeric column; absent columns pass as is.
    offsets: dict[str, float] = field(default_factory=dict)
    factors: dict[str, float] = field(default_factory=dict)
    # x -> log(x + offset) before scaling, per skewed column (empty = none).
    log_offsets: dict[str, float] = field(default_factory=dict)
    # Piecewise-linear encoding: per numeric column, the sorted edges of its
    # quantile bins (on the values after filling and logarithms, before
    # scaling); bin k's input is 0 below edge k, 1 above edge k+1, linear in
    # between. Empty = off.
    bin_edges: dict[str, list[float]] = field(default_factory=dict)
    # The typical training track: each numeric feature's median (raw units,
    # known values only) and the most common key and mode. The baseline of
    # explanations, and the value a file without a feature column gets.
    # Bundles saved before it existed get schema.TYPICAL_TRACK.
    typical: dict[str, float | str] = field(
        default_factory=lambda: dict(schema.TYPICAL_TRACK)
    )

    @property
    def feature_names(self) -> tuple[str, ...]:
        """The input columns of the network, in order."""
        names = list(schema.NUMERIC_FEATURES)
        if self.unknowns == "impute":
            names += [f"{column}_unknown" for column in schema.COLUMNS_WITH_UNKNOWNS]
        if self.key_encoding == "scale":
            names += [f"scale_{scale}" for scale in schema.SCALES]
        else:
            names += [f"key_{key}" for key in schema.KEYS] + ["mode_minor"]
        return tuple(names) + self.binned_feature_names

    @property
    def binned_feature_names(self) -> tuple[str, ...]:
        """The piecewise-linear bin inputs (the last columns), one per bin."""
        return tuple(
            f"{column}_bin{index}"
            for column, edges in self.bin_edges.items()
            for index in range(len(edges) - 1)
        )

    @property
    def input_sources(self) -> tuple[frozenset[str], ...]:
        """For each input column, the raw features it comes from.

        In ``feature_names`` order. One feature for most (``energy``,
        ``energy_bin3``, ``tempo_unknown``, ``key_A``); key and mode together
        for the study's 24 scale columns.
        Every input depends on its sources only, so a row mixing two tracks'
        features can be assembled from the two tracks' inputs (core.shapley).
        """
        sources = [frozenset([column]) for column in schema.NUMERIC_FEATURES]
        if self.unknowns == "impute":
            sources += [frozenset([column]) for column in schema.COLUMNS_WITH_UNKNOWNS]
        if self.key_encoding == "scale":
            both = frozenset(schema.CATEGORICAL_FEATURES)
            sources += [both] * len(schema.SCALES)
        else:
            sources += [frozenset([schema.KEY_COLUMN])] * len(schema.KEYS)
            sources += [frozenset([schema.MODE_COLUMN])]
        sources += [
            frozenset([column])
            for column, edges in self.bin_edges.items()
            for _ in range(len(edges) - 1)
        ]
        return tuple(sources)

    def gap_filling(self) -> tuple[dict[str, float | str], str]:
        """Each feature's :meth:`fill_value`, and the policy for unknown values."""
        fills = {column: self.fill_value(column) for column in schema.FEATURE_COLUMNS}
        return fills, self.unknowns

    def fill_value(self, column: str) -> float | str:
        """The value an unknown or missing ``column`` gets (a number, or a key or mode).

        Tempo and duration: the fill value learned with the imputer (the
        network also sees that they were unknown); any other feature: the
        typical training track's (its median, or most common key and mode).
        Every bundle has that: bundles saved since the typical track was kept
        (models/default among them) hold the medians of their own training
        split; older ones get schema.TYPICAL_TRACK (the Kaggle dataset's
        medians), as their explanations and a missing popularity column did
        already.
        """
        if column in self.fill_values:
            return self.fill_values[column]
        return self.typical[column]

    def usable_rows(self, typed: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Say which rows can be turned into features, and why the others cannot.

        A model that fills in unknown values uses every row without a problem
        (:meth:`filled_values` says what it filled); a drop model cannot use
        a row with an unknown value or an empty cell.

        Returns:
            A boolean mask of usable rows and a reason per row ("" when usable).
        """
        reasons = typed[PROBLEM_COLUMN].to_numpy(dtype=object).copy()
        if self.unknowns == "drop":
            self._drop_reasons(typed, reasons)
        return reasons == "", reasons

    def _drop_reasons(self, typed: pd.DataFrame, reasons: np.ndarray) -> None:
        """Give a drop model's reasons, in place, to rows it cannot use."""
        if EMPTY_COLUMN in typed.columns:
            # An empty cell keeps the reason it had before models filled
            # them in ("energy is empty"); an empty tempo or duration is an
            # unknown one (below), as it always was.
            empty = typed[EMPTY_COLUMN].to_numpy(dtype=object)
            for row in np.flatnonzero((reasons == "") & (empty != "")):
                said = [
                    f"{column} is empty"
                    for column in empty[row].split(EMPTY_SEPARATOR)
                    if column not in schema.COLUMNS_WITH_UNKNOWNS
                ]
                reasons[row] = "; ".join(said)
        # Unknown tempo, duration or key (empty or not): a missing popularity
        # column is filled by any model (transform), so it is not listed.
        columns = (*schema.COLUMNS_WITH_UNKNOWNS, schema.KEY_COLUMN)
        unknown_columns = [typed[column].isna().to_numpy() for column in columns]
        for row in np.flatnonzero(
            (reasons == "") & np.logical_or.reduce(unknown_columns)
        ):
            names = [
                column
                for column, unknown in zip(columns, unknown_columns, strict=True)
                if unknown[row]
            ]
            reasons[row] = UNKNOWN_REASON.format(columns=" and ".join(names))

    def filled_values(self, typed: pd.DataFrame, usable: np.ndarray) -> np.ndarray:
        """Per row, each feature :meth:`transform` fills in and the value it uses.

        E.g. ``instrumentalness=0.000157, key=G`` ("" when none, and for
        rows not usable): an empty cell, an unknown tempo, duration or key,
        a column the file lacks.
        """
        notes = np.full(len(typed), "", dtype=object)
        for column in schema.FEATURE_COLUMNS:
            rows = np.flatnonzero(typed[column].isna().to_numpy() & usable)
            if not len(rows):
                continue  # most columns of most chunks: nothing to name
            said = f"{column}={understanding.value_text(self.fill_value(column))}"
            notes[rows] = [
                f"{note}{EMPTY_SEPARATOR}{said}" if note else said
                for note in notes[rows]
            ]
        return notes

    def transform(self, typed: pd.DataFrame) -> np.ndarray:
        """Turn usable rows of a typed frame into the network's float32 inputs.

        Args:
            typed: rows that :meth:`usable_rows` accepts.

        Returns:
            A matrix of shape (rows, len(feature_names)).
        """
        # copy=True: under pandas copy-on-write the array may be a read-only view.
        numeric = typed[list(schema.NUMERIC_FEATURES)].to_numpy(
            dtype=np.float64, copy=True
        )
        # An empty cell, or a column the file did not have (only a fillable
        # one gets this far: core.data refuses the others), takes the typical
        # training value; tempo and duration are filled below, with their
        # indicator inputs. (A drop model gets no empty cell: usable_rows.)
        for position, column in enumerate(schema.NUMERIC_FEATURES):
            if column in schema.COLUMNS_WITH_UNKNOWNS:
                continue
            missing = np.isnan(numeric[:, position])
            if missing.any():
                numeric[missing, position] = float(self.fill_value(column))
        indicators = []
        if self.unknowns == "impute":
            for column in schema.COLUMNS_WITH_UNKNOWNS:
                position = schema.NUMERIC_FEATURES.index(column)
                unknown = np.isnan(numeric[:, position])
                numeric[unknown, position] = self.fill_values[column]
                indicators.append(unknown)
        apply_logs(numeric, self.log_offsets)
        # Each block is computed in float64 and written straight into its
        # columns of the float32 matrix (the same rounding as one astype at
        # the end, without a float64 copy of the whole matrix).
        inputs = np.empty((len(typed), len(self.feature_names)), dtype=np.float32)
        self._encode_bins(numeric, inputs[:, inputs.shape[1] - self._bin_count :])
        for position, column in enumerate(schema.NUMERIC_FEATURES):
            if column in self.offsets:
                numeric[:, position] = (
                    numeric[:, position] - self.offsets[column]
                ) / self.factors[column]
        start = numeric.shape[1]
        inputs[:, :start] = numeric
        if indicators:
            inputs[:, start : start + len(indicators)] = np.column_stack(indicators)
            start += len(indicators)
        key_mode = self._encode_key_mode(typed)
        inputs[:, start : start + key_mode.shape[1]] = key_mode
        return inputs

    @property
    def _bin_count(self) -> int:
        return sum(len(edges) - 1 for edges in self.bin_edges.values())

    def _encode_bins(self, numeric: np.ndarray, out: np.ndarray) -> None:
        """Write the piecewise-linear bin inputs into ``out`` (one column per bin)."""
        start = 0
        for column, edges in self.bin_edges.items():
            lower = np.asarray(edges[:-1])
            widths = np.diff(edges)
            values = numeric[:, [schema.NUMERIC_FEATURES.index(column)]]
            out[:, start : start + len(lower)] = np.clip(
                (values - lower) / widths, 0.0, 1.0
            )
            start += len(lower)

    def _encode_key_mode(self, typed: pd.DataFrame) -> np.ndarray:
        key_index = pd.Categorical(
            typed[schema.KEY_COLUMN], categories=schema.KEYS
        ).codes.astype(np.int64)
        # No key detected (-1): the typical training key (usable_rows keeps
        # such rows from a drop model's predictions).
        key_index[key_index < 0] = schema.KEYS.index(
            str(self.fill_value(schema.KEY_COLUMN))
        )
        # An empty mode: the typical training mode.
        modes = typed[schema.MODE_COLUMN].fillna(self.fill_value(schema.MODE_COLUMN))
        minor = (modes == "Minor").to_numpy()
        if self.key_encoding == "scale":
            columns = key_index + minor * len(schema.KEYS)
            width = len(schema.SCALES)
        else:
            columns = key_index
            width = len(schema.KEYS)
        one_hot = np.zeros((len(typed), width), dtype=np.float64)
        one_hot[np.arange(len(typed)), columns] = 1.0
        if self.key_encoding == "key_mode":
            one_hot = np.column_stack([one_hot, minor.astype(np.float64)])
        return one_hot

    def to_dict(self) -> dict[str, object]:
        """Return the preprocessor as JSON-ready values."""
        return {
            "unknowns": self.unknowns,
            "key_encoding": self.key_encoding,
            "fill_values": dict(self.fill_values),
            "offsets": dict(self.offsets),
            "factors": dict(self.factors),
            "log_offsets": dict(self.log_offsets),
            "bin_edges": {
                column: list(edges) for column, edges in self.bin_edges.items()
            },
            "typical": dict(self.typical),
            "feature_names": list(self.feature_names),
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Preprocessor:
        """Rebuild a preprocessor saved by :meth:`to_dict`.

        Raises:
            ValueError: a value is missing or of the wrong kind.
        """
        preprocessor = cls(
            unknowns=str(values["unknowns"]),
            key_encoding=str(values["key_encoding"]),
            fill_values={k: float(v) for k, v in dict(values["fill_values"]).items()},
            offsets={k: float(v) for k, v in dict(values["offsets"]).items()},
            factors={k: float(v) for k, v in dict(values["factors"]).items()},
            # Absent from bundles saved before log transforms existed.
            log_offsets={
                k: float(v) for k, v in dict(values.get("log_offsets", {})).items()
            },
            # Absent from bundles saved before binned inputs existed.
            bin_edges={
                str(column): [float(edge) for edge in edges]
                for column, edges in dict(values.get("bin_edges", {})).items()
            },
            typical=_typical_from_dict(values.get("typical")),
        )
        if list(values.get("feature_names", [])) != list(preprocessor.feature_names):
            raise ValueError("the feature list does not match this version")
        if preprocessor.unknowns == "impute" and set(preprocessor.fill_values) != set(
            schema.COLUMNS_WITH_UNKNOWNS
        ):
            raise ValueError("fill values are missing")
        for column, edges in preprocessor.bin_edges.items():
            if column not in schema.NUMERIC_FEATURES:
                raise ValueError(f"bin edges for an unknown column {column!r}")
            if len(edges) < 2 or not np.all(np.diff(edges) > 0):
                raise ValueError(f"the bin edges of {column} are not increasing")
        return preprocessor


def _typical_from_dict(values: object) -> dict[str, float | str]:
    """A saved typical track, checked.

    Absent (older bundles): ``schema.TYPICAL_TRACK``.
    """
    if values is None:
        return dict(schema.TYPICAL_TRACK)
    if not isinstance(values, dict) or set(values) != set(schema.FEATURE_COLUMNS):
        raise ValueError("the typical track does not name every feature")
    typical: dict[str, float | str] = {
        column: float(values[column]) for column in schema.NUMERIC_FEATURES
    }
    if values[schema.KEY_COLUMN] not in schema.KEYS:
        raise ValueError("the typical track's key is not a key")
    if values[schema.MODE_COLUMN] not in schema.MODES:
        raise ValueError("the typical track's mode is not a mode")
    typical[schema.KEY_COLUMN] = str(values[schema.KEY_COLUMN])
    typical[schema.MODE_COLUMN] = str(values[schema.MODE_COLUMN])
    return typical


def typical_track(rows: pd.DataFrame) -> dict[str, float | str]:
    """The medians (known values) and most common key and mode of typed rows.

    Features with no known value keep ``schema.TYPICAL_TRACK``'s.
    """
    typical = dict(schema.TYPICAL_TRACK)
    for column in schema.NUMERIC_FEATURES:
        median = rows[column].median()
        if pd.notna(median):
            typical[column] = float(median)
    for column in schema.CATEGORICAL_FEATURES:
        counts = rows[column].value_counts()
        if len(counts):
            typical[column] = str(counts.index[0])
    return typical


def fit_preprocessor(train: pd.DataFrame, config: TrainingConfig) -> Preprocessor:
    """Learn fill values and scaling from the training rows only.

    Args:
        train: cleaned training rows.
        config: decides the unknown policy, key encoding and scaling.

    Returns:
        The fitted preprocessor.
    """
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    numeric = train[list(schema.NUMERIC_FEATURES)].to_numpy(dtype=np.float64)
    fill_values: dict[str, float] = {}
    if config.unknowns == "impute":
        # SimpleImputer silently drops a column with no known value at all
        # (any feature may have empty cells).
        for column in schema.NUMERIC_FEATURES:
            if train[column].isna().all():
                raise DataError(
                    f"Every training row's {column} is unknown, so there is "
                    "nothing to fill it in from; use a file with known values."
                )
        imputer = SimpleImputer(strategy=config.impute_strategy)
        numeric = imputer.fit_transform(numeric)
        for column in schema.COLUMNS_WITH_UNKNOWNS:
            position = schema.NUMERIC_FEATURES.index(column)
            fill_values[column] = float(imputer.statistics_[position])
    log_offsets = dict(LOG_OFFSETS) if config.log_skewed else {}
    if log_offsets:
        # Fill values stay raw (transform applies them first); the scaler sees logs.
        apply_logs(numeric, log_offsets)
    bin_edges: dict[str, list[float]] = {}
    if config.numeric_bins:
        quantiles = np.linspace(0.0, 1.0, config.numeric_bins + 1)
        for position, column in enumerate(schema.NUMERIC_FEATURES):
            # Repeated edges (a column with few distinct values) would make
            # empty bins of width 0: they are merged.
            edges = np.unique(np.quantile(numeric[:, position], quantiles))
            if edges.size >= 2:
                bin_edges[column] = [float(edge) for edge in edges]
    if config.scaling == "study_minmax":
        scaled = list(schema.STUDY_SCALED_FEATURES)
        positions = [schema.NUMERIC_FEATURES.index(c) for c in scaled]
        minmax = MinMaxScaler().fit(numeric[:, positions])
        offsets = minmax.data_min_
        factors = minmax.data_range_
    else:
        scaled = list(schema.NUMERIC_FEATURES)
        standard = StandardScaler().fit(numeric)
        offsets = standard.mean_
        factors = standard.scale_
    # A constant column has range 0: leave it unscaled rather than divide by 0.
    safe_factors = np.where(factors > 0, factors, 1.0)
    return Preprocessor(
        unknowns=config.unknowns,
        key_encoding=config.key_encoding,
        fill_values=fill_values,
        offsets={c: float(o) for c, o in zip(scaled, offsets, strict=True)},
        factors={c: float(f) for c, f in zip(scaled, safe_factors, strict=True)},
        log_offsets=log_offsets,
        bin_edges=bin_edges,
        typical=typical_track(train),
    )
