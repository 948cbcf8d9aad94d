"""What the command line's commands share: loading a labelled file, saying
what was understood and left out, a progress bar, a cluster client, and
writing an output file whole or not at all."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from core import config as configuration
from core import data, download
from core.errors import GenreLabError
from core.history import EpochLog, ensemble_epoch


def _genre_settings(arguments: argparse.Namespace) -> dict[str, object]:
    """The genre choice of --genres, --merge, --min-genre-tracks (None: not given)."""
    chosen = arguments.genres
    return {
        "genres": None
        if chosen is None
        else tuple(name.strip() for name in chosen.split(",") if name.strip()),
        "genre_merges": tuple(arguments.merge) or None,
        "min_genre_tracks": arguments.min_genre_tracks,
    }


def tell_left_out(metrics: dict) -> None:
    """Every labelled row not learned from, by reason and label, on stdout."""
    from core.genres import GenreChoice
    from core.model_card import GENRE_CHOICE

    choice = GenreChoice.from_dict(metrics[GENRE_CHOICE])
    learned = choice.genres.names
    print(f"genres learned ({len(learned)}): {', '.join(learned)}")
    cleaning = metrics["cleaning"]
    print(
        f"rows: {cleaning['rows_in']:,} read; {cleaning['rows_out']:,} learned "
        f"from or tested on; {cleaning['blank_rows']:,} blank, "
        f"{cleaning['invalid_rows']:,} invalid, {cleaning['unlabelled_rows']:,} "
        f"of no genre learned, {cleaning['unknown_rows_dropped']:,} dropped for "
        "unknown values"
    )
    for line in choice.sentences():
        print(line)


def cluster_address(arguments: argparse.Namespace):
    """The ``--cluster`` address (core.cluster.ClusterAddress), None without it.

    Read before any other work: a bad value is refused at once.
    """
    if getattr(arguments, "cluster", None) is None:
        return None
    from core import cluster

    return cluster.parse_address(arguments.cluster)


@contextlib.contextmanager
def cluster_client(address) -> Iterator:
    """A Dask client of ``address`` (None: no cluster, the work runs here)."""
    if address is None:
        yield None
        return
    from core import cluster

    with cluster.connect(address) as client:
        yield client


def goes_partitioned(arguments: argparse.Namespace, source: str, output: str | None):
    """Whether a file goes the partitioned way (core.partitioned): a cluster,
    parts, Parquet in or out; else it streams here (core.export.predict_file)."""
    from core import partitions

    return (
        getattr(arguments, "cluster", None) is not None
        or partitions.is_multi_part(source)
        or (output is not None and partitions.is_parquet(output))
    )


def tell_understood(understood, verbose: bool) -> None:
    """How the file was understood (core.understanding.Understood), on stderr.

    One line with ``--verbose``; a column the model filled in is said
    either way, since it makes every prediction less sure.
    """
    if verbose:
        sys.stderr.write(understood.sentence() + "\n")
    for note in understood.filled_notes():
        sys.stderr.write(f"note: {note}\n")
    sys.stderr.flush()


def tell_network(choice) -> None:
    """Which of a bundle's two networks predicted the file, and why, on stderr."""
    if choice is not None and choice.sentence:
        sys.stderr.write(f"note: {choice.sentence}\n")
        sys.stderr.flush()


def load_labelled(path: str | None, verbose: bool = False, label: str | None = None):
    return load_labelled_understood(path, verbose, label)[0]


def source(arguments: argparse.Namespace, understood) -> dict[str, str]:
    """The training file as the model card names it."""
    return understood.source(dataset_path(arguments.data).name)


def load_labelled_understood(
    path: str | None, verbose: bool = False, label: str | None = None
):
    """A labelled file's typed frame and what was understood of it."""
    from core import understanding

    understood = understanding.Understood()
    typed = data.load_csv(
        dataset_path(path), require_label=True, summary=understood, label=label
    )
    tell_understood(understood, verbose)
    return typed, understood


def count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def metrics_lines(metrics: dict) -> list[str]:
    lines = []
    for split_name in ("train", "test"):
        split = metrics[split_name]
        lines.append(
            f"{split_name:>5}: accuracy {split['accuracy']:.4f}  "
            f"{top2_text(split)}macro F1 {split['macro_f1']:.4f}  "
            f"rows {split['n_rows']}"
        )
    return lines


def top2_text(scores: dict) -> str:
    """``top-2 0.8340  `` (nothing for a model of two genres: it is always 1)."""
    top2 = scores.get("top2_accuracy")
    return "" if top2 is None else f"top-2 {top2:.4f}  "


class ProgressBar:
    """One stderr line per training.

    An ensemble's members share it (they train together).
    """

    def __init__(self) -> None:
        self._epoch_logs: list[EpochLog] = []

    def __call__(self, log: EpochLog) -> None:
        self._epoch_logs.append(log)
        if log.member < log.members - 1:
            return
        epoch, self._epoch_logs = ensemble_epoch(self._epoch_logs), []
        width = 30
        done = int(width * epoch.epoch / epoch.epochs)
        networks = f"{epoch.members} networks " if epoch.members > 1 else ""
        validation = (
            f" val_loss {epoch.val_loss:.4f} val_acc {epoch.val_accuracy:.4f}"
            if epoch.val_loss is not None and epoch.val_accuracy is not None
            else ""
        )
        sys.stderr.write(
            f"\r{networks}[{'#' * done}{'.' * (width - done)}] "
            f"epoch {epoch.epoch}/{epoch.epochs}"
            f" loss {epoch.loss:.4f} acc {epoch.accuracy:.4f}{validation}"
        )
        if epoch.epoch == epoch.epochs:
            sys.stderr.write("\n")
        sys.stderr.flush()


