"""How a model holds up on tracks from another source (issue 25).

The other source is TidyTuesday's Spotify songs (``spotify_songs.csv``,
playlist genres from spotifyr): its edm, rap and rock playlists are the
genres it shares with the ten. Scoring is *shared*: only the genres a
source shares are scored, and Rap and Hip-Hop count as one genre (their
probabilities added), as most sources have only one of the two. *Strict*
scoring takes the ten as they are.

:func:`other_source_figures` is what ``python -m core transfer`` records in
a bundle's metrics (``other_source``) for its model card and the Evaluate
page, and what ``benchmarks/transfer.py`` prints.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from core import data, features, novelty, predict, schema
from core.bundle import Bundle
from core.errors import DataError

# The metrics key of the figures (core.model_card, pages/3_Evaluate.py).
METRICS_KEY = "other_source"
# The other source's playlist genre column and the genres it shares with the
# ten (pop, latin and r&b are not among them).
OTHER_LABEL = "playlist_genre"
SHARED_GENRES = {"edm": "Electronic", "rap": "Rap", "rock": "Rock"}
# Counted as one genre in the shared scoring.
MERGED = ("Rap", "Hip-Hop")


def merged_genres() -> list[str]:
    """The ten genres with Rap and Hip-Hop as one (named after the first)."""
    return [genre for genre in schema.GENRES if genre != MERGED[1]]


def merge_probabilities(probabilities: np.ndarray) -> np.ndarray:
    """Columns of :func:`merged_genres`: Hip-Hop's probability added to Rap's."""
    merged = probabilities.copy()
    rap, hip_hop = (schema.GENRES.index(genre) for genre in MERGED)
    merged[:, rap] += merged[:, hip_hop]
    return np.delete(merged, hip_hop, axis=1)


def merge_labels(labels: list[str]) -> list[str]:
    """Genres with Hip-Hop named Rap (the shared scoring)."""
    return [MERGED[0] if label == MERGED[1] else label for label in labels]


def top_k_hits(
    labels: list[str], probabilities: np.ndarray, genres: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Per row: whether the true genre is first, and whether it is in the top two."""
    codes = np.array([genres.index(label) for label in labels], dtype=np.int64)
    order = np.argsort(-probabilities, axis=1, kind="stable")
    return order[:, 0] == codes, (order[:, :2] == codes[:, None]).any(axis=1)


def top_k(labels: list[str], probabilities: np.ndarray, genres: list[str]) -> dict:
    """Top-1 and top-2 accuracy of rows whose true genre is in ``genres``."""
    top1, top2 = top_k_hits(labels, probabilities, genres)
    return {
        "rows": len(top1),
        "top1": float(top1.mean()) if len(top1) else None,
        "top2": float(top2.mean()) if len(top2) else None,
    }


def scores(labels: list[str], probabilities: np.ndarray) -> dict[str, dict]:
    """Strict and shared scoring of the same predictions."""
    return {
        "strict": top_k(labels, probabilities, list(schema.GENRES)),
        "shared": top_k(
            merge_labels(labels), merge_probabilities(probabilities), merged_genres()
        ),
    }


def check_reference(bundle: Bundle) -> None:
    """Refuse a model of other genres than the study's ten: the figures compare those.

    Raises:
        DataError: in words.
    """
    if not bundle.genres.is_reference:
        raise DataError(
            "These figures score a model of the study's ten genres on another "
            f"source's shared genres; this model's genres are "
            f"{', '.join(bundle.genres.names)}. Evaluate it on a file of its "
            "own genres instead."
        )


def labelled_figures(bundle: Bundle, typed: pd.DataFrame, labels: list[str]) -> dict:
    """Strict and shared scores of labelled rows, their novelty and bands.

    Args:
        bundle: the model.
        typed: the rows (a typed frame).
        labels: each row's true genre, one of the ten.

    Returns:
        ``strict`` and ``shared`` (:func:`scores`), ``median_novelty``,
        ``unusual_share`` (novelty >= core.novelty.UNUSUAL) and
        ``by_novelty`` (core.novelty.accuracy_by_novelty of the shared top-1);
        rows the model cannot predict are left out.
    """
    check_reference(bundle)
    choice = predict.file_choice(bundle, typed)
    result = predict.predict_frame(bundle, typed, choice=choice)
    usable = (result[predict.REASON] == "").to_numpy()
    columns = predict.probability_columns(bundle.genres.names)
    probabilities = result.loc[usable, columns].to_numpy()
    kept = [label for label, use in zip(labels, usable, strict=True) if use]
    figures: dict = scores(kept, probabilities)
    if bundle.audio_network is not None:
        figures["network"] = (
            "the network without popularity"
            if choice.audio_only
            else "the network with popularity"
        )
    scores_of_rows = result.loc[usable, predict.NOVELTY].to_numpy(dtype=float)
    if np.isnan(scores_of_rows).all():
        return figures
    correct, _ = top_k_hits(
        merge_labels(kept), merge_probabilities(probabilities), merged_genres()
    )
    figures["median_novelty"] = float(np.nanmedian(scores_of_rows))
    figures["unusual_share"] = float((scores_of_rows >= novelty.UNUSUAL).mean())
    figures["by_novelty"] = novelty.accuracy_by_novelty(correct, scores_of_rows)
    return figures


def other_source_figures(bundle: Bundle, path: str | Path) -> dict:
    """The model on the other source's shared genres, with and without popularity.

    Args:
        bundle: the model.
        path: TidyTuesday's ``spotify_songs.csv``.

    Returns:
        ``source`` (the file's name), ``genres`` (its shared genres and the
        ones they count as), ``with_popularity`` and ``without_popularity``
        (:func:`labelled_figures`; without: the column left empty, so the
        model fills its typical value).

    Raises:
        DataError: the file cannot be read or has no playlist genre column.
    """
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    if OTHER_LABEL not in raw.columns:
        raise DataError(
            f"{Path(path).name} has no {OTHER_LABEL} column: it is not "
            "TidyTuesday's Spotify songs."
        )
    typed = data.load_csv(path)
    chosen = raw[OTHER_LABEL].isin(list(SHARED_GENRES)).to_numpy()
    labels = raw.loc[chosen, OTHER_LABEL].map(SHARED_GENRES).tolist()
    rows = typed[chosen]
    return {
        "source": Path(path).name,
        "genres": dict(SHARED_GENRES),
        "with_popularity": labelled_figures(bundle, rows, labels),
        "without_popularity": labelled_figures(
            bundle, features.without_popularity(rows), labels
        ),
    }


def test_track_figures(bundle: Bundle, typed: pd.DataFrame) -> dict:
    """:func:`labelled_figures` of the bundle's own test tracks (its seeded split).

    Args:
        bundle: a model trained on ``typed``.
        typed: its training file, labelled.
    """
    from core import pipeline

    test_rows = pipeline.split_rows(typed, bundle.config, bundle.genres)[1]
    return labelled_figures(bundle, test_rows, test_rows[schema.TARGET].tolist())
