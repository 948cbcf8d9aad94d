"""The command line: ``python -m core <command>``.

Commands: ``report|train|evaluate|predict|explain|counterfactual|similar|segments|
label-issues|compare|sweep|download``.

Bad input ends with exit code 2 and one plain line on stderr, never a
traceback, and no output file is left half-written.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import secrets
import shlex
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any, NoReturn

from core import config as configuration
from core import data, download
from core.errors import GenreLabError
from core.history import EpochLog, ensemble_epoch

EXIT_BAD_INPUT = 2


class _OneLineParser(argparse.ArgumentParser):
    """argparse, with a bad argument said in one plain line (no usage block)."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"error: {message}; see '{self.prog} --help'.\n")
        sys.exit(EXIT_BAD_INPUT)


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="python -m core",
        description=(
            "GenreLab: predict a track's genre from its Spotify audio features."
        ),
    )
    commands = parser.add_subparsers(dest="command", required=True)

    report = commands.add_parser(
        "report", help="describe a dataset: unknowns, balance, duplicates"
    )
    report.add_argument(
        "--data",
        help="the music genre CSV (default: $MUSIC_GENRE_CSV or data/music_genre.csv)",
    )
    report.add_argument("--json", action="store_true", help="print one JSON object")
    _label_option(report)
    _verbose_flag(report)

    train = commands.add_parser(
        "train", help="train a model and save it as a bundle folder"
    )
    train.add_argument("--data", help="the labelled music genre CSV")
    train.add_argument(
        "--preset", choices=sorted(configuration.PRESETS), default="study"
    )
    train.add_argument("--epochs", type=int)
    train.add_argument("--batch-size", type=int)
    train.add_argument("--learning-rate", type=float)
    train.add_argument("--seed", type=int)
    train.add_argument("--unknowns", choices=configuration.UNKNOWN_POLICIES)
    train.add_argument("--ensemble-size", type=int)
    train.add_argument(
        "--validation-share",
        type=float,
        help="share of the training tracks held out to draw validation curves",
    )
    train.add_argument(
        "--calibration-share",
        type=float,
        help="share of the training tracks set aside, never learned from, to "
        "calibrate prediction sets (predict --coverage)",
    )
    train.add_argument("--out", required=True, help="folder to write the bundle to")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    _label_option(train)
    _genre_options(train)
    _verbose_flag(train)

    evaluate = commands.add_parser("evaluate", help="score a bundle on a labelled CSV")
    evaluate.add_argument("--model", required=True, help="a bundle folder")
    evaluate.add_argument("--data", help="the labelled music genre CSV")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    _label_option(evaluate)
    _verbose_flag(evaluate)
    _cluster_option(evaluate)

    predict = commands.add_parser(
        "predict", help="predict the genre of every row of a CSV"
    )
    predict.add_argument("--model", required=True, help="a bundle folder")
    predict.add_argument(
        "--input",
        required=True,
        help="CSV, JSON or Parquet file of tracks (label optional), or a folder "
        "or glob of such parts",
    )
    predict.add_argument(
        "--output", required=True, help="CSV to write (.parquet: Parquet)"
    )
    predict.add_argument(
        "--coverage",
        type=float,
        help="add a prediction_set column: the genres the track is one of, "
        "this sure (e.g. 0.9 for 90%%); holds for tracks like the training data",
    )
    _verbose_flag(predict)
    _cluster_option(predict)

    compare = commands.add_parser(
        "compare",
        help="train four models, and drop vs impute, on one split and compare them",
    )
    compare.add_argument("--data", help="the labelled music genre CSV")
    compare.add_argument("--seed", type=int, default=42)
    compare.add_argument("--json", action="store_true", help="print one JSON object")
    compare.add_argument(
        "--bundle",
        help="also record the tables in this bundle folder's metrics and model card",
    )

    explain = commands.add_parser(
        "explain",
        help="why the model names a genre: each feature's contribution, per row",
    )
    explain.add_argument("--model", required=True, help="a bundle folder")
    explain.add_argument("--input", required=True, help="CSV of tracks")
    explain.add_argument("--output", required=True, help="CSV to write")
    explain.add_argument(
        "--genre", help="explain this genre (one of the model's) for every row"
    )
    _verbose_flag(explain)
    _cluster_option(explain)

    changing = commands.add_parser(
        "counterfactual",
        help="the smallest change of each row that puts a chosen genre on top",
    )
    changing.add_argument("--model", required=True, help="a bundle folder")
    changing.add_argument("--input", required=True, help="CSV of tracks")
    changing.add_argument(
        "--genre", required=True, help="the genre to put on top, e.g. Jazz"
    )
    changing.add_argument(
        "--lock",
        default="",
        help="features to keep as they are, comma-separated (e.g. popularity,"
        "duration_ms); key and mode always stay",
    )
    changing.add_argument("--output", required=True, help="CSV to write")
    _verbose_flag(changing)

    similar = commands.add_parser(
        "similar", help="the tracks of a dataset nearest to each input row"
    )
    similar.add_argument("--model", required=True, help="a bundle folder")
    similar.add_argument("--data", help="the tracks to search (a labelled CSV)")
    similar.add_argument("--input", required=True, help="CSV of tracks")
    similar.add_argument("--k", type=int, default=10, help="neighbours per row")
    similar.add_argument("--output", required=True, help="CSV to write")
    _verbose_flag(similar)
    _cluster_option(similar)

    # Commands that add to a bundle what its own training data gives.
    for name, help_text in (
        (
            "calibrate-novelty",
            "add a novelty reference to a bundle from its training data "
            "(network and metrics unchanged)",
        ),
        (
            "calibrate-conformal",
            "calibrate a bundle's prediction sets on tracks its network never "
            "learned from (network unchanged)",
        ),
    ):
        calibrate = commands.add_parser(name, help=help_text)
        calibrate.add_argument("--model", required=True, help="a bundle folder")
        calibrate.add_argument(
            "--data", help="the labelled CSV the bundle was trained on"
        )

    audio = commands.add_parser(
        "train-audio-network",
        help="add to a bundle a second network that learned without popularity, "
        "for files that give none or whose tracks are unlike the training data",
    )
    audio.add_argument("--model", required=True, help="a bundle folder")
    audio.add_argument("--data", help="the labelled CSV the bundle was trained on")
    audio.add_argument("--quiet", action="store_true", help="no progress bar")

    transfer_command = commands.add_parser(
        "transfer",
        help="score a bundle on tracks from another source (TidyTuesday's edm, "
        "rap and rock) and record the figures in its metrics and model card",
    )
    transfer_command.add_argument("--model", required=True, help="a bundle folder")
    transfer_command.add_argument(
        "--other", required=True, help="TidyTuesday's spotify_songs.csv"
    )
    transfer_command.add_argument(
        "--data", help="the bundle's training CSV (for its test tracks' bands)"
    )

    segments_command = commands.add_parser(
        "segments",
        help="groups of tracks where the model is wrong more often (a shallow tree)",
    )
    segments_command.add_argument("--model", required=True, help="a bundle folder")
    segments_command.add_argument("--data", help="a labelled CSV to score")
    segments_command.add_argument("--output", required=True, help="CSV to write")
    segments_command.add_argument(
        "--min-share",
        type=float,
        default=0.02,
        help="the smallest group, as a share of the tracks (default 0.02)",
    )
    _verbose_flag(segments_command)

    issues_command = commands.add_parser(
        "label-issues",
        help="tracks whose listed genre the model finds very unlikely",
    )
    issues_command.add_argument("--model", required=True, help="a bundle folder")
    issues_command.add_argument("--data", help="a labelled CSV to check")
    issues_command.add_argument("--output", required=True, help="CSV to write")
    issues_command.add_argument(
        "--folds",
        type=int,
        help="check every labelled row, training this many models of the "
        "model's recipe, each without a share of the tracks (minutes); "
        "without it, only rows the model did not learn from are checked",
    )
    _verbose_flag(issues_command)

    sweep_command = commands.add_parser(
        "sweep",
        help="train one model per value of a setting, scored on validation tracks",
    )
    sweep_command.add_argument("--data", help="the labelled music genre CSV")
    sweep_command.add_argument(
        "--preset", choices=sorted(configuration.PRESETS), default="recommended"
    )
    sweep_command.add_argument("--setting", required=True, help="the setting to vary")
    sweep_command.add_argument(
        "--values", nargs="+", required=True, help="2 to 8 values (widths as 256,128)"
    )
    sweep_command.add_argument("--epochs", type=int)
    sweep_command.add_argument("--seed", type=int)
    sweep_command.add_argument("--validation-share", type=float)
    sweep_command.add_argument(
        "--out", required=True, help="folder for sweep.csv and best/"
    )
    sweep_command.add_argument("--quiet", action="store_true", help="no progress bar")
    _label_option(sweep_command)
    _genre_options(sweep_command)
    _cluster_option(sweep_command)

    download_command = commands.add_parser(
        "download", help="fetch the dataset from Kaggle into data/"
    )
    download_command.add_argument("--out", default=str(download.DEFAULT_DATA_PATH))
    return parser


