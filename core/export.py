"""Prediction tables for people.

What Batch predict and ``python -m core predict`` write. Both stream the file
through :func:`predict_file`, a chunk at a time, so memory does not grow with
the file: the table goes to a text stream as CSV (a file on disk), and only a
preview, the rows without a prediction (up to a cap) and the numbers needed
for the scores stay in memory.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import IO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core import data, novelty, opening, predict, understanding
from core.bundle import Bundle
from core.errors import DataError
from core.genres import Genres
from core.network_process import Job, NetworkRunner
from core.tables import label_codes

# Rows of the table the Batch predict page shows (the download has them all).
PREVIEW_ROWS = 1_000
# Rows without a prediction listed by row number (the count covers them all).
LISTED_UNPREDICTABLE = 1_000
# Decimals of the probabilities in a written table.
PROBABILITY_DECIMALS = 4


def predictions_table(raw: pd.DataFrame, predictions: pd.DataFrame) -> pd.DataFrame:
    """Join the input rows (as written in the file) with their predictions.

    Args:
        raw: the file as read by :func:`core.reading.read_raw` (every cell text).
        predictions: :func:`core.predict.predict_frame` of the same rows.

    Returns:
        The input columns, then ``predicted_genre``, ``second_genre``,
        ``reason``, ``typical_values_used`` and one ``p_<Genre>`` column per
        genre; the same rows in
        the same order (rows that could not be predicted keep their place,
        with the reason). Input columns that share a name with an output
        column are replaced by the output (an earlier output given as input
        gets new predictions, not its old ones).
    """
    kept = raw.drop(columns=predictions.columns, errors="ignore")
    return kept.join(predictions)


def unpredictable_rows(typed: pd.DataFrame, predictions: pd.DataFrame) -> pd.DataFrame:
    """The rows that got no prediction, with row numbers, names and reasons.

    ``row`` is the line's position among the data rows (1 = first row under
    the header), so people can find it in a spreadsheet.

    Args:
        typed: the rows as :mod:`core.data` typed them (GenreLab's names).
        predictions: :func:`core.predict.predict_frame` of the same rows.
    """
    missing = (predictions[predict.REASON] != "").to_numpy()
    names = [column for column in ("artist_name", "track_name") if column in typed]
    shown = typed.loc[missing, names].join(predictions.loc[missing, [predict.REASON]])
    shown.insert(0, "row", shown.index + 1)
    return shown.reset_index(drop=True)


# A field is quoted when it holds the delimiter, a quote or a line break (as
# Python's csv module does with QUOTE_MINIMAL).
_NEEDS_QUOTES = (",", '"', "\n", "\r")


_QUOTE_MARK_BYTES = tuple(mark.encode() for mark in _NEEDS_QUOTES)


def _may_need_quotes(text: pa.Array) -> bool:
    # Most columns have no field to quote. One byte search of the buffer that
    # holds a column's characters rules that out in well under a millisecond,
    # where matching each field against each mark takes 20 ms for a column of
    # 50,000 rows (measured). UTF-8 never uses these ASCII bytes inside
    # another character, and a mark in the buffer only sends the column to
    # the exact test below.
    characters = text.buffers()[2]
    if characters is None:
        return False
    written = characters.to_pybytes()
    return any(mark in written for mark in _QUOTE_MARK_BYTES)


def _csv_fields(values: pa.Array) -> pa.Array:
    text = pc.fill_null(values.cast(pa.large_string()), "")
    if pa.types.is_floating(values.type) or not _may_need_quotes(text):
        return text  # numbers, and text without a mark, never need quotes
    needs = pc.match_substring(text, _NEEDS_QUOTES[0])
    for mark in _NEEDS_QUOTES[1:]:
        needs = pc.or_(needs, pc.match_substring(text, mark))
    if not pc.any(needs).as_py():
        return text
    mark = pa.scalar('"', pa.large_string())
    quoted = pc.binary_join_element_wise(
        mark,
        pc.replace_substring(text, '"', '""'),
        mark,
        pa.scalar("", pa.large_string()),
    )
    return pc.if_else(needs, quoted, text)


def write_csv(
    table: pd.DataFrame,
    stream: IO[str],
    header: bool,
    rounded: Collection[str] = (),
) -> None:
    """Write (a chunk of) a table as CSV.

    The table: a :func:`predictions_table`, an explanation, neighbours.

    The ``rounded`` columns (probabilities) get ``PROBABILITY_DECIMALS`` decimals;
    unpredicted rows have empty probability cells. Writing a table in chunks
    (the header with the first only) gives the same bytes as writing it whole.

    Written with Arrow's vectorised string functions rather than
    ``DataFrame.to_csv``: measured on 50,000 rows of 31 columns, ``to_csv``
    took 1.0 s (20 s of a million-row file, the whole time budget of
    ``python -m core predict``), this 0.1 s. Arrow's own CSV writer cannot
    quote only the fields that need it.
    """
    columns = []
    for name in table.columns:
        values = table[name]
        if name in rounded:
            values = values.round(PROBABILITY_DECIMALS)
        array = pa.array(values, from_pandas=True)
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        columns.append(_csv_fields(array))
    if header:
        names = _csv_fields(pa.array([str(name) for name in table.columns]))
        stream.write(",".join(names.to_pylist()) + "\n")
    if len(table):
        lines = pc.binary_join_element_wise(*columns, pa.scalar(",", pa.large_string()))
        # Each line with its line break, then the characters of them all as
        # one piece: no Python string per row.
        ended = pc.binary_join_element_wise(
            lines,
            pa.scalar("", pa.large_string()),
            pa.scalar("\n", pa.large_string()),
        )
        stream.write(_characters(ended))


def _characters(text: pa.Array) -> str:
    """The characters of a large_string array without nulls, one after another."""
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)
    first, last = offsets[text.offset], offsets[text.offset + len(text)]
    return text.buffers()[2].slice(first, last - first).to_pybytes().decode("utf-8")


def has_labels(typed: pd.DataFrame, genres: Genres) -> bool:
    """True when the file has a genre column with at least one of the model's genres."""
    return bool((label_codes(typed, genres) >= 0).any())


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
    # has one of the model's genres (unless the file had to be labelled).
    scores: dict | None
    # What was understood of the file (format, columns renamed, values
    # converted, columns the model filled, labels of none of its genres).
    understood: understanding.Understood | None = None
    # How unlike the training tracks the file is (None: the model has no
    # novelty reference, or no row was predicted).
    novelty: novelty.FileSummary | None = None
    # Which of the model's networks predicted the file, and why (its
    # sentence is empty for a bundle of one network).
    network: predict.NetworkChoice | None = None

    @property
    def unpredicted(self) -> int:
        """Rows without a prediction (all of them, listed or not)."""
        return self.rows - self.predicted


@dataclass
class _Chunk:
    """A chunk read, whose network output is on its way."""

    raw: pd.DataFrame
    typed: pd.DataFrame
    usable: np.ndarray
    reasons: np.ndarray
    filled: np.ndarray
    # The rows' own network inputs (their novelty's, and the file's feature
    # means').
    inputs: np.ndarray
    network: Job


def no_sets_for_audio_network(choice: predict.NetworkChoice) -> DataError:
    """The refusal of prediction sets for a file the audio network predicts.

    The sets are calibrated on the main network's probabilities.
    """
    return DataError(
        f"{choice.sentence} Prediction sets are calibrated for the network "
        "with popularity, so this file gets none: predict it without sets."
    )


def predict_file(
    bundle: Bundle,
    source: opening.CsvSource,
    output: IO[str] | None = None,
    on_progress: Callable[[int], None] | None = None,
    require_label: bool = False,
    score: bool = True,
    chunk_rows: int | None = None,
    separate_process: bool = False,
    limited: bool = False,
    label: str | None = None,
    coverage: float | None = None,
) -> BatchResult:
    """Predict every row of a file, a chunk at a time.

    Args:
        bundle: the model.
        source: a path, the file's bytes, or an open upload.
        output: where the whole :func:`predictions_table` goes as CSV (rows
            in order); None to only count and score.
        on_progress: called with the number of rows done after each chunk.
        require_label: refuse a file without a genre column.
        score: score the predictions of a labelled file (``scores``).
        chunk_rows: rows per chunk (default ``core.reading.CHUNK_ROWS``).
        separate_process: run the network in a second process, alongside
            reading (the command line; see :mod:`core.network_process`).
        limited: an upload to the app: held to :data:`core.limits.LIMITS`
            (rows, unpacked text, JSON); a file over a limit is refused
            before any work where its rows can be counted at once (a plain
            CSV), else at the limit.
        label: the file's column that holds the genre, as a person named it
            (``--label``); None: the one named as in ``formats.LABEL_NAMES``.
        coverage: add each row's prediction set at this coverage
            (``prediction_set``, :func:`core.predict.with_prediction_sets`);
            None: no sets.

    Returns:
        Counts, a preview, the rows without a prediction, the scores and
        what was understood of the file. The preview uses GenreLab's column
        names; the table written to ``output`` is the file's rows as read,
        under its own names (``Duration (ms)`` stays ``Duration (ms)``).

    Raises:
        DataError: the file cannot be read (possibly after some chunks were
            written: write to a temporary file and keep it only on success).
    """
    if coverage is not None:  # refused before any row is read or written
        predict.check_prediction_sets(bundle, coverage)
    rows = predicted = 0
    previews: list[pd.DataFrame] = []
    unpredictable: list[pd.DataFrame] = []
    listed = 0
    keeper = predict.ScoreKeeper(bundle.genres)
    probability_columns = set(predict.probability_columns(bundle.genres.names))
    labelled = False
    understood = understanding.Understood()
    understood.use_model(*bundle.preprocessor.gap_filling())
    file_novelty = novelty.FileNovelty(bundle.novelty)

    def finish(chunk: _Chunk) -> None:
        nonlocal rows, predicted, listed, labelled
        probabilities, scores = runner.outputs(chunk.network)
        assert scores is not None  # submitted with its inputs
        file_novelty.add(
            chunk.inputs, chunk.usable, scores, bundle.preprocessor.feature_names
        )
        predictions = predict.predictions_from(
            chunk.typed.index,
            chunk.usable,
            chunk.reasons,
            chunk.filled,
            probabilities,
            bundle.genres.names,
            scores,
        )
        if coverage is not None:
            predictions = predict.with_prediction_sets(bundle, predictions, coverage)
        if output is not None:
            write_csv(
                predictions_table(chunk.raw, predictions),
                output,
                header=rows == 0,
                rounded=probability_columns,
            )
        if rows < PREVIEW_ROWS:
            # The page picks its columns by GenreLab's names.
            shown = slice(0, PREVIEW_ROWS - rows)
            named = chunk.raw.iloc[shown].rename(columns=understood.renamed)
            previews.append(predictions_table(named, predictions.iloc[shown]))
        if listed < LISTED_UNPREDICTABLE:
            missing = unpredictable_rows(chunk.typed, predictions)
            missing = missing.iloc[: LISTED_UNPREDICTABLE - listed]
            unpredictable.append(missing)
            listed += len(missing)
        labelled = labelled or has_labels(chunk.typed, bundle.genres)
        if score:
            keeper.add(chunk.typed, predictions)
        rows += len(chunk.raw)
        predicted += int((predictions[predict.REASON] == "").sum())
        if on_progress is not None:
            on_progress(rows)

    chunks = data.iter_typed_chunks(
        source,
        require_label,
        chunk_rows,
        summary=understood,
        limited=limited,
        label=label,
        genres=bundle.genres,
    )
    # The network is chosen from the file's first rows (core.predict.
    # file_choice), before any is predicted: the first chunks are held until
    # there are enough of them, whatever the chunk size.
    held: list[tuple[pd.DataFrame, pd.DataFrame]] = []
    for chunk_read in chunks:
        held.append(chunk_read)
        if sum(len(typed) for _, typed in held) >= predict.CHOICE_ROWS:
            break
    choice = predict.file_choice(bundle, pd.concat([typed for _, typed in held]))
    if coverage is not None and choice.audio_only:
        raise no_sets_for_audio_network(choice)
    # With a second process, each chunk's network and novelty run there while
    # the next chunk is read here; then its table is written.
    with NetworkRunner(
        predict.network_of(bundle, choice), separate_process, bundle.novelty
    ) as runner:
        waiting: _Chunk | None = None
        read = 0
        for raw, typed in itertools.chain(held, chunks):
            own = predict.network_inputs(bundle, typed)
            usable, reasons, filled, features = predict.chosen_inputs(
                bundle, typed, choice, own
            )
            # Novelty is of the file's own values (its popularity too), the
            # same rows as predict.row_novelty's.
            job = runner.submit(features, read, own[3], own[0])
            chunk = _Chunk(raw, typed, usable, reasons, filled, own[3], job)
            read += len(typed)
            if waiting is not None:
                finish(waiting)
                waiting = None
            # A chunk waits only while its network runs elsewhere; in one
            # process (the app's server) holding it would only cost memory.
            if runner.in_second_process:
                waiting = chunk
            else:
                finish(chunk)
        if waiting is not None:
            finish(waiting)
    return BatchResult(
        rows=rows,
        predicted=predicted,
        preview=pd.concat(previews),
        unpredictable=pd.concat(unpredictable, ignore_index=True),
        scores=(
            predict.with_network(keeper.metrics(), bundle, choice)
            if score and (labelled or require_label)
            else None
        ),
        understood=understood,
        novelty=file_novelty.summary(),
        network=choice,
    )
