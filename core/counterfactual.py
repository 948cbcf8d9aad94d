"""What would make it another genre: the smallest change that puts a genre on top.

Given one track and a genre, find new values for the features a person has
not locked such that the model's top genre becomes that genre, changing as
few features as possible and each as little as possible.

How it searches, and why this way. The network's inputs include quantile
bins (piecewise-linear, flat beyond their edges) and logarithms, so the
gradient is zero or jumps in many places; following it would need the chain
rule through the preprocessor and would still land on values that need
rounding. Instead this is a DiCE-style greedy (beam) coordinate search over
*raw* values, scored exactly by the NumPy network in batches:

1. each free feature gets a grid of candidate values, laid out in the model's
   own standardised space (after its logarithm: the training tracks' mean
   plus or minus a few standard deviations, and its quantile-bin edges),
   kept within the feature's real range and on the slider's steps when given;
2. every input column depends on its own raw feature only
   (``Preprocessor.input_sources``; key and mode are never changed here), so
   a candidate's inputs are the track's inputs with one feature's columns
   replaced: the grid is preprocessed once, candidates are assembled;
3. level 1 tries every single-feature change; if none puts the genre on
   top, the best few (by how close the genre is to the top) are extended by a
   second feature, and so on: fewest features first;
4. among the changes that reach the genre at the first level that has any,
   the smallest (in units of each feature's spread) is kept, then shrunk
   feature by feature on a finer grid towards the track's own value, and
   features that are no longer needed go back to their value.

A change's size is measured like ``core.songs.differences``: in the model's
scaled inputs, i.e. standard deviations of the (log) feature over the
training tracks (a quarter of the range counts as one with the study's 0-1
scaling). Measured on the shipped model (benchmarks/bench_counterfactual.py):
about 0.1 s of CPU per track (worst 0.2 s), against a budget of 1 s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core import schema, wording
from core.bundle import Bundle
from core.errors import DataError
from core.genres import Genres
from core.tables import track_rows

# Key and mode stay as they are: a key change is rarely what "sounds like
# another genre" means, and the model barely uses them.
SEARCHED: tuple[str, ...] = schema.NUMERIC_FEATURES
# The genre must lead the next one by this much probability, so that the
# answer survives rounding of the written values and BLAS's last bits (a row
# predicted alone or in a batch may differ in its last float32 bits).
MIN_MARGIN = 0.01
# Grid points per feature on the coarse search; finer grid when shrinking.
COARSE_POINTS = 15
FINE_POINTS = 20
# Partial changes carried from one level to the next.
BEAM_WIDTH = 6
# Standard deviations either side of the training mean the grid spans (within
# the feature's real range).
SPREAD_LIMIT = 3.0
# The columns python -m core counterfactual adds.
TARGET_GENRE = "target_genre"
REACHED = "reached"
CHANGES = "changes"
# Units of the change sentence, by feature.
_UNITS = {"tempo": " BPM", "loudness": " dB", "duration_ms": " min"}


@dataclass(frozen=True)
class Change:
    """One feature's change: from its value to the new one, and its size."""

    feature: str
    old: float
    new: float
    # In units of the feature's spread (see the module docstring).
    size: float


@dataclass(frozen=True)
class Counterfactual:
    """The answer for one track."""

    # The genre asked for.
    genre: str
    # Every feature's value after the change (key and mode included).
    values: dict[str, float | str]
    # Whether the genre is now on top (by at least MIN_MARGIN).
    reached: bool
    # The changed features, biggest change first.
    changes: tuple[Change, ...]
    # The model's probabilities for the new values, in its genres' order.
    probabilities: np.ndarray


def change_sentence(result: Counterfactual) -> str:
    """The answer in words.

    E.g. "make it Jazz: more acoustic (+0.30), less energy (-0.25), slower
    (-20 BPM)"; "it is already Jazz"; or, when no change within the ranges
    gets there, "no change within the real ranges makes it Jazz; closest: ...".
    """
    if not result.changes:
        if result.reached:
            return f"it is already {result.genre}"
        return f"no change of the unlocked features makes it {result.genre}"
    words = []
    for change in result.changes:
        said = wording.FEATURE_WORDS[change.feature]
        more, less = said.more, said.less
        delta = change.new - change.old
        unit = _UNITS.get(change.feature, "")
        if change.feature == "duration_ms":
            amount = f"{delta / 60_000:+.2f}"
        elif change.feature in ("tempo", "popularity"):
            amount = f"{delta:+.0f}"
        elif change.feature == "loudness":
            amount = f"{delta:+.1f}"
        elif abs(delta) < 0.01:
            amount = f"{delta:+.3f}"
        else:
            amount = f"{delta:+.2f}"
        words.append(f"{more if delta > 0 else less} ({amount}{unit})")
    listed = ", ".join(words)
    if result.reached:
        return f"make it {result.genre}: {listed}"
    return (
        f"no change within the real ranges makes it {result.genre}; the closest: "
        f"{listed}"
    )