def _label_option(command: argparse.ArgumentParser) -> None:
    from core import formats

    command.add_argument(
        "--label",
        metavar="COLUMN",
        help="the file's column that holds each track's genre (default: the "
        f"one named {formats.listed(formats.LABEL_NAMES, conjunction='or')})",
    )


def _genre_options(command: argparse.ArgumentParser) -> None:
    from core import genres

    command.add_argument(
        "--genres",
        metavar="A,B,C",
        help="learn only these genres, in this order (default: every genre of "
        "the file with enough tracks)",
    )
    command.add_argument(
        "--merge",
        action="append",
        default=[],
        metavar="A+B=NAME",
        help=f"learn these genres as one, e.g. {genres.MERGE_EXAMPLE!r} (one "
        "genre and a name renames it); repeatable",
    )
    command.add_argument(
        "--min-genre-tracks",
        type=int,
        metavar="N",
        help="leave out a genre with fewer tracks than this (default "
        f"{configuration.TrainingConfig().min_genre_tracks})",
    )


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


def _tell_left_out(metrics: dict) -> None:
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


def _cluster_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="run on a Dask cluster: local:N starts N worker processes here, "
        "tcp://host:port connects to a running scheduler (docs/scale.md)",
    )


def _cluster_address(arguments: argparse.Namespace):
    """The ``--cluster`` address (core.cluster.ClusterAddress), None without it.

    Read before any other work: a bad value is refused at once.
    """
    if getattr(arguments, "cluster", None) is None:
        return None
    from core import cluster

    return cluster.parse_address(arguments.cluster)


