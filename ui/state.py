"""Where the pages get their data and model, and the per-session state.

The loaders read through ``ui.cache`` (keyed by the file's content digest, or
its path, size and modification time), where every cache of the app lives.
What a person trains lives in ``st.session_state`` only, so two people using
the app at once never see each other's models.

Nothing here imports TensorFlow at module level: the Home and Data pages use
this module and must stay quick. Only :func:`active_model` (Predict, Evaluate,
Batch predict) loads a model.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from threadpoolctl import threadpool_limits

from core import download, understanding
from core.bundle import DEFAULT_MODEL_DIR, METRICS_FILE, PREPROCESSING_FILE
from core.errors import GenreLabError
from ui import cache

# One BLAS thread per prediction: a server answers many small requests at
# once, and multithreaded matrix products then fight over the cores. Measured
# on 2 cores with other work running: the 8,192 rows of one explanation took
# 250-440 ms with two BLAS threads, 46-58 ms with one.
threadpool_limits(limits=1, user_api="blas")

# Lets tests and screenshots point the app at another shipped model.
MODEL_DIR_VARIABLE = "GENRELAB_MODEL_DIR"
DEFAULT_MODEL_KEY = "default"
# Trained models kept in a session (older runs keep their metrics only):
# each Keras model holds several MB, and a session may retrain many times.
KEPT_MODELS = 5

# Session keys that are not widgets (widgets use page-prefixed keys).
UPLOAD = "data_upload"  # {"name", "content", "digest"} of a validated upload
RUNS = "runs"  # list of run records, oldest first
MODELS = "models"  # run id -> {"bundle", "zip"} for the most recent runs
ACTIVE = "active_model"  # DEFAULT_MODEL_KEY or a run id
TRAINING = "training_in_progress"  # True while a training is under way
WAITING = "training_waiting"  # True while waiting in the training queue
SESSION_ID = "session_id"  # identifies this session in the training queue
# Genres corrected by hand ("Fix this genre"): data key -> {row: genre}, so
# corrections made on one file never land on another.
CORRECTIONS = "genre_corrections"


def init_session() -> None:
    """Create the session keys once (every page calls this first)."""
    st.session_state.setdefault(UPLOAD, None)
    st.session_state.setdefault(RUNS, [])
    st.session_state.setdefault(MODELS, {})
    st.session_state.setdefault(ACTIVE, None)
    st.session_state.setdefault(TRAINING, False)
    st.session_state.setdefault(WAITING, False)
    st.session_state.setdefault(SESSION_ID, uuid.uuid4().hex)
    st.session_state.setdefault(CORRECTIONS, {})


def corrections(data_key: str) -> dict[int, str]:
    """The genres corrected by hand in this session for one dataset: row -> genre."""
    return st.session_state[CORRECTIONS].setdefault(data_key, {})


def correct_genre(data_key: str, row: int, genre: str | None) -> None:
    """Record that a row of the dataset should be listed as ``genre`` (None: undo)."""
    kept = corrections(data_key)
    if genre is None:
        kept.pop(int(row), None)
    else:
        kept[int(row)] = genre


def session_id() -> str:
    """This browser session's identifier (its place in the training queue)."""
    return st.session_state[SESSION_ID]


def cluster_client(address: str):
    """The server's one Dask client of ``$GENRELAB_DASK_SCHEDULER`` (docs/scale.md).

    Opened at the first training, never on a page load: Dask is imported
    then. Raises GenreLabError when no scheduler answers (not cached).
    """
    return cache.cluster_connection(address).client


# --- Data -----------------------------------------------------------------------


@dataclass(frozen=True)
class DataSource:
    """Where the current dataset comes from."""

    # Shown to people: "uploaded file x.csv" or the path.
    label: str
    # Identifies the content: a digest of the bytes, or path + size + mtime.
    key: str
    # Exactly one of these is set.
    content: bytes | None = None
    path: str | None = None
    # The column a person chose as the genre column (None: found by name).
    genre_column: str | None = None
    # The file's own name, for a model card ("music_genre.csv").
    file_name: str = ""


def digest(content: bytes) -> str:
    """A short fingerprint of file content, used as a cache key."""
    return hashlib.sha256(content).hexdigest()[:32]


