"""Screenshots of the song sections, a sweep and every page on a phone (not a test).

Starts its own servers (``streamlit run``, headless, free ports), so no app
needs to be running::

    python tests/app/screenshots_more.py             # all three sets
    python tests/app/screenshots_more.py --only phone songs

- **songs** (``docs/screenshots/songs_*.png``): a track found by its artist
  and explained, the songs that sound alike, and a confusion cell's songs.
- **phone** (``docs/screenshots/phone/*.png``): every page at 390 x 844, and
  the Predict page scrolled down to a slider, its answer pinned above it.
- **sweep** (``docs/screenshots/sweep.png``): the Train page after "Try these
  values" of the learning rate (the Recommended preset, its four suggested
  values, on the dataset in ``data/``: a few minutes on two cores).

The song and phone pictures use made-up tracks ("Example artist 12"), built
from the per-genre medians of the dataset plus noise: the dataset's own rows
(artists and titles) must not be copied into the repository, screenshots
included. The sweep shows only scores.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))  # run as a script: find core and tests

from tests.app.screenshots import (  # noqa: E402
    OUTPUT,
    features_near,
    pick,
    shoot,
    wait_until_idle,
)
from tests.e2e import browser  # noqa: E402

PHONE = {"width": 390, "height": 844}
TRACKS_PER_GENRE = 60


def made_up_dataset(path: Path) -> Path:
    """A labelled file of made-up tracks: per-genre medians times noise, new names."""
    import numpy as np
    import pandas as pd

    from core import data, download, report, schema

    medians = report.genre_medians(data.load_csv(download.DEFAULT_DATA_PATH))
    generator = np.random.default_rng(11)
    rows = []
    for genre in schema.GENRES:
        for number in range(TRACKS_PER_GENRE):
            values: dict[str, object] = {
                "instance_id": float(len(rows) + 1),
                "artist_name": f"Example artist {len(rows) % 97 + 1}",
                "track_name": f"Example {genre.lower()} song {number + 1}",
                **features_near(medians, genre, generator, 0.4),
            }
            values["key"] = schema.KEYS[generator.integers(0, len(schema.KEYS))]
            values["mode"] = schema.MODES[generator.integers(0, len(schema.MODES))]
            values["obtained_date"] = "4-Apr"
            values["music_genre"] = genre
            rows.append(values)
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def find_song(page: Page, url: str, artist: str, genre: str) -> None:
    """Open Predict on the first track of ``artist`` whose title names ``genre``."""
    browser.open_page(page, url, "Predict")
    box = page.get_by_role("textbox", name="Artist or title")
    box.fill(artist)
    box.press("Enter")
    wait_until_idle(page)
    page.locator('[data-testid="stSelectbox"]').filter(
        has_text="Matching tracks"
    ).click()
    page.get_by_role("option").filter(has_text=genre).first.click()
    wait_until_idle(page)


def songs(page: Page, url: str) -> None:
    """Find a track by its artist, explain it, its look-alikes, a confusion cell."""
    find_song(page, url, "Example artist 12", "country")
    shoot(page, "songs_why")
    page.get_by_text("Songs that sound alike", exact=True).click()
    wait_until_idle(page)
    shoot(page, "songs_alike")
    browser.open_page(page, url, "Evaluate")
    pick(page, "True genre", "Rock")
    pick(page, "Predicted as", "Alternative")
    shoot(page, "songs_confusion_cell")


def phone(page: Page, url: str) -> None:
    """Every page at phone size; Predict once more, scrolled to a slider and moved."""
    folder = OUTPUT / "phone"
    folder.mkdir(parents=True, exist_ok=True)
    for name in browser.PAGE_PATHS:
        page.set_viewport_size(PHONE)
        browser.open_page(page, url, name)
        wait_until_idle(page)
        shoot(page, f"phone/{name.lower().replace(' ', '_')}", PHONE["width"])
    page.set_viewport_size(PHONE)
    browser.open_page(page, url, "Predict")
    slider = page.locator(
        '[data-testid="stSlider"] input[type="range"][aria-label="speechiness"]'
    )
    slider.focus()
    for _ in range(30):
        slider.press("ArrowRight")
    wait_until_idle(page)
    path = folder / "predict_sliding.png"
    page.screenshot(path=str(path))  # the window only: what a person sees
    sys.stdout.write(f"wrote {path}\n")


def sweep(page: Page, url: str) -> None:
    """A four-value sweep of the learning rate, then its results."""
    browser.open_page(page, url, "Train")
    pick(page, "Setting", "Learning rate")
    page.get_by_role("button", name="Try these values").click()
    page.get_by_text("What learning rate does").wait_for(timeout=900_000)
    wait_until_idle(page, timeout=900_000)
    shoot(page, "sweep")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=["songs", "phone", "sweep"])
    chosen = parser.parse_args().only or ["songs", "phone", "sweep"]
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        chromium, page = browser.launch_page(playwright, 120_000)
        made_up = made_up_dataset(Path(folder) / "made_up_tracks.csv")
        log = Path(folder) / "server.log"
        if {"songs", "phone"} & set(chosen):
            with browser.streamlit_server(
                {"MUSIC_GENRE_CSV": str(made_up)}, log
            ) as url:
                if "songs" in chosen:
                    songs(page, url)
                if "phone" in chosen:
                    phone(page, url)
        if "sweep" in chosen:
            page.set_viewport_size({"width": 1400, "height": 900})
            with browser.streamlit_server({}, log) as url:
                sweep(page, url)
        chromium.close()


if __name__ == "__main__":
    main()
