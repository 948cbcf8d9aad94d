"""Shared fixtures: small frames built here, and the real development data when present."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REAL_DATA = PROJECT_ROOT / "data" / "music_genre.csv"

GOOD_ROW = {
    "instance_id": "1.0",
    "artist_name": "Someone",
    "track_name": "Something",
    "popularity": "45.0",
    "acousticness": "0.2",
    "danceability": "0.6",
    "duration_ms": "210000.0",
    "energy": "0.7",
    "instrumentalness": "0.01",
    "key": "A#",
    "liveness": "0.12",
    "loudness": "-6.5",
    "mode": "Minor",
    "speechiness": "0.05",
    "tempo": "120.0",
    "obtained_date": "4-Apr",
    "valence": "0.5",
    "music_genre": "Rock",
}
COLUMNS = list(GOOD_ROW)


def csv_bytes(rows: list[dict[str, str]], columns: list[str] | None = None) -> bytes:
    """Write rows (missing cells empty) as CSV bytes with the given column order."""
    frame = pd.DataFrame(rows, columns=columns or COLUMNS).fillna("")
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")


def row(**changes: str) -> dict[str, str]:
    """A valid raw row with some cells changed."""
    return {**GOOD_ROW, **changes}


@pytest.fixture
def real_data_path() -> Path:
    """The development dataset; tests that need it skip with a reason otherwise."""
    if not REAL_DATA.is_file():
        pytest.skip(
            "data/music_genre.csv is missing: copy the dataset there "
            "(CI copies ../shared/data/music_genre.csv) to run real-data tests"
        )
    return REAL_DATA


@pytest.fixture(scope="session")
def real_typed():
    """The development dataset as a typed frame (loaded once per test session)."""
    if not REAL_DATA.is_file():
        pytest.skip("data/music_genre.csv is missing: real-data tests need it")
    from core import data

    return data.load_csv(REAL_DATA, require_label=True)
