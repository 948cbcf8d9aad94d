"""Browser-test fixtures.

A Streamlit server on synthetic data and a tiny model, and Chromium.

The server reads a synthetic labelled CSV ($MUSIC_GENRE_CSV) and a tiny
shipped model ($GENRELAB_MODEL_DIR), both built here, so the tests need neither
the real dataset nor the real model. A failing test leaves a screenshot in
test-results/ (git-ignored).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import csv_bytes, separable_rows, tiny_config
from tests.e2e import browser


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test item, so fixtures can see a failure.
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def app_files(tmp_path_factory) -> dict[str, str]:
    """Synthetic training data and a tiny trained bundle, as server environment."""
    if browser.CHROMIUM is None:
        pytest.skip(browser.MISSING_CHROMIUM)
    from core import bundle, data, pipeline

    folder = tmp_path_factory.mktemp("app")
    data_path = folder / "music_genre.csv"
    data_path.write_bytes(csv_bytes(separable_rows(per_genre=12)))
    typed = data.load_csv(data_path, require_label=True)
    run = pipeline.train_from_frame(typed, tiny_config(unknowns="impute", epochs=4))
    model_dir = bundle.save_bundle(run.bundle, folder / "model")
    return {"MUSIC_GENRE_CSV": str(data_path), "GENRELAB_MODEL_DIR": str(model_dir)}


@pytest.fixture(scope="session")
def app_url(app_files, tmp_path_factory) -> Iterator[str]:
    """A Streamlit server for the whole session (each page load is a new session)."""
    log = tmp_path_factory.mktemp("logs") / "streamlit.log"
    with browser.streamlit_server(app_files, log) as url:
        yield url


@pytest.fixture
def fresh_app_url(app_files, tmp_path) -> Iterator[str]:
    """A server no one has visited yet (for first-visit-by-deep-link checks)."""
    with browser.streamlit_server(app_files, tmp_path / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="session")
def chromium_browser():
    """Debian's Chromium through Playwright (never `playwright install`)."""
    if browser.CHROMIUM is None:
        pytest.skip(browser.MISSING_CHROMIUM)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    launched = playwright.chromium.launch(
        executable_path=browser.CHROMIUM, args=browser.LAUNCH_ARGS
    )
    yield launched
    launched.close()
    playwright.stop()


# A desktop window that accepts downloads.
DESKTOP = {"viewport": {"width": 1400, "height": 1000}, "accept_downloads": True}


@pytest.fixture
def app_page(chromium_browser, request, tmp_path):
    """A new browser context and page per test; a screenshot if the test fails."""
    yield from browser.page_for_a_test(chromium_browser, request, True, **DESKTOP)


@pytest.fixture(scope="session")
def no_data_app_url(app_files, tmp_path_factory) -> Iterator[str]:
    """A server whose dataset is missing ($MUSIC_GENRE_CSV names no file).

    The tiny model stays.
    """
    folder = tmp_path_factory.mktemp("no_data")
    environment = {**app_files, "MUSIC_GENRE_CSV": str(folder / "missing.csv")}
    with browser.streamlit_server(environment, folder / "streamlit.log") as url:
        yield url
