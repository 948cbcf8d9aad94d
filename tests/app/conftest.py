"""Fixtures for the AppTest tests.

Small data files, a tiny shipped model, clean caches.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core import schema
from tests.conftest import csv_bytes, separable_rows, tiny_config
from ui import page_list

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENTRY = PROJECT_ROOT / "streamlit_app.py"
# Importing TensorFlow alone takes seconds; AppTest's default is 3 s.
TIMEOUT = 120

# Short name ("batch" for Batch predict) -> page script (None: the entry
# script, Home), from the app's own list of pages.
PAGES = {
    label.split()[0].lower(): (None if index == 0 else script)
    for index, (script, label, _) in enumerate(page_list.PAGES)
}


def open_app(page: str = "home") -> AppTest:
    """An AppTest of the app, switched to ``page`` (not run yet)."""
    app = AppTest.from_file(str(ENTRY), default_timeout=TIMEOUT)
    if PAGES[page]:
        app.switch_page(PAGES[page])
    return app


def assert_clean(app: AppTest) -> None:
    """The page ran with no exception and shows no error box."""
    assert not app.exception, app.exception
    assert not app.error, [error.value for error in app.error]


def train_tiny(app: AppTest, **numbers: int) -> AppTest:
    """On the Train page: 8 hidden units, the number inputs ``numbers``
    (``epochs=2``: ``train_epochs``), then Train; the page ran clean."""
    app.text_input(key="train_hidden_layers").set_value("8")
    for name, value in numbers.items():
        app.number_input(key=f"train_{name}").set_value(value)
    next(button for button in app.button if button.label == "Train").click()
    app.run()
    assert_clean(app)
    return app


def texts(app) -> str:
    """All the prose the page shows (markdown, captions, alerts), joined."""
    parts = [element.value for element in app.markdown]
    parts += [element.value for element in app.caption]
    for kind in ("info", "warning", "error", "success"):
        parts += [element.value for element in getattr(app, kind)]
    return "\n".join(str(part) for part in parts)


def charts(app, key_prefix: str = "") -> list[dict]:
    """The plotly figures on the page (those whose key starts with
    ``key_prefix``), as their JSON specs."""
    return [
        json.loads(chart.proto.spec)
        for chart in app.get("plotly_chart")
        if (chart.key or "").startswith(key_prefix)
    ]


def small_csv_bytes() -> bytes:
    """A labelled file of 120 learnable tracks, with unknowns and a blank row."""
    rows = separable_rows(per_genre=12, seed=3)
    for number in range(0, len(rows), 10):
        rows[number]["tempo"] = "?"
    for number in range(5, len(rows), 10):
        rows[number]["duration_ms"] = "-1"
    rows.insert(7, dict.fromkeys(rows[0], ""))
    return csv_bytes(rows)


@pytest.fixture(autouse=True)
def clean_caches():
    """Caches live in the process: every test starts without them."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def no_data(monkeypatch, tmp_path):
    """No dataset and no shipped model anywhere."""
    monkeypatch.setenv("MUSIC_GENRE_CSV", str(tmp_path / "missing" / "music_genre.csv"))
    monkeypatch.setenv("GENRELAB_MODEL_DIR", str(tmp_path / "no_model"))


@pytest.fixture
def small_data(monkeypatch, tmp_path) -> Path:
    """A small labelled dataset in place of data/music_genre.csv (no model)."""
    path = tmp_path / "music_genre.csv"
    path.write_bytes(small_csv_bytes())
    monkeypatch.setenv("MUSIC_GENRE_CSV", str(path))
    monkeypatch.setenv("GENRELAB_MODEL_DIR", str(tmp_path / "no_model"))
    return path


def tiny_bundle_dir(content: bytes, folder: Path) -> Path:
    """A tiny impute model trained on a labelled file, saved as folder/default."""
    from core import bundle, data, pipeline

    typed = data.load_csv(content, require_label=True)
    run = pipeline.train_from_frame(typed, tiny_config(epochs=30, unknowns="impute"))
    return bundle.save_bundle(run.bundle, folder / "default")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A tiny model trained once on the small file and saved as a bundle."""
    return tiny_bundle_dir(small_csv_bytes(), tmp_path_factory.mktemp("model"))


@pytest.fixture
def data_and_model(small_data, tiny_model_dir, monkeypatch) -> Path:
    """The small dataset and the tiny model as the shipped one."""
    monkeypatch.setenv("GENRELAB_MODEL_DIR", str(tiny_model_dir))
    return small_data


@pytest.fixture
def model_without_data(no_data, tiny_model_dir, monkeypatch) -> Path:
    """The tiny model as the shipped one, and no dataset anywhere."""
    monkeypatch.setenv("GENRELAB_MODEL_DIR", str(tiny_model_dir))
    return tiny_model_dir


def push_sliders_to_max(app: AppTest) -> None:
    """Set every numeric slider of the Predict page to its maximum and rerun.

    A track far from every training track.
    """
    for feature in schema.NUMERIC_FEATURES:
        slider = app.slider(key=f"predict_{feature}")
        slider.set_value(slider.max)
    app.run()


def noisy_csv_bytes() -> bytes:
    """The small file with every 4th track listed under a wrong genre.

    A model trained on it is wrong on some test tracks (groups to find) and
    finds some listed genres very unlikely (genres to fix).
    """
    from core import schema

    rows = separable_rows(per_genre=12, seed=3)
    for number in range(0, len(rows), 4):
        listed = schema.GENRES.index(rows[number]["music_genre"])
        rows[number]["music_genre"] = schema.GENRES[(listed + 3) % len(schema.GENRES)]
    return csv_bytes(rows)


@pytest.fixture(scope="session")
def noisy_model_dir(tmp_path_factory) -> Path:
    """A tiny model trained once on the noisy file, saved as a bundle."""
    return tiny_bundle_dir(noisy_csv_bytes(), tmp_path_factory.mktemp("noisy"))


@pytest.fixture
def noisy_data_and_model(noisy_model_dir, monkeypatch, tmp_path) -> Path:
    """The noisy file as the dataset and its tiny model as the shipped one."""
    path = tmp_path / "music_genre.csv"
    path.write_bytes(noisy_csv_bytes())
    monkeypatch.setenv("MUSIC_GENRE_CSV", str(path))
    monkeypatch.setenv("GENRELAB_MODEL_DIR", str(noisy_model_dir))
    return path
