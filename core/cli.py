"""The command line: ``python -m core <command>``.

Commands: ``report|train|evaluate|predict|explain|counterfactual|similar|segments|
label-issues|compare|sweep|download``.

Bad input ends with exit code 2 and one plain line on stderr, never a
traceback, and no output file is left half-written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from core import cli_models, cli_tables, download
from core import config as configuration
from core.errors import GenreLabError

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
    _options(report, "json", "label", "verbose")

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
    _options(train, "quiet", "label", "genres", "merge", "min-genre-tracks", "verbose")

    evaluate = commands.add_parser("evaluate", help="score a bundle on a labelled CSV")
    _options(evaluate, "model", "json", "label", "verbose", "cluster")
    evaluate.add_argument("--data", help="the labelled music genre CSV")

    predict = commands.add_parser(
        "predict", help="predict the genre of every row of a CSV"
    )
    _options(predict, "model", "verbose", "cluster")
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

    compare = commands.add_parser(
        "compare",
        help="train four models, and drop vs impute, on one split and compare them",
    )
    compare.add_argument("--data", help="the labelled music genre CSV")
    compare.add_argument("--seed", type=int, default=42)
    _options(compare, "json")
    compare.add_argument(
        "--bundle",
        help="also record the tables in this bundle folder's metrics and model card",
    )

    explain = commands.add_parser(
        "explain",
        help="why the model names a genre: each feature's contribution, per row",
    )
    _options(explain, "model", "input", "output", "verbose", "cluster")
    explain.add_argument(
        "--genre", help="explain this genre (one of the model's) for every row"
    )

    changing = commands.add_parser(
        "counterfactual",
        help="the smallest change of each row that puts a chosen genre on top",
    )
    _options(changing, "model", "input", "output", "verbose")
    changing.add_argument(
        "--genre", required=True, help="the genre to put on top, e.g. Jazz"
    )
    changing.add_argument(
        "--lock",
        default="",
        help="features to keep as they are, comma-separated (e.g. popularity,"
        "duration_ms); key and mode always stay",
    )

    similar = commands.add_parser(
        "similar", help="the tracks of a dataset nearest to each input row"
    )
    _options(similar, "model", "input", "output", "verbose", "cluster")
    similar.add_argument("--data", help="the tracks to search (a labelled CSV)")
    similar.add_argument("--k", type=int, default=10, help="neighbours per row")

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
        _options(calibrate, "model")
        calibrate.add_argument(
            "--data", help="the labelled CSV the bundle was trained on"
        )

    audio = commands.add_parser(
        "train-audio-network",
        help="add to a bundle a second network that learned without popularity, "
        "for files that give none or whose tracks are unlike the training data",
    )
    _options(audio, "model", "quiet")
    audio.add_argument("--data", help="the labelled CSV the bundle was trained on")

    transfer_command = commands.add_parser(
        "transfer",
        help="score a bundle on tracks from another source (TidyTuesday's edm, "
        "rap and rock) and record the figures in its metrics and model card",
    )
    _options(transfer_command, "model")
    transfer_command.add_argument(
        "--other", required=True, help="TidyTuesday's spotify_songs.csv"
    )
    transfer_command.add_argument(
        "--data", help="the bundle's training CSV (for its test tracks' bands)"
    )

    # Commands that look for where a model fails, on a labelled file: name,
    # help, --data's help, and the option of their own.
    diagnoses: tuple[tuple[str, str, str, str, dict[str, Any]], ...] = (
        (
            "segments",
            "groups of tracks where the model is wrong more often (a shallow tree)",
            "a labelled CSV to score",
            "--min-share",
            {
                "type": float,
                "default": 0.02,
                "help": "the smallest group, as a share of the tracks (default 0.02)",
            },
        ),
        (
            "label-issues",
            "tracks whose listed genre the model finds very unlikely",
            "a labelled CSV to check",
            "--folds",
            {
                "type": int,
                "help": "check every labelled row, training this many models of "
                "the model's recipe, each without a share of the tracks "
                "(minutes); without it, only rows the model did not learn from "
                "are checked",
            },
        ),
    )
    for name, help_text, data_help, option, keywords in diagnoses:
        diagnosis = commands.add_parser(name, help=help_text)
        _options(diagnosis, "model", "output", "verbose")
        diagnosis.add_argument("--data", help=data_help)
        diagnosis.add_argument(option, **keywords)

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
    _options(
        sweep_command,
        "quiet",
        "label",
        "genres",
        "merge",
        "min-genre-tracks",
        "cluster",
    )

    download_command = commands.add_parser(
        "download", help="fetch the dataset from Kaggle into data/"
    )
    download_command.add_argument("--out", default=str(download.DEFAULT_DATA_PATH))
    return parser


def _options(command: argparse.ArgumentParser, *names: str) -> None:
    """Add options several commands share, each declared once here."""
    from core import formats, genres

    shared: dict[str, dict[str, Any]] = {
        "model": {"required": True, "help": "a bundle folder"},
        "input": {"required": True, "help": "CSV of tracks"},
        "output": {"required": True, "help": "CSV to write"},
        "json": {"action": "store_true", "help": "print one JSON object"},
        "quiet": {"action": "store_true", "help": "no progress bar"},
        "label": {
            "metavar": "COLUMN",
            "help": "the file's column that holds each track's genre (default: "
            f"the one named {formats.listed(formats.LABEL_NAMES, conjunction='or')})",
        },
        "genres": {
            "metavar": "A,B,C",
            "help": "learn only these genres, in this order (default: every "
            "genre of the file with enough tracks)",
        },
        "merge": {
            "action": "append",
            "default": [],
            "metavar": "A+B=NAME",
            "help": f"learn these genres as one, e.g. {genres.MERGE_EXAMPLE!r} "
            "(one genre and a name renames it); repeatable",
        },
        "min-genre-tracks": {
            "type": int,
            "metavar": "N",
            "help": "leave out a genre with fewer tracks than this (default "
            f"{configuration.TrainingConfig().min_genre_tracks})",
        },
        "cluster": {
            "metavar": "ADDRESS",
            "help": "run on a Dask cluster: local:N starts N worker processes "
            "here, tcp://host:port connects to a running scheduler "
            "(docs/scale.md)",
        },
        "verbose": {
            "action": "store_true",
            "help": "say on stderr, in one line, how the file was understood "
            "(format, columns renamed, values converted)",
        },
    }
    for name in names:
        command.add_argument(f"--{name}", **shared[name])


COMMANDS = {
    "report": cli_models.command_report,
    "train": cli_models.command_train,
    "evaluate": cli_models.command_evaluate,
    "predict": cli_tables.command_predict,
    "download": cli_models.command_download,
    "compare": cli_models.command_compare,
    "explain": cli_tables.command_explain,
    "counterfactual": cli_tables.command_counterfactual,
    "similar": cli_tables.command_similar,
    "calibrate-novelty": cli_models.command_calibrate_novelty,
    "train-audio-network": cli_models.command_train_audio_network,
    "calibrate-conformal": cli_models.command_calibrate_conformal,
    "transfer": cli_models.command_transfer,
    "segments": cli_tables.command_segments,
    "label-issues": cli_tables.command_label_issues,
    "sweep": cli_models.command_sweep,
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
