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
import time
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


@pytest.fixture(scope="module")
def killing_cluster(tmp_path_factory):
    """A scheduler and 2 workers as separate processes, whose workers kill
    themselves as the test's plan says (tests/dask_killer.py).

    Yields the scheduler's address and the plan's folder.
    """
    import contextlib

    from tests.dask_cluster import scheduler_and_workers
    from tests.dask_killer import FOLDER_VARIABLE

    folder = tmp_path_factory.mktemp("kill_plan")
    started = contextlib.contextmanager(scheduler_and_workers)(
        tmp_path_factory,
        ("--preload", "tests.dask_killer"),
        {FOLDER_VARIABLE: str(folder)},
    )
    with started as address:
        yield address, folder


@pytest.fixture
def kill_plan(killing_cluster):
    """Sets the killing cluster's plan; no plan (and no record) after."""
    address, folder = killing_cluster

    def plan(what: str) -> Path:
        (folder / "plan").write_text(what)
        return folder

    yield address, plan
    for name in ("plan", "killed", "deaths"):
        (folder / name).unlink(missing_ok=True)


def test_a_worker_process_killed_mid_predict_leaves_the_plain_output(
    tmp_path, kill_plan
):
    address, plan = kill_plan
    rows, whole, folder = whole_and_parts(tmp_path, copies=6)
    # Six parts over two workers: one worker starts a second part, and dies
    # as it does, holding what it had read and predicted.
    folder = write_parts(tmp_path / "six", rows, parts=6)
    record = plan("once")
    model = ("--model", MODEL)
    started = [
        start_cli("predict", *model, "--input", whole, "--output", tmp_path / "a.csv"),
        start_cli(
            "predict", *model, "--input", folder, "--output", tmp_path / "b.csv",
            "--cluster", address,
        ),
    ]  # fmt: skip
    plain, parts = (finish(process, timeout=300) for process in started)
    assert plain.returncode == 0, plain.stderr
    assert parts.returncode == 0, parts.stderr
    victim = int((record / "killed").read_text())
    assert (tmp_path / "b.csv").read_bytes() == (tmp_path / "a.csv").read_bytes()
    assert parts.stdout == plain.stdout.replace("a.csv", "b.csv")
    assert parts.stderr == plain.stderr
    # The victim is gone; its nanny started another worker in its place.
    from distributed import Client

    with Client(address, set_as_default=False) as client:
        client.wait_for_workers(2, timeout=120)
        assert victim not in client.run(os.getpid).values()


def test_a_part_lost_more_often_than_allowed_is_one_line_and_no_output(
    tmp_path, kill_plan
):
    address, plan = kill_plan
    _, _, folder = whole_and_parts(tmp_path, copies=2)
    record = plan("always")
    output = tmp_path / "out" / "scored.csv"
    result = finish(
        start_cli(
            "predict", "--model", MODEL, "--input", folder, "--output", output,
            "--cluster", address,
        ),
        timeout=300,
    )  # fmt: skip
    line = assert_bad_input(result)
    assert "The cluster lost the workers running part" in line
    # The scheduler's own limit (Dask's default, 3), then nothing written.
    assert line.endswith("more than 3 times (out of memory?); nothing was written.")
    assert not output.exists()
    assert list(output.parent.iterdir()) == []
    # Each try of the part killed a worker: the first and 3 tries again.
    assert len((record / "deaths").read_text().split()) >= 4


def test_a_sweep_run_lost_more_often_than_allowed_is_one_line_and_no_folder(
    tmp_path, kill_plan
):
    address, plan = kill_plan
    path = tmp_path / "train.csv"
    path.write_bytes(csv_bytes(separable_rows(per_genre=10)))
    record = plan("always _train")
    out = tmp_path / "sweep"
    result = finish(
        start_cli(
            "sweep", "--data", path, "--preset", "study", "--epochs", "2",
            "--setting", "learning_rate", "--values", "0.01", "0.05",
            "--out", out, "--cluster", address,
        ),
        timeout=300,
    )  # fmt: skip
    line = assert_bad_input(result)
    assert "The cluster lost the workers training run " in line
    assert "more than 3 times (out of memory?)" in line
    assert not out.exists()
    assert len((record / "deaths").read_text().split()) >= 4


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


