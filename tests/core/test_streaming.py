"""Reading and predicting a file in chunks gives exactly what reading it whole gives."""

from __future__ import annotations

import io
import os
import signal
import stat

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from core import cli, data, export, forward, network_process, novelty, predict, reading
from core.network_process import NetworkRunner
from tests import oracles
from tests.cli.runner import predict_arguments
from tests.conftest import COLUMNS, csv_bytes, row, separable_rows

CHUNK = 10


def mixed_file() -> bytes:
    """53 rows: learnable tracks.

    With rows that cannot be predicted in several chunks.
    """
    rows = separable_rows(per_genre=5, seed=9)[:50]
    rows[2]["energy"] = "loud"  # chunk 1
    rows[14]["tempo"] = "?"  # chunk 2: unknown (the test model drops such rows)
    rows[27]["key"] = "H"  # chunk 3
    rows[41]["loudness"] = "inf"  # chunk 5
    rows.insert(33, dict.fromkeys(COLUMNS, ""))  # a blank row in chunk 4
    rows += [row(music_genre="Polka"), row(artist_name="empty_field"), row()]
    return csv_bytes(rows)


def unchunked_table_bytes(bundle, content: bytes) -> bytes:
    raw = reading.read_raw(content)
    predictions = predict.predict_frame(bundle, data.type_frame(raw), first_row=0)
    return oracles.predictions_csv_bytes(
        export.predictions_table(raw, predictions), bundle.genres.names
    )


def test_raw_chunks_are_the_whole_file_in_order():
    content = mixed_file()
    chunks = list(reading.iter_raw_chunks(content, chunk_rows=CHUNK))
    assert [len(chunk) for chunk in chunks] == [10, 10, 10, 10, 10, 4]
    whole = reading.read_raw(content)
    pd.testing.assert_frame_equal(pd.concat(chunks), whole)
    assert list(whole.index) == list(range(54))


def test_a_chunked_table_is_byte_identical_and_scores_the_same(drop_run):
    content = mixed_file()
    written = io.StringIO()
    result = export.predict_file(drop_run.bundle, content, written, chunk_rows=CHUNK)
    assert written.getvalue().encode("utf-8") == unchunked_table_bytes(
        drop_run.bundle, content
    )
    assert result.rows == 54
    whole = data.load_csv(content)
    expected = oracles.evaluate_frame(drop_run.bundle, whole)
    assert result.scores == expected
    reasons = pd.read_csv(io.StringIO(written.getvalue()), keep_default_na=False)
    unpredicted = reasons.index[reasons[predict.REASON] != ""].tolist()
    assert unpredicted == [2, 14, 27, 33, 42]
    assert result.unpredictable["row"].tolist() == [n + 1 for n in unpredicted]
    assert result.predicted == 54 - 5
    assert len(result.preview) == 54


def test_preview_and_listed_rows_are_capped(drop_run, monkeypatch):
    monkeypatch.setattr(export, "PREVIEW_ROWS", 12)
    monkeypatch.setattr(export, "LISTED_UNPREDICTABLE", 3)
    result = export.predict_file(drop_run.bundle, mixed_file(), chunk_rows=CHUNK)
    assert list(result.preview.index) == list(range(12))
    assert result.unpredictable["row"].tolist() == [3, 15, 28]
    assert result.unpredicted == 5


def test_progress_is_reported_after_each_chunk(drop_run):
    done = []
    export.predict_file(
        drop_run.bundle, mixed_file(), chunk_rows=CHUNK, on_progress=done.append
    )
    assert done == [10, 20, 30, 40, 50, 54]


@pytest.fixture
def chunked_cli(monkeypatch):
    monkeypatch.setattr(reading, "CHUNK_ROWS", CHUNK)


