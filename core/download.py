"""Where the Kaggle dataset is, and fetching it from Kaggle."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from core.errors import DataError

DATA_PATH_VARIABLE = "MUSIC_GENRE_CSV"

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_DATA_PATH = PROJECT_ROOT / "data" / "music_genre.csv"

KAGGLE_DATASET = "vicsuperman/prediction-of-music-genre"

KAGGLE_FILE = "music_genre.csv"


def resolve_data_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where the dataset is: the explicit path, else $MUSIC_GENRE_CSV, else data/.

    Args:
        explicit: a path given by the user, if any.

    Returns:
        The path to read; it may not exist (callers say how to get the data).
    """
    if explicit:
        return Path(explicit)
    from_environment = os.environ.get(DATA_PATH_VARIABLE)
    if from_environment:
        return Path(from_environment)
    return DEFAULT_DATA_PATH


def download_dataset(destination: str | os.PathLike[str] = DEFAULT_DATA_PATH) -> Path:
    """Fetch the dataset from Kaggle (no account needed) and copy it to ``destination``.

    Args:
        destination: where to put ``music_genre.csv``.

    Returns:
        The destination path.

    Raises:
        DataError: Kaggle could not be reached, or the download did not hold
            the expected file.
    """
    try:
        import kagglehub
    except ImportError:  # pragma: no cover - kagglehub is a runtime requirement
        raise DataError("The kagglehub package is not installed.") from None
    try:
        folder = Path(kagglehub.dataset_download(KAGGLE_DATASET))
    except Exception as error:  # kagglehub raises many network error types
        raise DataError(
            "Could not download the dataset from Kaggle "
            f"({type(error).__name__}); check the internet connection, or "
            "download music_genre.csv by hand and upload it."
        ) from None
    found = folder / KAGGLE_FILE
    if not found.is_file():
        matches = sorted(folder.rglob(KAGGLE_FILE))
        if not matches:
            raise DataError(f"The Kaggle download did not contain {KAGGLE_FILE}.")
        found = matches[0]
    from core.data import load_csv  # reading needs none of this module

    load_csv(found, require_label=True)
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_suffix(".part")
    shutil.copyfile(found, partial)
    partial.replace(destination)
    return destination
