"""Hostile uploads (issue 29): refused plainly, in little memory, state kept.

Each file of :mod:`tests.bad_files.hostile` goes through the function its
page calls (Home's dataset and model uploaders, Batch predict). The peak
resident memory of this process is reset before each (Linux's
``/proc/self/clear_refs``), so the growth measured is the file's own.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import json
import zipfile
from pathlib import Path

import pytest

from core import bundle as bundles
from core import data, export, limits
from core.errors import BundleError, DataError, GenreLabError
from tests.bad_files import hostile
from tests.conftest import GOOD_ROW, csv_bytes, row

# Issue 29: what one hostile upload may add to the process at its peak.
MAX_GROWTH_MB = 200
# The bombs at a twentieth of the sizes (300 MB of weights, 500,000
# rows gzipped): far past every limit, and quick to build.
SCALE = 0.05
CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no {field} in /proc/self/status")


def peak_growth_mb(action) -> float:
    """Run ``action``; return how far this process's resident memory rose."""
    CLEAR_REFS.write_text("5")  # the peak (VmHWM) starts again from now
    before = _status_mb("VmRSS")
    action()
    return _status_mb("VmHWM") - before


@pytest.fixture(scope="module")
def shipped():
    return bundles.load_bundle(hostile.SHIPPED)


def through_the_page(item: hostile.Hostile, shipped) -> None:
    """What the page does with the upload (see streamlit_app.py, Batch predict)."""
    if item.target == "model":
        bundles.load_bundle_zip(item.content)
    elif item.target == "data":
        data.load_csv(item.content, require_label=True)
    else:
        export.predict_file(shipped, item.content, io.StringIO(), limited=True)


CORPUS = hostile.corpus(SCALE)


@pytest.mark.parametrize("item", CORPUS, ids=[item.name for item in CORPUS])
def test_a_hostile_upload_is_refused_plainly_within_the_memory_bound(item, shipped):
    refusal: list[GenreLabError] = []
    assert item.content  # built before the measurement

    def upload() -> None:
        with pytest.raises(GenreLabError) as caught:
            through_the_page(item, shipped)
        refusal.append(caught.value)

    growth = peak_growth_mb(upload)

    message = str(refusal[0]).lower()
    assert all(word in message for word in item.message_words), message
    assert growth < MAX_GROWTH_MB, f"{item.name}: +{growth:.0f} MB"


def test_the_corpus_is_far_past_the_limits_it_tests():
    """The bombs would be gigabytes unpacked: the limits, not their size, stop them."""
    by_name = {item.name: item for item in CORPUS}
    with gzip.open(io.BytesIO(by_name["gzip_bomb_data"].content)) as unpacked:
        size = sum(len(block) for block in iter(lambda: unpacked.read(1 << 20), b""))
    assert size > limits.megabytes(limits.LIMITS.unpacked_mb)
    with zipfile.ZipFile(io.BytesIO(by_name["bundle_nested_zip_bomb"].content)) as z:
        inner = zipfile.ZipFile(io.BytesIO(z.read("model.keras")))
        declared = inner.getinfo("model.weights.h5").file_size
    assert declared > 5 * limits.megabytes(limits.LIMITS.model_mb)
    # A bomb: a thousand times more unpacked than uploaded (the rest of the
    # zip is the shipped bundle's own files).
    assert declared > 1000 * len(by_name["bundle_nested_zip_bomb"].content)


def test_a_zip_member_that_understates_its_size_is_still_bounded():
    """The declared size is a claim; the reading itself stops past the limit."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("model.weights.h5", bytes(4 * 1024 * 1024))
    content = bytearray(buffer.getvalue())
    # Rewrite the uncompressed size in the local header and central directory.
    real = (4 * 1024 * 1024).to_bytes(4, "little")
    for position in [i for i in range(len(content) - 3) if content[i : i + 4] == real]:
        content[position : position + 4] = (1000).to_bytes(4, "little")
    archive = zipfile.ZipFile(io.BytesIO(bytes(content)))
    assert archive.getinfo("model.weights.h5").file_size == 1000
    with pytest.raises((BundleError, zipfile.BadZipFile)):
        limits.read_member(archive, "model.weights.h5", 1_000_000, BundleError)


def test_the_bounded_reader_stops_inflating_at_its_limit():
    packed = gzip.compress(bytes(10 * 1024 * 1024))
    stream = limits.BoundedReader(
        gzip.GzipFile(fileobj=io.BytesIO(packed)), 1024 * 1024, lambda: DataError("x")
    )
    read = stream.read(1024 * 1024)
    assert len(read) == 1024 * 1024
    with pytest.raises(DataError):
        stream.read(1)


@pytest.fixture
def small_limits(monkeypatch):
    """Limits small enough for files of a few hundred rows."""
    small = dataclasses.replace(limits.LIMITS, rows=100, unpacked_mb=0.005)
    monkeypatch.setattr(limits, "LIMITS", small)
    return small


def test_the_app_refuses_past_the_row_limit_and_the_command_line_does_not(
    small_limits, shipped, tmp_path
):
    content = csv_bytes([row() for _ in range(300)])
    with pytest.raises(DataError, match="more than 100 rows"):
        export.predict_file(shipped, content, io.StringIO(), limited=True)
    with pytest.raises(DataError, match="more than 100 rows"):
        data.load_csv(content, require_label=True)
    # The command line streams a path of any size.
    path = tmp_path / "tracks.csv"
    path.write_bytes(content)
    assert export.predict_file(shipped, path, io.StringIO()).predicted == 300


def test_rows_are_counted_while_reading_when_lines_are_not_rows(small_limits, shipped):
    """A quoted title may hold a line break: such files are counted as read."""
    titled = [row(track_name="Two\nlines") for _ in range(30)]
    assert data.load_csv(csv_bytes(titled), require_label=True).shape[0] == 30
    many = [row(track_name="Two\nlines") for _ in range(150)]
    with pytest.raises(DataError, match="more than 100 rows"):
        data.load_csv(csv_bytes(many), require_label=True)


def test_a_gzip_upload_is_unpacked_only_up_to_the_limit(small_limits, shipped):
    content = gzip.compress(csv_bytes([row() for _ in range(90)]))
    assert len(content) < limits.megabytes(small_limits.unpacked_mb)
    with pytest.raises(DataError, match="once unpacked"):
        export.predict_file(shipped, content, io.StringIO(), limited=True)
    # Unlimited (the command line), the same file is read.
    assert export.predict_file(shipped, content, io.StringIO()).predicted == 90


def test_a_web_api_file_on_one_line_is_not_taken_for_a_wide_table(shipped):
    """Minified JSON is one line of thousands of commas: its own limits apply."""
    features = {
        name: float(GOOD_ROW[name])
        for name in ("acousticness", "danceability", "energy", "instrumentalness")
        + ("liveness", "loudness", "speechiness", "tempo", "valence")
    }
    track = {**features, "key": 10, "mode": 0, "duration_ms": 210000}
    track.update(type="audio_features", id="x" * 22)
    content = json.dumps({"audio_features": [track] * 100}).encode()
    assert content.count(b",") > limits.LIMITS.columns
    result = export.predict_file(shipped, content, io.StringIO(), limited=True)
    assert result.predicted == 100


def test_the_upload_limit_is_the_server_s():
    import tomllib

    settings = tomllib.loads(
        (hostile.SHIPPED.parent.parent / ".streamlit" / "config.toml").read_text()
    )
    assert settings["server"]["maxUploadSize"] == limits.LIMITS.upload_mb
