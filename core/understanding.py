"""What GenreLab understood of one file, gathered while it is read and told in words.

:class:`Understood` is filled in by :mod:`core.data` (format, names, values,
labels) and by a model that predicts the file (what it filled in), then said
in one sentence on a page and with ``--verbose``, and in notes for what makes
predictions less sure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core import schema
from core.formats import (
    DURATION_MINUTES,
    DURATION_UNIT_ALIASES,
    MINUTES_BELOW,
    OTHER_TABLE,
    is_minor_rename,
)

# Distinct labels outside a model's genres kept by name (the rest are counted together),
# so a file of any size keeps the summary small.
MAX_KEPT_LABELS = 1_000


# Labels named in a sentence (the most frequent first).
LABELS_NAMED = 4


# What the missing popularity cost the shipped model on its own 4,484 test
# tracks (benchmarks/missing_popularity.py; docs/formats.md): top-1 60.7% ->
# 38.2%, top-2 83.4% -> 56.3%, and not one track named Rap or Rock.
POPULARITY_COST = (
    "on its own test tracks the shipped model gets 38% right this way instead "
    "of 61%, and names none of them Rap or Rock"
)


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"


def value_text(value: float | str) -> str:
    """A feature's value as a sentence writes it: ``45``, ``0.000157``, ``G``."""
    return value if isinstance(value, str) else _number(value)


# The column of a predictions table that names, per row, each feature the
# model filled in and the value it used ("instrumentalness=0.000157, key=G").
TYPICAL_VALUES_COLUMN = "typical_values_used"


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


