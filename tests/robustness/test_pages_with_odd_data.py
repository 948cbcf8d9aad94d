"""The pages, run with AppTest, when the dataset itself is an odd or bad file.

A person may put any file in data/ or point $MUSIC_GENRE_CSV at it: every page
must still open, say what is wrong in plain words, and never show a traceback.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.bad_files.corpus import REFUSED, by_name
from tests.cli.runner import PROJECT_ROOT
from ui import page_list

# Every page but Home (the app's own list of pages).
PAGES = tuple(script for script, _, _ in page_list.PAGES[1:])
ODD_BUT_READABLE = [
    "one_row",
    "single_genre",
    "ten_rows_two_genres",
    "nan_and_inf",
    "every_tempo_unknown",
    "unknown_key_and_mode",
    "blank_row_inside",
]
# What the Train page (Recommended preset: unknowns filled in) must say.
TRAINING_ERRORS = {
    "one_row": "at least two genres",
    "single_genre": "at least two genres",
    "ten_rows_two_genres": "at least 20 usable rows",
    "every_tempo_unknown": "Every training row's tempo is unknown",
}
UNREADABLE = [bad.name for bad in REFUSED if bad.size_limit_mb is None]


@pytest.fixture
def app_with_data(monkeypatch, tmp_path, drop_bundle_dir):
    """Start the app (Home) with a corpus file as its dataset and the tiny model."""
    import streamlit as st

    def forget_cached_data() -> None:
        # Each corpus file is a new dataset under the same path.
        st.cache_data.clear()
        st.cache_resource.clear()

    def start(name: str):
        forget_cached_data()
        monkeypatch.setenv("MUSIC_GENRE_CSV", str(by_name(name).write(tmp_path)))
        monkeypatch.setenv("GENRELAB_MODEL_DIR", str(drop_bundle_dir))
        app = AppTest.from_file(
            str(PROJECT_ROOT / "streamlit_app.py"), default_timeout=120
        )
        app.run()
        return app

    yield start
    forget_cached_data()


def messages(app) -> list[str]:
    return [element.value for element in [*app.error, *app.warning, *app.info]]


@pytest.mark.parametrize("name", ODD_BUT_READABLE)
def test_every_page_opens_and_training_says_what_is_wrong(app_with_data, name):
    app = app_with_data(name)
    assert not app.exception
    for page in PAGES:
        app.switch_page(page).run()
        assert not app.exception, (page, [e.value for e in app.exception])
    app.switch_page("pages/2_Train.py").run()
    app.number_input(key="train_epochs").set_value(1)
    app.get("form_submit_button")[0].click().run()
    assert not app.exception, [e.value for e in app.exception]
    errors = [element.value for element in app.error]
    trained = any("Result of Run 1" in h.value for h in app.header)
    # Too few rows, one genre, nothing to fill from: a sentence, not a traceback.
    assert trained or errors, messages(app)
    if name in TRAINING_ERRORS:
        assert any(TRAINING_ERRORS[name] in text for text in errors), errors


@pytest.mark.parametrize("name", UNREADABLE)
def test_an_unreadable_dataset_is_explained_on_home_and_no_page_breaks(
    app_with_data, name
):
    bad = by_name(name)
    app = app_with_data(name)
    assert not app.exception
    errors = " ".join(element.value for element in app.error).lower()
    assert "cannot be used" in errors
    for word in bad.message_words:
        assert word in errors, errors
    for page in PAGES:
        app.switch_page(page).run()
        assert not app.exception, (page, [e.value for e in app.exception])
