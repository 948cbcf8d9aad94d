"""Predict and evaluate on real Dask clusters give the plain command's output.

Two clusters: a ``LocalCluster`` of 2 worker processes started in this test
process, and a scheduler and workers started as separate processes
(``dask scheduler``, ``dask worker``), as on a real cluster; the command line
runs as a subprocess against the latter. Every file is built here; the model
is the shipped bundle (NumPy only).
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from core import bundle, export, partitioned
from tests.cli.runner import (
    PROJECT_ROOT,
    assert_bad_input,
    finish,
    predict_arguments,
    start_cli,
    start_predict,
)
from tests.conftest import csv_bytes, separable_rows
from tests.core.test_partitions import odd_rows, to_parquet, write_parts

MODEL = PROJECT_ROOT / "models" / "default"


@pytest.fixture(scope="module")
def shipped():
    return bundle.load_bundle(MODEL)


@pytest.fixture(scope="module")
def local_client():
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def plain_table(model, content: bytes) -> str:
    stream = io.StringIO()
    with threadpool_limits(limits=1, user_api="blas"):
        export.predict_file(model, content, stream, score=False)
    return stream.getvalue()


def test_a_local_cluster_writes_the_plain_table_and_scores(
    tmp_path, shipped, local_client
):
    content = csv_bytes(odd_rows())
    path = tmp_path / "tracks.csv"
    path.write_bytes(content)
    stream = io.StringIO()
    result = partitioned.predict_parts(
        shipped, str(path), stream, "csv", local_client, partition_bytes=2_000
    )
    assert stream.getvalue() == plain_table(shipped, content)
    with threadpool_limits(limits=1, user_api="blas"):
        expected = export.predict_file(shipped, content, None, score=True)
    assert result.scores == expected.scores
    assert result.novelty == expected.novelty


def test_a_worker_killed_mid_predict_leaves_a_complete_table(
    tmp_path, shipped, local_client
):
    content = csv_bytes(odd_rows(copies=12))
    path = tmp_path / "tracks.csv"
    path.write_bytes(content)
    before = local_client.run(os.getpid)
    victim = next(iter(before.values()))
    killed: list[int] = []

    def kill_once(rows: int) -> None:
        # After the first part: the other parts are read or running on both
        # workers, and what the victim holds is lost with it.
        if not killed:
            os.kill(victim, signal.SIGKILL)
            killed.append(rows)

    stream = io.StringIO()
    result = partitioned.predict_parts(
        shipped,
        str(path),
        stream,
        "csv",
        local_client,
        on_progress=kill_once,
        partition_bytes=2_000,
    )
    assert killed and killed[0] < result.rows
    assert stream.getvalue() == plain_table(shipped, content)
    local_client.wait_for_workers(2, timeout=60)
    assert victim not in local_client.run(os.getpid).values()


def cli_output(*arguments) -> subprocess.CompletedProcess:
    return finish(start_cli(*arguments), timeout=240)


def whole_and_parts(folder: Path, copies: int) -> tuple[list, Path, Path]:
    """Odd rows, as one file and as a folder of 3 parts."""
    rows = odd_rows(copies=copies)
    whole = folder / "whole.csv"
    whole.write_bytes(csv_bytes(rows))
    return rows, whole, write_parts(folder / "parts", rows, parts=3)


def test_separate_processes_predict_and_evaluate_as_the_plain_commands(
    tmp_path, scheduler_address
):
    rows, whole, folder = whole_and_parts(tmp_path, copies=3)
    parquet_folder = write_parts(tmp_path / "parquet", rows, parts=3)
    for part in sorted(parquet_folder.iterdir()):
        to_parquet(part)
    cluster = ("--cluster", scheduler_address)
    model = ("--model", MODEL)
    started = [
        start_predict(MODEL, whole, tmp_path / "a.csv"),
        start_predict(MODEL, folder, tmp_path / "b.csv", *cluster),
        start_predict(
            MODEL, parquet_folder / "*.parquet", tmp_path / "c.parquet", *cluster
        ),
        start_cli("evaluate", *model, "--data", whole, "--json"),
        start_cli("evaluate", *model, "--data", folder, "--json", *cluster),
    ]
    plain, parts, parquet, evaluated, evaluated_parts = map(finish, started)
    for result in (plain, parts, parquet, evaluated, evaluated_parts):
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "b.csv").read_bytes() == (tmp_path / "a.csv").read_bytes()
    assert parts.stdout == plain.stdout.replace("a.csv", "b.csv")
    from_parquet = pd.read_parquet(tmp_path / "c.parquet")
    expected = pd.read_csv(tmp_path / "a.csv", dtype=str, keep_default_na=False)
    assert from_parquet["reason"].tolist() == expected["reason"].tolist()
    assert from_parquet["novelty"].fillna(-1).tolist() == (
        expected["novelty"].replace("", "-1").astype(float).tolist()
    )
    assert json.loads(evaluated_parts.stdout) == json.loads(evaluated.stdout)


def test_local_n_starts_its_own_workers(tmp_path):
    content = csv_bytes(odd_rows(copies=2))
    path = tmp_path / "tracks.csv"
    path.write_bytes(content)
    out = tmp_path / "out.csv"
    result = cli_output(*predict_arguments(MODEL, path, out, "--cluster", "local:2"))
    assert result.returncode == 0, result.stderr
    # No word from Dask's machinery; the note on filled values, as plain.
    assert "warn" not in result.stderr.lower()
    assert result.stderr.startswith("note: 1 track had empty values")
    assert out.read_text() == plain_table(bundle.load_bundle(MODEL), content)


def test_explain_and_similar_on_the_cluster_write_the_plain_tables(
    tmp_path, scheduler_address
):
    rows, whole, folder = whole_and_parts(tmp_path, copies=1)
    tracks = tmp_path / "tracks.csv"
    tracks.write_bytes(csv_bytes(separable_rows(per_genre=5, seed=9)))
    model = ("--model", MODEL)
    similar = ("similar", *model, "--data", tracks, "--k", "2")
    started = [
        start_cli("explain", *model, "--input", whole, "--output", tmp_path / "e1.csv"),
        start_cli(
            "explain", *model, "--input", folder, "--output", tmp_path / "e2.csv",
            "--cluster", scheduler_address,
        ),
        start_cli(*similar, "--input", whole, "--output", tmp_path / "s1.csv"),
        start_cli(
            *similar, "--input", folder, "--output", tmp_path / "s2.csv",
            "--cluster", scheduler_address,
        ),
    ]  # fmt: skip
    for result in map(finish, started):
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "e2.csv").read_bytes() == (tmp_path / "e1.csv").read_bytes()
    assert (tmp_path / "s2.csv").read_bytes() == (tmp_path / "s1.csv").read_bytes()
    assert pd.read_csv(tmp_path / "s1.csv")["input_row"].nunique() == len(rows)


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("local:0", "from 1 to 64"),
        ("somewhere", "is not a cluster address"),
        ("tcp://127.0.0.1:9", "No Dask scheduler answers at tcp://127.0.0.1:9"),
    ],
)
def test_a_bad_cluster_is_one_plain_line_and_no_output(tmp_path, value, said):
    path = tmp_path / "tracks.csv"
    path.write_bytes(csv_bytes(odd_rows(copies=1)))
    out = tmp_path / "out.csv"
    line = assert_bad_input(
        cli_output(*predict_arguments(MODEL, path, out, "--cluster", value))
    )
    assert said in line
    assert list(tmp_path.iterdir()) == [path]


# The command line, telling afterwards whether it imported TensorFlow.
_CLI_THEN_MODULES = (
    "import sys\n"
    "from core.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "print('tensorflow imported:', 'tensorflow' in sys.modules)\n"
    "sys.exit(code)\n"
)


def test_a_sweep_on_the_cluster_equals_the_sweep_here(tmp_path, scheduler_address):
    rows = separable_rows(per_genre=20)
    path = tmp_path / "train.csv"
    path.write_bytes(csv_bytes(rows))
    settings = ["sweep", "--data", path, "--preset", "study", "--epochs", "3"]
    settings += ["--setting", "learning_rate", "--values", "0.01", "0.05"]
    here = start_cli(*settings, "--out", tmp_path / "here", "--quiet")
    there = subprocess.Popen(
        [sys.executable, "-c", _CLI_THEN_MODULES, *map(str, settings)]
        + ["--out", str(tmp_path / "there"), "--cluster", scheduler_address],
        cwd=PROJECT_ROOT,
        env={
            **os.environ,
            "PYTHONPATH": str(PROJECT_ROOT),
            "TF_CPP_MIN_LOG_LEVEL": "2",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    local, remote = finish(here, timeout=300), finish(there, timeout=300)
    assert local.returncode == 0, local.stderr
    assert remote.returncode == 0, remote.stderr
    assert "tensorflow imported: False" in remote.stdout
    for number in (1, 2):
        assert f"run {number} of 2 done on the cluster: learning_rate" in remote.stderr
    timing = ["training seconds"]
    local_table = pd.read_csv(tmp_path / "here" / "sweep.csv").drop(columns=timing)
    remote_table = pd.read_csv(tmp_path / "there" / "sweep.csv").drop(columns=timing)
    pd.testing.assert_frame_equal(remote_table, local_table)
    local_best = bundle.load_bundle(tmp_path / "here" / "best")
    remote_best = bundle.load_bundle(tmp_path / "there" / "best")
    for mine, theirs in zip(
        local_best.network.weights(), remote_best.network.weights(), strict=True
    ):
        assert (mine == theirs).all()
