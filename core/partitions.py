"""A file, or a folder or glob of files, in parts; work done part by part.

A big CSV is cut at line ends into parts of about ``partition_bytes`` (never
inside a quoted field); a Parquet file into groups of its row groups; each
file of a folder or glob is a part or more. Each part is read with the same
reader as a whole file (:func:`core.data.iter_typed_chunks`), so its rows are
the rows the whole file gives, and its rows learn their place in the file
(``first_row``) before their network runs: the network pads rows to full
blocks by file position (``core.forward.Network.outputs``), so a file in
parts gives the same bits as the file whole.

:func:`run` does the work here, one part after another, or on a Dask cluster
(``distributed.Client``), a few parts per worker at a time, and gives the
results back in the file's order. A worker lost mid-run has its parts done
again by Dask (``core.cluster.CLUSTER.allowed_failures``).
"""

from __future__ import annotations

import codecs
import collections
import dataclasses
import glob
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from core import data, understanding
from core.cluster import CLUSTER, resent_value, worker_count
from core.errors import DataError, GenreLabError
from core.genres import Genres

if TYPE_CHECKING:
    from distributed import Client

PARQUET_SUFFIXES = (".parquet", ".pq")
# Files a folder's parts may be: CSV (also gzip), JSON, Parquet.
PART_SUFFIXES = (".csv", ".gz", ".tsv", ".txt", ".json", *PARQUET_SUFFIXES)
_GLOB_MARKS = ("*", "?", "[")
_READ_BLOCK = 8 * 1024 * 1024
_QUOTE = b'"'
_NEWLINE = b"\n"


def is_parquet(path: str | Path) -> bool:
    """Whether a file name says Parquet (``.parquet`` or ``.pq``)."""
    return Path(path).suffix.lower() in PARQUET_SUFFIXES


def is_multi_part(text: str) -> bool:
    """Whether ``--input`` names a folder, a glob or a Parquet file.

    Those take the partitioned path even without a cluster; a single CSV or
    JSON file keeps the streaming path of :func:`core.export.predict_file`.
    """
    return (
        Path(text).is_dir()
        or is_parquet(text)
        or (not Path(text).exists() and any(mark in text for mark in _GLOB_MARKS))
    )


def input_files(text: str) -> list[Path]:
    """The files ``--input`` names, in order: a file, a folder's or a glob's.

    Raises:
        DataError: nothing there, or a folder or glob without a part.
    """
    path = Path(text)
    if path.is_dir():
        files = sorted(
            entry
            for entry in path.iterdir()
            if entry.is_file()
            and not entry.name.startswith(".")
            and entry.suffix.lower() in PART_SUFFIXES
        )
        if not files:
            raise DataError(
                f"The folder {text} holds no CSV, JSON or Parquet file to read."
            )
        return files
    if path.is_file():
        return [path]
    if any(mark in text for mark in _GLOB_MARKS):
        files = sorted(Path(name) for name in glob.glob(text) if Path(name).is_file())
        if not files:
            raise DataError(f"No file matches {text}.")
        return files
    raise DataError(f"No file at {text}.")


@dataclass(frozen=True)
class Partition:
    """One part of a file: what a worker reads."""

    path: str
    # CSV: bytes of the header line(s) (0: the part is read from the file's
    # start, header included) and the byte range of the part's lines (stop
    # -1: to the end).
    header_end: int = 0
    start: int = 0
    stop: int = -1
    # Parquet: the row groups of the part (empty: the whole file).
    row_groups: tuple[int, ...] = ()
    # CSV cut out of a file: its lines before the part's first, less the
    # header's, so that an error names the line as the file numbers it.
    lines_before: int = 0


