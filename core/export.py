"""Prediction tables for people: what Batch predict and ``python -m core predict`` write.

Both stream the file through :func:`predict_file`, a chunk at a time, so
memory does not grow with the file: the table goes to a text stream as CSV
(a file on disk), and only a preview, the rows without a prediction (up to a
cap) and the numbers needed for the scores stay in memory.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

import pandas as pd

from core import data, predict, schema
from core.bundle import Bundle

# Rows of the table the Batch predict page shows (the download has them all).
PREVIEW_ROWS = 1_000
# Rows without a prediction listed by row number (the count covers them all).
LISTED_UNPREDICTABLE = 1_000
# Decimals of the probabilities in a written table.
PROBABILITY_DECIMALS = 4


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
        column are replaced by the output (an earlier output given as input
        gets new predictions, not its old ones).
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


def write_predictions_csv(table: pd.DataFrame, stream: IO[str], header: bool) -> None:
    """Write (a chunk of) a :func:`predictions_table` as CSV.

    Probabilities are rounded to ``PROBABILITY_DECIMALS`` decimals;
    unpredicted rows have empty probability cells. Writing a table in chunks
    (the header with the first only) gives the same bytes as writing it whole.
    """
    rounded = table.round(dict.fromkeys(predict.PROBABILITY_COLUMNS, PROBABILITY_DECIMALS))
    rounded.to_csv(stream, index=False, header=header, lineterminator="\n")


def predictions_csv_bytes(table: pd.DataFrame) -> bytes:
    """The table of :func:`predictions_table` as UTF-8 CSV bytes (see :func:`write_predictions_csv`)."""
    buffer = io.StringIO()
    write_predictions_csv(table, buffer, header=True)
    return buffer.getvalue().encode("utf-8")


def has_labels(typed: pd.DataFrame) -> bool:
    """True when the file has a genre column with at least one known genre."""
    return schema.TARGET in typed.columns and bool(typed[schema.TARGET].notna().any())


@dataclass
class BatchResult:
    """What predicting a whole file gave, besides the table written out."""

    rows: int
    predicted: int
    # The table's first PREVIEW_ROWS rows.
    preview: pd.DataFrame
    # unpredictable_rows() of the first LISTED_UNPREDICTABLE such rows.
    unpredictable: pd.DataFrame
    # core.predict.evaluate_predictions of the whole file; None when no row
    # has one of the ten genres (unless the file had to be labelled).
    scores: dict | None

    @property
    def unpredicted(self) -> int:
        """Rows without a prediction (all of them, listed or not)."""
        return self.rows - self.predicted


def predict_file(
    bundle: Bundle,
    source: data.CsvSource,
    output: IO[str] | None = None,
    on_progress: Callable[[int], None] | None = None,
    require_label: bool = False,
    chunk_rows: int | None = None,
) -> BatchResult:
    """Predict every row of a file, a chunk at a time.

    Args:
        bundle: the model.
        source: a path, the file's bytes, or an open upload.
        output: where the whole :func:`predictions_table` goes as CSV (rows
            in order); None to only count and score.
        on_progress: called with the number of rows done after each chunk.
        require_label: refuse a file without a ``music_genre`` column.
        chunk_rows: rows per chunk (default ``core.data.CHUNK_ROWS``).

    Returns:
        Counts, a preview, the rows without a prediction and the scores.

    Raises:
        DataError: the file cannot be read (possibly after some chunks were
            written: write to a temporary file and keep it only on success).
    """
    rows = predicted = 0
    previews: list[pd.DataFrame] = []
    unpredictable: list[pd.DataFrame] = []
    listed = 0
    keeper = predict.ScoreKeeper()
    labelled = False
    chunks = data.iter_typed_chunks(source, require_label, chunk_rows)
    for raw, typed in chunks:
        predictions = predict.predict_frame(bundle, typed)
        table = predictions_table(raw, predictions)
        if output is not None:
            write_predictions_csv(table, output, header=rows == 0)
        if rows < PREVIEW_ROWS:
            previews.append(table.iloc[: PREVIEW_ROWS - rows])
        if listed < LISTED_UNPREDICTABLE:
            missing = unpredictable_rows(table).iloc[: LISTED_UNPREDICTABLE - listed]
            unpredictable.append(missing)
            listed += len(missing)
        labelled = labelled or has_labels(typed)
        keeper.add(typed, predictions)
        rows += len(table)
        predicted += int((predictions[predict.REASON] == "").sum())
        if on_progress is not None:
            on_progress(rows)
    return BatchResult(
        rows=rows,
        predicted=predicted,
        preview=pd.concat(previews),
        unpredictable=pd.concat(unpredictable, ignore_index=True),
        scores=keeper.metrics() if labelled or require_label else None,
    )