@dataclass
class Understood:
    """What GenreLab understood of one file: built while it is read, then told in words.

    :mod:`core.data` fills in what the file says (format, names, values,
    labels); a model that predicts it adds what it does about what is missing
    (:meth:`use_model`).
    """

    # The format recognised (a KnownFormat description, WEB_API or OTHER_TABLE).
    format: str = OTHER_TABLE
    rows: int = 0
    # Column as written -> GenreLab's name, for every column renamed.
    renamed: dict[str, str] = field(default_factory=dict)
    # FILLABLE_COLUMNS the file does not have.
    missing: list[str] = field(default_factory=list)
    # Rows with a key written as a pitch class / a mode as 1 or 0.
    number_keys: int = 0
    number_modes: int = 0
    # Rows with a key or mode name in another case ("c#", "major").
    recased_names: int = 0
    # Rows with no key detected (-1).
    unknown_keys: int = 0
    # A duration column in minutes (DURATION_MINUTES) or in minutes and
    # milliseconds (DURATION_MINUTES_OR_MS), as written -> that name; and
    # the values read as minutes and converted to milliseconds.
    duration_in: dict[str, str] = field(default_factory=dict)
    minute_durations: int = 0
    # Rows whose genre label was matched in another spelling ("hip-hop").
    respelled_labels: int = 0
    # Labels of none of the model's genres, as written -> rows (MAX_KEPT_LABELS
    # at most); none when the file is read with no model (to train on).
    other_labels: dict[str, int] = field(default_factory=dict)
    # Rows with such a label beyond the labels kept by name.
    other_labels_unnamed: int = 0
    # Labels that are one of the model's genres (any label, read to train
    # on), as written ("rap", "Rock") -> rows.
    genre_labels: dict[str, int] = field(default_factory=dict)
    # JSON entries that were null (the Web API's way of saying "no features").
    null_entries: int = 0
    # Empty cells per feature, counted in rows that are otherwise fine (a
    # model that fills in unknown values predicts them, another gives a
    # reason), and the rows with at least one.
    empty_cells: dict[str, int] = field(default_factory=dict)
    empty_rows: int = 0
    # Set by use_model: the value a model fills each feature with (a missing
    # column, an empty cell), its policy for unknown values and the key it
    # gives a track without one.
    fill_values: dict[str, float | str] = field(default_factory=dict)
    unknowns: str | None = None
    typical_key: str | None = None

    def use_model(self, fill_values: dict[str, float | str], unknowns: str) -> None:
        """Record what a model does with gaps: each feature's fill value and its
        policy for unknown values (``Preprocessor.gap_filling``)."""
        self.fill_values = dict(fill_values)
        self.unknowns = unknowns
        self.typical_key = str(fill_values[schema.KEY_COLUMN])

    def add_empty_cells(self, counts: dict[str, int], rows: int) -> None:
        """Count one chunk's empty cells (feature -> cells) and the rows with any."""
        for column, count in counts.items():
            if count:
                self.empty_cells[column] = self.empty_cells.get(column, 0) + count
        self.empty_rows += rows

    def _empty_cells_listed(self, with_values: bool) -> str:
        """``instrumentalness in 3,541 tracks (0.000157), key in 1,609 (G)``."""
        ordered = sorted(
            self.empty_cells.items(),
            key=lambda item: (-item[1], schema.FEATURE_COLUMNS.index(item[0])),
        )
        parts = []
        for position, (column, count) in enumerate(ordered):
            tracks = _plural(count, "track") if position == 0 else f"{count:,}"
            value = self.fill_values.get(column)
            used = (
                f" ({value_text(value)})" if with_values and value is not None else ""
            )
            parts.append(f"{column} in {tracks}{used}")
        return ", ".join(parts)

    def add_labels(
        self, others: dict[str, int], matched: dict[str, int] | None = None
    ) -> None:
        """Count one chunk's labels: of none of the model's genres, and the others."""
        for label, count in (matched or {}).items():
            self.genre_labels[label] = self.genre_labels.get(label, 0) + count
        for label, count in others.items():
            if label in self.other_labels or len(self.other_labels) < MAX_KEPT_LABELS:
                self.other_labels[label] = self.other_labels.get(label, 0) + count
            else:
                self.other_labels_unnamed += count

    @property
    def other_label_rows(self) -> int:
        """Rows whose label is not one of the model's genres."""
        return sum(self.other_labels.values()) + self.other_labels_unnamed

    def filled_notes(self) -> list[str]:
        """One plain sentence per column filled with a typical value.

        Empty when none.
        """
        notes = []
        for column in self.missing:
            value = self.fill_values.get(column)
            if value is None:
                continue
            notes.append(
                f"{column} was not in the file: the typical value {value_text(value)} "
                "was used for every track; predictions are less sure "
                f"({POPULARITY_COST})."
                if column == "popularity"
                else f"{column} was not in the file: the typical value "
                f"{value_text(value)} was used for every track; predictions are "
                "less sure."
            )
        if self.empty_cells and self.unknowns == "impute":
            notes.append(
                f"{_plural(self.empty_rows, 'track')} had empty values, filled in "
                "with the model's typical ones: "
                f"{self._empty_cells_listed(with_values=True)}; their "
                "predictions are less sure, and the predictions' column "
                f"{TYPICAL_VALUES_COLUMN} names what was filled in each row."
            )
        return notes

    def details(self) -> list[str]:
        """The short phrases of :meth:`sentence`, one per thing understood."""
        parts: list[str] = []
        # Features first, then the label, then names (what matters most first).
        # A duration in minutes is said with its conversion (below).
        renamed = {
            written: canonical
            for written, canonical in self.renamed.items()
            if canonical not in DURATION_UNIT_ALIASES
        }
        notable = sorted(
            (
                (written, canonical)
                for written, canonical in renamed.items()
                if not is_minor_rename(written, canonical)
            ),
            key=lambda pair: (
                pair[1] not in schema.FEATURE_COLUMNS,
                pair[1] != schema.TARGET,
            ),
        )
        for position, (written, canonical) in enumerate(notable):
            verb = "used as " if position == 0 else "as "
            parts.append(f"'{written}' {verb}{canonical}")
        for written, unit in self.duration_in.items():
            if unit == DURATION_MINUTES:
                parts.append(
                    f"'{written}' read in minutes and converted to duration_ms "
                    "(milliseconds)"
                )
            else:
                parts.append(
                    f"'{written}' read as duration_ms: "
                    f"{_plural(self.minute_durations, 'value')} under "
                    f"{MINUTES_BELOW:,.0f} taken as minutes and converted to "
                    "milliseconds, the others read as milliseconds"
                )
        minor = len(renamed) - len(notable)
        if minor:
            other = " other" if notable else ""
            names = "column name" if minor == 1 else "column names"
            parts.append(f"{minor:,}{other} {names} matched ignoring case and spaces")
        if self.number_keys:
            parts.append("integer keys converted")
        if self.number_modes:
            parts.append("modes 1/0 read as Major/Minor")
        if self.recased_names:
            parts.append("key and mode names read in any case")
        if self.unknown_keys:
            tracks = _plural(self.unknown_keys, "track")
            if self.unknowns == "impute":
                parts.append(
                    f"{tracks} with no key detected (-1) predicted with the "
                    f"model's typical key {self.typical_key}"
                )
            elif self.unknowns == "drop":
                parts.append(
                    f"{tracks} with no key detected (-1) not predicted (this model "
                    "does not fill in unknown values)"
                )
            else:
                parts.append(f"{tracks} with no key detected (-1)")
        for column in self.missing:
            value = self.fill_values.get(column)
            parts.append(
                f"{column} missing (typical value {value_text(value)} used)"
                if value is not None
                else f"{column} missing"
            )
        if self.empty_cells:
            if self.unknowns == "impute":
                parts.append(
                    "empty values filled with the model's typical ones: "
                    + self._empty_cells_listed(with_values=True)
                )
            elif self.unknowns == "drop":
                parts.append(
                    f"{_plural(self.empty_rows, 'track')} with empty values not "
                    "predicted (this model does not fill in unknown values: "
                    f"{self._empty_cells_listed(with_values=False)})"
                )
            else:
                parts.append(
                    f"empty values: {self._empty_cells_listed(with_values=False)}"
                )
        if self.respelled_labels:
            parts.append("genre labels matched ignoring case and punctuation")
        if self.other_label_rows:
            named = sorted(
                self.other_labels.items(), key=lambda item: (-item[1], item[0])
            )
            listed = ", ".join(
                f"'{label}' {count:,}" for label, count in named[:LABELS_NAMED]
            )
            if self.other_labels_unnamed:
                listed += " and others"
            elif len(named) > LABELS_NAMED:
                listed += f" and {len(named) - LABELS_NAMED:,} more"
            parts.append(
                f"{_plural(self.other_label_rows, 'label')} not one of the model's "
                f"genres, not scored ({listed})"
            )
        if self.null_entries:
            parts.append(
                f"{_plural(self.null_entries, 'entry', 'entries')} null (no audio "
                "features from Spotify: a blank row each)"
            )
        return parts

    def source(self, file_name: str) -> dict[str, str]:
        """The file as a model card names it: name, format and genre column."""
        label = next(
            (
                written
                for written, canonical in self.renamed.items()
                if canonical == schema.TARGET
            ),
            schema.TARGET,
        )
        return {"file": file_name, "format": self.format, "label_column": label}

    def sentence(self) -> str:
        """What was understood, in one sentence (e.g. for ``--verbose`` and the pages).

        E.g. "Read 212 tracks from an Exportify playlist: 'Duration (ms)'
        used as duration_ms, integer keys converted, popularity missing
        (typical value 45 used)."
        """
        head = f"Read {_plural(self.rows, 'track')} from {self.format}"
        parts = self.details()
        if not parts:
            return f"{head}: every column as expected."
        return f"{head}: {', '.join(parts)}."

    def to_dict(self) -> dict[str, object]:
        """The summary as JSON-ready values."""
        return {
            "format": self.format,
            "rows": self.rows,
            "renamed": dict(self.renamed),
            "missing": list(self.missing),
            "filled": {
                c: self.fill_values[c] for c in self.missing if c in self.fill_values
            },
            "number_keys": self.number_keys,
            "number_modes": self.number_modes,
            "recased_names": self.recased_names,
            "unknown_keys": self.unknown_keys,
            "duration_in": dict(self.duration_in),
            "minute_durations": self.minute_durations,
            "respelled_labels": self.respelled_labels,
            "other_labels": dict(self.other_labels),
            "other_label_rows": self.other_label_rows,
            "genre_labels": dict(self.genre_labels),
            "null_entries": self.null_entries,
            "empty_cells": dict(self.empty_cells),
            "empty_rows": self.empty_rows,
            "sentence": self.sentence(),
        }