def sweep_settings(folder: Path, per_genre: int, epochs: int, rates: list[str]):
    """A learning-rate sweep of the study's network on a separable file."""
    path = folder / "train.csv"
    path.write_bytes(csv_bytes(separable_rows(per_genre=per_genre)))
    return [
        *("sweep", "--data", path, "--preset", "study", "--epochs", str(epochs)),
        *("--setting", "learning_rate", "--values", *rates),
    ]


def test_a_sweep_on_the_cluster_equals_the_sweep_here(tmp_path, scheduler_address):
    settings = sweep_settings(tmp_path, 20, 3, ["0.01", "0.05"])
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


def test_prediction_sets_on_the_cluster_are_the_plain_commands(
    tmp_path, shipped, scheduler_address
):
    from tests.core.test_partitions import main_network_only

    one_network = bundle.save_bundle(main_network_only(shipped), tmp_path / "model")
    rows, whole, folder = whole_and_parts(tmp_path, copies=2)
    sets = ("--coverage", "0.9")
    cluster = ("--cluster", scheduler_address)
    started = [
        start_cli(
            "predict", "--model", one_network, "--input", whole,
            "--output", tmp_path / "plain.csv", *sets,
        ),
        start_cli(
            "predict", "--model", one_network, "--input", folder,
            "--output", tmp_path / "parts.csv", *sets, *cluster,
        ),
        # The shipped model predicts these unusual tracks with its network
        # without popularity, whose sets are not calibrated: refused.
        start_cli(
            "predict", "--model", MODEL, "--input", folder,
            "--output", tmp_path / "refused.csv", *sets, *cluster,
        ),
    ]  # fmt: skip
    plain, parts, refused = map(finish, started)
    assert plain.returncode == 0, plain.stderr
    assert parts.returncode == 0, parts.stderr
    assert (tmp_path / "parts.csv").read_bytes() == (
        tmp_path / "plain.csv"
    ).read_bytes()
    assert parts.stdout == plain.stdout.replace("plain.csv", "parts.csv")
    assert "90% sure" in parts.stdout
    written = pd.read_csv(tmp_path / "parts.csv", dtype=str, keep_default_na=False)
    assert (written.loc[written["reason"] == "", "prediction_set"] != "").all()
    line = assert_bad_input(refused)
    assert "Prediction sets are calibrated for the network with popularity" in line
    assert not (tmp_path / "refused.csv").exists()
    assert not any(path.name.startswith(".refused") for path in tmp_path.iterdir())


def interrupted_after(process: subprocess.Popen, marker: str) -> list[str]:
    """Send Ctrl-C (SIGINT) once ``marker`` is on stderr; every line said."""
    assert process.stderr is not None
    said = []
    for line in process.stderr:
        said.append(line.rstrip("\n"))
        if marker in line:
            process.send_signal(signal.SIGINT)
            break
    said += process.stderr.read().splitlines()
    process.wait(timeout=120)
    return said


def test_ctrl_c_stops_a_sweep_on_the_cluster_as_one_here(tmp_path, scheduler_address):
    from concurrent.futures import ThreadPoolExecutor

    rates = ["0.01", "0.02", "0.03", "0.04", "0.05", "0.06"]
    settings = sweep_settings(tmp_path, 60, 10, rates)
    here = start_cli(*settings, "--out", tmp_path / "here")
    there = start_cli(
        *settings, "--out", tmp_path / "there", "--cluster", scheduler_address
    )
    # Each stopped once a run has finished: here as the second starts, there
    # as the first is back (both watched at once).
    with ThreadPoolExecutor(2) as watchers:
        watching_here = watchers.submit(interrupted_after, here, "run 2 of 6")
        watching_there = watchers.submit(
            interrupted_after, there, "done on the cluster"
        )
        said_here, said_there = watching_here.result(), watching_there.result()
    for process, said in ((here, said_here), (there, said_there)):
        assert process.returncode == 130, said
        assert said[-1] == "error: interrupted; nothing was written."
    assert not (tmp_path / "here").exists()
    assert not (tmp_path / "there").exists()
    finished = [line for line in said_there if "done on the cluster" in line]
    assert 1 <= len(finished) < 6
    # The runs not done were cancelled: the scheduler keeps no training.
    from distributed import Client

    def trainings(dask_scheduler) -> list[str]:
        return [str(key) for key in dask_scheduler.tasks if "_train" in str(key)]

    with Client(scheduler_address, set_as_default=False) as client:
        # The cancels are sent without an answer: look until they are in
        # (at most a minute).
        deadline = time.monotonic() + 60
        while client.run_on_scheduler(trainings) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert client.run_on_scheduler(trainings) == []
