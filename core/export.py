"""Prediction tables for people: what the Batch predict page shows and lets you download."""

from __future__ import annotations

import pandas as pd

from core import predict, schema


def predictions_table(raw: pd.DataFrame, predictions: pd.DataFrame) -> pd.DataFrame:
    """Join the input rows (as written in the file) with their predictions.

    Args:
        raw: the file as read by :func:`core.data.read_raw` (every cell text).
        predictions: :func:`core.predict.predict_frame` of the same rows.

    Returns:
        The input columns, then ``predicted_genre``, ``second_genre``,
        ``reason`` and one ``p_<Genre>`` column per genre; the same rows in
        the same order (rows that could not be predicted keep their place,
        with the reason). Input columns that share a name with an output
        column are replaced by the output.
    """
    kept = raw.drop(columns=predictions.columns, errors="ignore")
    return kept.join(predictions)


def unpredictable_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`predictions_table` that got no prediction, with row numbers.

    ``row`` is the line's position among the data rows (1 = first row under
    the header), so people can find it in a spreadsheet.
    """
    missing = table[table[predict.REASON] != ""]
    columns = [
        column
        for column in ("artist_name", "track_name", predict.REASON)
        if column in missing.columns
    ]
    shown = missing[columns].copy()
    shown.insert(0, "row", missing.index + 1)
    return shown.reset_index(drop=True)


def predictions_csv_bytes(table: pd.DataFrame) -> bytes:
    """The table of :func:`predictions_table` as UTF-8 CSV bytes, for a download button.

    Probabilities are rounded to four decimals; unpredicted rows have empty
    probability cells.
    """
    rounded = table.copy()
    for column in predict.PROBABILITY_COLUMNS:
        if column in rounded.columns:
            rounded[column] = rounded[column].round(4)
    return rounded.to_csv(index=False).encode("utf-8")


def has_labels(typed: pd.DataFrame) -> bool:
    """True when the file has a genre column with at least one known genre."""
    return schema.TARGET in typed.columns and bool(typed[schema.TARGET].notna().any())