@contextlib.contextmanager
def _cluster_client(address) -> Iterator:
    """A Dask client of ``address`` (None: no cluster, the work runs here)."""
    if address is None:
        yield None
        return
    from core import cluster

    with cluster.connect(address) as client:
        yield client


def _partitioned(arguments: argparse.Namespace, source: str, output: str | None):
    """Whether a file goes the partitioned way (core.partitioned): a cluster,
    parts, Parquet in or out; else it streams here (core.export.predict_file)."""
    from core import partitions

    return (
        getattr(arguments, "cluster", None) is not None
        or partitions.is_multi_part(source)
        or (output is not None and partitions.is_parquet(output))
    )


def _verbose_flag(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--verbose",
        action="store_true",
        help="say on stderr, in one line, how the file was understood "
        "(format, columns renamed, values converted)",
    )


def _tell_understood(understood, verbose: bool) -> None:
    """How the file was understood (core.formats.Understood), on stderr.

    One line with ``--verbose``; a column the model filled in is said
    either way, since it makes every prediction less sure.
    """
    if verbose:
        sys.stderr.write(understood.sentence() + "\n")
    for note in understood.filled_notes():
        sys.stderr.write(f"note: {note}\n")
    sys.stderr.flush()


def _tell_network(choice) -> None:
    """Which of a bundle's two networks predicted the file, and why, on stderr."""
    if choice is not None and choice.sentence:
        sys.stderr.write(f"note: {choice.sentence}\n")
        sys.stderr.flush()


def _load_labelled(path: str | None, verbose: bool = False, label: str | None = None):
    return _load_labelled_understood(path, verbose, label)[0]


def _source(arguments: argparse.Namespace, understood) -> dict[str, str]:
    """The training file as the model card names it."""
    return understood.source(_dataset_path(arguments.data).name)


def _load_labelled_understood(
    path: str | None, verbose: bool = False, label: str | None = None
):
    """A labelled file's typed frame and what was understood of it."""
    from core import formats

    understood = formats.Understood()
    typed = data.load_csv(
        _dataset_path(path), require_label=True, summary=understood, label=label
    )
    _tell_understood(understood, verbose)
    return typed, understood


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def _metrics_lines(metrics: dict) -> list[str]:
    lines = []
    for split_name in ("train", "test"):
        split = metrics[split_name]
        lines.append(
            f"{split_name:>5}: accuracy {split['accuracy']:.4f}  "
            f"{_top2_text(split)}macro F1 {split['macro_f1']:.4f}  "
            f"rows {split['n_rows']}"
        )
    return lines


def _top2_text(scores: dict) -> str:
    """``top-2 0.8340  `` (nothing for a model of two genres: it is always 1)."""
    top2 = scores.get("top2_accuracy")
    return "" if top2 is None else f"top-2 {top2:.4f}  "


class _ProgressBar:
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


