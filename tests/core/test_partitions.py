"""Files in parts (core.partitions, core.partitioned), here: no cluster.

Every file is built here; the model is the shipped bundle (NumPy only).
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from core import bundle, cluster, export, partitioned, partitions, reading
from core.errors import DataError, GenreLabError
from tests.conftest import COLUMNS, csv_bytes, row, separable_rows

DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "models" / "default"


def odd_rows(copies: int = 6) -> list[dict[str, str]]:
    """Learnable rows with what a part cut must not break.

    Names with commas, quotes and line breaks (quoted fields), an unknown
    tempo, an unreadable energy, an empty row of features and a genre
    outside the ten.
    """
    rows = []
    for copy in range(copies):
        for number, values in enumerate(separable_rows(per_genre=4, seed=copy)):
            values = dict(values)
            values["instance_id"] = f"{copy * 1000 + number}.0"
            if number % 7 == 0:
                values["track_name"] = f'Line one\nline "two", {number}'
            if number % 11 == 0:
                values["tempo"] = "?"
            if number % 13 == 0:
                values["energy"] = "loud"
            if number % 17 == 0:
                values["music_genre"] = "Polka"
            rows.append(values)
    rows.append(
        row(**dict.fromkeys(("acousticness", "danceability", "energy", "tempo"), ""))
    )
    return rows


def write_parts(folder: Path, rows: list[dict[str, str]], parts: int) -> Path:
    """The rows as ``parts`` CSV files (the last ones as Parquet when asked)."""
    folder.mkdir()
    size = -(-len(rows) // parts)
    for number in range(parts):
        chunk = rows[number * size : (number + 1) * size]
        (folder / f"part-{number}.csv").write_bytes(csv_bytes(chunk))
    return folder


def to_parquet(csv: Path) -> Path:
    """A CSV part as Parquet, every cell as text (as the CSV holds it)."""
    target = csv.with_suffix(".parquet")
    frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    frame.to_parquet(target, index=False)
    csv.unlink()
    return target


@pytest.fixture(scope="module")
def shipped():
    return bundle.load_bundle(DEFAULT_MODEL)


@pytest.fixture(autouse=True)
def one_blas_thread():
    # As the command line and every worker run (core.cli, core.partitions).
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def plain_table(model, content: bytes | str) -> str:
    stream = io.StringIO()
    export.predict_file(model, content, stream, score=False)
    return stream.getvalue()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("local:2", cluster.ClusterAddress(local_workers=2)),
        (" local:1 ", cluster.ClusterAddress(local_workers=1)),
        (
            "tcp://127.0.0.1:8786",
            cluster.ClusterAddress(scheduler="tcp://127.0.0.1:8786"),
        ),
        (
            "tcp://scheduler:8786",
            cluster.ClusterAddress(scheduler="tcp://scheduler:8786"),
        ),
    ],
)
def test_cluster_addresses_are_read(text, expected):
    assert cluster.parse_address(text) == expected


@pytest.mark.parametrize(
    "text", ["local:0", "local:65", "local", "local:two", "8786", "http://x:1", ""]
)
def test_other_cluster_values_are_refused_in_one_sentence(text):
    with pytest.raises(GenreLabError, match=r"--cluster") as refused:
        cluster.parse_address(text)
    assert "\n" not in str(refused.value)


def test_a_csv_is_cut_at_line_ends_outside_quotes_and_reads_as_the_whole(tmp_path):
    path = tmp_path / "tracks.csv"
    path.write_bytes(csv_bytes(odd_rows()))
    parts = partitions.plan(str(path), partition_bytes=1_500)
    assert len(parts) > 10
    pieces = [partitions.read_partition(part) for part in parts]
    raw = pd.concat(
        [
            partitions.shifted(chunk, first)
            for piece, first in zip(
                pieces,
                [sum(p.rows for p in pieces[:n]) for n in range(len(pieces))],
                strict=True,
            )
            for chunk, _ in piece.chunks
        ]
    )
    pd.testing.assert_frame_equal(raw, reading.read_raw(path))


def test_a_file_in_parts_gives_the_plain_table_byte_for_byte(tmp_path, shipped):
    content = csv_bytes(odd_rows())
    path = tmp_path / "tracks.csv"
    path.write_bytes(content)
    stream = io.StringIO()
    result = partitioned.predict_parts(
        shipped, str(path), stream, "csv", score=False, partition_bytes=2_000
    )
    plain = plain_table(shipped, content)
    assert stream.getvalue() == plain
    assert result.rows == len(odd_rows())
    # The odd rows are there, each with its reason.
    reasons = pd.read_csv(io.StringIO(plain), dtype=str, keep_default_na=False)
    assert (reasons["reason"] != "").sum() == result.rows - result.predicted > 5


def test_a_folder_of_csv_and_parquet_parts_gives_the_plain_table_and_scores(
    tmp_path, shipped
):
    rows = odd_rows()
    folder = write_parts(tmp_path / "parts", rows, parts=4)
    to_parquet(folder / "part-3.csv")
    stream = io.StringIO()
    result = partitioned.predict_parts(shipped, str(folder), stream, "csv")
    # Parquet cells are written back as text by Arrow: compare with the CSV
    # those cells make, one part after the other.
    whole = pd.concat(
        [
            pd.read_csv(folder / "part-0.csv", dtype=str, keep_default_na=False),
            pd.read_csv(folder / "part-1.csv", dtype=str, keep_default_na=False),
            pd.read_csv(folder / "part-2.csv", dtype=str, keep_default_na=False),
            pd.read_parquet(folder / "part-3.parquet"),
        ]
    )
    plain_stream = io.StringIO()
    expected = export.predict_file(
        shipped, whole.to_csv(index=False).encode(), plain_stream
    )
    assert stream.getvalue() == plain_stream.getvalue()
    assert result.scores == expected.scores
    assert result.novelty == expected.novelty
    assert result.rows == expected.rows == len(rows)


def test_a_glob_and_parquet_output_hold_the_plain_rows(tmp_path, shipped):
    rows = odd_rows(copies=2)
    folder = write_parts(tmp_path / "parts", rows, parts=3)
    stream = io.BytesIO()
    partitioned.predict_parts(
        shipped, str(folder / "part-*.csv"), stream, "parquet", score=False
    )
    written = pd.read_parquet(io.BytesIO(stream.getvalue()))
    plain = pd.read_csv(
        io.StringIO(plain_table(shipped, csv_bytes(rows))),
        dtype=str,
        keep_default_na=False,
    )
    assert list(written.columns) == list(plain.columns)
    assert written["reason"].tolist() == plain["reason"].tolist()
    assert written["predicted_genre"].tolist() == plain["predicted_genre"].tolist()
    probabilities = written["p_Rock"].map(lambda v: "" if pd.isna(v) else f"{v:g}")
    assert (
        probabilities.tolist()
        == plain["p_Rock"].map(lambda v: "" if v == "" else f"{float(v):g}").tolist()
    )


def test_parts_with_other_columns_are_refused(tmp_path, shipped):
    folder = write_parts(tmp_path / "parts", separable_rows(per_genre=2), parts=2)
    other = pd.read_csv(folder / "part-1.csv", dtype=str).drop(columns="obtained_date")
    other.to_csv(folder / "part-1.csv", index=False)
    with pytest.raises(DataError, match="same columns"):
        partitioned.predict_parts(shipped, str(folder), io.StringIO(), "csv")


@pytest.mark.parametrize(
    ("name", "message"),
    [("nothing-here.csv", "No file at"), ("nothing-*.csv", "No file matches")],
)
def test_missing_inputs_are_said(tmp_path, name, message):
    with pytest.raises(DataError, match=message):
        partitions.plan(str(tmp_path / name))


def test_a_part_that_cannot_be_read_is_named(tmp_path, shipped):
    folder = write_parts(tmp_path / "parts", separable_rows(per_genre=2), parts=2)
    (folder / "part-1.csv").write_bytes(b"name,age\nAda,36\n")
    with pytest.raises(DataError, match=r"^part-1\.csv: "):
        partitioned.predict_parts(shipped, str(folder), io.StringIO(), "csv")


@pytest.mark.parametrize("size", [7, 1000, 3001])
def test_novelty_has_the_same_bits_however_a_file_is_cut(shipped, size):
    # float32 products depend on a row's place in its block: rows are
    # computed at their file position, as the network's are.
    from core import novelty

    generator = np.random.default_rng(0)
    width = shipped.novelty.prototypes.shape[1]
    inputs = generator.normal(size=(5_000, width)).astype(np.float32)
    usable = generator.random(5_000) > 0.05
    whole = novelty.novelty_scores(shipped.novelty, inputs, usable, 0)
    starts = range(0, len(inputs), size)
    cut = np.concatenate(
        [
            novelty.novelty_scores(
                shipped.novelty, inputs[at : at + size], usable[at : at + size], at
            )
            for at in starts
        ]
    )
    assert np.array_equal(cut, whole, equal_nan=True)


def spoiled(content: bytes, line: int, how: str) -> bytes:
    """``content`` with its (1-based, physical) line ``line`` spoiled."""
    lines = content.split(b"\n")
    if how == "extra values":
        lines[line - 1] += b",1,2"
    else:  # a quote opened and never closed
        lines[line - 1] = b'"' + lines[line - 1]
    return b"\n".join(lines)


def line_starts(content: bytes, start: int) -> int:
    """The physical line (from 1) byte ``start`` is on."""
    return content.count(b"\n", 0, start) + 1


@pytest.mark.parametrize("how", ["extra values", "open quote"])
def test_a_bad_line_in_a_cut_part_is_numbered_from_its_files_start(tmp_path, how):
    # A folder of two files; the second is cut into parts, and the bad line
    # is in one of its later parts, after names holding line breaks (a
    # record of two lines: the line counted is the file's, not the record's).
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "a.csv").write_bytes(csv_bytes(odd_rows(copies=1)))
    content = csv_bytes(odd_rows(copies=3))
    # Extra values in the middle of the file; a quote never closed on the
    # last line (else it would close on a later name's quotes).
    start = (
        content.index(b"\n2030.0,") + 1
        if how == "extra values"
        else content.rindex(b"\n", 0, len(content) - 1) + 1
    )
    line = line_starts(content, start)
    assert b"Line one\nline" in content[:start]
    spoiled_content = spoiled(content, line, how)
    (folder / "b.csv").write_bytes(spoiled_content)
    with pytest.raises(DataError) as plain:
        list(reading.iter_raw_chunks(spoiled_content))
    assert f"line {line} " in str(plain.value)
    cuts = partitions.plan(str(folder), partition_bytes=1_500)
    (spoiled_part,) = (
        part
        for part in cuts
        if part.path.endswith("b.csv")
        and part.start <= start < (part.stop if part.stop != -1 else len(content))
    )
    assert spoiled_part.start > 0  # a part cut out of b.csv, not its start
    with pytest.raises(DataError) as in_parts:
        for part in cuts:
            partitions.read_partition(part)
    assert str(in_parts.value) == f"b.csv: {plain.value}"


def main_network_only(model: bundle.Bundle) -> bundle.Bundle:
    """The shipped model without its second network.

    The odd rows are unlike its training tracks, so the shipped model
    predicts them with the network without popularity, which gives no sets.
    """
    return dataclasses.replace(model, audio_network=None, audio_model_file=None)


def test_prediction_sets_in_parts_are_the_plain_ones(tmp_path, shipped):
    model = main_network_only(shipped)
    content = csv_bytes(odd_rows())
    folder = write_parts(tmp_path / "parts", odd_rows(), parts=3)
    stream = io.StringIO()
    partitioned.predict_parts(
        model, str(folder), stream, "csv", score=False, coverage=0.9
    )
    plain = io.StringIO()
    export.predict_file(model, content, plain, score=False, coverage=0.9)
    assert stream.getvalue() == plain.getvalue()
    table = pd.read_csv(io.StringIO(plain.getvalue()), dtype=str, keep_default_na=False)
    predicted = table["reason"] == ""
    assert (table.loc[predicted, "prediction_set"] != "").all()
    assert (table.loc[~predicted, "prediction_set"] == "").all()


def test_prediction_sets_are_refused_in_parts_as_plain_without_popularity(
    tmp_path, shipped
):
    # The audio network predicts a file without popularity: its sets are
    # not calibrated, in parts as whole.
    columns = [name for name in COLUMNS if name != "popularity"]
    rows = odd_rows(copies=1)
    folder = tmp_path / "parts"
    folder.mkdir()
    for number, chunk in enumerate((rows[:20], rows[20:])):
        (folder / f"part-{number}.csv").write_bytes(csv_bytes(chunk, columns))
    with pytest.raises(DataError) as plain:
        export.predict_file(
            shipped, csv_bytes(rows, columns), io.StringIO(), coverage=0.9
        )
    stream = io.StringIO()
    with pytest.raises(DataError) as in_parts:
        partitioned.predict_parts(shipped, str(folder), stream, "csv", coverage=0.9)
    assert str(in_parts.value) == str(plain.value)
    assert "calibrated for the network with popularity" in str(plain.value)
    assert stream.getvalue() == ""
