"""``python -m core``, run as a real subprocess on small CSV files written here."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from core import schema
from tests.cli.runner import (
    EXIT_BAD_INPUT,
    assert_bad_input,
    finish,
    start_cli,
    start_predict,
    write_files,
)
from tests.conftest import COLUMNS, csv_bytes, row, separable_rows

RESULT_KEYS = (
    "accuracy",
    "top2_accuracy",
    "macro_f1",
    "n_rows",
    "n_unpredictable",
    "confusion_matrix",
    "genres",
)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cli")


@pytest.fixture(scope="module")
def files(workspace) -> dict[str, Path]:
    """Small CSVs: a learnable labelled file (61 rows, with an unknown tempo at
    row 3 and a blank row at row 7) and a few bad ones."""
    rows = separable_rows(per_genre=6, seed=4)
    rows[3]["tempo"] = "?"
    rows.insert(7, dict.fromkeys(COLUMNS, ""))
    paths = {
        "small": workspace / "small.csv",
        "header_only": workspace / "header_only.csv",
        "missing_column": workspace / "missing_column.csv",
        "empty": workspace / "empty.csv",
        "nothing": workspace / "nothing.csv",
    }
    paths["small"].write_bytes(csv_bytes(rows))
    paths["header_only"].write_text(",".join(COLUMNS) + "\n")
    without_tempo = [c for c in COLUMNS if c != "tempo"]
    paths["missing_column"].write_bytes(csv_bytes([row()] * 3, columns=without_tempo))
    paths["empty"].write_bytes(b"")
    # An earlier prediction file given as input again, with made-up old results.
    stale = pd.read_csv(paths["small"], dtype=str, keep_default_na=False)
    stale = stale.assign(predicted_genre="STALE", second_genre="STALE", reason="old")
    stale["p_Rock"] = "0.5"
    paths["stale"] = workspace / "stale.csv"
    stale.to_csv(paths["stale"], index=False)
    model_folders = {
        "empty_model": workspace / "empty_model",
        "corrupt_model": workspace / "corrupt_model",
    }
    for folder in model_folders.values():
        folder.mkdir()
    for name in ("model.keras", "preprocessing.json", "metrics.json"):
        (model_folders["corrupt_model"] / name).write_text("{ not json")
    user_folder = workspace / "user_folder"
    user_folder.mkdir()
    (user_folder / "notes.txt").write_text("precious")
    return {
        **paths,
        **model_folders,
        "no_model": workspace / "no_model",
        "user_folder": user_folder,
    }


def out(workspace: Path, case: str) -> Path:
    """An empty folder per command, to check what (if anything) it wrote."""
    folder = workspace / "out" / case
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# Bad input that needs no trained bundle: case -> (arguments, words in the message).
# "{name}" is a path from `files`; "{out}" is the case's own empty folder.
BAD_INPUT = {
    "report_missing_file": (["report", "--data", "{nothing}"], "No dataset at"),
    "report_header_only": (
        ["report", "--data", "{header_only}"],
        "has a header but no rows of data",
    ),
    "report_missing_column": (
        ["report", "--data", "{missing_column}"],
        "The file is missing the column tempo.",
    ),
    "report_empty": (["report", "--data", "{empty}"], "The file is empty."),
    "train_missing_column": (
        ["train", "--data", "{missing_column}", "--epochs", "1", "--out", "{out}/b"],
        "missing the column tempo",
    ),
    "train_bad_setting": (
        ["train", "--data", "{small}", "--epochs", "0", "--out", "{out}/b"],
        "Epochs must be a whole number from 1 to 1000, not 0",
    ),
    "train_over_a_user_folder": (
        ["train", "--data", "{small}", "--epochs", "1", "--out", "{user_folder}"],
        "already exists and is not a model bundle",
    ),
    "predict_missing_model": (
        [
            "predict",
            "--model",
            "{no_model}",
            "--input",
            "{small}",
            "--output",
            "{out}/p.csv",
        ],
        "No model bundle at",
    ),
    "predict_empty_model": (
        [
            "predict",
            "--model",
            "{empty_model}",
            "--input",
            "{small}",
            "--output",
            "{out}/p.csv",
        ],
        "is incomplete: model.keras, preprocessing.json, metrics.json is missing",
    ),
    "predict_corrupt_model": (
        [
            "predict",
            "--model",
            "{corrupt_model}",
            "--input",
            "{small}",
            "--output",
            "{out}/p.csv",
        ],
        "The model bundle is damaged",
    ),
    "evaluate_missing_model": (
        ["evaluate", "--model", "{no_model}", "--data", "{small}", "--json"],
        "No model bundle at",
    ),
}

# Bad input to `predict` with a good (trained) bundle.
BAD_PREDICT_INPUT = {
    "predict_missing_input": ("{nothing}", "No file at"),
    "predict_header_only": ("{header_only}", "has a header but no rows of data"),
    "predict_missing_column": ("{missing_column}", "missing the column tempo"),
}


@pytest.fixture(scope="module")
def runs(files, workspace) -> dict[str, subprocess.CompletedProcess]:
    """Every command of this module, run in two waves of processes started together.

    Wave 1 needs no bundle: train (study, and recommended with overrides),
    the reports and the bad-input cases. Wave 2 uses the trained study bundle.
    """
    paths = {name: str(path) for name, path in files.items()}
    bundle = workspace / "study"
    small = files["small"]
    first_wave = {
        "train": start_cli(
            "train",
            "--data",
            small,
            "--preset",
            "study",
            "--epochs",
            "2",
            "--out",
            bundle,
        ),
        "train_quiet": start_cli(
            "train",
            "--data",
            small,
            "--preset",
            "recommended",
            "--epochs",
            "1",
            "--batch-size",
            "8",
            "--learning-rate",
            "0.01",
            "--seed",
            "3",
            "--unknowns",
            "impute",
            "--quiet",
            "--out",
            workspace / "recommended",
        ),
        "report_json": start_cli("report", "--data", small, "--json"),
        "report_text": start_cli("report", "--data", small),
        "report_environment": start_cli("report", "--json", MUSIC_GENRE_CSV=str(small)),
    }
    for case, (arguments, _) in BAD_INPUT.items():
        folder = str(out(workspace, case))
        first_wave[case] = start_cli(
            *(argument.format(out=folder, **paths) for argument in arguments)
        )
    results = {name: finish(process) for name, process in first_wave.items()}
    second_wave = {
        "evaluate_json": start_cli(
            "evaluate", "--model", bundle, "--data", small, "--json"
        ),
        "evaluate_text": start_cli("evaluate", "--model", bundle, "--data", small),
        "predict": start_predict(
            bundle, small, out(workspace, "predict") / "predictions.csv"
        ),
        "predict_to_folder": start_predict(
            bundle, small, out(workspace, "predict_to_folder")
        ),
    }
    second_wave["predict_again"] = start_predict(
        bundle, files["stale"], out(workspace, "predict_again") / "again.csv"
    )
    second_wave["predict_unwritable"] = start_predict(
        bundle, small, "/dev/null/predictions.csv"
    )
    for case, (source, _) in BAD_PREDICT_INPUT.items():
        second_wave[case] = start_predict(
            bundle, source.format(**paths), out(workspace, case) / "p.csv"
        )
    results.update({name: finish(process) for name, process in second_wave.items()})
    return results


# --- report ----------------------------------------------------------------------


def test_report_json(runs):
    result = runs["report_json"]
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    report = json.loads(result.stdout)
    assert report["rows"] == 61
    assert report["blank_rows"] == 1
    assert report["unknown_counts"] == {"duration_ms": 0, "tempo": 1}
    assert report["class_balance"]["loaded"]["Rock"] == 6
    assert sum(report["class_balance"]["drop"].values()) == 59


def test_report_text(runs):
    result = runs["report_text"]
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("rows: 61 (1 blank, 0 invalid, 1 with unknowns)")
    assert "rows per genre" in result.stdout


def test_report_finds_the_data_through_the_environment(runs):
    result = runs["report_environment"]
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["rows"] == 61


# --- train -------------------------------------------------------------------------


def test_train_writes_a_bundle_and_prints_metrics(runs, workspace):
    result = runs["train"]
    bundle = workspace / "study"
    assert result.returncode == 0, result.stderr
    assert {"model.keras", "preprocessing.json", "metrics.json"} <= {
        path.name for path in bundle.iterdir()
    }
    lines = result.stdout.splitlines()
    # Every row not learned from is counted (a blank row is not labelled).
    assert lines[0] == f"genres learned (10): {', '.join(schema.GENRES)}"
    assert lines[1] == (
        "rows: 61 read; 59 learned from or tested on; 1 blank, 0 invalid, 0 of "
        "no genre learned, 1 dropped for unknown values"
    )
    assert lines[2].startswith("train: accuracy ")
    assert lines[3].startswith(" test: accuracy ")
    assert "top-2" in lines[3] and "macro F1" in lines[3]
    assert f"bundle written to {bundle}" in lines[4]
    metrics = json.loads((bundle / "metrics.json").read_text())
    # 61 rows: the blank row and the unknown tempo are dropped, then 80/20.
    assert metrics["train"]["n_rows"] + metrics["test"]["n_rows"] == 59
    assert metrics["test"]["n_rows"] == 12
    assert f"{metrics['test']['accuracy']:.4f}" in lines[3]
    config = json.loads((bundle / "preprocessing.json").read_text())["config"]
    assert config["epochs"] == 2 and config["output_activation"] == "sigmoid"
    # The progress bar goes to stderr, with no TensorFlow noise around it.
    assert "epoch 2/2" in result.stderr
    assert "Traceback" not in result.stderr
    assert "oneDNN" not in result.stderr and "WARNING" not in result.stderr
    assert "python -m core train" in (bundle / "README.md").read_text()


def test_train_quiet_with_overrides(runs, workspace):
    result = runs["train_quiet"]
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    bundle = workspace / "recommended"
    config = json.loads((bundle / "preprocessing.json").read_text())["config"]
    assert (config["epochs"], config["batch_size"], config["seed"]) == (1, 8, 3)
    assert (config["learning_rate"], config["unknowns"]) == (0.01, "impute")
    assert config["output_activation"] == "softmax"


# --- evaluate ----------------------------------------------------------------------


def test_evaluate_json(runs):
    result = runs["evaluate_json"]
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    metrics = json.loads(result.stdout)
    for key in RESULT_KEYS:
        assert key in metrics, key
    assert metrics["n_rows"] == 59
    assert metrics["n_unpredictable"] == 2  # the blank row and the unknown tempo
    assert metrics["genres"] == list(schema.GENRES)
    assert sum(map(sum, metrics["confusion_matrix"])) == 59
    assert 0.0 <= metrics["accuracy"] <= metrics["top2_accuracy"] <= 1.0


def test_evaluate_prints_the_scores_and_the_confusion_matrix(runs):
    """Issue 30: plain evaluate prints the matrix the README promises."""
    result = runs["evaluate_text"]
    assert result.returncode == 0, result.stderr
    metrics = json.loads(runs["evaluate_json"].stdout)
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"accuracy {metrics['accuracy']:.4f}")
    assert f"(over the {metrics['macro_f1_genres']} genres in the file)" in lines[0]
    start = lines.index(
        "confusion matrix (rows: true genre, columns: predicted genre):"
    )
    matrix = lines[start + 1 :]
    counted = sum(int(value) for line in matrix[1:] for value in line.split()[1:])
    assert counted == metrics["n_rows"]


# --- predict -----------------------------------------------------------------------


def test_predict_writes_every_row_in_order(runs, files, workspace):
    result = runs["predict"]
    output = workspace / "out" / "predict" / "predictions.csv"
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.strip().splitlines()
    assert lines[0] == f"59 of 61 rows predicted; written to {output}"
    # Then the file's novelty in words (core.novelty.file_sentences).
    assert "unlike the training tracks" in lines[1]
    written = pd.read_csv(output, dtype=str, keep_default_na=False)
    given = pd.read_csv(files["small"], dtype=str, keep_default_na=False)
    assert len(written) == len(given) == 61
    probability_columns = [f"p_{genre}" for genre in schema.GENRES]
    assert list(written.columns) == [
        *given.columns,
        "predicted_genre",
        "second_genre",
        "reason",
        "typical_values_used",
        "novelty",
        *probability_columns,
    ]
    assert "p_Hip-Hop" in written.columns
    # Input columns (the label included) are kept as written, in order.
    pd.testing.assert_frame_equal(written[list(given.columns)], given)
    predicted = written["reason"] == ""
    assert predicted.sum() == 59
    assert written.loc[3, "reason"].startswith("unknown tempo")
    assert written.loc[7, "reason"] == "blank row"
    assert (written.loc[predicted, "predicted_genre"] != "").all()
    assert (
        written.loc[predicted, "predicted_genre"]
        != written.loc[predicted, "second_genre"]
    ).all()
    values = written.loc[predicted, probability_columns]
    # Probabilities are written with four decimals, as the Batch predict download.
    assert values.apply(lambda column: column.str.len() <= len("0.1234")).all().all()
    sums = values.astype(float).sum(axis=1)
    assert ((sums - 1).abs() <= 10 * 0.00005).all()
    assert (written.loc[~predicted, probability_columns] == "").all().all()
    # Each predicted row's novelty is a percentile; the others have none.
    assert written.loc[predicted, "novelty"].astype(float).between(0, 100).all()
    assert (written.loc[~predicted, "novelty"] == "").all()
    # Written through a temporary file that does not stay behind.
    assert [path.name for path in output.parent.iterdir()] == ["predictions.csv"]


# --- bad input: exit 2, one line, no traceback, no output --------------------------


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_exits_2_with_one_line_and_writes_nothing(runs, workspace, case):
    line = assert_bad_input(runs[case])
    assert BAD_INPUT[case][1] in line
    assert list((workspace / "out" / case).iterdir()) == []


@pytest.mark.parametrize("case", sorted(BAD_PREDICT_INPUT))
def test_bad_predict_input_with_a_good_model_writes_nothing(runs, workspace, case):
    line = assert_bad_input(runs[case])
    assert BAD_PREDICT_INPUT[case][1] in line
    assert list((workspace / "out" / case).iterdir()) == []


def test_predict_to_a_folder_is_refused(runs, workspace):
    line = assert_bad_input(runs["predict_to_folder"])
    assert "is a folder; give a file name" in line
    assert list((workspace / "out" / "predict_to_folder").iterdir()) == []


def test_predict_on_an_earlier_output_replaces_the_old_predictions(runs, workspace):
    result = runs["predict_again"]
    assert result.returncode == 0, result.stderr
    written = pd.read_csv(
        workspace / "out" / "predict_again" / "again.csv",
        dtype=str,
        keep_default_na=False,
    )
    assert len(written) == 61
    assert "STALE" not in set(written["predicted_genre"])
    assert "old" not in set(written["reason"])
    assert list(written.columns).count("predicted_genre") == 1
    assert written.loc[0, "p_Rock"] != "0.5"


def test_predict_to_an_unwritable_place_is_bad_input(runs):
    line = assert_bad_input(runs["predict_unwritable"])
    assert "/dev/null" in line


def test_train_leaves_a_user_folder_alone(runs, files):
    assert runs["train_over_a_user_folder"].returncode == EXIT_BAD_INPUT
    assert [path.name for path in files["user_folder"].iterdir()] == ["notes.txt"]


def test_the_progress_bar_draws_an_ensembles_epoch_once_with_the_members_mean(capsys):
    from core.cli_shared import ProgressBar
    from core.history import EpochLog

    bar = ProgressBar()
    bar(EpochLog(0, 2, 1, 3, loss=1.0, accuracy=0.4))
    assert capsys.readouterr().err == ""  # waits for the second network
    bar(EpochLog(1, 2, 1, 3, loss=2.0, accuracy=0.6))
    drawn = capsys.readouterr().err
    assert drawn.startswith("\r2 networks [")
    assert "epoch 1/3 loss 1.5000 acc 0.5000" in drawn


# --- other formats and --verbose (issue 15) -------------------------------------------


@pytest.fixture(scope="module")
def format_files(workspace) -> dict[str, Path]:
    """The same tracks as a Kaggle CSV, gzip-compressed, an Exportify export and
    Web API JSON; a labelled Spotify Tracks Dataset file; a labelled file without
    popularity; a web page saved as .csv."""
    import gzip

    from tests.bad_files.corpus import (
        exportify_bytes,
        spotify_tracks_bytes,
        web_api_json_bytes,
    )

    tracks = separable_rows(per_genre=2, seed=21)
    folder = workspace / "formats"
    folder.mkdir()
    contents = {
        "kaggle.csv": csv_bytes(tracks),
        "kaggle.csv.gz": gzip.compress(csv_bytes(tracks), mtime=0),
        "playlist.csv": exportify_bytes(tracks, keys={4: "-1"}),
        "features.json": web_api_json_bytes(tracks),
        "dataset.csv": spotify_tracks_bytes(tracks, labels={0: "k-pop", 1: "pop"}),
        "no_popularity.csv": csv_bytes(
            tracks, [column for column in COLUMNS if column != "popularity"]
        ),
        "page.csv": b"<!DOCTYPE html><html><body>music_genre.csv</body></html>\n",
        "train.csv": spotify_tracks_bytes(separable_rows(per_genre=3, seed=22)),
    }
    return write_files(folder, contents)


@pytest.fixture(scope="module")
def format_runs(
    runs, format_files, workspace
) -> dict[str, subprocess.CompletedProcess]:
    """``python -m core`` on each format, with and without --verbose.

    Started together.
    """
    bundle = workspace / "study"  # trained by `runs`; it drops unknowns
    folder = workspace / "out" / "formats"
    folder.mkdir(parents=True)

    def predict(name: str, *flags: str) -> subprocess.Popen:
        output = folder / f"{name}{'-'.join(flags)}.out.csv"
        return start_predict(bundle, format_files[name], output, *flags)

    started = {
        "kaggle": predict("kaggle.csv"),
        "gzip": predict("kaggle.csv.gz"),
        "playlist": predict("playlist.csv"),
        "playlist_verbose": predict("playlist.csv", "--verbose"),
        "features": predict("features.json"),
        "features_verbose": predict("features.json", "--verbose"),
        "page": predict("page.csv"),
        "evaluate_dataset": start_cli(
            "evaluate",
            "--model",
            bundle,
            "--data",
            format_files["dataset.csv"],
            "--json",
            "--verbose",
        ),
        "evaluate_no_popularity": start_cli(
            "evaluate",
            "--model",
            bundle,
            "--data",
            format_files["no_popularity.csv"],
            "--json",
        ),
        "report_dataset": start_cli(
            "report", "--data", format_files["dataset.csv"], "--json", "--verbose"
        ),
        "report_quiet": start_cli(
            "report", "--data", format_files["dataset.csv"], "--json"
        ),
        "train_verbose": start_cli(
            "train",
            "--data",
            format_files["train.csv"],
            "--epochs",
            "1",
            "--quiet",
            "--verbose",
            "--out",
            folder / "trained",
        ),
        "train_no_popularity": start_cli(
            "train",
            "--data",
            format_files["no_popularity.csv"],
            "--epochs",
            "1",
            "--verbose",
            "--out",
            folder / "bundle",
        ),
    }
    return {name: finish(process) for name, process in started.items()}


def written(workspace: Path, name: str, *flags: str) -> pd.DataFrame:
    path = workspace / "out" / "formats" / f"{name}{'-'.join(flags)}.out.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def understood_of(workspace: Path, path: Path):
    from core import bundle, export

    return export.predict_file(bundle.load_bundle(workspace / "study"), path).understood


def test_predict_is_quiet_without_verbose_and_keeps_exportifys_own_columns(
    format_runs, format_files, workspace
):
    for case in ("kaggle", "playlist", "gzip"):
        result = format_runs[case]
        assert result.returncode == 0, result.stderr
        assert result.stderr == "", (case, result.stderr)
    assert format_runs["playlist"].stdout.startswith("19 of 20 rows predicted")
    kaggle = written(workspace, "kaggle.csv")
    playlist = written(workspace, "playlist.csv")
    assert list(playlist.columns[:3]) == ["Spotify ID", "Artist IDs", "Track Name"]
    assert "Duration (ms)" in playlist.columns and "duration_ms" not in playlist.columns
    # The track with no key (-1): the study bundle drops unknowns, so a reason.
    assert playlist.loc[4, "reason"].startswith("unknown key")
    same = [position for position in range(20) if position != 4]
    probabilities = [f"p_{genre}" for genre in schema.GENRES]
    pd.testing.assert_frame_equal(
        playlist.loc[same, probabilities], kaggle.loc[same, probabilities]
    )


def test_a_gzip_compressed_csv_is_predicted_end_to_end(format_runs, workspace):
    assert format_runs["gzip"].stdout.startswith("20 of 20 rows predicted")
    pd.testing.assert_frame_equal(
        written(workspace, "kaggle.csv.gz"), written(workspace, "kaggle.csv")
    )


def test_verbose_prints_what_was_understood_in_one_line_on_stderr(
    format_runs, format_files, workspace
):
    result = format_runs["playlist_verbose"]
    assert result.returncode == 0, result.stderr
    expected = understood_of(workspace, format_files["playlist.csv"]).sentence()
    assert result.stderr.splitlines() == [expected]
    assert expected.startswith("Read 20 tracks from an Exportify playlist: ")
    assert "1 track with no key detected (-1) not predicted" in expected
    assert result.stdout.startswith("19 of 20 rows predicted")


def test_web_api_json_is_predicted_and_the_filled_popularity_always_said(
    format_runs, format_files, workspace
):
    quiet, verbose = format_runs["features"], format_runs["features_verbose"]
    understood = understood_of(workspace, format_files["features.json"])
    (note,) = understood.filled_notes()
    for result in (quiet, verbose):
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("20 of 20 rows predicted")
    assert quiet.stderr.splitlines() == [f"note: {note}"]
    assert verbose.stderr.splitlines() == [understood.sentence(), f"note: {note}"]
    assert note.startswith("popularity was not in the file: the typical value ")
    table = written(workspace, "features.json")
    assert {"uri", "track_href", "predicted_genre"} <= set(table.columns)
    assert "popularity" not in table.columns


def test_evaluate_and_report_verbose_report_labels_outside_the_ten(format_runs):
    evaluated = format_runs["evaluate_dataset"]
    assert evaluated.returncode == 0, evaluated.stderr
    scores = json.loads(evaluated.stdout)
    assert scores["n_unlabelled"] == 2 and scores["n_rows"] == 18
    (line,) = evaluated.stderr.splitlines()
    assert line.startswith("Read 20 tracks from the Spotify Tracks Dataset: ")
    assert (
        "2 labels not one of the model's genres, not scored ('k-pop' 1, 'pop' 1)"
        in line
    )
    reported = format_runs["report_dataset"]
    assert reported.returncode == 0, reported.stderr
    assert json.loads(reported.stdout)["rows"] == 20
    # No model: every label is one of the file's genres, none goes unscored.
    assert reported.stderr.splitlines() == [
        line.split(", 2 labels not one of")[0] + "."
    ]
    assert format_runs["report_quiet"].stderr == ""


def test_a_labelled_file_without_popularity_is_scored_but_not_trained_on(format_runs):
    scored = format_runs["evaluate_no_popularity"]
    assert scored.returncode == 0, scored.stderr
    assert json.loads(scored.stdout)["n_rows"] == 20
    assert scored.stderr.startswith("note: popularity was not in the file")
    line = assert_bad_input(format_runs["train_no_popularity"])
    assert "This file has no popularity column" in line
    assert "training and the data report need each track's own" in line


def test_a_web_page_saved_as_csv_is_refused_in_one_line(format_runs):
    line = assert_bad_input(format_runs["page"])
    assert "This file is a web page (HTML), not a table" in line


def test_train_verbose_says_what_was_understood_before_training(format_runs, workspace):
    result = format_runs["train_verbose"]
    assert result.returncode == 0, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("Read 30 tracks from the Spotify Tracks Dataset: ")
    assert "'track_genre' used as music_genre" in line
    assert (workspace / "out" / "formats" / "trained" / "model.keras").is_file()


# --- spotifyr's names and the genre column (issue 30) ---------------------------------


def genre_as(name: str, columns: list[str]) -> list[str]:
    return [name if column == schema.TARGET else column for column in columns]


@pytest.fixture(scope="module")
def label_files(workspace) -> dict[str, Path]:
    """The same tracks with Kaggle's names and spotifyr's; tracks whose genre is in
    a column named "mood"; tracks with two genre columns (genre, playlist_genre)."""
    from tests.bad_files.corpus import spotifyr_bytes

    tracks = separable_rows(per_genre=2, seed=31)
    learnable = separable_rows(per_genre=3, seed=32)
    folder = workspace / "labels"
    folder.mkdir()
    contents = {
        "kaggle.csv": csv_bytes(tracks),
        "spotify_songs.csv": spotifyr_bytes(tracks),
        "moods.csv": csv_bytes(
            [
                dict(zip(genre_as("mood", COLUMNS), t.values(), strict=True))
                for t in learnable
            ],
            genre_as("mood", COLUMNS),
        ),
        "two_genres.csv": csv_bytes(
            [
                {**t, "genre": t[schema.TARGET], "playlist_genre": "pop"}
                for t in learnable
            ],
            [*genre_as("genre", COLUMNS), "playlist_genre"],
        ),
    }
    return write_files(folder, contents)


@pytest.fixture(scope="module")
def label_runs(runs, label_files, workspace) -> dict[str, subprocess.CompletedProcess]:
    """``python -m core`` with spotifyr's names and with --label, started together."""
    bundle = workspace / "study"  # trained by `runs`
    folder = workspace / "out" / "labels"
    folder.mkdir(parents=True)
    moods, two = label_files["moods.csv"], label_files["two_genres.csv"]

    def predict(name: str) -> subprocess.Popen:
        return start_predict(bundle, label_files[name], folder / f"{name}.out.csv")

    started = {
        "predict_kaggle": predict("kaggle.csv"),
        "predict_spotifyr": predict("spotify_songs.csv"),
        "evaluate_spotifyr": start_cli(
            "evaluate",
            "--model",
            bundle,
            "--data",
            label_files["spotify_songs.csv"],
            "--json",
        ),
        "evaluate_kaggle": start_cli(
            "evaluate", "--model", bundle, "--data", label_files["kaggle.csv"], "--json"
        ),
        "report_mood": start_cli(
            "report", "--data", moods, "--label", "mood", "--json"
        ),
        "report_without_label": start_cli("report", "--data", moods, "--json"),
        "evaluate_mood": start_cli(
            "evaluate", "--model", bundle, "--data", moods, "--label", "mood", "--json"
        ),
        "train_mood": start_cli(
            "train",
            "--data",
            moods,
            "--label",
            "mood",
            "--epochs",
            "1",
            "--quiet",
            "--out",
            folder / "mood_bundle",
        ),
        "report_two_genres": start_cli("report", "--data", two, "--json"),
        "report_two_genres_chosen": start_cli(
            "report", "--data", two, "--label", "genre", "--json"
        ),
        "report_bad_label": start_cli("report", "--data", moods, "--label", "nope"),
        "evaluate_bad_label": start_cli(
            "evaluate", "--model", bundle, "--data", moods, "--label", "nope"
        ),
        "train_bad_label": start_cli(
            "train",
            "--data",
            moods,
            "--label",
            "nope",
            "--epochs",
            "1",
            "--out",
            folder / "never",
        ),
    }
    return {name: finish(process) for name, process in started.items()}


