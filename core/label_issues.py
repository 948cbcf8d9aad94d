"""Tracks whose listed genre looks wrong: the model finds it very unlikely.

Measured on out-of-sample probabilities only (:mod:`core.held_out`): the
model's probabilities on labelled tracks it did not learn from (a file it
was not trained on, its test tracks, or cross-validated probabilities). On
its own training tracks it would remember their genres and find nothing.

A listing's ``label_quality`` is its self-confidence: the probability the
model gives its listed genre, from 0 (more likely wrong) to 1. It is flagged
when that is below ``UNLIKELY`` (2%: less than one chance in 50).

Why this rule, and not cleanlab's ``find_label_issues`` (confident learning)
nor a copy of it in core. Measured 2026-12-04 with 5% of the genres changed
at random to another genre (``benchmarks/bench_trust.py`` measures the
same), in two settings: the shipped model on its 4,484 test tracks (10
seeds of changes), and 4-fold cross-validated probabilities of its 40,458
training tracks, where the models learned from the changed genres (1 seed):

- cleanlab 2.9.0 (``filter_by="prune_by_noise_rate"``, its default) flags a
  third of the tracks (1,473 of 4,484; 13,030 of 40,458) with a precision of
  0.136 / 0.137 (recall 0.891 / 0.884): its per-genre thresholds count every
  Rap/Hip-Hop or Rock/Alternative mix-up of a 58-61%-accurate model as a
  label error. Its other filters do the same (1,325 to 1,895 of the 4,484
  flagged, precision 0.11 to 0.15).
- This rule: precision 0.578 [0.555-0.601], recall 0.705 [0.652-0.768] on
  the test tracks; 0.657 and 0.644 cross-validated. Flagging only what both
  this rule and cleanlab flag lowers recall (0.665 to 0.643 on a test seed;
  0.644 to 0.613 cross-validated) for no precision: cleanlab adds nothing.
- Other cut-offs: p(listed) / p(first choice) < 1/50 gave 0.654 / 0.637 on
  the test tracks but a recall of 0.516 cross-validated (models trained on
  wrong genres are less sure); < 1/30 about what this rule gives. The 2%
  was chosen looking at both settings: no untouched measurement is left.
- cleanlab's cost was small: a 306 kB wheel (2.8 MB installed) whose
  dependencies (tqdm, termcolor, scikit-learn, SciPy) GenreLab installs
  already, Apache 2.0; its import loads scikit-learn and SciPy (2.4-5.7 s
  cold on this machine, 0.05-0.09 s once scikit-learn is loaded) and it
  prunes in one process per core unless told not to. But a dependency for
  a rule that is one comparison in NumPy is not worth a requirement.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.bundle import Bundle
from core.held_out import HeldOut, held_out_predictions
from core.tables import track_keys

# A listing whose genre the model gives less than this probability is
# flagged (see the module docstring for the measurements).
UNLIKELY = 0.02
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
    """The probability the model gives each row's listed genre (self-confidence).

    Args:
        labels: each row's listed genre (its index in the model's genres).
        probabilities: the model's out-of-sample probabilities (rows x genres).
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    listed = probabilities[np.arange(len(probabilities)), np.asarray(labels)]
    return listed.clip(0.0, 1.0)


def find_label_issues(labels: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Which rows' listed genre the model finds very unlikely (see the module).

    Args:
        labels: each row's listed genre (its index in the model's genres).
        probabilities: out-of-sample probabilities (rows x genres): from a
            model that did not learn these rows.
    """
    return label_quality(labels, probabilities) < UNLIKELY


@dataclass(frozen=True)
class LabelIssues:
    """The flagged listings of a file, the table to show, and what was scored."""

    # ISSUE_COLUMNS: flagged listings and every other listing of their tracks,
    # most likely wrong first.
    table: pd.DataFrame
    # Listings flagged (the table may hold more: their tracks' other listings).
    flagged: int
    held_out: HeldOut


def issues_table(held_out: HeldOut, flagged: np.ndarray) -> pd.DataFrame:
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
    names = np.asarray(held_out.genres.names, dtype=object)
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
    return label_issues_of(held_out_predictions(bundle, typed))


def label_issues_of(held_out: HeldOut) -> LabelIssues:
    """The listings of out-of-sample predictions whose genre looks wrong.

    Args:
        held_out: :func:`core.held_out.held_out_predictions` of a file, or
            :func:`core.held_out.cross_validated_predictions` of training
            tracks.
    """
    flagged = find_label_issues(held_out.labels, held_out.probabilities)
    return LabelIssues(
        table=issues_table(held_out, flagged),
        flagged=int(flagged.sum()),
        held_out=held_out,
    )