def _command_report(arguments: argparse.Namespace) -> int:
    # The file is checked before the heavier modules load: a refusal is instant.
    typed, understood = _load_labelled_understood(
        arguments.data, arguments.verbose, arguments.label
    )
    from core import report

    result = report.data_report(typed, understood)
    if arguments.json:
        print(json.dumps(result))
        return 0
    print(
        f"rows: {result['rows']} ({result['blank_rows']} blank, "
        f"{result['invalid_rows']} invalid, "
        f"{result['rows_with_unknowns']} with unknowns)"
    )
    print("unknown values:")
    for column, rate in result["unknown_rates"].items():
        if rate:
            print(f"  {column:<12} {rate:6.2%}")
    print("rows per genre (loaded / after drop / after impute):")
    balance = result["class_balance"]
    for genre in balance["loaded"]:
        print(
            f"  {genre:<12} {balance['loaded'][genre]:>6} {balance['drop'][genre]:>6} "
            f"{balance['impute'][genre]:>6}"
        )
    print("rows per label, as written in the file:")
    counted = result["label_counts"]
    for entry in counted["labels"]:
        genre = entry["genre"]
        counts_as = "" if genre == entry["label"] else f"counted as {genre}"
        print(f"  {entry['label']:<12} {entry['rows']:>6}  {counts_as}".rstrip())
    if counted["other_labels"]:
        print(f"  {'(other labels)':<12} {counted['other_labels']:>6}")
    if counted["unlabelled"]:
        print(f"  {'(no label)':<12} {counted['unlabelled']:>6}")
    duplicates = result["duplicates"]
    print(
        f"duplicate rows of a track: {duplicates['duplicate_rows']}; "
        f"tracks under several genres: {duplicates['multi_genre_tracks']}"
    )
    for pair in duplicates["genre_pairs"][:5]:
        print(f"  {pair['genres']:<24} {pair['tracks']}")
    return 0


def _preset_with(arguments: argparse.Namespace, **overrides: Any):
    """The ``--preset``'s configuration with the options given (None: not given)."""
    given = {name: value for name, value in overrides.items() if value is not None}
    return dataclasses.replace(configuration.PRESETS[arguments.preset], **given)


def _command_train(arguments: argparse.Namespace) -> int:
    config = _preset_with(
        arguments,
        epochs=arguments.epochs,
        batch_size=arguments.batch_size,
        learning_rate=arguments.learning_rate,
        seed=arguments.seed,
        unknowns=arguments.unknowns,
        ensemble_size=arguments.ensemble_size,
        validation_fraction=arguments.validation_share,
        **_genre_settings(arguments),
        calibration_fraction=arguments.calibration_share,
    )
    from core import bundle, pipeline

    bundle.check_destination(arguments.out)  # before minutes of training
    typed, understood = _load_labelled_understood(
        arguments.data, arguments.verbose, arguments.label
    )
    from core.model_card import model_card

    run = pipeline.train_from_frame(
        typed,
        config,
        on_epoch=None if arguments.quiet else _ProgressBar(),
        source=_source(arguments, understood),
    )
    # Quoted so that a path with spaces survives being pasted back.
    command = (
        "python -m core " + shlex.join(sys.argv[1:])
        if sys.argv[1:2] == ["train"]
        else "python -m core train"
    )
    run.bundle.info["command"] = command
    bundle.save_bundle(run.bundle, arguments.out, card=model_card(run.bundle, command))
    _tell_left_out(run.metrics)
    for line in _metrics_lines(run.metrics):
        print(line)
    print(f"trained in {run.seconds:.1f} s; bundle written to {arguments.out}")
    return 0


def _dataset_path(path: str | None) -> Path:
    location = download.resolve_data_path(path)
    if not location.exists():
        raise GenreLabError(
            f"No dataset at {location}: pass --data PATH, set MUSIC_GENRE_CSV, "
            "or run 'python -m core download'."
        )
    return location


def _command_evaluate(arguments: argparse.Namespace) -> int:
    from core import bundle, evaluate, export

    address = _cluster_address(arguments)
    model_bundle = bundle.load_bundle(arguments.model)
    source = str(download.resolve_data_path(arguments.data))
    if _partitioned(arguments, source, None):
        from core import partitioned

        with _cluster_client(address) as client:
            result = partitioned.predict_parts(
                model_bundle,
                source,
                client=client,
                require_label=True,
                label=arguments.label,
            )
    else:
        result = export.predict_file(
            model_bundle,
            _dataset_path(arguments.data),
            require_label=True,
            separate_process=True,
            label=arguments.label,
        )
    _tell_understood(result.understood, arguments.verbose)
    _tell_network(result.network)
    metrics = result.scores
    # require_label=True: the file is always scored and understood.
    assert metrics is not None and result.understood is not None
    if arguments.json:
        print(json.dumps(metrics))
        return 0
    if metrics["n_rows"] == 0:
        print(f"No row could be scored ({metrics['n_unpredictable']} unpredictable).")
        return 0
    print(
        f"accuracy {metrics['accuracy']:.4f}  {_top2_text(metrics)}"
        f"macro F1 {metrics['macro_f1']:.4f} (over the "
        f"{_count(metrics['macro_f1_genres'], 'genre')} in the file)"
    )
    if "fusion_accuracy" in metrics:
        print(
            "counting any genre the track is listed under: "
            f"{metrics['fusion_accuracy']:.4f}"
        )
    print(
        f"rows scored {metrics['n_rows']}, without a prediction "
        f"{metrics['n_unpredictable']}"
    )
    if metrics["n_unlabelled"]:
        others = result.understood.other_labels
        named = ", ".join(
            f"{label} {rows:,}"
            for label, rows in sorted(others.items(), key=lambda item: -item[1])[:8]
        )
        print(
            f"not scored: {metrics['n_unlabelled']:,} rows of no genre of the "
            f"model ({named or 'no genre given'})"
        )
    print("confusion matrix (rows: true genre, columns: predicted genre):")
    for line in evaluate.matrix_lines(metrics["confusion_matrix"], metrics["genres"]):
        print(line)
    return 0