def plan(text: str, partition_bytes: int | None = None) -> list[Partition]:
    """Cut the file(s) ``--input`` names into parts, in the rows' order.

    Args:
        text: a file, a folder, or a glob (``parts/*.csv``).
        partition_bytes: bytes per part (default ``CLUSTER.partition_bytes``).

    Raises:
        DataError: no such file, or a Parquet file that cannot be opened.
    """
    size = partition_bytes or CLUSTER.partition_bytes
    parts: list[Partition] = []
    for path in input_files(text):
        if is_parquet(path):
            parts.extend(_parquet_partitions(path, size))
        else:
            parts.extend(_csv_partitions(path, size))
    return parts


# Bytes a row of Parquet is counted as when grouping row groups (about a
# Kaggle CSV row's).
_ROW_BYTES = 150


def _parquet_partitions(path: Path, size: int) -> list[Partition]:
    import pyarrow.parquet as parquet

    try:
        metadata = parquet.ParquetFile(path).metadata
    except (OSError, ValueError) as error:
        raise DataError(f"{path} cannot be read as a Parquet file ({error}).") from None
    parts, group, rows = [], [], 0
    for number in range(metadata.num_row_groups):
        group.append(number)
        rows += metadata.row_group(number).num_rows
        if rows * _ROW_BYTES >= size:
            parts.append(Partition(str(path), row_groups=tuple(group)))
            group, rows = [], 0
    if group or not parts:
        parts.append(Partition(str(path), row_groups=tuple(group)))
    return parts


def _csv_partitions(path: Path, size: int) -> list[Partition]:
    """A CSV's parts, cut after line ends outside quotes.

    A file is kept whole when it is small, compressed, JSON, UTF-16, or not
    UTF-8 (its encoding is guessed from the whole file, so no part may guess
    alone).
    """
    whole = [Partition(str(path))]
    if path.stat().st_size <= size:
        return whole
    with open(path, "rb") as stream:
        head = stream.read(65536)
        if head.startswith((b"\x1f\x8b", b"\xff\xfe", b"\xfe\xff")):
            return whole
        first_text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not first_text or first_text.startswith((b"{", b"[")):
            return whole
        header_end = head.find(_NEWLINE, len(head) - len(first_text)) + 1
        if header_end == 0:
            return whole
        header_lines = head.count(_NEWLINE, 0, header_end)
        stream.seek(0)
        cuts = _line_cuts(stream, header_end, size)
    if cuts is None or len(cuts) < 1:
        return whole
    edges = [0, *(cut for cut, _ in cuts), -1]
    lines = [0, *(before - header_lines for _, before in cuts)]
    return [
        Partition(
            str(path),
            header_end=0 if number == 0 else header_end,
            start=edges[number],
            stop=edges[number + 1],
            lines_before=lines[number],
        )
        for number in range(len(edges) - 1)
    ]


def _line_cuts(
    stream: io.BufferedReader, header_end: int, size: int
) -> list[tuple[int, int]] | None:
    """Byte positions after line ends outside quotes, ``size`` apart or more.

    Each with the line ends before it. None when the file is not UTF-8.
    CSV doubles a quote inside a quoted field, so a line end is outside
    quotes when the quotes before it are even in number.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    cuts: list[tuple[int, int]] = []
    target = header_end + size
    base = quotes = newlines = 0
    while block := stream.read(_READ_BLOCK):
        try:
            decoder.decode(block)
        except UnicodeDecodeError:
            return None
        end = base + len(block)
        while target < end:
            at = block.find(_NEWLINE, max(target - base, 0))
            if at == -1:
                break
            if (quotes + block.count(_QUOTE, 0, at)) % 2 == 0:
                before = newlines + block.count(_NEWLINE, 0, at + 1)
                cuts.append((base + at + 1, before))
                target = base + at + 1 + size
            else:
                target = base + at + 1
        quotes += block.count(_QUOTE)
        newlines += block.count(_NEWLINE)
        base = end
    # No part of only the file's last line break.
    return [(cut, before) for cut, before in cuts if cut < base]


def _source(partition: Partition) -> str | bytes:
    """What :func:`core.data.iter_typed_chunks` reads for a part."""
    if is_parquet(partition.path):
        return _parquet_as_csv(partition)
    if partition.start == 0 and partition.stop == -1:
        return partition.path
    with open(partition.path, "rb") as stream:
        header = stream.read(partition.header_end)
        stream.seek(partition.start)
        length = None if partition.stop == -1 else partition.stop - partition.start
        return header + (stream.read() if length is None else stream.read(length))


def _parquet_as_csv(partition: Partition) -> bytes:
    """A Parquet part as CSV text: read then as any CSV, cells as written there."""
    import pyarrow as arrow
    import pyarrow.csv as arrow_csv
    import pyarrow.parquet as parquet

    try:
        file = parquet.ParquetFile(partition.path)
        table = (
            file.read_row_groups(list(partition.row_groups))
            if partition.row_groups
            else file.read()
        )
        buffer = io.BytesIO()
        arrow_csv.write_csv(
            table, buffer, arrow_csv.WriteOptions(quoting_style="needed")
        )
    except (OSError, ValueError, arrow.ArrowException) as error:
        raise DataError(
            f"{partition.path} cannot be read as a table of plain values ({error})."
        ) from None
    return buffer.getvalue()


@dataclass
class PartRows:
    """A part's rows as read: (raw, typed) chunks, indexed from 0 in the part."""

    chunks: list[tuple[pd.DataFrame, pd.DataFrame]]
    understood: understanding.Understood
    rows: int


