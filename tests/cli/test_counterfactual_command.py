"""``python -m core counterfactual``: each row changed the least to be a genre."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.cli.runner import assert_bad_input, finish, start_cli
from tests.conftest import csv_bytes, row, separable_rows

LOCKED = ("popularity", "duration_ms")


@pytest.fixture(scope="module")
def place(tmp_path_factory, impute_run) -> dict[str, Path]:
    """A tiny bundle and an input file of twelve tracks, one with an unknown key."""
    from core import bundle

    folder = tmp_path_factory.mktemp("counterfactual_cli")
    model = bundle.save_bundle(impute_run.bundle, folder / "model")
    given = folder / "input.csv"
    rows = separable_rows(per_genre=1, seed=11) + [row(key="H"), row(tempo="?")]
    given.write_bytes(csv_bytes(rows))
    return {"folder": folder, "model": model, "input": given}


@pytest.fixture(scope="module")
def results(place):
    folder = place["folder"]
    common = ("--model", place["model"], "--input", place["input"])
    started = {
        "jazz": start_cli(
            "counterfactual",
            *common,
            "--genre",
            "Jazz",
            "--lock",
            ",".join(LOCKED),
            "--output",
            folder / "jazz.csv",
        ),
        "bad_genre": start_cli(
            "counterfactual", *common, "--genre", "Polka", "--output", folder / "x.csv"
        ),
        "bad_lock": start_cli(
            "counterfactual",
            *common,
            "--genre",
            "Jazz",
            "--lock",
            "speed",
            "--output",
            folder / "y.csv",
        ),
    }
    return {name: finish(process) for name, process in started.items()}


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_every_row_is_written_with_the_genre_its_reach_and_its_changes(results, place):
    from core import bundle, data, predict

    assert results["jazz"].returncode == 0, results["jazz"].stderr
    assert "rows made Jazz" in results["jazz"].stdout
    given = read(place["input"])
    written = read(place["folder"] / "jazz.csv")
    assert len(written) == len(given)
    assert list(written.columns[: len(given.columns)]) == list(given.columns)
    assert set(written["target_genre"]) == {"Jazz"}
    assert set(written["reached"]) <= {"true", "false"}
    for feature in (*LOCKED, "key", "mode", "artist_name", "track_name"):
        assert (written[feature] == given[feature]).all()
    reached = written[written["reached"] == "true"]
    assert len(reached) >= 8
    changes = reached["changes"]
    assert (
        changes.str.startswith("make it Jazz: ") | (changes == "it is already Jazz")
    ).all()
    # A reached row, predicted again from the written file, has Jazz on top.
    model = bundle.load_bundle(place["model"])
    typed = data.load_csv(place["folder"] / "jazz.csv")
    again = predict.predict_frame(model, typed)
    on_top = again.loc[written["reached"] == "true", predict.PREDICTED]
    assert (on_top == "Jazz").all()
    # The unknown key: kept in place, with the reason.
    bad = written[written["key"] == "H"]
    assert len(bad) == 1 and bad["reached"].iloc[0] == "false"
    assert bad["changes"].iloc[0].startswith("cannot be predicted")


@pytest.mark.parametrize("case", ["bad_genre", "bad_lock"])
def test_bad_input_says_one_line_and_writes_nothing(results, place, case):
    line = assert_bad_input(results[case])
    assert "Polka" in line or "speed" in line
    assert not (place["folder"] / "x.csv").exists()
    assert not (place["folder"] / "y.csv").exists()