@contextlib.contextmanager
def _replaced_on_success(output: Path, binary: bool = False) -> Iterator[IO]:
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


def _command_predict(arguments: argparse.Namespace) -> int:
    output = Path(arguments.output)
    if output.is_dir():
        raise GenreLabError(f"--output {output} is a folder; give a file name.")
    address = _cluster_address(arguments)
    from core import bundle, export

    model_bundle = bundle.load_bundle(arguments.model)
    if _partitioned(arguments, arguments.input, arguments.output):
        if arguments.coverage is not None:
            # Checked before any work: nothing is written.
            raise GenreLabError(
                "--coverage works on one CSV or JSON file predicted here; "
                "leave out --cluster, or predict the parts one by one."
            )
        from core import partitioned

        kind = partitioned.output_format(arguments.output)
        with (
            _cluster_client(address) as client,
            _replaced_on_success(output, binary=kind == "parquet") as stream,
        ):
            result = partitioned.predict_parts(
                model_bundle, arguments.input, stream, kind, client, score=False
            )
    else:
        with _replaced_on_success(output) as stream:
            result = export.predict_file(
                model_bundle,
                arguments.input,
                stream,
                score=False,
                separate_process=True,
                coverage=arguments.coverage,
            )
    _tell_understood(result.understood, arguments.verbose)
    _tell_network(result.network)
    print(f"{result.predicted} of {result.rows} rows predicted; written to {output}")
    if arguments.coverage is not None:
        from core import conformal

        print(conformal.guarantee_sentence(arguments.coverage))
    if result.novelty is not None:
        from core import novelty

        for sentence in novelty.file_sentences(result.novelty):
            print(sentence)
    return 0


def _command_calibrate_novelty(arguments: argparse.Namespace) -> int:
    from core import bundle, pipeline
    from core.model_card import model_card

    target = bundle.load_bundle(arguments.model)
    typed = _load_labelled(arguments.data, verbose=False)
    pipeline.calibrate_novelty(target, typed)
    command = target.info.get("command", "python -m core train ...")
    bundle.save_bundle(target, arguments.model, card=model_card(target, command))
    print(
        f"Novelty reference of {arguments.model} fitted on its training tracks; "
        "network and metrics unchanged."
    )
    return 0


def _command_train_audio_network(arguments: argparse.Namespace) -> int:
    from core import bundle, pipeline
    from core.model_card import AUDIO_ONLY, SOURCE_KEY, model_card

    target = bundle.load_bundle(arguments.model)
    bundle.check_destination(arguments.model)
    typed, understood = _load_labelled_understood(arguments.data, verbose=False)
    pipeline.train_audio_network(
        target, typed, on_epoch=None if arguments.quiet else _ProgressBar()
    )
    # The file is the training file (its fingerprint was checked): a bundle
    # saved before bundles named their file can name it now.
    target.info.setdefault(SOURCE_KEY, _source(arguments, understood))
    command = target.info.get("command", "python -m core train ...")
    bundle.save_bundle(target, arguments.model, card=model_card(target, command))
    scores = target.metrics[AUDIO_ONLY]
    print(
        f"network without popularity added to {arguments.model}: on its test "
        f"tracks without popularity, accuracy {scores['accuracy']:.4f}  "
        f"{_top2_text(scores)}macro F1 {scores['macro_f1']:.4f}; trained in "
        f"{scores['train_seconds']:.1f} s"
    )
    return 0