def read_partition(
    partition: Partition,
    require_label: bool = False,
    label: str | None = None,
    genres: Genres | None = None,
) -> PartRows:
    """Read one part as :func:`core.data.iter_typed_chunks` reads a file.

    Raises:
        DataError: the part cannot be read (the message names its file).
    """
    understood = understanding.Understood()
    try:
        chunks = list(
            data.iter_typed_chunks(
                _source(partition),
                require_label,
                summary=understood,
                label=label,
                genres=genres,
                lines_before=partition.lines_before,
            )
        )
    except DataError as error:
        raise DataError(f"{Path(partition.path).name}: {error}") from None
    return PartRows(chunks, understood, sum(len(raw) for raw, _ in chunks))


def shifted(frame: pd.DataFrame, first_row: int) -> pd.DataFrame:
    """A part's frame indexed by file position (its first row at ``first_row``)."""
    return frame.set_axis(frame.index + first_row)


def merged_understood(
    parts: list[understanding.Understood],
) -> understanding.Understood:
    """What was understood of a file from its parts': counts added, names joined."""
    total = dataclasses.replace(parts[0]) if parts else understanding.Understood()
    for part in parts[1:]:
        for item in dataclasses.fields(part):
            mine, theirs = getattr(total, item.name), getattr(part, item.name)
            if isinstance(mine, bool) or not isinstance(mine, int | dict | list):
                continue
            if isinstance(mine, int):
                setattr(total, item.name, mine + theirs)
            elif isinstance(mine, list):
                setattr(total, item.name, mine + [v for v in theirs if v not in mine])
            else:
                joined = dict(mine)
                for key, value in theirs.items():
                    both = isinstance(value, int) and isinstance(joined.get(key), int)
                    joined[key] = joined[key] + value if both else value
                setattr(total, item.name, joined)
    return total


# The work on one part: (shared, its rows, its first row's place in the
# file) -> anything picklable. ``shared`` is sent to each worker once.
PartWork = Callable[[Any, PartRows, int], Any]


def _rows_of(part: PartRows) -> int:
    return part.rows


def _work_on(work: PartWork, shared: Any, part: PartRows, first_row: int) -> Any:
    from threadpoolctl import threadpool_limits

    # One BLAS thread per worker process, as on the command line (core.cli).
    with threadpool_limits(limits=1, user_api="blas"):
        return work(shared, part, first_row)