def data_source() -> DataSource | None:
    """The upload kept in this session if any, else the data file if it exists."""
    upload = st.session_state.get(UPLOAD)
    if upload:
        genre_column = upload.get("genre_column")
        return DataSource(
            label=f"uploaded file {upload['name']}",
            key=_upload_key(upload["digest"], genre_column),
            content=upload["content"],
            genre_column=genre_column,
            file_name=upload["name"],
        )
    path = download.resolve_data_path()
    if path.is_file():
        stat = path.stat()
        return DataSource(
            label=str(_shown_path(path)),
            key=f"path:{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}",
            path=str(path),
            file_name=path.name,
        )
    return None


def source_facts(source: DataSource) -> dict[str, str]:
    """The training file as a model card names it: name, format, genre column."""
    _, understood = cache.dataset(
        source.key, source.content, source.path, source.genre_column
    )
    return understood.source(source.file_name)


def _shown_path(path: Path) -> Path:
    try:
        return path.resolve().relative_to(download.PROJECT_ROOT)
    except ValueError:
        return path


def _upload_key(fingerprint: str, genre_column: str | None) -> str:
    """An upload's cache key: its content and the genre column chosen."""
    return f"upload:{fingerprint}:{genre_column or ''}"


def data_understood() -> understanding.Understood | None:
    """What was understood of the current dataset (None without a usable one)."""
    source = data_source()
    if source is None:
        return None
    try:
        return cache.dataset(
            source.key, source.content, source.path, source.genre_column
        )[1]
    except GenreLabError:
        return None


def load_data() -> tuple[pd.DataFrame | None, DataSource | None, str | None]:
    """Return the typed dataset, its source, and an error message if it cannot be read.

    Returns:
        ``(typed, source, None)`` when data is loaded; ``(None, None, None)``
        when there is no data; ``(None, source, message)`` when the file is
        unusable.
    """
    source = data_source()
    if source is None:
        return None, None, None
    try:
        typed, _ = cache.dataset(
            source.key, source.content, source.path, source.genre_column
        )
        return typed, source, None
    except GenreLabError as error:
        return None, source, str(error)


def accept_upload(name: str, content: bytes, genre_column: str | None = None) -> int:
    """Validate an uploaded dataset and keep it in the session.

    Args:
        name: the file's name, shown to people.
        content: its bytes.
        genre_column: the column a person chose as the genre column (None:
            the one named as in ``formats.LABEL_NAMES``).

    Returns:
        The number of rows.

    Raises:
        GenreLabError: the file is not a usable labelled music genre CSV
            (the previous data stays).
    """
    fingerprint = digest(content)
    typed, _ = cache.dataset(
        _upload_key(fingerprint, genre_column), content, None, genre_column
    )
    st.session_state[UPLOAD] = {
        "name": name,
        "content": content,
        "digest": fingerprint,
        "genre_column": genre_column,
    }
    return len(typed)


def is_current_upload(content: bytes, genre_column: str | None) -> bool:
    """Whether this content, with this genre column, is the upload in use."""
    upload = st.session_state[UPLOAD]
    return bool(
        upload
        and upload["digest"] == digest(content)
        and upload.get("genre_column") == genre_column
    )


def forget_upload() -> None:
    """Go back to the data file (or to no data)."""
    st.session_state[UPLOAD] = None


# --- Models ---------------------------------------------------------------------


def default_model_dir() -> Path:
    """The shipped model's folder ($GENRELAB_MODEL_DIR overrides it)."""
    override = os.environ.get(MODEL_DIR_VARIABLE)
    return Path(override) if override else DEFAULT_MODEL_DIR


def _default_model_stamp() -> str | None:
    folder = default_model_dir()
    files = [folder / METRICS_FILE, folder / PREPROCESSING_FILE]
    if not all(path.is_file() for path in files):
        return None
    return f"{folder.resolve()}:{(folder / METRICS_FILE).stat().st_mtime_ns}"


@dataclass
class ModelChoice:
    """A model a person can use: the shipped one or one trained in this session."""

    # DEFAULT_MODEL_KEY, or the run id (unique across sessions: used in caches).
    key: str
    # Shown to people, e.g. "Run 2 (Recommended)".
    name: str
    metrics: dict