def _command_calibrate_conformal(arguments: argparse.Namespace) -> int:
    from core import bundle, pipeline
    from core.model_card import model_card

    target = bundle.load_bundle(arguments.model)
    typed = _load_labelled(arguments.data, verbose=False)
    rows = pipeline.calibrate_conformal(target, typed)
    command = target.info.get("command", "python -m core train ...")
    bundle.save_bundle(target, arguments.model, card=model_card(target, command))
    figures = target.metrics[pipeline.CONFORMAL_METRICS]["by_coverage"]
    shown = ", ".join(
        f"{name}: {values['coverage']:.1%} held, {values['mean_size']:.2f} genres"
        for name, values in figures.items()
    )
    print(
        f"Prediction sets of {arguments.model} calibrated on "
        f"{len(rows.calibration):,} tracks ({rows.source}); on "
        f"{len(rows.evaluation):,} other unseen tracks: {shown}. "
        "Network unchanged."
    )
    return 0


def _command_transfer(arguments: argparse.Namespace) -> int:
    from core import bundle, transfer
    from core.model_card import model_card

    target = bundle.load_bundle(arguments.model)
    figures = transfer.other_source_figures(target, arguments.other)
    if arguments.data is not None:
        typed = _load_labelled(arguments.data, verbose=False)
        figures["test_tracks"] = transfer.test_track_figures(target, typed)
    target.metrics[transfer.METRICS_KEY] = figures
    command = target.info.get("command", "python -m core train ...")
    bundle.save_bundle(target, arguments.model, card=model_card(target, command))
    shared = figures["with_popularity"]["shared"]
    print(
        f"{figures['source']}: top-1 {shared['top1']:.1%}, top-2 {shared['top2']:.1%} "
        f"on {shared['rows']:,} tracks (shared scoring); recorded in "
        f"{arguments.model}."
    )
    return 0


def _stream_to_csv(arguments: argparse.Namespace, table_of) -> tuple[int, int]:
    """Read ``--input`` a chunk at a time, write ``table_of(raw, typed)`` of each.

    The tables go to ``--output``. Returns the rows read and the rows written.
    A cluster, a folder, a glob or Parquet take the parts' way
    (:func:`core.partitioned.tables_in_parts`), with the same table out.
    """
    from core import export, formats

    output = Path(arguments.output)
    if output.is_dir():
        raise GenreLabError(f"--output {output} is a folder; give a file name.")
    if _partitioned(arguments, arguments.input, arguments.output):
        from core import partitioned

        kind = partitioned.output_format(arguments.output)
        with (
            _cluster_client(_cluster_address(arguments)) as client,
            _replaced_on_success(output, binary=kind == "parquet") as stream,
        ):
            rows, written, understood = partitioned.tables_in_parts(
                arguments.input, stream, kind, table_of, client
            )
        _tell_understood(understood, arguments.verbose)
        return rows, written
    understood = formats.Understood()
    rows = written = 0
    with _replaced_on_success(output) as stream:
        for raw, typed in data.iter_typed_chunks(arguments.input, summary=understood):
            table = table_of(raw, typed)
            export.write_csv(table, stream, header=written == 0)
            rows += len(raw)
            written += len(table)
    _tell_understood(understood, arguments.verbose)
    return rows, written


def _command_explain(arguments: argparse.Namespace) -> int:
    from core import bundle, predict, shapley

    _cluster_address(arguments)  # a bad --cluster is refused before any work
    model_bundle = bundle.load_bundle(arguments.model)
    if arguments.genre is not None:
        # Refused before reading anything: a genre the model does not have.
        model_bundle.genres.index(arguments.genre)

    def explained(raw, typed):
        explanation = shapley.explain_frame(model_bundle, typed, arguments.genre)
        explanation[predict.NOVELTY] = predict.novelty_of(
            model_bundle, typed, _first_row(typed)
        )
        return raw.drop(columns=explanation.columns, errors="ignore").join(explanation)

    rows, _ = _stream_to_csv(arguments, explained)
    print(f"{rows} rows explained or given a reason; written to {arguments.output}")
    return 0


def _first_row(typed) -> int:
    """A chunk's first row's place in its file (chunks are indexed by it)."""
    return int(typed.index[0]) if len(typed) else 0


def _with_input_novelty(table, scores):
    """``table`` with each input row's novelty (``scores``, by input row) added."""
    from core import predict, songs

    return table.assign(
        **{predict.NOVELTY: table[songs.INPUT_ROW].map(scores).to_numpy()}
    )


def _command_counterfactual(arguments: argparse.Namespace) -> int:
    from core import bundle, counterfactual

    locked = tuple(name.strip() for name in arguments.lock.split(",") if name.strip())
    model_bundle = bundle.load_bundle(arguments.model)
    # Checked before reading anything: a bad genre or lock writes nothing.
    counterfactual.check_request(arguments.genre, locked, model_bundle.genres)
    reached = 0

    def changed(raw, typed):
        nonlocal reached
        table = counterfactual.counterfactual_frame(
            model_bundle, raw, typed, arguments.genre, locked
        )
        reached += int((table[counterfactual.REACHED] == "true").sum())
        return table

    rows, _ = _stream_to_csv(arguments, changed)
    print(
        f"{reached} of {rows} rows made {arguments.genre}; written to "
        f"{arguments.output}"
    )
    return 0


