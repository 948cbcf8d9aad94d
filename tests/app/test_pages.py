"""Every page renders, with and without data.

And says what to do when something is missing.
"""

from __future__ import annotations

import pytest

from core.errors import DataError
from tests.app.conftest import PAGES, assert_clean, charts, open_app, texts
from tests.conftest import tensorflow_imported_by


@pytest.mark.parametrize("page", list(PAGES))
def test_page_without_data_or_model_says_what_to_do(page, no_data):
    app = open_app(page).run()

    assert_clean(app)
    shown = texts(app)
    assert app.title[0].value  # every page has its title
    # Every page says how to get what it lacks, never a stack trace.
    if page in ("home", "data", "train"):
        # Home offers the button; the others name it and link to Home.
        if page == "home":
            assert "Download from Kaggle" in [button.label for button in app.button]
        else:
            assert "Download from Kaggle" in shown
            assert "Go to Home" in [link.proto.label for link in app.get("page_link")]
    else:
        assert "Train" in shown and "No model" in shown


@pytest.mark.parametrize("page", list(PAGES))
def test_page_with_data_and_model_renders(page, data_and_model):
    app = open_app(page).run()

    assert_clean(app)
    figures = charts(app)
    if page == "home":
        assert "121 rows" in texts(app)  # 120 tracks and a blank row
        assert app.metric[0].label == "Test accuracy"
    if page == "data":
        titles = [figure["layout"]["title"]["text"] for figure in figures]
        assert "Unknown values per column" in titles
        assert "Tracks per genre before and after cleaning" in titles
        assert any("by genre" in title for title in titles)
        assert app.metric[1].value == "1"  # the blank row
    if page == "evaluate":
        heatmaps = [f for f in figures if f["data"][0]["type"] == "heatmap"]
        # Two confusion matrices, then where the model fails over two features.
        assert len(heatmaps) == 3
        assert heatmaps[2]["layout"]["title"]["text"].startswith(
            "How often the model is wrong"
        )
        assert heatmaps[0]["data"][0]["x"][0] == "Electronic"
    if page == "predict":
        assert len(app.slider) == 11
        assert figures[0]["layout"]["title"]["text"] == "Genre probabilities"


def test_data_page_switches_feature_and_chart_kind(small_data):
    app = open_app("data").run()
    app.selectbox(key="data_feature").select("tempo")
    app.radio(key="data_chart_kind").set_value("violin")
    app.run()

    assert not app.exception
    figure = charts(app)[-1]
    assert figure["layout"]["title"]["text"] == "tempo by genre"
    assert {trace["type"] for trace in figure["data"]} == {"violin"}


def test_home_reports_a_failed_kaggle_download(no_data, monkeypatch):
    def unreachable(destination):
        raise DataError("Could not download the dataset from Kaggle (no network).")

    monkeypatch.setattr("core.download.download_dataset", unreachable)
    app = open_app("home").run()
    app.button(key="home_download").click().run()

    assert not app.exception
    assert "Could not download the dataset from Kaggle" in app.error[0].value


def test_home_keeps_a_valid_upload_and_refuses_a_bad_one(no_data):
    from tests.app.conftest import small_csv_bytes

    app = open_app("home").run()
    uploader = app.get("file_uploader")[0]
    uploader.set_value(("not_music.csv", b"name,age\nAda,36\n", "text/csv")).run()
    assert not app.exception
    assert "not_music.csv cannot be used" in app.error[0].value

    uploader = app.get("file_uploader")[0]
    uploader.set_value(("tracks.csv", small_csv_bytes(), "text/csv")).run()
    assert not app.exception
    assert "121 rows" in texts(app)
    assert "uploaded file tracks.csv" in texts(app)


def test_home_and_data_pages_do_not_import_tensorflow(small_data):
    """TensorFlow takes seconds to import.

    The first pages people see must not need it.
    """
    script = (
        "from streamlit.testing.v1 import AppTest\n"
        "app = AppTest.from_file('streamlit_app.py', default_timeout=60).run()\n"
        "assert not app.exception, app.exception\n"
        "app.switch_page('pages/1_Data.py').run()\n"
        "assert not app.exception, app.exception\n"
    )
    assert tensorflow_imported_by(script) == "False False"
