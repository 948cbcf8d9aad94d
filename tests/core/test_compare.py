"""core.compare: four models side by side, and drop versus impute, on one split."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core import compare, features
from tests.conftest import tiny_config

# Two small networks in place of the study's and the recommended one: the
# comparison's logic is the same, in seconds instead of minutes.
TINY_NETWORKS = {
    compare.STUDY_NETWORK: tiny_config(unknowns="impute", epochs=3),
    compare.RECOMMENDED_NETWORK: tiny_config(
        unknowns="impute", epochs=3, group_tracks=True, ensemble_size=2
    ),
}


@pytest.fixture(scope="module")
def progress_messages():
    return []


@pytest.fixture(scope="module")
def models(separable_typed, progress_messages):
    return compare.compare_models(
        separable_typed,
        seed=3,
        on_progress=progress_messages.append,
        network_configs=TINY_NETWORKS,
    )


def test_compare_gives_the_four_models_with_sane_scores(models):
    assert list(models.columns) == compare.MODEL_COLUMNS
    assert models["model"].tolist() == [
        compare.STUDY_NETWORK,
        compare.RECOMMENDED_NETWORK,
        compare.LOGISTIC_REGRESSION,
        compare.GRADIENT_BOOSTING,
    ]
    for column in ("accuracy", "top2_accuracy", "macro_f1"):
        assert models[column].between(0, 1).all()
    assert (models["top2_accuracy"] >= models["accuracy"]).all()
    assert (models["train_seconds"] > 0).all()
    # The separable rows are linearly separable: logistic regression learns them.
    logistic = models.set_index("model").loc[compare.LOGISTIC_REGRESSION]
    assert logistic["accuracy"] >= 0.8


def test_compare_reports_progress_before_each_model(models, progress_messages):
    assert len(progress_messages) == 4
    assert all(isinstance(message, str) and message for message in progress_messages)


def test_compare_holds_out_whole_tracks(separable_typed):
    # 40 tracks listed twice: their copies must stay together.
    doubled = pd.concat([separable_typed, separable_typed.head(40)], ignore_index=True)
    train, test = compare.holdout_split(doubled, seed=1)
    assert not set(features.track_groups(train)) & set(features.track_groups(test))
    # Every usable row is in one part: unknowns are imputed, not dropped.
    assert len(train) + len(test) == len(doubled)


@pytest.fixture(scope="module")
def policies(separable_typed):
    return compare.drop_vs_impute(
        separable_typed,
        seed=3,
        network_config=TINY_NETWORKS[compare.RECOMMENDED_NETWORK],
    )


def test_drop_vs_impute_scores_both_policies_on_the_same_rows(
    policies, separable_typed
):
    assert list(policies.columns) == compare.POLICY_COLUMNS
    assert policies["policy"].tolist() == ["drop", "impute"]
    drop, impute = (row for _, row in policies.iterrows())
    _, test = compare.holdout_split(separable_typed, seed=3)
    unknown_test_rows = int(features.unknown_mask(test).sum())
    assert unknown_test_rows > 0
    # The drop model cannot predict test rows with unknowns; the impute one can.
    assert drop["unpredicted_rows"] == unknown_test_rows
    assert impute["unpredicted_rows"] == 0
    assert drop["accuracy_unknown_rows"] is None or np.isnan(
        drop["accuracy_unknown_rows"]
    )
    assert 0 <= impute["accuracy_unknown_rows"] <= 1
    # Counting unpredicted rows as wrong can only lower the drop score.
    assert drop["accuracy_all_rows"] <= drop["accuracy"]
    assert impute["accuracy_all_rows"] == pytest.approx(impute["accuracy"])
    assert drop["rows_used"] < impute["rows_used"]


def test_compare_on_a_sample_of_the_real_data(real_typed):
    sample = real_typed.sample(n=1500, random_state=0)
    models = compare.compare_models(sample, seed=0)
    assert len(models) == 4
    # Ten genres: anything trained beats guessing (0.10) on top-1.
    assert (models["accuracy"] > 0.2).all()
    assert models["macro_f1"].between(0, 1).all()


def test_the_compare_command_prints_json_for_a_csv(tmp_path, capsys):
    from core import cli
    from tests.conftest import csv_bytes, separable_rows

    path = tmp_path / "small.csv"
    path.write_bytes(csv_bytes(separable_rows(per_genre=6)))
    assert cli.main(["compare", "--data", str(path), "--json", "--seed", "1"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [row["model"] for row in result["models"]] == [
        compare.STUDY_NETWORK,
        compare.RECOMMENDED_NETWORK,
        compare.LOGISTIC_REGRESSION,
        compare.GRADIENT_BOOSTING,
    ]
    # No unknowns in these rows: both policies predict every test row.
    assert [row["policy"] for row in result["drop_vs_impute"]] == ["drop", "impute"]


@pytest.mark.parametrize(
    "arguments",
    [["--data", "{missing}"], ["--data", "{csv}", "--bundle", "{missing}"]],
)
def test_the_compare_command_refuses_bad_paths_in_one_line(tmp_path, capsys, arguments):
    from core import cli
    from tests.conftest import csv_bytes, separable_rows

    csv = tmp_path / "small.csv"
    csv.write_bytes(csv_bytes(separable_rows(per_genre=3)))
    filled = [a.format(missing=tmp_path / "nothing-here", csv=csv) for a in arguments]
    assert cli.main(["compare", *filled]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: ") and "\n" not in error
