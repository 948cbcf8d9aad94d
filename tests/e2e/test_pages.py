"""Every app_page opens in a real browser, by the menu and by a shared link."""

from __future__ import annotations

import urllib.parse

import pytest

from tests.e2e import browser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(browser.CHROMIUM is None, reason=browser.MISSING_CHROMIUM),
]


def test_a_deep_link_on_a_fresh_server_shows_the_custom_menu(fresh_app_url, app_page):
    # The first visitor of a new server arrives by a shared link to Predict.
    browser.open_page(app_page, fresh_app_url, "Predict")
    assert browser.menu_labels(app_page) == list(browser.MENU_LABELS)
    assert app_page.locator('[data-testid="stSidebarNav"]').count() == 0
    # The browser may draw the last messages a moment after the run is over.
    app_page.locator('[data-testid="stSlider"]').nth(10).wait_for(timeout=10_000)
    browser.assert_no_exception(app_page)


def test_the_menu_visits_every_page_in_one_session(app_url, app_page):
    browser.open_page(app_page, app_url, "Home")
    for name in browser.MENU_LABELS[1:] + ("Home",):
        browser.go_to(app_page, name)
        browser.assert_no_exception(app_page)
        assert browser.menu_labels(app_page) == list(browser.MENU_LABELS)
        texts = app_page.locator(browser.ALERT).all_inner_texts()
        # The synthetic data and the tiny model are there: no page says otherwise.
        for missing in ("No dataset", "No model is available", "cannot be used"):
            assert not any(missing in text for text in texts), (name, texts)
        # Predict's address also carries its track (a query: ?pop=...).
        path = urllib.parse.urlsplit(app_page.url).path
        assert path.rstrip("/").endswith(browser.PAGE_PATHS[name]) or name == "Home"
