"""Take the README's screenshots of every page in headless Chromium (not a test).

Start the app first, with the dataset in data/ and a model available::

    streamlit run streamlit_app.py --server.headless true --server.port 8599 &
    python tests/app/screenshots.py            # writes docs/screenshots/*.png

The Train screenshot trains the Recommended preset in the browser (about a
minute on two cores), so the Evaluate and Predict pages then show that run.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

BASE_URL = "http://localhost:8599"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))  # run as a script: find the core package

from tests.e2e import browser as e2e_browser  # noqa: E402

OUTPUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM = e2e_browser.CHROMIUM
WIDTH, HEIGHT = 1400, 900
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def wait_until_idle(page: Page, timeout: float = 120_000) -> None:
    """Wait for the script run to finish and the charts to draw."""
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_timeout(1500)


def shoot(page: Page, name: str, width: int = WIDTH) -> None:
    """Screenshot the whole page.

    Streamlit scrolls inside its main container, not the document, so a
    full-page screenshot alone would stop at the window: the window is first
    made as tall as the content.
    """
    height = page.evaluate(
        "Math.max(...[...document.querySelectorAll("
        '\'[data-testid="stMain"], [data-testid="stMainBlockContainer"]\')]'
        ".map(e => e.scrollHeight))"
    )
    page.set_viewport_size({"width": width, "height": int(height) + 40})
    page.wait_for_timeout(1200)
    path = OUTPUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": width, "height": HEIGHT})
    sys.stdout.write(f"wrote {path}\n")


def pick(page: Page, label: str, option: str) -> None:
    """Choose ``option`` in the selectbox labelled ``label``."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    box.scroll_into_view_if_needed()
    box.locator("input").click()
    page.keyboard.type(option)
    page.keyboard.press("Enter")
    wait_until_idle(page)


def open_page(page: Page, label: str) -> None:
    """Go to a page through the sidebar menu, as a person would."""
    page.locator('[data-testid="stSidebar"]').get_by_role(
        "link", name=label, exact=True
    ).click()
    page.wait_for_timeout(500)
    wait_until_idle(page)


def features_near(medians, genre: str, generator, spread: float) -> dict[str, float]:
    """A made-up track's numeric features: the genre's medians times noise.

    Each median is multiplied by a uniform draw within 1 +- ``spread`` and
    kept inside the feature's valid range.
    """
    import numpy as np

    from core import schema

    values = {}
    for feature in schema.NUMERIC_FEATURES:
        low, high = schema.VALUE_RANGES[feature]
        value = medians.loc[genre, feature] * generator.uniform(1 - spread, 1 + spread)
        values[feature] = float(np.clip(value, low, high))
    return values


def example_batch(path: Path) -> Path:
    """Write a made-up batch file: noisy typical tracks of each genre, two bad rows.

    Built from per-genre medians (summary statistics), never from rows of the
    dataset, which must not be copied.
    """
    import numpy as np

    from core import data, download, report, schema

    medians = report.genre_medians(data.load_csv(download.DEFAULT_DATA_PATH))
    generator = np.random.default_rng(7)
    rows = []
    for genre in schema.GENRES:
        for number in range(4):
            values = {
                "artist_name": f"Example artist {len(rows) + 1}",
                "track_name": f"Example {genre.lower()} song {number + 1}",
                **features_near(medians, genre, generator, 0.15),
            }
            values["key"] = medians.loc[genre, "key"]
            values["mode"] = medians.loc[genre, "mode"]
            values["music_genre"] = genre
            rows.append(values)
    rows[3]["key"] = "H"
    rows[9]["tempo"] = "fast"
    import pandas as pd

    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def main() -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=e2e_browser.LAUNCH_ARGS
        )
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        page.goto(BASE_URL)
        wait_until_idle(page)
        shoot(page, "home")
        open_page(page, "Data")
        # Show only the blank rows: the README must not carry rows of the dataset.
        page.get_by_text("Only rows with a problem").click()
        wait_until_idle(page)
        shoot(page, "data")
        open_page(page, "Train")
        page.get_by_role("button", name="Train", exact=True).click()
        page.wait_for_selector("text=Runs of this session", timeout=300_000)
        wait_until_idle(page)
        shoot(page, "train")
        open_page(page, "Evaluate")
        # A confusion cell with no test track in it: the songs table would
        # otherwise show rows (artists, titles) of the dataset.
        pick(page, "True genre", "Classical")
        pick(page, "Predicted as", "Rap")
        if not page.get_by_text("0 test tracks of Classical were called Rap").count():
            raise SystemExit("The Classical -> Rap cell is not empty: pick another.")
        shoot(page, "evaluate")
        open_page(page, "Predict")
        shoot(page, "predict")
        open_page(page, "Batch predict")
        with tempfile.TemporaryDirectory() as folder:
            example = example_batch(Path(folder) / "example_tracks.csv")
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
                str(example)
            )
            wait_until_idle(page)
        wait_until_idle(page)
        shoot(page, "batch_predict")
        browser.close()


if __name__ == "__main__":
    main()