def model_choices() -> list[ModelChoice]:
    """The shipped model (if present) and this session's runs, newest last."""
    choices = []
    stamp = _default_model_stamp()
    if stamp is not None:
        metrics = cache.shipped_metrics(stamp, str(default_model_dir()))
        if metrics is not None:
            choices.append(ModelChoice(DEFAULT_MODEL_KEY, "Shipped model", metrics))
    kept = st.session_state.get(MODELS, {})
    for run in st.session_state.get(RUNS, []):
        if run["id"] in kept:
            choices.append(ModelChoice(run["id"], run["name"], run["metrics"]))
    return choices


def active_choice() -> ModelChoice | None:
    """The model in use: the one picked, else the latest run, else the shipped one."""
    choices = model_choices()
    if not choices:
        return None
    by_key = {choice.key: choice for choice in choices}
    picked = st.session_state.get(ACTIVE)
    if picked in by_key:
        return by_key[picked]
    return choices[-1]


def select_model(key: str) -> None:
    """Make a model the active one on every page."""
    st.session_state[ACTIVE] = key


@dataclass
class ActiveModel:
    """The loaded model in use."""

    choice: ModelChoice
    bundle: Any  # core.bundle.Bundle


def active_model() -> tuple[ActiveModel | None, str | None]:
    """Load the model in use.

    Returns:
        ``(model, None)``; ``(None, None)`` when there is no model at all;
        ``(None, message)`` when the shipped model cannot be loaded.
    """
    choice = active_choice()
    if choice is None:
        return None, None
    if choice.key == DEFAULT_MODEL_KEY:
        stamp = _default_model_stamp()
        try:
            bundle = cache.shipped_bundle(stamp, str(default_model_dir()))
            return ActiveModel(choice, bundle), None
        except GenreLabError as error:
            return None, str(error)
    return ActiveModel(choice, st.session_state[MODELS][choice.key]["bundle"]), None


def model_bundle(key: str) -> Any:
    """The bundle of any model a person can pick (``ModelChoice.key``).

    Raises:
        GenreLabError: the shipped model cannot be loaded.
        KeyError: no such model is kept in this session.
    """
    if key == DEFAULT_MODEL_KEY:
        return cache.shipped_bundle(_default_model_stamp(), str(default_model_dir()))
    return st.session_state[MODELS][key]["bundle"]


def record_run(
    bundle: Any,
    preset_label: str,
    settings: dict,
    zip_bytes: bytes,
    make_active: bool = True,
) -> dict:
    """Keep a finished training in the session.

    And, by default, make it the active model.

    Args:
        bundle: the trained :class:`core.bundle.Bundle` (metrics filled in).
        preset_label: the preset the settings started from.
        settings: ``TrainingConfig.to_dict()``.
        zip_bytes: the bundle as a zip, for the download button.
        make_active: make it the model Predict, Evaluate and Batch predict use.

    Returns:
        The run record.
    """
    runs = st.session_state[RUNS]
    number = len(runs) + 1
    run = {
        "id": f"run-{uuid.uuid4().hex[:12]}",
        "number": number,
        "name": f"Run {number} ({preset_label})",
        "settings": settings,
        "metrics": bundle.metrics,
    }
    runs.append(run)
    models = st.session_state[MODELS]
    models[run["id"]] = {"bundle": bundle, "zip": zip_bytes}
    for old_id in list(models)[:-KEPT_MODELS]:
        del models[old_id]
    if make_active:
        select_model(run["id"])
    return run


def add_model_file(file_name: str, content: bytes) -> dict:
    """Load a model zip downloaded from the Train page and make it the model in use.

    It joins the session's runs (named after its file), so the sidebar can
    pick it and the Train page lists its settings.

    Raises:
        core.errors.BundleError: not a GenreLab model zip, or an invalid one.
    """
    from core import bundle as bundles

    bundle = bundles.load_bundle_zip(content)
    return record_run(bundle, f"from {file_name}", bundle.config.to_dict(), content)


def run_zip(run_id: str) -> bytes | None:
    """The zip of a kept run's bundle, or None if the run is too old to be kept."""
    kept = st.session_state.get(MODELS, {}).get(run_id)
    return kept["zip"] if kept else None
