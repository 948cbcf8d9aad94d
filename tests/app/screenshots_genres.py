"""Screenshots of Evaluate and Predict with other genres (issue 30; not a test).

Two made-up datasets, each with a model trained on it (the recommended
recipe, 20 epochs), each served by its own ``streamlit run``::

    python tests/app/screenshots_genres.py

- **six** (``docs/screenshots/genres_six_*.png``): the six playlist genres
  of TidyTuesday's Spotify songs, in spotifyr's column names. The tracks are
  made up: each genre's median audio features in
  ``../shared/data/spotify_songs.csv`` plus noise, with new names (the
  file's rows must not be copied into the repository, screenshots included).
- **many** (``docs/screenshots/genres_113_*.png``): 113 made-up genres
  ("style 001" ...) of made-up tracks (tests.conftest.genre_rows), as many
  genres as the Spotify Tracks Dataset's 114 but one.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))  # run as a script: find core and tests

from tests.app.screenshots import open_page, shoot, wait_until_idle  # noqa: E402
from tests.e2e import browser  # noqa: E402

SPOTIFY_SONGS = PROJECT_ROOT.parent / "shared" / "data" / "spotify_songs.csv"
TRACKS_PER_GENRE = 150


def made_up_six(path: Path) -> Path:
    """Made-up tracks of TidyTuesday's six genres, in spotifyr's columns."""
    import numpy as np

    from core import data, schema, tables
    from tests.bad_files.corpus import spotifyr_bytes

    typed = data.load_csv(SPOTIFY_SONGS, require_label=True)
    usable = typed[typed[tables.PROBLEM_COLUMN] == ""]
    grouped = usable.groupby(schema.TARGET)
    medians = grouped[list(schema.NUMERIC_FEATURES)].median()
    spreads = grouped[list(schema.NUMERIC_FEATURES)].std()
    generator = np.random.default_rng(30)
    rows = []
    for genre in medians.index:
        for number in range(TRACKS_PER_GENRE):
            values = {}
            for feature in schema.NUMERIC_FEATURES:
                low, high = schema.VALUE_RANGES[feature]
                value = medians.at[genre, feature] + generator.normal(
                    0, 0.6 * spreads.at[genre, feature]
                )
                values[feature] = f"{float(np.clip(value, low, high)):.4f}"
            rows.append(
                {
                    **values,
                    "instance_id": f"{len(rows)}",
                    "artist_name": f"Example artist {number % 40}",
                    "track_name": f"Example {genre} song {number}",
                    "key": schema.KEYS[generator.integers(0, 12)],
                    "mode": schema.MODES[generator.integers(0, 2)],
                    "music_genre": str(genre).lower(),
                    "obtained_date": "",
                }
            )
    path.write_bytes(spotifyr_bytes(rows))
    return path


def made_up_many(path: Path) -> Path:
    """113 made-up genres of made-up tracks, in the Kaggle file's columns."""
    from tests.conftest import csv_bytes, genre_rows

    names = [f"style {number:03d}" for number in range(1, 114)]
    # Blurred corners: a model of them makes mistakes worth a look.
    rows = genre_rows(names, per_genre=40, seed=113, noise=0.16)
    path.write_bytes(csv_bytes(rows))
    return path


def trained_model(data_path: Path, folder: Path) -> Path:
    from core import bundle, config, data, pipeline

    typed = data.load_csv(data_path, require_label=True)
    recipe = dataclasses.replace(config.RECOMMENDED, epochs=20)
    run = pipeline.train_from_frame(typed, recipe)
    return bundle.save_bundle(run.bundle, folder / "model")


def shoot_pages(page, url: str, prefix: str) -> None:
    page.goto(url)
    wait_until_idle(page)
    for label, name in (("Evaluate", "evaluate"), ("Predict", "predict")):
        open_page(page, label)
        wait_until_idle(page)
        shoot(page, f"{prefix}_{name}")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        chromium, page = browser.launch_page(playwright, 120_000)
        for prefix, build in (
            ("genres_six", made_up_six),
            ("genres_113", made_up_many),
        ):
            place = Path(folder) / prefix
            place.mkdir()
            data_path = build(place / "tracks.csv")
            model = trained_model(data_path, place)
            environment = {
                "MUSIC_GENRE_CSV": str(data_path),
                "GENRELAB_MODEL_DIR": str(model),
            }
            with browser.streamlit_server(environment, place / "server.log") as url:
                shoot_pages(page, url, prefix)
        chromium.close()


if __name__ == "__main__":
    main()
