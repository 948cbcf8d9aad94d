"""Shared fixtures.

Small frames built here, and the real development data when present.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REAL_DATA = PROJECT_ROOT / "data" / "music_genre.csv"
# A second real source (the TidyTuesday Spotify songs, spotifyr's names), read
# where CI provides it: ../shared/data beside the project (never copied in).
SPOTIFY_SONGS = PROJECT_ROOT.parent / "shared" / "data" / "spotify_songs.csv"

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

# CI sets this: there, the real data and Chromium must be present, so a test that
# would skip for want of them fails instead and the run cannot go green by skipping.
REQUIRE_EVERY_TEST = "GENRELAB_REQUIRE_EVERY_TEST"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.skipped and os.environ.get(REQUIRE_EVERY_TEST):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        report.outcome = "failed"
        report.longrepr = f"skipped, but {REQUIRE_EVERY_TEST} is set: {reason}"
    return report


def tensorflow_imported_by(script: str) -> str:
    """Run ``script`` in a fresh Python from the project root (it must succeed).

    Returns ``"<tensorflow imported> <keras imported>"`` after it, e.g.
    ``"False False"``: neither was imported.
    """
    probe = script + "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    result = subprocess.run(
        [sys.executable, "-c", "import sys\n" + probe],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


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
def spotify_songs_path() -> Path:
    """The TidyTuesday Spotify songs; tests needing it skip with a reason otherwise."""
    if not SPOTIFY_SONGS.is_file():
        pytest.skip(
            f"{SPOTIFY_SONGS} is missing: CI provides ../shared/data/spotify_songs.csv "
            "beside the project to run this real-data test"
        )
    return SPOTIFY_SONGS


@pytest.fixture(scope="session")
def real_typed():
    """The development dataset as a typed frame (loaded once per test session)."""
    if not REAL_DATA.is_file():
        pytest.skip("data/music_genre.csv is missing: real-data tests need it")
    from core import data

    return data.load_csv(REAL_DATA, require_label=True)


# --- Synthetic data that a tiny network can learn -------------------------------

# A small, fast, softmax network: training tests need a few seconds, not minutes.
TINY_SETTINGS = {
    "hidden_layers": (16,),
    "activation": "relu",
    "output_activation": "softmax",
    "learning_rate": 0.02,
    "batch_size": 16,
    "epochs": 8,
    "stratify": True,
    "key_encoding": "key_mode",
    "scaling": "standard",
}


def tiny_config(**changes):
    """A small training configuration (softmax, one hidden layer of 16, 8 epochs)."""
    from core.config import TrainingConfig

    return TrainingConfig(**{**TINY_SETTINGS, **changes})


SIGNAL_FEATURES = (
    "acousticness",
    "danceability",
    "energy",
    "instrumentalness",
    "liveness",
    "speechiness",
    "valence",
)
# The two signal features (positions in SIGNAL_FEATURES) that are high for each
# genre, in study order: ten different pairs, so each genre is a corner of its own.
SIGNAL_PAIRS = (
    (0, 1),
    (2, 3),
    (4, 5),
    (0, 6),
    (1, 2),
    (3, 4),
    (5, 6),
    (0, 2),
    (1, 3),
    (2, 4),
)


def separable_rows(per_genre: int = 12, seed: int = 0) -> list[dict[str, str]]:
    """Valid raw rows whose genre is written in the audio features.

    So a network learns it. Genre number g (study order) sets its two
    ``SIGNAL_PAIRS`` features near 0.8 and the other five ``SIGNAL_FEATURES``
    near 0.2 (noise 0.05); popularity, duration, tempo, loudness, key and mode
    are random. Rows come shuffled.
    """
    from core import schema

    centres = [
        [0.8 if position in pair else 0.2 for position in range(len(SIGNAL_FEATURES))]
        for pair in SIGNAL_PAIRS
    ]
    return _learnable_rows(list(schema.GENRES), centres, per_genre, seed, 0.05)


def genre_rows(
    genres: list[str], per_genre: int = 12, seed: int = 0, noise: float = 0.03
) -> list[dict[str, str]]:
    """Valid raw rows of any genres, each learnable from its audio features.

    Genre number g sets the seven ``SIGNAL_FEATURES`` to one of three levels
    each (0.15, 0.5, 0.85), the base-3 digits of a number picked for g, so
    up to 2,187 genres each have a corner of their own (noise 0.03). The
    rest is random, as in :func:`separable_rows`. Rows come shuffled. A
    larger ``noise`` blurs the corners (genres then get mixed up).
    """
    import numpy as np

    levels = (0.15, 0.5, 0.85)
    # Spread over the 3**7 corners: neighbours in the list differ in many features.
    codes = (np.arange(len(genres)) * 997 + 13) % 3 ** len(SIGNAL_FEATURES)
    centres = [
        [levels[int(code) // 3**place % 3] for place in range(len(SIGNAL_FEATURES))]
        for code in codes
    ]
    return _learnable_rows(genres, centres, per_genre, seed, noise)


def _learnable_rows(
    genres: list[str],
    centres: list[list[float]],
    per_genre: int,
    seed: int,
    noise: float,
) -> list[dict[str, str]]:
    """Rows of each genre, its ``SIGNAL_FEATURES`` near its ``centres`` (plus
    ``noise``), the rest random; shuffled."""
    import numpy as np

    from core import schema

    generator = np.random.default_rng(seed)
    rows = []
    for index, genre in enumerate(genres):
        for number in range(per_genre):
            signal = {
                name: f"{np.clip(centre + generator.normal(0, noise), 0, 1):.4f}"
                for name, centre in zip(SIGNAL_FEATURES, centres[index], strict=True)
            }
            rows.append(
                row(
                    instance_id=f"{index * 1000 + number}.0",
                    artist_name=f"Artist {index}-{number}",
                    track_name=f"Track {index}-{number}",
                    popularity=f"{generator.integers(0, 100)}.0",
                    duration_ms=f"{generator.integers(100_000, 400_000)}.0",
                    tempo=f"{generator.uniform(60, 180):.3f}",
                    loudness=f"{generator.uniform(-20, -2):.3f}",
                    key=schema.KEYS[generator.integers(0, 12)],
                    mode=schema.MODES[generator.integers(0, 2)],
                    music_genre=genre,
                    **signal,
                )
            )
    order = generator.permutation(len(rows))
    return [rows[i] for i in order]


@pytest.fixture(scope="session")
def separable_typed():
    """A labelled typed frame of 150 learnable rows, 15 per genre.

    Every 10th row has an unknown tempo ('?') and every 10th (offset 5) an
    unknown duration (-1), as in the Kaggle file, so drop and impute differ.
    """
    from core import data

    rows = separable_rows(per_genre=15)
    for number in range(0, len(rows), 10):
        rows[number]["tempo"] = "?"
    for number in range(5, len(rows), 10):
        rows[number]["duration_ms"] = "-1"
    return data.load_csv(csv_bytes(rows), require_label=True)


@pytest.fixture(scope="session")
def drop_run(separable_typed):
    """A tiny model trained on separable rows, dropping unknowns (as the study)."""
    from core import pipeline

    return pipeline.train_from_frame(separable_typed, tiny_config(unknowns="drop"))


@pytest.fixture(scope="session")
def impute_run(separable_typed):
    """A tiny model trained on separable rows, imputing unknowns."""
    from core import pipeline

    return pipeline.train_from_frame(separable_typed, tiny_config(unknowns="impute"))


@pytest.fixture(scope="session")
def scheduler_address(tmp_path_factory):
    """A Dask scheduler and 2 workers started as separate processes (issue 28).

    ``dask scheduler`` and ``dask worker`` (tests/dask_cluster.py); started
    once, at the first test that asks for it.
    """
    from tests.dask_cluster import scheduler_and_workers

    yield from scheduler_and_workers(tmp_path_factory)