# The training options a command may have -> the TrainingConfig field each sets.
_CONFIG_OPTIONS = {
    "epochs": "epochs",
    "batch_size": "batch_size",
    "learning_rate": "learning_rate",
    "seed": "seed",
    "unknowns": "unknowns",
    "ensemble_size": "ensemble_size",
    "validation_share": "validation_fraction",
    "calibration_share": "calibration_fraction",
}


def preset_with(arguments: argparse.Namespace):
    """The ``--preset``'s configuration with the training and genre options given.

    An option the command does not have, or that was not given, leaves the
    preset's value.
    """
    overrides = {
        field: getattr(arguments, option, None)
        for option, field in _CONFIG_OPTIONS.items()
    }
    overrides |= _genre_settings(arguments)
    given = {name: value for name, value in overrides.items() if value is not None}
    return dataclasses.replace(configuration.PRESETS[arguments.preset], **given)


def dataset_path(path: str | None) -> Path:
    location = download.resolve_data_path(path)
    if not location.exists():
        raise GenreLabError(
            f"No dataset at {location}: pass --data PATH, set MUSIC_GENRE_CSV, "
            "or run 'python -m core download'."
        )
    return location


@contextlib.contextmanager
def replaced_on_success(output: Path, binary: bool = False) -> Iterator[IO]:
    """A text stream to a new file next to ``output``, moved onto it only on success.

    The file is created as any file the user makes (their umask applies), not
    private as ``tempfile`` makes them. ``binary``: a byte stream (Parquet).
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_name(f".{output.name}-{os.getpid()}-{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with (
            os.fdopen(descriptor, "wb")
            if binary
            else os.fdopen(descriptor, "w", newline="", encoding="utf-8")
        ) as stream:
            yield stream
        os.replace(temporary, output)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def stream_to_csv(arguments: argparse.Namespace, table_of) -> tuple[int, int]:
    """Read ``--input`` a chunk at a time, write ``table_of`` of each chunk.

    ``table_of(raw, typed, renamed)``: the chunk as read, typed, and the
    file's columns GenreLab knows under another name. The tables go to
    ``--output``. Returns the rows read and the rows written.
    A cluster, a folder, a glob or Parquet take the parts' way
    (:func:`core.partitioned.tables_in_parts`), with the same table out.
    """
    from core import export, understanding

    output = Path(arguments.output)
    if output.is_dir():
        raise GenreLabError(f"--output {output} is a folder; give a file name.")
    if goes_partitioned(arguments, arguments.input, arguments.output):
        from core import partitioned

        kind = partitioned.output_format(arguments.output)
        with (
            cluster_client(cluster_address(arguments)) as client,
            replaced_on_success(output, binary=kind == "parquet") as stream,
        ):
            rows, written, understood = partitioned.tables_in_parts(
                arguments.input, stream, kind, table_of, client
            )
        tell_understood(understood, arguments.verbose)
        return rows, written
    understood = understanding.Understood()
    rows = written = 0
    with replaced_on_success(output) as stream:
        for raw, typed in data.iter_typed_chunks(arguments.input, summary=understood):
            table = table_of(raw, typed, understood.renamed)
            export.write_csv(table, stream, header=written == 0)
            rows += len(raw)
            written += len(table)
    tell_understood(understood, arguments.verbose)
    return rows, written


def first_row(typed) -> int:
    """A chunk's first row's place in its file (chunks are indexed by it)."""
    return int(typed.index[0]) if len(typed) else 0


def with_input_novelty(table, scores):
    """``table`` with each input row's novelty (``scores``, by input row) added."""
    from core import predict, songs

    return table.assign(
        **{predict.NOVELTY: table[songs.INPUT_ROW].map(scores).to_numpy()}
    )


def output_file(arguments: argparse.Namespace) -> Path:
    output = Path(arguments.output)
    if output.is_dir():
        raise GenreLabError(f"--output {output} is a folder; give a file name.")
    return output


def write_table(table, output: Path) -> None:
    from core import export

    with replaced_on_success(output) as stream:
        export.write_csv(table, stream, header=True)


def scored_rows_line(held_out) -> str:
    """Which rows of --data were scored, and which were left out (core.held_out)."""
    what = "test tracks" if held_out.test_split else "tracks"
    if held_out.folds:
        what = f"tracks, each by one of {held_out.folds} models that never saw it"
    left_out = []
    if held_out.learned:
        left_out.append(f"{held_out.learned} the model learned from")
    if held_out.unpredictable:
        left_out.append(f"{held_out.unpredictable} it cannot predict")
    if held_out.unlabelled:
        left_out.append(f"{held_out.unlabelled} without a known genre")
    line = f"scored on {len(held_out.labels)} {what}"
    return line + (f"; left out: {', '.join(left_out)}" if left_out else "")