def test_spotifyr_names_give_the_kaggle_probabilities_on_the_command_line(
    label_runs, workspace
):
    for case in ("predict_kaggle", "predict_spotifyr"):
        assert label_runs[case].returncode == 0, label_runs[case].stderr
        assert label_runs[case].stdout.startswith("20 of 20 rows predicted")
    folder = workspace / "out" / "labels"
    kaggle = pd.read_csv(folder / "kaggle.csv.out.csv", dtype=str)
    spotifyr = pd.read_csv(folder / "spotify_songs.csv.out.csv", dtype=str)
    # The file's own names are written back; the probabilities are the same.
    assert {"track_popularity", "track_artist", "playlist_genre"} <= set(spotifyr)
    results = ["predicted_genre", "second_genre", *(f"p_{g}" for g in schema.GENRES)]
    pd.testing.assert_frame_equal(spotifyr[results], kaggle[results])
    evaluated = [
        json.loads(label_runs[c].stdout)
        for c in ("evaluate_spotifyr", "evaluate_kaggle")
    ]
    assert evaluated[0] == evaluated[1]
    assert evaluated[0]["n_rows"] == 20


def test_label_chooses_the_genre_column_of_report_evaluate_and_train(
    label_runs, workspace
):
    for case in ("report_mood", "evaluate_mood", "train_mood"):
        assert label_runs[case].returncode == 0, label_runs[case].stderr
    assert (
        json.loads(label_runs["report_mood"].stdout)["class_balance"]["loaded"]["Rock"]
        == 3
    )
    assert json.loads(label_runs["evaluate_mood"].stdout)["n_rows"] == 30
    bundle = workspace / "out" / "labels" / "mood_bundle"
    metrics = json.loads((bundle / "metrics.json").read_text())
    assert metrics["train"]["n_rows"] + metrics["test"]["n_rows"] == 30


def test_a_file_without_a_named_genre_column_says_how_to_choose_one(label_runs):
    line = assert_bad_input(label_runs["report_without_label"])
    assert "This file has no genre column" in line
    assert "the column that looks like genres is mood" in line
    assert "--label COLUMN on the command line, e.g. --label mood." in line


def test_two_genre_columns_are_refused_until_one_is_chosen(label_runs):
    line = assert_bad_input(label_runs["report_two_genres"])
    assert "both 'genre' and 'playlist_genre' are music_genre" in line
    assert "--label COLUMN" in line
    chosen = label_runs["report_two_genres_chosen"]
    assert chosen.returncode == 0, chosen.stderr
    assert json.loads(chosen.stdout)["class_balance"]["loaded"]["Jazz"] == 3


@pytest.mark.parametrize(
    "case", ["report_bad_label", "evaluate_bad_label", "train_bad_label"]
)
def test_a_label_not_in_the_file_exits_2_with_one_line(label_runs, workspace, case):
    line = assert_bad_input(label_runs[case])
    assert line.startswith(
        "error: There is no column 'nope' in this file to read genres from; "
        "its columns are instance_id, artist_name,"
    )
    assert not (workspace / "out" / "labels" / "never").exists()
