"""Screenshots of "where it fails and what to trust" (issue 26; not a test).

The shipped model on made-up tracks (the dataset's per-genre medians plus
noise, new names: no row of the dataset, screenshots included), served by
its own ``streamlit run``::

    python tests/app/screenshots_trust.py

- ``docs/screenshots/trust_evaluate.png``: Evaluate, whole: failing groups,
  the error-rate heatmap, the genres that look wrong, two models.
- ``docs/screenshots/trust_predict_sets.png``: Predict, a track found by
  its artist: its answer, its prediction set ("90% sure it is one of").
- ``docs/screenshots/trust_predict_another_genre.png``: the same track,
  "Another genre?": the smallest change that makes it another genre.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))  # run as a script: find core and tests

from tests.app.screenshots import shoot, wait_until_idle  # noqa: E402
from tests.app.screenshots_more import find_song, made_up_dataset  # noqa: E402
from tests.e2e import browser  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        chromium, page = browser.launch_page(playwright, 180_000)
        made_up = made_up_dataset(Path(folder) / "made_up_tracks.csv")
        log = Path(folder) / "server.log"
        with browser.streamlit_server({"MUSIC_GENRE_CSV": str(made_up)}, log) as url:
            browser.open_page(page, url, "Evaluate", timeout=180_000)
            wait_until_idle(page)
            shoot(page, "trust_evaluate")
            find_song(page, url, "Example artist 12", "rock")
            shoot(page, "trust_predict_sets")
            page.get_by_text("Another genre?", exact=True).click()
            wait_until_idle(page)
            shoot(page, "trust_predict_another_genre")
        chromium.close()


if __name__ == "__main__":
    main()