def run(
    partitions: list[Partition],
    work: PartWork,
    shared: Any,
    client: Client | None = None,
    require_label: bool = False,
    label: str | None = None,
    genres: Genres | None = None,
) -> Iterator[Any]:
    """``work`` of every part, in the file's order: here, or on ``client``'s cluster.

    Args:
        partitions: from :func:`plan`.
        work: a module-level function (workers import it by name).
        shared: what every part's work needs (the model): sent once.
        client: a Dask client (:func:`core.cluster.connect`); None: here.
        require_label, label, genres: as for :func:`core.data.iter_typed_chunks`.

    Raises:
        DataError: a part cannot be read.
        GenreLabError: the cluster lost the workers running a part too often.
    """
    if client is None:
        first_row = 0
        for partition in partitions:
            part = read_partition(partition, require_label, label, genres)
            yield work(shared, part, first_row)
            first_row += part.rows
        return
    yield from _run_on_cluster(
        partitions, work, shared, client, require_label, label, genres
    )


@dataclass
class _InFlight:
    """One part on the cluster: its reading, its row count and its work.

    The client holds all three until the part's result is back, so that
    Dask can compute any of them again on another worker if the worker
    holding it is lost (a result nobody holds is forgotten, and a task whose
    input was forgotten cannot be computed again).
    """

    number: int
    read: Any
    count: Any
    # Submitted once the part's first row is known (None until then).
    work: Any = None


def _run_on_cluster(
    partitions: list[Partition],
    work: PartWork,
    shared: Any,
    client: Client,
    require_label: bool,
    label: str | None,
    genres: Genres | None,
) -> Iterator[Any]:
    from distributed import KilledWorker, as_completed
    from distributed.client import FutureCancelledError

    sent = client.submit(resent_value, shared, pure=False)
    in_flight = CLUSTER.partitions_in_flight_per_worker * worker_count(client)
    waiting = iter(enumerate(partitions))
    window: collections.deque[_InFlight] = collections.deque()
    # Each part's first row is the sum of the earlier parts' rows, learned
    # here as each part's count comes back: a part's work waits for the
    # parts before it to be read, not to be predicted.
    next_first_row = 0
    # The part whose future was last looked at (named if the cluster lost it).
    current = 0
    finished = as_completed(loop=client.loop)

    def read_next() -> None:
        while len(window) < in_flight:
            entry = next(waiting, None)
            if entry is None:
                return
            number, partition = entry
            read = client.submit(
                read_partition, partition, require_label, label, genres, pure=False
            )
            count = client.submit(_rows_of, read, pure=False)
            window.append(_InFlight(number, read, count))
            finished.add(count)

    def start_work() -> None:
        """Work for each part, in order, whose first row is known."""
        nonlocal next_first_row, current
        for part in window:
            if part.work is not None:
                continue
            if not part.count.done():
                return
            current = part.number
            # Raises what reading the part raised (DataError, naming it).
            rows = part.count.result()
            part.work = client.submit(
                _work_on, work, sent, part.read, next_first_row, pure=False
            )
            finished.add(part.work)
            next_first_row += rows

    try:
        read_next()
        while window:
            start_work()
            head = window[0]
            if head.work is None or not head.work.done():
                next(finished)  # a count or a work is back: look again
                continue
            current = head.number
            result = head.work.result()
            window.popleft()
            for future in (head.read, head.count, head.work):
                future.release()
            read_next()
            yield result
    except KilledWorker as lost:
        # The scheduler's own limit: a running scheduler has its own
        # configuration, not this process's.
        raise GenreLabError(
            f"The cluster lost the workers running part {current + 1} of "
            f"{len(partitions)} more than {lost.allowed_failures} times "
            "(out of memory?); nothing was written."
        ) from None
    except FutureCancelledError:
        # The scheduler dropped the work (it restarted, or another client
        # cancelled it).
        raise GenreLabError(
            f"The cluster dropped part {current + 1} of {len(partitions)} before "
            "it was done (was the scheduler restarted?); nothing was written."
        ) from None
    finally:
        client.cancel(
            [
                future
                for part in window
                for future in (part.read, part.count, part.work)
                if future is not None
            ]
        )
