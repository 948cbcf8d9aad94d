"""Tracks whose listed genre looks wrong: the model finds it very unlikely.

Measured on out-of-sample probabilities only (:mod:`core.held_out`): the
model's probabilities on labelled tracks it did not learn from. On its own
training tracks it would remember their genres and find nothing.

A listing is flagged when the model finds its genre at least
``1 / UNLIKELY_RATIO`` times less likely than its first choice. Its
``label_quality`` is that ratio, p(listed genre) / p(first choice), from 0
(the model rules the listed genre out) to 1 (the listed genre is its first
choice).

Why this rule, and not cleanlab's ``find_label_issues`` (confident learning)
nor a copy of it in core. Measured 2026-12-04 on the shipped model's 4,484
test tracks with 5% of their genres changed at random (10 seeds of changes;
``benchmarks/bench_trust.py`` measures the same):

- cleanlab 2.9.0 (``filter_by="prune_by_noise_rate"``, its default) flags
  1,473 tracks, a third of them, with a precision of 0.136 (recall 0.891):
  its per-genre thresholds count every Rap/Hip-Hop or Rock/Alternative
  mix-up of a 61%-accurate model as a label error. Its other filters do the
  same (1,325 to 1,895 flagged, precision 0.11 to 0.15).
- This rule flags 220 with precision 0.657 [0.638-0.681] and recall 0.647
  [0.603-0.705]; flagging only what both this rule and cleanlab flag gives
  precision 0.653 and recall 0.616: cleanlab adds nothing here.
- Its cost was small: a 306 kB wheel (2.8 MB installed) whose dependencies
  (tqdm, termcolor, scikit-learn, SciPy) GenreLab installs already, Apache
  2.0; its import loads scikit-learn and SciPy (2.4-5.7 s cold on this
  machine, 0.05-0.09 s once scikit-learn is loaded) and it runs its pruning
  in one process per core unless told not to. A dependency for a rule that
  is one line of NumPy is not worth a line in requirements.txt.

The ratio 1/50 was chosen on those same test tracks (flagging with self-
confidence p(listed) < 0.02 instead gives precision 0.578, recall 0.705).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core import schema
from core.bundle import Bundle
from core.data import track_keys
from core.held_out import HeldOut, held_out_predictions

# A listed genre the model finds at least this many times less likely than
# its first choice is flagged (see the module docstring for the measurement).
UNLIKELY_RATIO = 50
# Columns of label_issues_table(), in order.
ISSUE_COLUMNS = [
    "row",
    "artist_name",
    "track_name",
    "listed_genre",
    "suggested_genre",
    "label_quality",
]


def label_quality(labels: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """p(listed genre) / p(the model's first choice), per row: 0 to 1.

    Args:
        labels: each row's listed genre (its index in the model's genres).
        probabilities: the model's out-of-sample probabilities (rows x genres).
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    listed = probabilities[np.arange(len(probabilities)), np.asarray(labels)]
    first = probabilities.max(axis=1, initial=0.0)
    return np.divide(listed, first, out=np.ones_like(listed), where=first > 0).clip(
        0.0, 1.0
    )


def find_label_issues(labels: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Which rows' listed genre the model finds very unlikely (see the module).

    Args:
        labels: each row's listed genre (its index in the model's genres).
        probabilities: out-of-sample probabilities (rows x genres): from a
            model that did not learn these rows.
    """
    return label_quality(labels, probabilities) < 1 / UNLIKELY_RATIO


@dataclass(frozen=True)
class LabelIssues:
    """The flagged listings of a file, the table to show, and what was scored."""

    # ISSUE_COLUMNS: flagged listings and every other listing of their tracks,
    # most likely wrong first.
    table: pd.DataFrame
    # Listings flagged (the table may hold more: their tracks' other listings).
    flagged: int
    held_out: HeldOut


def issues_table(
    held_out: HeldOut, flagged: np.ndarray, genres: tuple[str, ...] = schema.GENRES
) -> pd.DataFrame:
    """The flagged rows, with every other scored listing of the same tracks.

    A track (same artist and title) listed more than once shows all its
    listings, so that "Rap here, Hip-Hop there" is seen together. Tracks come
    most likely wrong first (their lowest ``label_quality``), a track's
    listings together.
    """
    rows = held_out.rows
    quality = label_quality(held_out.labels, held_out.probabilities)
    shown = np.asarray(flagged, dtype=bool).copy()
    keys = track_keys(rows)
    if keys is not None:
        shown |= keys.isin(set(keys[shown])).to_numpy()
        track = keys.to_numpy()
    else:
        track = rows.index.to_numpy()
    names = np.asarray(genres, dtype=object)
    table = pd.DataFrame(
        {
            "row": rows.index.to_numpy(),
            "artist_name": rows["artist_name"].to_numpy()
            if "artist_name" in rows
            else "",
            "track_name": rows["track_name"].to_numpy() if "track_name" in rows else "",
            "listed_genre": names[held_out.labels],
            # The model's first choice: never the listed genre of a flagged
            # row; for another listing of its track, often the listed one.
            "suggested_genre": names[held_out.probabilities.argmax(axis=1)],
            "label_quality": quality,
            "_track": track,
        }
    )[shown]
    worst_of_track = table.groupby("_track", sort=False)["label_quality"].transform(
        "min"
    )
    table = table.assign(_worst=worst_of_track).sort_values(
        ["_worst", "_track", "label_quality", "row"], kind="stable"
    )
    return table[ISSUE_COLUMNS].reset_index(drop=True)


def file_label_issues(bundle: Bundle, typed: pd.DataFrame) -> LabelIssues:
    """The listings of a labelled file whose genre the model finds very unlikely.

    Scored on :func:`core.held_out.held_out_predictions`: rows the model can
    predict and whose genre is known, and only the test tracks when the file
    is the model's own training data.
    """
    held_out = held_out_predictions(bundle, typed)
    flagged = find_label_issues(held_out.labels, held_out.probabilities)
    return LabelIssues(
        table=issues_table(held_out, flagged),
        flagged=int(flagged.sum()),
        held_out=held_out,
    )
