"""The data report.

Blank rows, unknown values, class balance, duplicate and fusion tracks. Needs
no TensorFlow, so the Data and Home pages stay quick.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations
from typing import Any, cast

import numpy as np
import pandas as pd

from core import features, schema, spellings, understanding
from core.genres import default_order
from core.tables import BLANK_ROW, PROBLEM_COLUMN, track_keys


def unknown_value_rates(typed: pd.DataFrame) -> dict[str, float]:
    """Share of non-blank rows whose value is unknown or empty, per feature column."""
    present = typed[typed[PROBLEM_COLUMN] != BLANK_ROW]
    if present.empty:
        return dict.fromkeys(schema.FEATURE_COLUMNS, 0.0)
    return {
        column: float(present[column].isna().mean())
        for column in schema.FEATURE_COLUMNS
    }


def file_genres(typed: pd.DataFrame) -> list[str]:
    """The genres of a file: each label it holds, the study's ten first.

    A file's genres, before anyone chooses among them (core.genres.choose).
    """
    if schema.TARGET not in typed.columns:
        return []
    return default_order(typed[schema.TARGET].dropna().astype(str).unique())


def class_balance(typed: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Rows per genre of the file: as loaded, with unknowns dropped, and imputed."""
    genres = file_genres(typed)
    labelled = (
        typed[schema.TARGET].notna().to_numpy()
        if schema.TARGET in typed.columns
        else np.zeros(len(typed), dtype=bool)
    )

    def count(frame: pd.DataFrame) -> dict[str, int]:
        counts = frame[schema.TARGET].value_counts() if genres else pd.Series()
        return {genre: int(counts.get(genre, 0)) for genre in genres}

    return {
        "loaded": count(typed[labelled]),
        "drop": count(features.clean(typed, "drop", labelled.astype(np.int64) - 1)[0]),
        "impute": count(
            features.clean(typed, "impute", labelled.astype(np.int64) - 1)[0]
        ),
    }


def track_duplicates(typed: pd.DataFrame, top: int = 10) -> dict:
    """Tracks (artist + title) listed more than once, and under several genres.

    Returns:
        ``duplicate_rows`` (rows repeating an earlier row's track),
        ``multi_genre_tracks`` (tracks listed under two or more genres) and
        ``genre_pairs`` (the most common pairs among those, with counts).
    """
    rows = typed[typed[PROBLEM_COLUMN] != BLANK_ROW]
    track = track_keys(rows)
    if track is None:
        return {"duplicate_rows": 0, "multi_genre_tracks": 0, "genre_pairs": []}
    # Vectorised down to the tracks with several genres: a groupby with a
    # Python aggregate over all ~41,000 tracks took about 1 s of the Data
    # page's first run.
    listed = (
        pd.DataFrame({"track": track, "genre": rows.get(schema.TARGET)})
        .dropna()
        .drop_duplicates()
    )
    several = listed[listed["track"].duplicated(keep=False)]
    genres_of: dict[str, set[str]] = {}
    for name, genre in zip(several["track"], several["genre"], strict=True):
        genres_of.setdefault(name, set()).add(genre)
    pairs: Counter[tuple[str, str]] = Counter()
    # Sorted by track, as a groupby would visit them (ties keep that order).
    for name in sorted(genres_of):
        pairs.update(combinations(sorted(genres_of[name]), 2))
    return {
        "duplicate_rows": int(track.duplicated().sum()),
        "multi_genre_tracks": len(genres_of),
        "genre_pairs": [
            {"genres": f"{a} + {b}", "tracks": n}
            for (a, b), n in pairs.most_common(top)
        ],
    }


def label_counts(
    typed: pd.DataFrame, understood: understanding.Understood | None = None
) -> dict:
    """Every label of the file by its own name, so that no row goes uncounted.

    Args:
        typed: a typed frame with its genre column.
        understood: what was understood of the same file; without it the
            labels are named as the typed frame spells them.

    Returns:
        ``labels``: one entry per label as written (``{"label": "rap",
        "rows": 5746, "genre": "Rap"}``; ``genre`` is the genre it counts as:
        the study's spelling of one of its ten, else the label itself), most
        rows first; ``other_labels``:
        rows whose label is beyond those kept by name; ``unlabelled``: rows
        (blank rows aside) with no label at all.
    """
    present = typed[typed[PROBLEM_COLUMN] != BLANK_ROW]
    genres = present[schema.TARGET] if schema.TARGET in present else None
    without_genre = len(present) if genres is None else int(genres.isna().sum())
    written: dict[str, int]
    if understood is None:
        # The genre column holds text (the stubs key the counts by Hashable).
        written = {} if genres is None else cast(dict, genres.value_counts().to_dict())
        others: dict[str, int] = {}
        beyond = 0
    else:
        written = understood.genre_labels
        others = understood.other_labels
        beyond = understood.other_labels_unnamed
        without_genre -= understood.other_label_rows
    labels: list[dict[str, Any]] = [
        {
            "label": label,
            "rows": int(rows),
            "genre": spellings.genre_of(label) or label,
        }
        for label, rows in {**written, **others}.items()
    ]
    labels.sort(key=lambda entry: (-entry["rows"], entry["label"]))
    return {"labels": labels, "other_labels": beyond, "unlabelled": without_genre}


def data_report(
    typed: pd.DataFrame, understood: understanding.Understood | None = None
) -> dict:
    """Everything the Data page and ``python -m core report`` show, as plain values.

    Args:
        typed: a typed frame (see :mod:`core.data`).
        understood: what was understood of the same file, for its labels
            as written (:func:`label_counts`).

    Returns:
        A JSON-ready dict: row counts, unknown counts and rates, class
        balance, every label's rows, duplicates and multi-genre tracks.
    """
    problems = typed[PROBLEM_COLUMN]
    blank = problems == BLANK_ROW
    # Unknown = the sentinel or an empty cell; rows with an invalid value are
    # counted as invalid instead, the same rule for both columns.
    valid = problems == ""
    return {
        "rows": int(len(typed)),
        "blank_rows": int(blank.sum()),
        "invalid_rows": int(((problems != "") & ~blank).sum()),
        "rows_with_unknowns": int(features.unknown_mask(typed).sum()),
        "unknown_counts": {
            column: int((typed[column].isna() & valid).sum())
            for column in schema.COLUMNS_WITH_UNKNOWNS
        },
        "unknown_rates": unknown_value_rates(typed),
        "class_balance": class_balance(typed),
        "label_counts": label_counts(typed, understood),
        "duplicates": track_duplicates(typed),
    }


def feature_summary(typed: pd.DataFrame) -> pd.DataFrame:
    """Median, minimum and maximum of each numeric feature over usable rows.

    The Predict page uses it for slider ranges and defaults.
    """
    usable = typed[typed[PROBLEM_COLUMN] == ""]
    numeric = usable[list(schema.NUMERIC_FEATURES)]
    return pd.DataFrame(
        {"median": numeric.median(), "min": numeric.min(), "max": numeric.max()}
    )


def genre_medians(typed: pd.DataFrame) -> pd.DataFrame:
    """Median of each numeric feature per genre.

    With each genre's most common key and mode.
    """
    usable = typed[(typed[PROBLEM_COLUMN] == "") & typed[schema.TARGET].notna()]
    grouped = usable.groupby(schema.TARGET)
    medians = grouped[list(schema.NUMERIC_FEATURES)].median()
    for column in schema.CATEGORICAL_FEATURES:
        medians[column] = grouped[column].agg(lambda values: values.mode().iloc[0])
    return medians.reindex(default_order(medians.index.astype(str)))