def test_cli_predict_writes_the_unchunked_bytes_with_normal_permissions(
    chunked_cli, drop_run, tmp_path
):
    from core import bundle as bundles

    model = bundles.save_bundle(drop_run.bundle, tmp_path / "model")
    source = tmp_path / "tracks.csv"
    source.write_bytes(mixed_file())
    output = tmp_path / "out" / "predictions.csv"
    assert cli.main(predict_arguments(model, source, output)) == 0
    assert output.read_bytes() == unchunked_table_bytes(drop_run.bundle, mixed_file())
    ordinary = tmp_path / "ordinary.txt"
    ordinary.write_text("x")
    assert stat.S_IMODE(os.stat(output).st_mode) == stat.S_IMODE(
        os.stat(ordinary).st_mode
    )
    assert sorted(path.name for path in output.parent.iterdir()) == ["predictions.csv"]


def test_a_fault_in_a_later_chunk_leaves_no_output(
    chunked_cli, drop_run, tmp_path, capsys
):
    from core import bundle as bundles

    model = bundles.save_bundle(drop_run.bundle, tmp_path / "model")
    lines = mixed_file().decode().splitlines()
    lines[36] += ",surprise"  # line 37 of the file, in the fourth chunk
    source = tmp_path / "tracks.csv"
    source.write_text("\n".join(lines) + "\n")
    output = tmp_path / "predictions.csv"
    output.write_text("an earlier result\n")
    code = cli.main(predict_arguments(model, source, output))
    assert code == 2
    error = capsys.readouterr().err
    assert "line 37" in error and "19 values" in error
    assert output.read_text() == "an earlier result\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "model",
        "predictions.csv",
        "tracks.csv",
    ]


def test_cli_evaluate_streams_and_scores_like_evaluate_frame(
    chunked_cli, drop_run, tmp_path, capsys
):
    import json

    from core import bundle as bundles

    model = bundles.save_bundle(drop_run.bundle, tmp_path / "model")
    source = tmp_path / "tracks.csv"
    source.write_bytes(mixed_file())
    assert (
        cli.main(["evaluate", "--model", str(model), "--data", str(source), "--json"])
        == 0
    )
    printed = json.loads(capsys.readouterr().out)
    expected = oracles.evaluate_frame(drop_run.bundle, data.load_csv(mixed_file()))
    assert printed == json.loads(json.dumps(expected))
    assert printed["n_unpredictable"] == 5
    assert printed["n_unlabelled"] == 1  # the Polka row


def test_a_file_of_blank_rows_is_refused_after_its_last_chunk(drop_run):
    content = csv_bytes([dict.fromkeys(COLUMNS, "")] * 25)
    with pytest.raises(data.DataError, match="Every row of the file is blank"):
        export.predict_file(drop_run.bundle, content, chunk_rows=CHUNK)


def test_fusion_accuracy_uses_every_chunk(drop_run):
    # The same song listed as Rap in one chunk and Hip-Hop in another.
    rows = separable_rows(per_genre=3, seed=1)
    first = dict(rows[0], artist_name="Same", track_name="Song", music_genre="Rap")
    last = dict(rows[-1], artist_name="Same", track_name="Song", music_genre="Hip-Hop")
    content = csv_bytes([first, *rows[1:-1], last])
    chunked = export.predict_file(drop_run.bundle, content, chunk_rows=4).scores
    whole = oracles.evaluate_frame(drop_run.bundle, data.load_csv(content))
    assert chunked["fusion_accuracy"] == pytest.approx(whole["fusion_accuracy"])
    assert np.isfinite(chunked["fusion_accuracy"])


def long_mixed_file() -> bytes:
    """5,000 rows (more than two of the network's blocks), bad rows here and there."""
    rows = separable_rows(per_genre=500, seed=4)
    for position in (5, 2_100, 2_101, 4_095, 4_999):
        rows[position]["energy"] = "loud"
    return csv_bytes(rows)


def test_every_row_gets_the_same_bits_whatever_the_chunking(drop_run):
    content = long_mixed_file()
    whole = predict.predict_frame(drop_run.bundle, data.load_csv(content), first_row=0)
    assert len(whole) == 5_000 > 2 * forward.BLOCK_ROWS
    for chunk_rows in (1_000, 3_001):
        parts = []
        first_row = 0
        for _, typed in data.iter_typed_chunks(content, chunk_rows=chunk_rows):
            parts.append(predict.predict_frame(drop_run.bundle, typed, first_row))
            first_row += len(typed)
        pd.testing.assert_frame_equal(pd.concat(parts), whole, check_exact=True)