def _row_frame(values: dict[str, float | str], count: int) -> pd.DataFrame:
    """``count`` rows of the track (:func:`core.tables.track_rows`), to overwrite."""
    track = track_rows([values])
    return track.iloc[np.zeros(count, dtype=np.intp)].reset_index(drop=True)


class _Search:
    """The track's inputs and each free feature's candidate values, preprocessed."""

    def __init__(
        self,
        bundle: Bundle,
        values: dict[str, float | str],
        genre: str,
        free: list[str],
        bounds: dict[str, tuple[float, float]],
        steps: dict[str, float],
    ) -> None:
        self.bundle = bundle
        self.values = values
        self.target = bundle.genres.index(genre)
        self.free = free
        self.bounds = bounds
        self.steps = steps
        preprocessor = bundle.preprocessor
        names = preprocessor.feature_names
        sources = preprocessor.input_sources
        self.columns = {
            feature: np.array(
                [i for i, source in enumerate(sources) if source == {feature}]
            )
            for feature in free
        }
        self.scaled_column = {feature: names.index(feature) for feature in free}
        self.unit = 1.0 if bundle.config.scaling == "standard" else 0.25
        self.base = preprocessor.transform(_row_frame(values, 1))[0]
        # An unknown value is measured from the value the model fills in.
        self.own_scaled = {f: float(self.base[self.scaled_column[f]]) for f in free}

    def _to_model_space(self, feature: str, raw: np.ndarray) -> np.ndarray:
        offset = self.bundle.preprocessor.log_offsets.get(feature)
        return raw if offset is None else np.log(np.clip(raw, 0.0, None) + offset)

    def _from_model_space(self, feature: str, value: np.ndarray) -> np.ndarray:
        offset = self.bundle.preprocessor.log_offsets.get(feature)
        return value if offset is None else np.exp(value) - offset

    def _on_range(self, feature: str, raw: np.ndarray) -> np.ndarray:
        low, high = self.bounds[feature]
        step = self.steps.get(feature)
        raw = np.clip(raw, low, high)
        if step:
            raw = np.clip(low + np.round((raw - low) / step) * step, low, high)
            raw = np.round(raw, 9)
        return np.unique(raw)

    def coarse_grid(self, feature: str) -> np.ndarray:
        """Candidate raw values of a feature, laid out in the model's space."""
        preprocessor = self.bundle.preprocessor
        low, high = self.bounds[feature]
        span_low, span_high = self._to_model_space(feature, np.array([low, high]))
        if feature in preprocessor.bin_edges:  # training min and max, after logs
            edges = np.asarray(preprocessor.bin_edges[feature])
            span_low, span_high = max(span_low, edges[0]), min(span_high, edges[-1])
        elif feature in preprocessor.offsets and self.bundle.config.scaling == (
            "standard"
        ):
            mean, spread = preprocessor.offsets[feature], preprocessor.factors[feature]
            span_low = max(span_low, mean - SPREAD_LIMIT * spread)
            span_high = min(span_high, mean + SPREAD_LIMIT * spread)
        points = [np.linspace(span_low, span_high, COARSE_POINTS)]
        if feature in preprocessor.bin_edges:
            points.append(np.asarray(preprocessor.bin_edges[feature]))
        grid = self._from_model_space(feature, np.concatenate(points))
        return self._on_range(feature, grid)

    def own_value(self, feature: str) -> float:
        """The track's value of a feature (an unknown one: the model's fill value)."""
        own = float(self.values[feature])
        if np.isnan(own):
            own = float(self.bundle.preprocessor.fill_value(feature))
        return own

    def fine_grid(self, feature: str, towards: float) -> np.ndarray:
        """Raw values between the track's own value and ``towards``."""
        own = self.own_value(feature)
        ends = self._to_model_space(feature, np.array([own, towards]))
        grid = self._from_model_space(
            feature, np.linspace(ends[0], ends[1], FINE_POINTS)
        )
        return self._on_range(feature, grid)

    def encode(
        self, grids: dict[str, np.ndarray]
    ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per feature, its input columns at each raw value and each change's size.

        Every feature's values go through the preprocessor in one frame.
        """
        lengths = [len(raw) for raw in grids.values()]
        frame = _row_frame(self.values, sum(lengths))
        start = 0
        for feature, raw in grids.items():
            frame.loc[start : start + len(raw) - 1, feature] = raw
            start += len(raw)
        inputs = self.bundle.preprocessor.transform(frame)
        result = {}
        start = 0
        for feature, raw in grids.items():
            block = inputs[start : start + len(raw)]
            start += len(raw)
            scaled = block[:, self.scaled_column[feature]].astype(np.float64)
            sizes = np.abs(scaled - self.own_scaled[feature]) / self.unit
            result[feature] = (block[:, self.columns[feature]], sizes)
        return result

    def score(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Probabilities, whether the genre leads by MIN_MARGIN, and its lead."""
        probabilities = self.bundle.network.probabilities(inputs)
        others = np.delete(probabilities, self.target, axis=1).max(axis=1)
        lead = probabilities[:, self.target] - others
        return probabilities, lead >= MIN_MARGIN, lead


@dataclass
class _State:
    """A partial change: feature -> (raw value, size), and its inputs."""

    chosen: dict[str, tuple[float, float]]
    inputs: np.ndarray

    @property
    def cost(self) -> float:
        return float(sum(size for _, size in self.chosen.values()))


def _expand(
    search: _Search,
    states: list[_State],
    grids: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> list[_State]:
    """Every state extended by one more free feature at each of its grid values."""
    extended = []
    for state in states:
        for feature in search.free:
            if feature in state.chosen:
                continue
            raw, columns, sizes = grids[feature]
            inputs = np.repeat(state.inputs[np.newaxis], len(raw), axis=0)
            inputs[:, search.columns[feature]] = columns
            for position in range(len(raw)):
                extended.append(
                    _State(
                        {
                            **state.chosen,
                            feature: (float(raw[position]), float(sizes[position])),
                        },
                        inputs[position],
                    )
                )
    return extended


def _with(search: _Search, state: _State, feature: str, raw, columns, sizes):
    """The state with one feature set to each of several values (or reverted)."""
    result = []
    for position in range(len(raw)):
        inputs = state.inputs.copy()
        inputs[search.columns[feature]] = columns[position]
        chosen = dict(state.chosen)
        if sizes[position] == 0.0:
            chosen.pop(feature, None)
        else:
            chosen[feature] = (float(raw[position]), float(sizes[position]))
        result.append(_State(chosen, inputs))
    return result


def _shrink(search: _Search, state: _State) -> _State:
    """Move changed features back towards the track while the genre stays on top."""
    for _ in range(2 * len(search.free)):
        candidates: list[_State] = []
        fine = {
            feature: search.fine_grid(feature, raw_value)
            for feature, (raw_value, _size) in state.chosen.items()
        }
        encoded = search.encode(fine) if fine else {}
        for feature, raw in fine.items():
            columns, sizes = encoded[feature]
            # Reverting the feature entirely: its own inputs.
            own_columns = search.base[search.columns[feature]][np.newaxis]
            candidates += _with(
                search, state, feature, [np.nan], own_columns, np.array([0.0])
            )
            candidates += _with(search, state, feature, raw, columns, sizes)
        if not candidates:
            break
        _, reached, _ = search.score(np.stack([c.inputs for c in candidates]))
        better = [
            candidate
            for candidate, ok in zip(candidates, reached, strict=True)
            if ok
            and (
                len(candidate.chosen) < len(state.chosen)
                or candidate.cost < state.cost - 1e-9
            )
        ]
        if not better:
            break
        state = min(better, key=lambda c: (len(c.chosen), c.cost))
    return state


def check_request(
    genre: str, locked: tuple[str, ...] | list[str], genres: Genres
) -> None:
    """Refuse a genre that is not the model's or a lock on a feature that is not one.

    Args:
        genres: the model's genres.

    Raises:
        DataError: in words.
    """
    genres.index(genre)
    unknown = [name for name in locked if name not in schema.FEATURE_COLUMNS]
    if unknown:
        raise DataError(
            f"Cannot lock {', '.join(unknown)}: the features are "
            f"{', '.join(schema.FEATURE_COLUMNS)}."
        )


def counterfactual(
    bundle: Bundle,
    values: dict[str, float | str],
    genre: str,
    locked: tuple[str, ...] | list[str] = (),
    bounds: dict[str, tuple[float, float]] | None = None,
    steps: dict[str, float] | None = None,
    max_changes: int = 4,
) -> Counterfactual:
    """The smallest change of a track's free features that puts ``genre`` on top.

    Args:
        bundle: the model.
        values: the track's raw values, every name of ``schema.FEATURE_COLUMNS``
            (NaN for an unknown tempo or duration).
        genre: the genre wanted on top.
        locked: features that must stay as they are (key and mode always do).
        bounds: per numeric feature, the lowest and highest raw value allowed
            (e.g. the Predict sliders' ranges); ``schema.VALUE_RANGES`` for
            the others.
        steps: per numeric feature, a raw step the new values must sit on (the
            sliders' steps); none by default.
        max_changes: the most features changed at once.

    Returns:
        The new values, whether the genre is on top, and the changes; when no
        change gets there, the closest try found, with ``reached`` False.

    Raises:
        DataError: the genre or a locked feature is unknown, or the model
            cannot predict the track.
    """
    check_request(genre, locked, bundle.genres)
    row = _row_frame(values, 1)
    usable, reasons = bundle.preprocessor.usable_rows(row)
    if not usable[0]:
        raise DataError(f"This model cannot predict the track: {reasons[0]}.")
    free = [feature for feature in SEARCHED if feature not in locked]
    all_bounds = {**schema.VALUE_RANGES, **(bounds or {})}
    search = _Search(bundle, values, genre, free, all_bounds, steps or {})
    start = _State({}, search.base)
    probabilities, reached, _ = search.score(search.base[np.newaxis])
    best = start
    if not reached[0]:
        raw_grids = {feature: search.coarse_grid(feature) for feature in free}
        encoded = search.encode(raw_grids)
        grids = {}
        for feature, raw in raw_grids.items():
            columns, sizes = encoded[feature]
            moved = sizes > 0.0  # the track's own value is no change
            grids[feature] = (raw[moved], columns[moved], sizes[moved])
        beam = [start]
        found = None
        for _ in range(min(max_changes, len(free))):
            candidates = _expand(search, beam, grids)
            if not candidates:
                break
            _, ok, lead = search.score(np.stack([c.inputs for c in candidates]))
            if ok.any():
                found = min(
                    (c for c, hit in zip(candidates, ok, strict=True) if hit),
                    key=lambda c: c.cost,
                )
                break
            # Closest to the top first; a change's size breaks near-ties.
            order = np.argsort(-(lead - 1e-3 * np.array([c.cost for c in candidates])))
            beam = [candidates[i] for i in order[:BEAM_WIDTH]]
            best = beam[0]
        if found is not None:
            best = _shrink(search, found)
        probabilities, reached, _ = search.score(best.inputs[np.newaxis])
    new_values = dict(values)
    for feature, (raw_value, _size) in best.chosen.items():
        new_values[feature] = raw_value
    changes = sorted(
        (
            Change(feature, search.own_value(feature), raw_value, size)
            for feature, (raw_value, size) in best.chosen.items()
        ),
        key=lambda change: -change.size,
    )
    return Counterfactual(
        genre, new_values, bool(reached[0]), tuple(changes), probabilities[0]
    )


def counterfactual_frame(
    bundle: Bundle,
    raw: pd.DataFrame,
    typed: pd.DataFrame,
    genre: str,
    locked: tuple[str, ...] | list[str] = (),
    renamed: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """``python -m core counterfactual`` on a chunk of a file.

    Args:
        bundle: the model.
        raw: the chunk's rows as read, under the file's names (their cells
            are kept as they are).
        typed: the same rows, typed.
        genre: the genre wanted on top.
        locked: features that must stay as they are.
        renamed: the file's columns GenreLab knows under another name
            (``Understood.renamed``): a changed feature goes to its own
            column.

    Returns:
        The raw rows with each changed feature's new value (full precision,
        so the written row predicts as searched; a feature the file has no
        column for, e.g. a duration written in minutes, is added under its
        schema name), plus
        ``target_genre``, ``reached`` ("true" / "false") and ``changes`` (in
        words; a row the model cannot predict says why).
    """
    check_request(genre, locked, bundle.genres)
    column_of = {name: written for written, name in (renamed or {}).items()}
    table = raw.copy()
    for column in (TARGET_GENRE, REACHED, CHANGES):
        table[column] = ""
    table[TARGET_GENRE] = genre
    table[REACHED] = "false"
    usable, reasons = bundle.preprocessor.usable_rows(typed)
    for position, label in enumerate(typed.index):
        if not usable[position]:
            table.at[label, CHANGES] = f"cannot be predicted: {reasons[position]}"
            continue
        values: dict[str, Any] = {
            feature: typed.at[label, feature] for feature in schema.FEATURE_COLUMNS
        }
        result = counterfactual(bundle, values, genre, locked)
        for change in result.changes:
            column = column_of.get(change.feature, change.feature)
            if column not in table.columns:
                table[column] = typed[change.feature].astype(object)
            table[column] = table[column].astype(object)
            table.at[label, column] = repr(change.new)
        table.at[label, REACHED] = "true" if result.reached else "false"
        table.at[label, CHANGES] = change_sentence(result)
    return table