def _command_similar(arguments: argparse.Namespace) -> int:
    from core import bundle, predict, songs

    if not 1 <= arguments.k <= 100:
        raise GenreLabError(
            f"--k must be a whole number from 1 to 100, not {arguments.k}."
        )
    _cluster_address(arguments)  # a bad --cluster is refused before any work
    model_bundle = bundle.load_bundle(arguments.model)
    tracks = _load_labelled(arguments.data, verbose=False)
    index = songs.sound_index(model_bundle, tracks)
    if index.tracks.empty:
        raise GenreLabError("No track of --data can be predicted by this model.")
    rows, written = _stream_to_csv(
        arguments,
        lambda raw, typed: _with_input_novelty(
            songs.similar_table(model_bundle, index, typed, arguments.k),
            predict.novelty_of(model_bundle, typed, _first_row(typed)),
        ),
    )
    print(
        f"{written} neighbour rows for {rows} input rows; written to {arguments.output}"
    )
    return 0


def _output_file(arguments: argparse.Namespace) -> Path:
    output = Path(arguments.output)
    if output.is_dir():
        raise GenreLabError(f"--output {output} is a folder; give a file name.")
    return output


def _write_table(table, output: Path) -> None:
    from core import export

    with _replaced_on_success(output) as stream:
        export.write_csv(table, stream, header=True)


def _scored_rows_line(held_out) -> str:
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


def _command_segments(arguments: argparse.Namespace) -> int:
    from core import bundle, segments

    output = _output_file(arguments)
    segments.check_min_share(arguments.min_share)
    model_bundle = bundle.load_bundle(arguments.model)
    typed = _load_labelled(arguments.data, arguments.verbose)
    report = segments.file_segments(model_bundle, typed, arguments.min_share)
    if report.tracks == 0:
        raise GenreLabError(
            "No row of --data can be scored: none has both a prediction and "
            "one of the model's genres."
        )
    table = segments.segments_table(report)[segments.SEGMENT_COLUMNS]
    _write_table(table.round({"error_rate": 4, "share": 4, "lift": 4}), output)
    print(
        f"{len(table)} groups, {report.errors} of {report.tracks} wrong overall; "
        f"{_scored_rows_line(report.held_out)}; written to {output}"
    )
    if report.segments:
        print(f"worst: {report.segments[0].rule}. {report.reading(report.segments[0])}")
    return 0


def _command_label_issues(arguments: argparse.Namespace) -> int:
    from core import bundle, held_out, label_issues

    output = _output_file(arguments)
    if arguments.folds is not None:
        held_out.check_folds(arguments.folds)  # before minutes of training
    model_bundle = bundle.load_bundle(arguments.model)
    typed = _load_labelled(arguments.data, arguments.verbose)
    if arguments.folds is None:
        issues = label_issues.file_label_issues(model_bundle, typed)
    else:

        def training(number: int, folds: int) -> None:
            sys.stderr.write(f"training model {number + 1} of {folds}...\n")
            sys.stderr.flush()

        scored = held_out.cross_validated_predictions(
            typed, model_bundle.config, arguments.folds, on_fold=training
        )
        issues = label_issues.label_issues_of(scored)
    if len(issues.held_out.labels) == 0:
        raise GenreLabError(
            "No row of --data can be checked: none has both a prediction and "
            "one of the model's genres."
        )
    _write_table(issues.table.round({"label_quality": 6}), output)
    print(
        f"{issues.flagged} listings whose genre looks wrong "
        f"({len(issues.table)} rows with their tracks' other listings); "
        f"{_scored_rows_line(issues.held_out)}; written to {output}"
    )
    return 0