@pytest.mark.parametrize(
    ("chunk_rows", "separate_process"),
    [(1_000, False), (3_001, True), (None, True), (10_000, False)],
)
def test_a_long_file_is_written_the_same_whatever_the_chunking(
    drop_run, chunk_rows, separate_process
):
    content = long_mixed_file()
    written = io.StringIO()
    result = export.predict_file(
        drop_run.bundle,
        content,
        written,
        chunk_rows=chunk_rows,
        separate_process=separate_process,
    )
    assert written.getvalue().encode("utf-8") == unchunked_table_bytes(
        drop_run.bundle, content
    )
    assert result.predicted == 5_000 - 5


def test_the_second_process_gives_this_one_s_probabilities(drop_run):
    features = np.random.default_rng(3).normal(
        size=(3_000, drop_run.bundle.network.n_features)
    )
    # BLAS's last bits depend on its number of threads too: one, as the
    # command line and the second process use.
    with threadpool_limits(limits=1, user_api="blas"):
        here = drop_run.bundle.network.probabilities(features, 700)
    with NetworkRunner(drop_run.bundle.network, separate_process=True) as runner:
        assert runner.in_second_process
        job = runner.submit(features, 700)
        assert np.array_equal(runner.result(job), here)


def test_the_second_process_gives_this_one_s_novelty(drop_run):
    # Each chunk's novelty is measured there too, on the rows' own inputs.
    bundle = drop_run.bundle
    assert bundle.novelty is not None
    features = np.random.default_rng(4).normal(size=(3_000, bundle.network.n_features))
    usable = np.arange(len(features)) % 7 != 0
    with threadpool_limits(limits=1, user_api="blas"):
        here = novelty.novelty_scores(bundle.novelty, features, usable, 700)
    with NetworkRunner(bundle.network, True, bundle.novelty) as runner:
        assert runner.in_second_process
        job = runner.submit(features, 700, features, usable)
        probabilities, scores = runner.outputs(job)
        assert runner.outputs(runner.submit(features, 700))[1] is None
    assert np.isnan(scores[~usable]).all()
    assert np.array_equal(scores, here, equal_nan=True)
    assert np.array_equal(probabilities, runner.result(job))


def test_a_second_process_that_dies_leaves_the_work_to_this_one(drop_run):
    network, reference = drop_run.bundle.network, drop_run.bundle.novelty
    features = np.random.default_rng(5).normal(size=(50, network.n_features))
    usable = np.ones(len(features), dtype=bool)
    with NetworkRunner(network, True, reference) as runner:
        (pid,) = runner._pool._processes  # the one process it forked
        os.kill(pid, signal.SIGKILL)
        first, scores = runner.outputs(runner.submit(features, 0, features, usable))
        assert not runner.in_second_process
        again = runner.result(runner.submit(features, 50))
    assert np.array_equal(first, network.probabilities(features, 0))
    assert np.array_equal(again, network.probabilities(features, 50))
    assert np.array_equal(
        scores, novelty.novelty_scores(reference, features, usable, 0)
    )


def test_without_a_second_process_to_be_had_the_network_runs_here(
    drop_run, monkeypatch
):
    # A system without shared memory for the queue's locks (some containers)
    # cannot be made here: its error is.
    def no_shared_memory(*args, **kwargs):
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(network_process, "ProcessPoolExecutor", no_shared_memory)
    network = drop_run.bundle.network
    features = np.random.default_rng(6).normal(size=(20, network.n_features))
    with NetworkRunner(network, separate_process=True) as runner:
        assert not runner.in_second_process
        probabilities = runner.result(runner.submit(features, 0))
    assert np.array_equal(probabilities, network.probabilities(features, 0))
