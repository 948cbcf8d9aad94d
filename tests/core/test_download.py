"""core.download.download_dataset, with kagglehub's download (and nothing else) faked.

There is no internet here; the fake stands in for Kaggle's cache folder.
"""

from __future__ import annotations

from pathlib import Path

import kagglehub
import pytest

from core import data, download
from core.errors import DataError
from tests.conftest import COLUMNS, csv_bytes, row, separable_rows


@pytest.fixture
def kaggle_folder(tmp_path) -> Path:
    """A folder laid out like kagglehub's cache, holding a small valid CSV."""
    folder = tmp_path / "kaggle-cache" / "versions" / "1"
    folder.mkdir(parents=True)
    (folder / "music_genre.csv").write_bytes(
        csv_bytes([*separable_rows(per_genre=2), dict.fromkeys(COLUMNS, "")])
    )
    return folder


def fake_download(folder: Path, calls: list[str]):
    def dataset_download(handle: str, *args, **kwargs) -> str:
        calls.append(handle)
        return str(folder)

    return dataset_download


def test_the_download_is_copied_into_place(kaggle_folder, tmp_path, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(
        kagglehub, "dataset_download", fake_download(kaggle_folder, calls)
    )
    destination = tmp_path / "data" / "music_genre.csv"
    result = download.download_dataset(destination)
    assert calls == ["vicsuperman/prediction-of-music-genre"]
    assert result == destination
    assert destination.read_bytes() == (kaggle_folder / "music_genre.csv").read_bytes()
    # Copied through a temporary name, which does not stay behind.
    assert sorted(p.name for p in destination.parent.iterdir()) == ["music_genre.csv"]
    assert len(data.load_csv(destination, require_label=True)) == 21


def test_an_existing_file_is_replaced(kaggle_folder, tmp_path, monkeypatch):
    monkeypatch.setattr(kagglehub, "dataset_download", fake_download(kaggle_folder, []))
    destination = tmp_path / "music_genre.csv"
    destination.write_text("old content")
    download.download_dataset(destination)
    assert destination.read_bytes() == (kaggle_folder / "music_genre.csv").read_bytes()


def test_the_file_is_found_in_a_sub_folder(kaggle_folder, tmp_path, monkeypatch):
    nested = kaggle_folder / "inner"
    nested.mkdir()
    (kaggle_folder / "music_genre.csv").rename(nested / "music_genre.csv")
    monkeypatch.setattr(kagglehub, "dataset_download", fake_download(kaggle_folder, []))
    destination = download.download_dataset(tmp_path / "out.csv")
    assert destination.read_bytes() == (nested / "music_genre.csv").read_bytes()


def test_a_network_failure_is_a_plain_data_error(tmp_path, monkeypatch):
    def offline(handle, *args, **kwargs):
        raise ConnectionError("Name or service not known")

    monkeypatch.setattr(kagglehub, "dataset_download", offline)
    destination = tmp_path / "music_genre.csv"
    with pytest.raises(DataError) as caught:
        download.download_dataset(destination)
    message = str(caught.value)
    assert message.startswith("Could not download the dataset from Kaggle")
    assert "(ConnectionError)" in message
    assert "check the internet connection" in message
    assert "\n" not in message
    assert caught.value.__cause__ is None  # no chained traceback for the user
    assert not destination.exists()


def test_a_download_without_the_file(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setattr(kagglehub, "dataset_download", fake_download(empty, []))
    destination = tmp_path / "music_genre.csv"
    with pytest.raises(DataError, match=r"did not contain music_genre\.csv"):
        download.download_dataset(destination)
    assert not destination.exists()


def test_a_download_of_the_wrong_file_is_refused_and_nothing_is_written(
    tmp_path, monkeypatch
):
    folder = tmp_path / "wrong"
    folder.mkdir()
    columns = [c for c in COLUMNS if c != "tempo"]
    (folder / "music_genre.csv").write_bytes(csv_bytes([row()], columns=columns))
    monkeypatch.setattr(kagglehub, "dataset_download", fake_download(folder, []))
    destination = tmp_path / "data" / "music_genre.csv"
    destination.parent.mkdir()
    destination.write_text("previous")
    with pytest.raises(DataError, match="missing the column tempo"):
        download.download_dataset(destination)
    assert destination.read_text() == "previous"
    assert sorted(p.name for p in destination.parent.iterdir()) == ["music_genre.csv"]
