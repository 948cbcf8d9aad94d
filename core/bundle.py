"""Save and load a model bundle: one folder with everything needed to predict.

Layout::

    model.keras          the Keras model
    model_audio.keras    optional: the same genres learned without popularity
                         (core.pipeline.train_audio_network; issue 25)
    preprocessing.json   format version, preprocessor, genre order, config, versions
    metrics.json         train and test metrics (see core.evaluate)
    README.md            optional model card

A bundle is written to a temporary folder and renamed into place, so a reader
never sees half of one. Loading needs no TensorFlow: the network is read into
NumPy by :mod:`core.forward`, which accepts only the layers this project
builds and never runs code from the file.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from core import forward
from core.config import TrainingConfig
from core.conformal import Calibration
from core.errors import BundleError, ConfigError, DataError
from core.genres import REFERENCE, Genres
from core.limits import LIMITS, megabytes, parse_json, read_member
from core.novelty import NoveltyReference
from core.preprocessing import Preprocessor

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The model GenreLab ships, used whenever the session has not trained its own.
DEFAULT_MODEL_DIR = PROJECT_ROOT / "models" / "default"
FORMAT_VERSION = 1
MODEL_FILE = "model.keras"
PREPROCESSING_FILE = "preprocessing.json"
METRICS_FILE = "metrics.json"
CARD_FILE = "README.md"
REQUIRED_FILES = (MODEL_FILE, PREPROCESSING_FILE, METRICS_FILE)
# A second network, for files whose popularity is missing or not to be trusted.
AUDIO_MODEL_FILE = "model_audio.keras"
OPTIONAL_FILES = (CARD_FILE, AUDIO_MODEL_FILE)
# Megabytes of a bundle's model file, unpacked (core.limits declares it).
MAX_BUNDLE_MB = LIMITS.model_mb


@dataclass
class Bundle:
    """A model and what it needs to turn raw rows into genre probabilities."""

    # The network, run in NumPy (see core.forward).
    network: forward.Network
    # The .keras file it was read from: the model's source of truth, written
    # back unchanged when the bundle is saved.
    model_file: bytes
    preprocessor: Preprocessor
    config: TrainingConfig
    metrics: dict = field(default_factory=dict)
    # Free-form facts shown on the model card (package versions, timings).
    info: dict = field(default_factory=dict)
    # What novelty needs from the training tracks (core.novelty); None for
    # bundles saved before issue 25 (their novelty is unknown).
    novelty: NoveltyReference | None = None
    # The genres of the network's outputs, in order, and the merges behind
    # them; the reference study's ten for bundles saved before issue 30.
    genres: Genres = REFERENCE
    # The network trained with popularity held at its typical value, and its
    # .keras file; None for a bundle without one (core.predict.choose_network).
    audio_network: forward.Network | None = None
    audio_model_file: bytes | None = None
    # The calibration of prediction sets (core.conformal); None for bundles
    # saved without a calibration share (they give no prediction sets).
    conformal: Calibration | None = None


def _package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for package in (
        "keras",
        "tensorflow",
        "tensorflow-cpu",
        "scikit-learn",
        "pandas",
        "numpy",
    ):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            continue
    return versions


def check_destination(directory: str | Path) -> None:
    """Make sure saving a bundle to ``directory`` would only replace a bundle.

    Raises:
        BundleError: ``directory`` is a file, or a folder holding anything
            other than a bundle's files.
    """
    destination = Path(directory)
    # Replacing means deleting: only ever replace a bundle (or an empty folder),
    # never a user's file or folder given by mistake (e.g. --out data).
    if destination.exists() and (
        not destination.is_dir()
        or any(
            path.name not in (*REQUIRED_FILES, *OPTIONAL_FILES)
            for path in destination.iterdir()
        )
    ):
        raise BundleError(
            f"{destination} already exists and is not a model bundle; "
            "choose a new or empty folder."
        )


def save_bundle(bundle: Bundle, directory: str | Path, card: str | None = None) -> Path:
    """Write ``bundle`` to ``directory`` atomically, replacing what was there.

    Returns:
        The directory written.

    Raises:
        BundleError: ``directory`` is a file, or a folder holding anything
            other than a bundle's files (it is left untouched).
    """
    destination = Path(directory)
    check_destination(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{destination.name}-", dir=destination.parent)
    )
    retired = None
    try:
        (staging / MODEL_FILE).write_bytes(bundle.model_file)
        if bundle.audio_model_file is not None:
            (staging / AUDIO_MODEL_FILE).write_bytes(bundle.audio_model_file)
        preprocessing = {
            "format_version": FORMAT_VERSION,
            **bundle.genres.to_dict(),
            "preprocessor": bundle.preprocessor.to_dict(),
            "config": bundle.config.to_dict(),
            "info": {**bundle.info, "versions": _package_versions()},
        }
        if bundle.novelty is not None:
            # A key older GenreLab ignores: the bundle stays readable by it.
            preprocessing["novelty"] = bundle.novelty.to_dict()
        if bundle.conformal is not None:
            # Also a key older GenreLab ignores.
            preprocessing["conformal"] = bundle.conformal.to_dict()
        (staging / PREPROCESSING_FILE).write_text(json.dumps(preprocessing, indent=2))
        (staging / METRICS_FILE).write_text(json.dumps(bundle.metrics, indent=2))
        if card:
            (staging / CARD_FILE).write_text(card)
        if destination.exists():
            retired = destination.with_name(f".{destination.name}-old")
            shutil.rmtree(retired, ignore_errors=True)
            destination.rename(retired)
        staging.rename(destination)
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        # The new bundle could not be moved in: put the previous one back.
        if retired is not None and retired.exists() and not destination.exists():
            retired.rename(destination)
        raise
    return destination


def load_bundle(directory: str | Path) -> Bundle:
    """Load and validate a bundle folder (no TensorFlow needed).

    Raises:
        BundleError: the folder or a file is missing, damaged, from another
            format version, or holds layers this project does not build.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise BundleError(f"No model bundle at {folder}.")
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise BundleError(
            f"The model bundle at {folder} is incomplete: {', '.join(missing)} "
            "is missing."
        )
    unreadable = BundleError(
        "The model bundle is damaged: its JSON files cannot be read."
    )
    text_limit = megabytes(LIMITS.bundle_text_mb)
    for name in (PREPROCESSING_FILE, METRICS_FILE):
        if (folder / name).stat().st_size > text_limit:
            raise BundleError(
                f"The model bundle is damaged: its {name} is larger than "
                f"{LIMITS.bundle_text_mb:g} MB."
            )
    try:
        preprocessing = parse_json(
            (folder / PREPROCESSING_FILE).read_bytes(), unreadable
        )
        metrics = parse_json((folder / METRICS_FILE).read_bytes(), unreadable)
    except OSError:
        raise unreadable from None
    if not isinstance(preprocessing, dict) or not isinstance(metrics, dict):
        raise BundleError("The model bundle is damaged: unexpected JSON content.")
    version = preprocessing.get("format_version")
    if version != FORMAT_VERSION:
        raise BundleError(
            f"The model bundle has format version {version!r}; this GenreLab "
            f"reads version {FORMAT_VERSION}. Retrain the model."
        )
    try:
        genres = Genres.from_dict(preprocessing)
    except (DataError, ConfigError) as error:
        raise BundleError(f"The model bundle's genres are invalid ({error})") from None
    try:
        preprocessor = Preprocessor.from_dict(preprocessing["preprocessor"])
        config = TrainingConfig.from_dict(preprocessing["config"])
        novelty = (
            NoveltyReference.from_dict(preprocessing["novelty"])
            if "novelty" in preprocessing
            else None
        )
        conformal = (
            Calibration.from_dict(preprocessing["conformal"])
            if "conformal" in preprocessing
            else None
        )
    except (KeyError, TypeError, ValueError, ConfigError) as error:
        raise BundleError(
            f"The model bundle's preprocessing settings are invalid ({error})."
        ) from None
    model_file, network = _read_network(folder / MODEL_FILE)
    audio_model_file = audio_network = None
    if (folder / AUDIO_MODEL_FILE).is_file():
        audio_model_file, audio_network = _read_network(folder / AUDIO_MODEL_FILE)
        if (audio_network.n_features, audio_network.n_outputs) != (
            network.n_features,
            network.n_outputs,
        ):
            raise BundleError(
                "The model bundle's network without popularity does not match "
                "its main network."
            )
    expected_inputs = len(preprocessor.feature_names)
    if network.n_features != expected_inputs or network.n_outputs != len(genres):
        raise BundleError(
            "The model file does not match its preprocessing settings "
            f"({network.n_features} inputs and {network.n_outputs} outputs, "
            f"expected {expected_inputs} and {len(genres)})."
        )
    if novelty is not None and novelty.prototypes.shape[1] != expected_inputs:
        raise BundleError(
            "The model bundle's novelty reference does not match its inputs."
        )
    return Bundle(
        network=network,
        model_file=model_file,
        preprocessor=preprocessor,
        config=config,
        metrics=metrics,
        info=dict(preprocessing.get("info", {})),
        novelty=novelty,
        genres=genres,
        audio_network=audio_network,
        audio_model_file=audio_model_file,
        conformal=conformal,
    )