def _command_sweep(arguments: argparse.Namespace) -> int:
    from core import bundle, export, sweep
    from core.model_card import SOURCE_KEY, model_card

    base = _preset_with(
        arguments,
        epochs=arguments.epochs,
        seed=arguments.seed,
        validation_fraction=arguments.validation_share,
        **_genre_settings(arguments),
    )
    # Checked before minutes of training: the setting, the values, the folder.
    configs, tried = sweep.sweep_plan(base, arguments.setting, arguments.values)
    address = _cluster_address(arguments)
    out = Path(arguments.out)
    if out.exists() and (
        not out.is_dir()
        or any(path.name not in ("sweep.csv", "best") for path in out.iterdir())
    ):
        raise GenreLabError(
            f"{out} already exists and is not a sweep folder; "
            "choose a new or empty one."
        )
    bundle.check_destination(out / "best")
    typed, understood = _load_labelled_understood(
        arguments.data, verbose=False, label=arguments.label
    )

    def started(number: int, count: int, tried: dict) -> None:
        if not arguments.quiet:
            value = sweep.shown_value(tried[arguments.setting])
            sys.stderr.write(
                f"run {number + 1} of {count}: {arguments.setting} {value}\n"
            )

    if address is None:
        runs = sweep.run_configs(
            typed,
            configs,
            tried,
            on_run_start=started,
            on_epoch=None if arguments.quiet else _ProgressBar(),
        )
    else:
        from core import cluster_training

        def ended(number: int, count: int, run) -> None:
            if not arguments.quiet:
                value = sweep.shown_value(run.values[arguments.setting])
                sys.stderr.write(
                    f"run {number + 1} of {count} done on the cluster: "
                    f"{arguments.setting} {value}, validation accuracy "
                    f"{run.validation['accuracy']:.4f}\n"
                )

        with _cluster_client(address) as client:
            runs = cluster_training.run_configs(
                client, typed, configs, tried, on_run_end=ended
            )
    table = sweep.results_table(runs)
    out.mkdir(parents=True, exist_ok=True)
    with _replaced_on_success(out / "sweep.csv") as stream:
        export.write_csv(table, stream, header=True)
    winner = sweep.best(runs)
    command = "python -m core " + shlex.join(sys.argv[1:])
    winner.run.bundle.info["command"] = command
    winner.run.bundle.info[SOURCE_KEY] = _source(arguments, understood)
    bundle.save_bundle(
        winner.run.bundle, out / "best", card=model_card(winner.run.bundle, command)
    )
    print(table.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    print(sweep.reading(arguments.setting, runs))
    print(f"written: {out / 'sweep.csv'} and the best run's bundle in {out / 'best'}")
    return 0


def _command_download(arguments: argparse.Namespace) -> int:
    path = download.download_dataset(arguments.out)
    print(f"dataset saved to {path}")
    return 0


def _command_compare(arguments: argparse.Namespace) -> int:
    from core import compare

    typed = _load_labelled(arguments.data)
    target = None
    if arguments.bundle:
        from core import bundle

        target = bundle.load_bundle(arguments.bundle)  # fail before minutes of work

    def progress(message: str) -> None:
        sys.stderr.write(f"{message}...\n")
        sys.stderr.flush()

    models = compare.compare_models(typed, seed=arguments.seed, on_progress=progress)
    policies = compare.drop_vs_impute(typed, seed=arguments.seed, on_progress=progress)
    result = {
        "seed": arguments.seed,
        "models": compare.to_records(models),
        "drop_vs_impute": compare.to_records(policies),
    }
    if target is not None:
        from core import bundle
        from core.model_card import model_card

        target.metrics["comparison"] = result
        command = target.info.get("command", "python -m core train ...")
        bundle.save_bundle(target, arguments.bundle, card=model_card(target, command))
    if arguments.json:
        print(json.dumps(result))
        return 0
    print(f"Same split for every model (seed {arguments.seed}); test tracks unseen.")
    print(models.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    print()
    print(
        "Drop or impute unknown tempo/duration (recommended network, same test rows):"
    )
    print(policies.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    return 0


COMMANDS = {
    "report": _command_report,
    "train": _command_train,
    "evaluate": _command_evaluate,
    "predict": _command_predict,
    "download": _command_download,
    "compare": _command_compare,
    "explain": _command_explain,
    "counterfactual": _command_counterfactual,
    "similar": _command_similar,
    "calibrate-novelty": _command_calibrate_novelty,
    "train-audio-network": _command_train_audio_network,
    "calibrate-conformal": _command_calibrate_conformal,
    "transfer": _command_transfer,
    "segments": _command_segments,
    "label-issues": _command_label_issues,
    "sweep": _command_sweep,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    arguments = parser.parse_args(argv)
    # One BLAS thread: the network's matrix products come in blocks of 2,048
    # rows, too small for a second thread to pay. Measured on a million-row
    # predict: the same wall time (21.0 s against 20.7 s), 21 CPU seconds
    # instead of 37. Training runs in TensorFlow's own threads, not BLAS's.
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
    try:
        return COMMANDS[arguments.command](arguments)
    except GenreLabError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        # An unwritable or unreadable path (--out, --output) is bad input too.
        where = f"{error.filename}: " if error.filename else ""
        print(f"error: {where}{error.strerror or error}.", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("error: interrupted; nothing was written.", file=sys.stderr)
        return 130
