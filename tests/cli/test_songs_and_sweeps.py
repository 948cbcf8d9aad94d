"""``python -m core explain|similar|sweep`` and ``train --validation-share``.

As real subprocesses.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core import predict, schema, shapley
from tests.cli.runner import assert_bad_input, finish, start_cli
from tests.conftest import csv_bytes, row, separable_rows, tiny_config


@pytest.fixture(scope="module")
def place(tmp_path_factory) -> dict[str, Path]:
    """A dataset, a tiny bundle trained on it, and an input file with a bad row."""
    from core import bundle, data, pipeline

    folder = tmp_path_factory.mktemp("songs_cli")
    tracks = folder / "tracks.csv"
    tracks.write_bytes(csv_bytes(separable_rows(per_genre=6, seed=5)))
    typed = data.load_csv(tracks, require_label=True)
    run = pipeline.train_from_frame(typed, tiny_config(epochs=4, unknowns="impute"))
    model = bundle.save_bundle(run.bundle, folder / "model")
    given = folder / "input.csv"
    first = separable_rows(per_genre=6, seed=5)[3]
    given.write_bytes(
        csv_bytes([first, row(key="H"), row(tempo="?"), row(energy="0.9")])
    )
    sixty = folder / "sixty.csv"
    sixty.write_bytes(csv_bytes(separable_rows(per_genre=6, seed=9)))
    return {
        "folder": folder,
        "tracks": tracks,
        "model": model,
        "input": given,
        "sixty": sixty,
    }


@pytest.fixture(scope="module")
def results(place):
    folder = place["folder"]

    def explain(output: str, *options: str):
        return start_cli(
            "explain",
            "--model",
            place["model"],
            "--input",
            place["input"],
            "--output",
            folder / output,
            *options,
        )

    def similar(k: str, output: str):
        return start_cli(
            "similar",
            "--model",
            place["model"],
            "--data",
            place["tracks"],
            "--input",
            place["input"],
            "--k",
            k,
            "--output",
            folder / output,
        )

    def sweep(out: str, setting: str, *values: str, options: tuple[str, ...] = ()):
        return start_cli(
            "sweep",
            "--data",
            place["tracks"],
            "--setting",
            setting,
            "--values",
            *values,
            "--out",
            folder / out,
            *options,
        )

    started = {
        "explain": explain("explained.csv"),
        "explain_jazz": explain("jazz.csv", "--genre", "Jazz"),
        "predict": start_cli(
            "predict",
            "--model",
            place["model"],
            "--input",
            place["input"],
            "--output",
            folder / "predicted.csv",
        ),
        "similar": similar("3", "similar.csv"),
        "sweep": sweep(
            "sweep",
            "learning_rate",
            "0.001",
            "0.01",
            "0.05",
            options=("--preset", "study", "--epochs", "2", "--quiet"),
        ),
        "train_validation": start_cli(
            "train",
            "--data",
            place["sixty"],
            "--preset",
            "recommended",
            "--validation-share",
            "0.1",
            "--epochs",
            "2",
            "--out",
            folder / "sixty_model",
            "--quiet",
        ),
        "bad_setting": sweep("never", "colour", "1", "2"),
        "bad_value": sweep("never2", "epochs", "2", "lots"),
        "bad_genre": explain("never.csv", "--genre", "Polka"),
        "bad_k": similar("0", "never2.csv"),
    }
    return {name: finish(process, timeout=300) for name, process in started.items()}


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_explain_writes_every_row_with_contributions_that_add_up(results, place):
    assert results["explain"].returncode == 0, results["explain"].stderr
    table = read(place["folder"] / "explained.csv")
    given = read(place["input"])
    assert len(table) == len(given)
    pd.testing.assert_frame_equal(table[list(given.columns)], given)
    assert list(table.columns[len(given.columns) :]) == [
        shapley.EXPLAINED,
        shapley.PROBABILITY,
        shapley.BASELINE_PROBABILITY,
        shapley.REASON,
        *shapley.CONTRIBUTION_COLUMNS,
        predict.NOVELTY,
    ]
    assert "key 'H'" in table.loc[1, shapley.REASON]
    # The same novelty predict writes; none for the row it cannot predict.
    assert table.loc[1, predict.NOVELTY] == ""
    assert table.loc[1, shapley.PROBABILITY] == ""
    predicted = read(place["folder"] / "predicted.csv")
    for position in (0, 2, 3):
        genre = table.loc[position, shapley.EXPLAINED]
        assert genre == predicted.loc[position, predict.PREDICTED]
        novelty = predicted.loc[position, predict.NOVELTY]
        assert table.loc[position, predict.NOVELTY] == novelty
        # The same number predict gives (predict writes four decimals).
        assert float(table.loc[position, shapley.PROBABILITY]) == pytest.approx(
            float(predicted.loc[position, predict.probability_column(genre)]), abs=5e-5
        )
        parts = [float(table.loc[position, shapley.BASELINE_PROBABILITY])] + [
            float(table.loc[position, column])
            for column in shapley.CONTRIBUTION_COLUMNS
        ]
        assert sum(parts) == pytest.approx(
            float(table.loc[position, shapley.PROBABILITY]), abs=1e-4
        )
    jazz = read(place["folder"] / "jazz.csv")
    assert set(jazz.loc[[0, 2, 3], shapley.EXPLAINED]) == {"Jazz"}


def test_similar_lists_k_neighbours_per_row_and_keeps_the_bad_one(results, place):
    assert results["similar"].returncode == 0, results["similar"].stderr
    table = read(place["folder"] / "similar.csv")
    assert list(table.columns) == [
        "input_row",
        "rank",
        "artist_name",
        "track_name",
        "music_genre",
        "distance",
        "predicted_genre",
        "reason",
        "novelty",
    ]
    first = table[table["input_row"] == "0"]
    assert first["rank"].tolist() == ["1", "2", "3"]
    # The first input row is a track of the data: its own nearest neighbour.
    assert first["track_name"].iloc[0] == read(place["input"])["track_name"].iloc[0]
    assert float(first["distance"].iloc[0]) == pytest.approx(0.0, abs=1e-5)
    bad = table[table["input_row"] == "1"]
    assert len(bad) == 1 and "key 'H'" in bad["reason"].iloc[0]
    # Each input row's novelty on each of its neighbour rows; none for the bad one.
    assert first["novelty"].nunique() == 1 and first["novelty"].iloc[0] != ""
    assert bad["novelty"].iloc[0] == ""
    assert set(table["music_genre"]) - {""} <= set(schema.GENRES)
    assert "10 neighbour rows for 4 input rows" in results["similar"].stdout


def test_sweep_writes_its_table_and_the_best_bundle(results, place):
    result = results["sweep"]
    assert result.returncode == 0, result.stderr
    folder = place["folder"] / "sweep"
    table = pd.read_csv(folder / "sweep.csv")
    assert table["learning_rate"].tolist() == [0.001, 0.01, 0.05]
    assert list(table.columns[1:]) == [
        "validation accuracy",
        "validation top-2",
        "validation macro F1",
        "training seconds",
        "epochs run",
    ]
    assert table["epochs run"].tolist() == [2, 2, 2]
    best = json.loads((folder / "best" / "preprocessing.json").read_text())
    winner = table.loc[table["validation accuracy"].idxmax(), "learning_rate"]
    assert best["config"]["learning_rate"] == pytest.approx(winner)
    assert "validation accuracy" in result.stdout
    assert "learning rate" in result.stdout.splitlines()[-2].lower()


def test_train_with_a_validation_share_on_sixty_rows(results, place):
    result = results["train_validation"]
    assert result.returncode == 0, result.stderr
    metrics = json.loads((place["folder"] / "sixty_model" / "metrics.json").read_text())
    assert metrics["validation"]["n_rows"] > 0
    history = metrics["history"][0]
    assert len(history) == 2 and all(log["val_loss"] is not None for log in history)
    assert np.isfinite(metrics["test"]["accuracy"])


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("bad_setting", "choose one of hidden_layers, layers"),
        ("bad_value", "Epochs must be a number, not 'lots'"),
        ("bad_genre", "'Polka' is not one of the model's genres"),
        ("bad_k", "--k must be a whole number from 1 to 100"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(results, place, case, words):
    line = assert_bad_input(results[case])
    assert words in line
    assert not (place["folder"] / "never").exists()
    assert not (place["folder"] / "never.csv").exists()
