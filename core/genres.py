"""A model's genres: which, in which order, and which labels each one gathers.

The genres belong to the data a model learned from, after the person's
choices (keep some, merge some), not to GenreLab: a bundle records them
(:class:`Genres`), and every page, chart and command reads them from there.
``schema.GENRES`` stays the reference study's ten, and the genres of every
bundle saved before bundles recorded their own.

A file's label is matched to a genre ignoring case and punctuation
(``hip hop``, ``Hip-Hop`` and ``HIPHOP`` are one), and through the model's
merges (``Rap+Hip-Hop=Hip-Hop/Rap`` gathers both labels under one genre).

Nothing here reads files or needs a model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from core import schema
from core.errors import ConfigError, DataError

# The fewest and most genres a model may have: a choice needs two, and a
# label column with more distinct values than this is a title or an id, not
# genres (the Spotify Tracks Dataset has 114).
MIN_GENRES = 2
MAX_GENRES = 200

# Reasons a labelled row is not learned from, as the page, the command line
# and the model card name them.
NOT_CHOSEN = "genre not chosen"
TOO_FEW = "too few tracks of its genre"
NO_GENRE = "no genre"
LEFT_OUT_REASONS: tuple[str, ...] = (NOT_CHOSEN, TOO_FEW, NO_GENRE)

# The merge syntax of --merge and of the Train page: labels joined by "+",
# then "=" and the merged genre's name.
MERGE_EXAMPLE = "Rap+Hip-Hop=Hip-Hop/Rap"


def genre_key(label: object) -> str:
    """A label without case, spaces or punctuation: how labels are matched."""
    return re.sub(r"[^0-9a-z]+", "", str(label).lower())


@dataclass(frozen=True)
class Merge:
    """Labels learned as one genre: ``sources`` -> ``into``.

    One source is a rename (``r&b=R&B``).
    """

    sources: tuple[str, ...]
    into: str

    @classmethod
    def parse(cls, text: str) -> Merge:
        """Read ``"Rap+Hip-Hop=Hip-Hop/Rap"``.

        Raises:
            ConfigError: not two or more labels, an ``=`` and a name.
        """
        left, equals, into = str(text).partition("=")
        sources = tuple(part.strip() for part in left.split("+") if part.strip())
        if not equals or not sources or not genre_key(into):
            raise ConfigError(
                f"A merge is written like {MERGE_EXAMPLE} (genres joined by +, "
                "then = and the name they are learned as; one genre and a name "
                f"renames it), not {text!r}."
            )
        return cls(sources, into.strip())

    def sentence(self) -> str:
        """``Rap + Hip-Hop learned as Hip-Hop/Rap``, or ``r&b renamed R&B``."""
        if len(self.sources) == 1:
            return f"{self.sources[0]} renamed {self.into}"
        return f"{' + '.join(self.sources)} learned as {self.into}"

    def text(self) -> str:
        """The merge as written: ``Rap+Hip-Hop=Hip-Hop/Rap``."""
        return "+".join(self.sources) + "=" + self.into


def parse_merges(texts: Iterable[str]) -> tuple[Merge, ...]:
    """Every merge of ``texts``; a label merged twice is refused.

    Raises:
        ConfigError: a merge badly written, or a label in two merges.
    """
    merges = tuple(Merge.parse(text) for text in texts)
    seen: dict[str, str] = {}
    for merge in merges:
        for source in merge.sources:
            if genre_key(source) in seen:
                raise ConfigError(
                    f"{source!r} is merged twice ({seen[genre_key(source)]} and "
                    f"{merge.text()}); merge each genre once."
                )
            seen[genre_key(source)] = merge.text()
    return merges


@dataclass(frozen=True)
class Genres:
    """A model's genres, in the order of its outputs, and the merges behind them."""

    names: tuple[str, ...]
    merges: tuple[Merge, ...] = ()

    def __post_init__(self) -> None:
        if not MIN_GENRES <= len(self.names) <= MAX_GENRES:
            raise DataError(
                f"A model needs {MIN_GENRES} to {MAX_GENRES} genres, "
                f"not {len(self.names)}."
            )
        keys = [genre_key(name) for name in self.names]
        if "" in keys or len(set(keys)) != len(keys):
            raise DataError(
                "The genres must have different names (ignoring case and "
                f"punctuation): {', '.join(self.names)}."
            )

    def __len__(self) -> int:
        return len(self.names)

    def __iter__(self):
        return iter(self.names)

    @cached_property
    def _code_by_key(self) -> dict[str, int]:
        codes = {genre_key(name): code for code, name in enumerate(self.names)}
        for merge in self.merges:
            target = codes.get(genre_key(merge.into))
            if target is not None:
                codes.update({genre_key(source): target for source in merge.sources})
        return codes

    def index(self, name: str) -> int:
        """The output of the genre ``name`` (matched like a label).

        Raises:
            DataError: not one of these genres.
        """
        code = self._code_by_key.get(genre_key(name), -1)
        if code < 0:
            raise DataError(
                f"{name!r} is not one of the model's genres: {', '.join(self.names)}."
            )
        return code

    def name_of(self, label: object) -> str | None:
        """The genre a label counts as (after merges), None if none."""
        code = self._code_by_key.get(genre_key(label), -1)
        return None if code < 0 else self.names[code]

    def codes(self, labels: pd.Series | Sequence[object]) -> np.ndarray:
        """Each label's output index; -1 for a blank or a label of no genre here."""
        # Each distinct label is matched once: a file has millions of rows
        # and a few hundred labels at most.
        positions, uniques = pd.factorize(pd.Series(labels, dtype=object))
        table = self._code_by_key
        unique_codes = np.array(
            [table.get(genre_key(label), -1) for label in uniques] + [-1],
            dtype=np.int64,
        )
        # factorize marks a missing label -1: the appended -1 at the end.
        return unique_codes[positions]

    @property
    def is_reference(self) -> bool:
        """Whether these are the reference study's ten, unmerged."""
        return self.names == schema.GENRES and not self.merges

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: ``{"genres": [...], "genre_merges": [...]}``."""
        return {
            "genres": list(self.names),
            "genre_merges": [merge.text() for merge in self.merges],
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, object]) -> Genres:
        """Read :meth:`to_dict`'s keys; a bundle without them has the ten.

        Raises:
            DataError, ConfigError: names or merges that are not valid.
        """
        names = values.get("genres", list(schema.GENRES))
        merges = values.get("genre_merges", [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise DataError("The genres must be a list of names.")
        if not isinstance(merges, list):
            raise DataError("The genre merges must be a list.")
        return cls(tuple(names), parse_merges(merges))


REFERENCE = Genres(schema.GENRES)


def default_order(names: Iterable[str]) -> list[str]:
    """The study's ten in their order, then any other genre alphabetically."""
    names = list(names)
    study = [genre for genre in schema.GENRES if genre in names]
    others = sorted((n for n in names if n not in schema.GENRES), key=genre_key)
    return study + others


