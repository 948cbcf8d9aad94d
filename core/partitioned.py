"""Predict or score a file in parts (:mod:`core.partitions`): here or on a cluster.

The table written is the one :func:`core.export.predict_file` writes for the
same rows: same rows and order, same probabilities (the network runs at each
row's file position), same reasons. Each part's table is made on a worker,
as CSV text or an Arrow table, and written here in the file's order, to a
stream the caller moves into place only when every part is written.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Literal

import pandas as pd

from core import export, novelty, partitions, predict, understanding
from core.bundle import Bundle
from core.errors import DataError

if TYPE_CHECKING:
    import pyarrow as arrow
    from distributed import Client

OutputFormat = Literal["csv", "parquet"]


def output_format(path: str) -> OutputFormat:
    """The table's format from the output file's name: Parquet or CSV."""
    return "parquet" if partitions.is_parquet(path) else "csv"


@dataclass(frozen=True)
class _Job:
    """What every part's work needs, sent to each worker once."""

    bundle: Bundle
    score: bool
    # None: count and score only.
    output: OutputFormat | None
    # The network every part is predicted with: chosen once, from the file's
    # first rows, as core.export.predict_file chooses it.
    choice: predict.NetworkChoice
    # Each row's prediction set at this coverage (None: no sets).
    coverage: float | None = None


@dataclass
class _PartResult:
    """One part's table (as written) and its counts."""

    columns: list[str]
    table: str | arrow.Table | None
    rows: int
    predicted: int
    keeper: predict.ScoreKeeper
    novelty: novelty.FileNovelty
    understood: understanding.Understood
    labelled: bool


def _predict_part(job: _Job, part: partitions.PartRows, first_row: int) -> _PartResult:
    """Predict one part's rows (run on a worker)."""
    bundle = job.bundle
    keeper = predict.ScoreKeeper(bundle.genres)
    file_novelty = novelty.FileNovelty(bundle.novelty)
    tables, predicted, labelled = [], 0, False
    for raw_part, typed_part in part.chunks:
        raw = partitions.shifted(raw_part, first_row)
        typed = partitions.shifted(typed_part, first_row)
        own = predict.network_inputs(bundle, typed)
        start = int(typed.index[0]) if len(typed) else first_row
        # Novelty of the file's own values, as core.export.predict_file.
        scores = predict.row_novelty(bundle, own[3], own[0], start)
        file_novelty.add(own[3], own[0], scores, bundle.preprocessor.feature_names)
        predictions = predict.predicted_rows(
            bundle, typed, job.choice, start, own, scores
        )
        if job.coverage is not None:
            predictions = predict.with_prediction_sets(
                bundle, predictions, job.coverage
            )
        if job.score:
            keeper.add(typed, predictions)
        labelled = labelled or export.has_labels(typed, bundle.genres)
        predicted += int((predictions[predict.REASON] == "").sum())
        if job.output is not None:
            tables.append(export.predictions_table(raw, predictions))
    table = pd.concat(tables) if tables else pd.DataFrame()
    rounded = predict.probability_columns(bundle.genres.names)
    return _PartResult(
        columns=[str(name) for name in table.columns],
        table=_serialised(table, job.output, rounded),
        rows=part.rows,
        predicted=predicted,
        keeper=keeper,
        novelty=file_novelty,
        understood=part.understood,
        labelled=labelled,
    )


def _serialised(
    table: pd.DataFrame, output: OutputFormat | None, rounded: Collection[str] = ()
):
    """A part's table as written: CSV text or an Arrow table, the ``rounded``
    columns (a model's probabilities) to export.PROBABILITY_DECIMALS."""
    if output is None:
        return None
    if output == "csv":
        buffer = io.StringIO()
        export.write_csv(table, buffer, header=False, rounded=rounded)
        return buffer.getvalue()
    import pyarrow as arrow

    table = table.round(
        {name: export.PROBABILITY_DECIMALS for name in rounded if name in table}
    )
    return arrow.Table.from_pandas(table, preserve_index=False)


class _Writer:
    """Writes the parts' tables in order: CSV text, or a Parquet file."""

    def __init__(self, stream: IO | None, output: OutputFormat | None) -> None:
        self._stream = stream
        self._output = output
        self._columns: list[str] | None = None
        # pyarrow has no type information (pyproject.toml's mypy overrides).
        self._parquet: Any = None
        self._schema: Any = None

    def write(self, part: _PartResult) -> None:
        if self._stream is None or part.table is None:
            return
        if self._columns is None:
            self._columns = part.columns
            if self._output == "csv":
                export.write_csv(pd.DataFrame(columns=part.columns), self._stream, True)
        elif part.columns != self._columns:
            raise DataError(
                "The parts do not have the same columns: "
                f"{', '.join(part.columns[:6])}... against "
                f"{', '.join(self._columns[:6])}...; give parts of one file."
            )
        if self._output == "csv":
            self._stream.write(part.table)
            return
        import pyarrow.parquet as parquet

        table: Any = part.table
        if self._parquet is None:
            self._schema = table.schema
            self._parquet = parquet.ParquetWriter(self._stream, table.schema)
        elif table.schema != self._schema:
            # A column all empty in one part is typed null there.
            table = table.cast(self._schema)
        self._parquet.write_table(table)

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()


@dataclass
class _TablePart:
    """One part's table of :func:`tables_in_parts`, as written."""

    columns: list[str]
    table: str | arrow.Table
    rows: int
    written: int
    understood: understanding.Understood


# (raw chunk, typed chunk, the file's renamed columns) -> the table written
# for them (explain, similar, counterfactual).
TableOf = Callable[[pd.DataFrame, pd.DataFrame, dict[str, str]], pd.DataFrame]