def _read_network(path: Path) -> tuple[bytes, forward.Network]:
    """A bundle's .keras file and its network, size checked before it is read."""
    if path.stat().st_size > megabytes(MAX_BUNDLE_MB):
        raise BundleError(f"The model file is larger than {MAX_BUNDLE_MB:g} MB.")
    model_file = path.read_bytes()
    return model_file, forward.read_model_file(model_file)


def bundle_zip_bytes(directory: str | Path) -> bytes:
    """Zip a bundle folder in memory, for a download button."""
    folder = Path(directory)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in (*REQUIRED_FILES, *OPTIONAL_FILES):
            if (folder / name).is_file():
                archive.write(folder / name, arcname=name)
    return buffer.getvalue()


def load_bundle_zip(content: bytes) -> Bundle:
    """Load a bundle from zip bytes (an upload), reading only the known file names.

    Raises:
        BundleError: not a zip, too large, or an invalid bundle inside.
    """
    if len(content) > megabytes(MAX_BUNDLE_MB):
        raise BundleError(f"The model file is larger than {MAX_BUNDLE_MB:g} MB.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise BundleError(
            "This is not a GenreLab model bundle (a .zip downloaded from the "
            "Train page)."
        ) from None
    with archive, tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        names = set(archive.namelist())
        for name in (*REQUIRED_FILES, *OPTIONAL_FILES):
            # Only fixed names are extracted: no path from the archive is used.
            # Each is unpacked through a bounded reader: a small zip can
            # declare, or hold, gigabytes.
            if name in names:
                limit = megabytes(
                    MAX_BUNDLE_MB
                    if name in (MODEL_FILE, AUDIO_MODEL_FILE)
                    else LIMITS.bundle_text_mb
                )
                try:
                    content = read_member(archive, name, limit, BundleError)
                except (zipfile.BadZipFile, OSError, EOFError, RuntimeError):
                    raise BundleError(
                        f"The model bundle is damaged: its {name} cannot be unpacked."
                    ) from None
                (folder / name).write_bytes(content)
        return load_bundle(folder)