def label_table(labels: pd.Series) -> dict[str, int]:
    """Rows per label as written, most first (then by label); blanks not counted."""
    written = labels.dropna().astype(str)
    counts = written[written.str.strip() != ""].value_counts()
    ordered = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
    return {str(label): int(rows) for label, rows in ordered}


def merged_names(labels: Iterable[str], merges: Sequence[str]) -> list[str]:
    """The genres ``labels`` give after ``merges``, in :func:`default_order`."""
    parsed = parse_merges(merges)
    merged_into = {
        genre_key(source): merge.into for merge in parsed for source in merge.sources
    }
    names: dict[str, str] = {}
    for label in labels:
        genre = merged_into.get(genre_key(label), label)
        names.setdefault(genre_key(genre), genre)
    return default_order(names.values())


@dataclass(frozen=True)
class GenreChoice:
    """The genres a training learns, and every labelled row it does not."""

    genres: Genres
    # Rows learned from per genre, in the genres' order.
    rows: dict[str, int]
    # Reason -> label as written -> rows not learned from.
    left_out: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def left_out_rows(self) -> int:
        return sum(sum(labels.values()) for labels in self.left_out.values())

    def sentences(self, limit: int = 4) -> list[str]:
        """One sentence per reason, e.g. "Left out 22,136 rows of genres not
        chosen: pop 5,507, r&b 5,431, latin 5,155"."""
        lines = []
        for reason in LEFT_OUT_REASONS:
            labels = self.left_out.get(reason)
            if not labels:
                continue
            total = sum(labels.values())
            named = list(labels.items())
            listed = ", ".join(f"{label} {rows:,}" for label, rows in named[:limit])
            if len(named) > limit:
                listed += f" and {len(named) - limit:,} more"
            lines.append(
                f"Left out {total:,} row{'s' if total != 1 else ''} "
                f"({REASON_TEXT[reason]}): {listed}."
            )
        return lines

    @classmethod
    def from_dict(cls, values: Mapping[str, object]) -> GenreChoice:
        """Read :meth:`to_dict` (a bundle's metrics)."""
        return cls(
            Genres.from_dict(values),
            dict(values.get("rows") or {}),  # type: ignore[call-overload]
            {
                reason: dict(rows)
                for reason, rows in dict(values.get("left_out") or {}).items()  # type: ignore[call-overload]
            },
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-ready, for a bundle's metrics."""
        return {
            **self.genres.to_dict(),
            "rows": dict(self.rows),
            "left_out": {reason: dict(rows) for reason, rows in self.left_out.items()},
        }


# How a sentence says each reason.
REASON_TEXT: dict[str, str] = {
    NOT_CHOSEN: "genres not chosen",
    TOO_FEW: "genres with too few tracks",
    NO_GENRE: "no genre given",
}


def choose(
    labels: pd.Series,
    keep: Sequence[str] = (),
    merges: Sequence[str] = (),
    min_tracks: int = 1,
) -> GenreChoice:
    """The genres to learn from ``labels`` (one per usable row), and what is left out.

    Args:
        labels: each usable row's label as read (None or "" when blank).
        keep: the genres to learn, in this order (after merges); empty: every
            genre with at least ``min_tracks`` rows, in :func:`default_order`.
        merges: ``"A+B=Name"`` texts (:func:`parse_merges`).
        min_tracks: the fewest rows a genre needs to be learned.

    Raises:
        ConfigError: a merge badly written, or a chosen genre the file lacks.
        DataError: fewer than two genres left to learn.
    """
    parsed = parse_merges(merges)
    text = labels.astype(object).where(labels.notna(), "").astype(str).str.strip()
    blank = (text == "").to_numpy()
    merged_into = {
        genre_key(source): merge.into for merge in parsed for source in merge.sources
    }
    present = label_table(text[~blank])
    # The genre each label counts as: its merge, else itself; labels equal
    # but for case and punctuation are one genre, named as most rows write it.
    genre_of: dict[str, str] = {}
    spelling: dict[str, str] = {}
    for label in present:
        key = genre_key(label)
        genre = merged_into.get(key) or spelling.setdefault(key, label)
        genre_of[label] = genre
    unknown_sources = [
        source
        for merge in parsed
        for source in merge.sources
        if genre_key(source) not in {genre_key(label) for label in present}
    ]
    if unknown_sources:
        raise ConfigError(
            f"The file has no genre {unknown_sources[0]!r} to merge; its genres "
            f"are {', '.join(present)}."
        )
    totals: dict[str, int] = {}
    for label, rows in present.items():
        totals[genre_of[label]] = totals.get(genre_of[label], 0) + rows
    by_key = {genre_key(genre): genre for genre in totals}
    if keep:
        missing = [name for name in keep if genre_key(name) not in by_key]
        if missing:
            raise ConfigError(
                f"The file has no genre {missing[0]!r}; its genres are "
                f"{', '.join(default_order(totals))}."
            )
        wanted = [by_key[genre_key(name)] for name in keep]
    else:
        wanted = default_order(totals)
    names = [genre for genre in wanted if totals[genre] >= min_tracks]
    left_out: dict[str, dict[str, int]] = {}
    for label, rows in present.items():
        genre = genre_of[label]
        if genre in names:
            continue
        reason = TOO_FEW if genre in wanted else NOT_CHOSEN
        left_out.setdefault(reason, {})[label] = rows
    if blank.any():
        left_out[NO_GENRE] = {"(blank)": int(blank.sum())}
    if len(names) < MIN_GENRES:
        counted = ", ".join(f"{genre} {totals[genre]:,}" for genre in wanted)
        raise DataError(
            "Training needs tracks of at least two genres, each with at least "
            f"{min_tracks:,} tracks; this file has {len(names)} "
            f"({counted or 'none'})."
        )
    if len(names) > MAX_GENRES:
        raise DataError(
            f"This file has {len(names):,} genres; GenreLab learns at most "
            f"{MAX_GENRES}. Choose the genre column again, or fewer genres."
        )
    used = {merge for merge in parsed if merge.into in names}
    genres = Genres(tuple(names), tuple(m for m in parsed if m in used))
    return GenreChoice(genres, {genre: totals[genre] for genre in names}, left_out)