def _table_part(
    job: tuple[TableOf, OutputFormat], part: partitions.PartRows, first_row: int
) -> _TablePart:
    """``table_of`` of one part's chunks, at their file positions (on a worker)."""
    table_of, output = job
    tables = [
        table_of(
            partitions.shifted(raw, first_row),
            partitions.shifted(typed, first_row),
            part.understood.renamed,
        )
        for raw, typed in part.chunks
    ]
    table = pd.concat(tables) if tables else pd.DataFrame()
    return _TablePart(
        columns=[str(name) for name in table.columns],
        table=_serialised(table, output),
        rows=part.rows,
        written=len(table),
        understood=part.understood,
    )


def tables_in_parts(
    source: str,
    output: IO,
    output_kind: OutputFormat,
    table_of: TableOf,
    client: Client | None = None,
    partition_bytes: int | None = None,
) -> tuple[int, int, understanding.Understood]:
    """Write ``table_of`` of every part of a file, in order: here or on a cluster.

    Args:
        source: a file, a folder or a glob (:func:`core.partitions.plan`).
        output: a text stream (CSV) or a binary one (Parquet).
        output_kind: the output's format.
        table_of: the table of a chunk's rows; on a cluster it is sent to
            every worker once, with what it holds (the model).
        client: a Dask client; None: here.
        partition_bytes: bytes per part (default from ``core.cluster``).

    Returns:
        The rows read, the rows written and what was understood of the file.
    """
    rows = written = 0
    understood: list[understanding.Understood] = []
    writer = _Writer(output, output_kind)
    try:
        for part in partitions.run(
            partitions.plan(source, partition_bytes),
            _table_part,
            (table_of, output_kind),
            client,
        ):
            writer.write(part)
            rows += part.rows
            written += part.written
            understood.append(part.understood)
    finally:
        writer.close()
    return rows, written, partitions.merged_understood(understood)


def predict_parts(
    bundle: Bundle,
    source: str,
    output: IO | None = None,
    output_kind: OutputFormat | None = None,
    client: Client | None = None,
    require_label: bool = False,
    score: bool = True,
    label: str | None = None,
    on_progress: Callable[[int], None] | None = None,
    partition_bytes: int | None = None,
    coverage: float | None = None,
) -> export.BatchResult:
    """Predict every row of a file, folder or glob, part by part.

    Args:
        bundle: the model.
        source: a CSV, JSON or Parquet file, a folder or a glob of them.
        output: where the whole table goes (a text stream for CSV, a binary
            one for Parquet); None to only count and score.
        output_kind: the table's format (:func:`output_format`).
        client: a Dask client to run the parts on; None: here.
        require_label: refuse a file without a genre column.
        score: score the predictions of a labelled file (``scores``).
        label: the file's genre column, as a person named it.
        on_progress: called with the number of rows done after each part.
        partition_bytes: bytes per part (default from ``core.cluster``).
        coverage: add each row's prediction set at this coverage, as
            :func:`core.export.predict_file` does; None: no sets.

    Returns:
        As :func:`core.export.predict_file` (its preview and listing of
        rows without a prediction are left empty: the command line shows
        neither).

    Raises:
        DataError: a part cannot be read, or the parts' columns differ
            (write to a temporary file and keep it only on success); the
            file is predicted by the network without popularity, for which
            the sets are not calibrated (before any row is written).
        GenreLabError: ``coverage`` is out of range or the bundle has no
            calibration (before any row is read).
    """
    if coverage is not None:
        predict.check_prediction_sets(bundle, coverage)
    plan = partitions.plan(source, partition_bytes)
    job = _Job(
        bundle,
        score,
        output_kind if output is not None else None,
        _file_choice(bundle, plan, require_label, label),
        coverage,
    )
    if coverage is not None and job.choice.audio_only:
        raise export.no_sets_for_audio_network(job.choice)
    keeper = predict.ScoreKeeper(bundle.genres)
    file_novelty = novelty.FileNovelty(bundle.novelty)
    understood: list[understanding.Understood] = []
    rows = predicted = 0
    labelled = False
    writer = _Writer(output, job.output)
    try:
        for part in partitions.run(
            plan, _predict_part, job, client, require_label, label, bundle.genres
        ):
            writer.write(part)
            keeper.merge(part.keeper)
            file_novelty.merge(part.novelty)
            understood.append(part.understood)
            rows += part.rows
            predicted += part.predicted
            labelled = labelled or part.labelled
            if on_progress is not None:
                on_progress(rows)
    finally:
        writer.close()
    summary = partitions.merged_understood(understood)
    summary.use_model(*bundle.preprocessor.gap_filling())
    return export.BatchResult(
        rows=rows,
        predicted=predicted,
        preview=pd.DataFrame(),
        unpredictable=pd.DataFrame(columns=["row", predict.REASON]),
        scores=(
            predict.with_network(keeper.metrics(), bundle, job.choice)
            if score and (labelled or require_label)
            else None
        ),
        understood=summary,
        novelty=file_novelty.summary(),
        network=job.choice,
    )


def _file_choice(
    bundle: Bundle,
    plan: list[partitions.Partition],
    require_label: bool,
    label: str | None,
) -> predict.NetworkChoice:
    """The network for a file in parts: chosen from its first rows, read here
    (the first parts, until predict.CHOICE_ROWS rows), as the plain command
    chooses it; none read for a bundle of one network."""
    if bundle.audio_network is None:
        return predict.NetworkChoice(False, "")
    typed: list[pd.DataFrame] = []
    rows = 0
    for partition in plan:
        part = partitions.read_partition(partition, require_label, label)
        typed += [partitions.shifted(t, rows) for _, t in part.chunks]
        rows += part.rows
        if rows >= predict.CHOICE_ROWS:
            break
    return predict.file_choice(bundle, pd.concat(typed))
