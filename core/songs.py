"""From numbers to songs and back.

Find a track, which split it was in, what the model called it, what sounds
alike. Everything here works on the loaded dataset (a typed frame) and a
bundle:

- a song index (one entry per track: artist + title, the genres it is
  listed under) and a search over it;
- the model's own split, recomputed from its saved settings when the data is
  the data it was trained on (its fingerprint matches), so each row is known
  to be a training or a test track; otherwise every row is just a "track";
- every row's prediction, which the confusion-cell tables and "Surprise me"
  draw from;
- the nearest tracks in the model's own inputs (scikit-learn's
  ``NearestNeighbors``), and the nearest the model puts in another genre,
  with the features that differ most, in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core import data, evaluate, features, predict, schema, tables, wording
from core.bundle import Bundle
from core.genres import default_order
from core.tables import PROBLEM_COLUMN, label_codes, track_keys

# The Kaggle file's placeholder for a missing artist.
EMPTY_ARTIST = "empty_field"
UNKNOWN_ARTIST = "unknown artist"
TRAINING, TEST, TRACKS = "training", "test", "tracks"

# Columns of predictions_table().
SPLIT = "split"
TRUE_GENRE = "true_genre"
LISTED = "listed_genres"
CONFIDENCE = "confidence"
SONG = "song"


def song_label(artist: object, title: object) -> str:
    """ "Artist — Title", with "unknown artist" for the dataset's ``empty_field``."""
    artist_text = str(artist).strip() if artist is not None else ""
    if artist_text in ("", EMPTY_ARTIST, "nan"):
        artist_text = UNKNOWN_ARTIST
    return f"{artist_text} — {str(title).strip()}"


def _labels(frame: pd.DataFrame) -> pd.Series:
    if not tables.has_track_names(frame):
        return pd.Series([f"row {n + 1}" for n in frame.index], index=frame.index)
    artists = frame["artist_name"].astype(str).str.strip()
    artists = artists.where(~artists.isin(["", EMPTY_ARTIST]), UNKNOWN_ARTIST)
    return artists + " — " + frame["track_name"].astype(str).str.strip()


def _listed_text(bits: np.ndarray, genres: Sequence[str]) -> list[str]:
    names = {
        value: ", ".join(evaluate.genres_of_bits(value, genres)) for value in set(bits)
    }
    return [names[value] for value in bits]


def _file_listed_bits(rows: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Each row's track's labels as :func:`core.evaluate.genre_bits_by_track`, and
    the labels (the file's genres, before any model's choice)."""
    labels = (
        rows[schema.TARGET]
        if schema.TARGET in rows.columns
        else pd.Series([None] * len(rows), index=rows.index, dtype=object)
    )
    names = default_order(labels.dropna().astype(str).unique())
    codes = (
        labels.map({name: code for code, name in enumerate(names)})
        .fillna(-1)
        .to_numpy(dtype=np.int64)
    )
    keys = track_keys(rows)
    ids = np.arange(len(rows)) if keys is None else keys.to_numpy()
    return evaluate.genre_bits_by_track(ids, codes, len(names)), names


def song_index(typed: pd.DataFrame) -> pd.DataFrame:
    """One row per track (its first row in the file) that a model could be shown.

    Returns:
        Indexed like ``typed`` (the track's first row): ``song`` ("Artist —
        Title"), ``listed_genres`` (every genre the track is listed under,
        "Rap, Hip-Hop"), and ``search`` (lower-case text to match).
    """
    usable = typed[typed[PROBLEM_COLUMN] == ""]
    keys = track_keys(usable)
    first = usable if keys is None else usable[~keys.duplicated()]
    listed, names = _file_listed_bits(usable)
    bits = pd.Series(listed, index=usable.index)
    labels = _labels(first)
    return pd.DataFrame(
        {
            SONG: labels,
            LISTED: _listed_text(bits.loc[first.index].to_numpy(), names),
            "search": labels.str.lower(),
        },
        index=first.index,
    )


def search(index: pd.DataFrame, query: str, limit: int = 25) -> pd.DataFrame:
    """Tracks whose artist or title has every word of ``query`` (any case), best first.

    Tracks whose label starts with the query come first, then the rest in
    file order.
    """
    words = query.lower().split()
    if not words:
        return index.iloc[:0]
    found = np.ones(len(index), dtype=bool)
    for word in words:
        found &= index["search"].str.contains(word, regex=False).to_numpy()
    matches = index[found]
    starts = matches["search"].str.startswith(" ".join(words)).to_numpy()
    return pd.concat([matches[starts], matches[~starts]]).iloc[:limit]


def model_split(bundle: Bundle, typed: pd.DataFrame) -> pd.Series | None:
    """Which rows the model trained on and which it was tested on, when that is known.

    Returns:
        ``"training"`` or ``"test"`` per row ("" for rows the model's
        cleaning dropped), indexed like ``typed``; None when ``typed`` is not
        the data the model was trained on (its fingerprint differs, or the
        bundle predates fingerprints), so nothing can be said.
    """
    saved = bundle.info.get("data_fingerprint")
    if not saved or saved != tables.fingerprint(typed):
        return None
    cleaned, _ = features.clean(
        typed, bundle.config.unknowns, label_codes(typed, bundle.genres)
    )
    train, test = features.split(cleaned, bundle.config, bundle.genres)
    membership = pd.Series("", index=typed.index, dtype=object)
    membership.loc[train.index] = TRAINING
    membership.loc[test.index] = TEST
    return membership


def predictions_table(bundle: Bundle, typed: pd.DataFrame) -> pd.DataFrame:
    """The model's prediction for every labelled row it can predict, with song facts.

    Returns:
        Indexed like ``typed``: ``split`` ("training" / "test" when the
        model's split is known, else "tracks"), ``song``, ``artist_name``
        and ``track_name`` (when present), ``true_genre``, ``listed_genres``,
        ``predicted_genre``, ``second_genre``, ``confidence`` (the top
        probability) and one ``p_<Genre>`` column per genre.
    """
    genres = bundle.genres
    labelled = typed[label_codes(typed, genres) >= 0]
    predictions = predict.predict_frame(bundle, labelled)
    predicted = predictions[predict.REASON] == ""
    rows = labelled[predicted.to_numpy()]
    predictions = predictions[predicted]
    membership = model_split(bundle, typed)
    split = (
        membership.loc[rows.index]
        if membership is not None
        else pd.Series(TRACKS, index=rows.index)
    )
    bits = pd.Series(evaluate.listed_genre_bits(typed, genres), index=typed.index)
    columns = predict.probability_columns(genres.names)
    table = pd.DataFrame(
        {
            SPLIT: split,
            SONG: _labels(rows),
            # The genre each label counts as for this model (its merges).
            TRUE_GENRE: rows[schema.TARGET].map(genres.name_of),
            LISTED: _listed_text(bits.loc[rows.index].to_numpy(), genres.names),
            predict.PREDICTED: predictions[predict.PREDICTED],
            predict.SECOND: predictions[predict.SECOND],
            CONFIDENCE: predictions[columns].max(axis=1),
        },
        index=rows.index,
    )
    for column in ("artist_name", "track_name"):
        if column in rows.columns:
            table.insert(2, column, rows[column])
    table = table[table[SPLIT] != ""]
    return table.join(predictions[columns])


def splits_of(table: pd.DataFrame) -> list[str]:
    """The splits a predictions table holds, test first.

    ["test", "training"] or ["tracks"].
    """
    present = set(table[SPLIT])
    return [name for name in (TEST, TRAINING, TRACKS) if name in present]


def confusion_counts(
    table: pd.DataFrame, split: str, genres: Sequence[str]
) -> list[list[int]]:
    """The confusion matrix (rows: true genre, columns: predicted) of a split's rows."""
    rows = table[table[SPLIT] == split]
    codes = {genre: code for code, genre in enumerate(genres)}
    matrix = np.zeros((len(genres),) * 2, dtype=int)
    np.add.at(
        matrix,
        (
            rows[TRUE_GENRE].map(codes).to_numpy(),
            rows[predict.PREDICTED].map(codes).to_numpy(),
        ),
        1,
    )
    return matrix.tolist()


def cell_songs(
    table: pd.DataFrame, split: str, true_genre: str, predicted: str
) -> pd.DataFrame:
    """The rows of one confusion cell.

    Tracks of ``true_genre`` the model called ``predicted``.
    """
    chosen = (
        (table[SPLIT] == split)
        & (table[TRUE_GENRE] == true_genre)
        & (table[predict.PREDICTED] == predicted)
    )
    return table[chosen].sort_values(CONFIDENCE, ascending=False)


def rows_songs(table: pd.DataFrame, rows: pd.Index) -> pd.DataFrame:
    """The songs of some rows of the data (a group's), the model's mistakes first.

    Rows the predictions table lacks (not predicted, unlabelled) are left
    out; within right and wrong, the model's surest first.
    """
    listed = table.loc[table.index.intersection(rows)]
    wrong = listed[TRUE_GENRE] != listed[predict.PREDICTED]
    return (
        listed.assign(_right=~wrong)
        .sort_values(["_right", CONFIDENCE], ascending=[True, False], kind="stable")
        .drop(columns="_right")
    )


def surprise(table: pd.DataFrame, right: bool, rng: np.random.Generator) -> int | None:
    """A random test track the model got right or wrong.

    Or any track, when the split is unknown.

    Returns:
        Its index in the typed frame, or None when there is none.
    """
    split = TEST if TEST in set(table[SPLIT]) else TRACKS
    rows = table[table[SPLIT] == split]
    hits = rows[predict.PREDICTED] == rows[TRUE_GENRE]
    pool = rows[hits if right else ~hits]
    if pool.empty:
        return None
    return int(pool.index[int(rng.integers(len(pool)))])


# --- tracks that sound alike ----------------------------------------------------

NEIGHBOURS = 10
# Candidates searched for the closest track of another genre before giving up.
OTHER_GENRE_CANDIDATES = 500


@dataclass
class SoundIndex:
    """The loaded tracks in the model's own inputs, for nearest-neighbour queries."""

    # One row per track the model can predict (its first row in the file):
    # song, listed genres, predicted genre, and the raw feature values.
    tracks: pd.DataFrame
    # scikit-learn NearestNeighbors fitted on the tracks' model inputs.
    neighbours: Any


def sound_index(bundle: Bundle, typed: pd.DataFrame) -> SoundIndex:
    """Index every track of the loaded data by how the model sees it.

    The distance is Euclidean in the model's own inputs (the preprocessor's
    standardised features, key and mode one-hot, bins), so "alike" means alike
    to this model. A track listed several times counts once (its first row).
    """
    from sklearn.neighbors import NearestNeighbors

    index = song_index(typed)
    rows = typed.loc[index.index]
    usable, _ = bundle.preprocessor.usable_rows(rows)
    rows, index = rows[usable], index[usable]
    inputs = bundle.preprocessor.transform(rows)
    probabilities = bundle.network.probabilities(inputs)
    tracks = pd.DataFrame(
        {
            SONG: index[SONG],
            LISTED: index[LISTED],
            predict.PREDICTED: np.asarray(bundle.genres.names)[
                probabilities.argmax(axis=1)
            ],
        },
        index=rows.index,
    )
    for column in schema.FEATURE_COLUMNS:
        tracks[column] = rows[column]
    for column in ("artist_name", "track_name", schema.TARGET):
        if column in rows.columns:
            tracks[column] = rows[column]
    # Brute force: exact, and on ~45,000 tracks one query takes a few ms.
    neighbours = NearestNeighbors(algorithm="brute").fit(inputs)
    return SoundIndex(tracks=tracks, neighbours=neighbours)


def _inputs_of(bundle: Bundle, row: pd.DataFrame) -> np.ndarray:
    usable, reasons = bundle.preprocessor.usable_rows(row)
    if not usable.all():
        raise data.DataError(f"This model cannot place the track: {reasons[0]}.")
    return bundle.preprocessor.transform(row)


def nearest_tracks(
    bundle: Bundle, index: SoundIndex, row: pd.DataFrame, k: int = NEIGHBOURS
) -> pd.DataFrame:
    """The ``k`` tracks nearest to a one-row typed frame, nearest first.

    Returns:
        ``index.tracks`` rows with ``rank`` (1..k) and ``distance`` added.
    """
    k = min(k, len(index.tracks))
    if k == 0:
        return index.tracks.assign(rank=[], distance=[])
    distances, positions = index.neighbours.kneighbors(
        _inputs_of(bundle, row), n_neighbors=k
    )
    found = index.tracks.iloc[positions[0]].copy()
    found.insert(0, "rank", np.arange(1, k + 1))
    found.insert(1, "distance", distances[0])
    return found


def closest_of_another_genre(
    bundle: Bundle, index: SoundIndex, row: pd.DataFrame, genre: str
) -> pd.Series | None:
    """The nearest track the model puts in a genre other than ``genre``.

    With its distance.
    """
    candidates = min(OTHER_GENRE_CANDIDATES, len(index.tracks))
    if candidates == 0:
        return None
    distances, positions = index.neighbours.kneighbors(
        _inputs_of(bundle, row), n_neighbors=candidates
    )
    found = index.tracks.iloc[positions[0]]
    other = (found[predict.PREDICTED] != genre).to_numpy()
    if not other.any():
        return None
    first = int(np.flatnonzero(other)[0])
    track = found.iloc[first].copy()
    track["distance"] = distances[0][first]
    return track


def differences(
    bundle: Bundle, row: pd.DataFrame, other: pd.DataFrame, top: int = 3
) -> tuple[list[tuple[str, float]], str]:
    """The features in which ``other`` differs most from ``row``, and a sentence on it.

    Differences are measured in the model's own scaled inputs (after its
    logarithms): standard deviations with standard scaling, so a step means
    as much for tempo as for energy; with the study's 0-1 scaling a quarter
    of the range counts as one.

    Returns:
        (feature, difference in standard units) pairs, largest first, and
        e.g. "the same, but much less speechy, slower and a little more acoustic".
    """
    inputs = _inputs_of(bundle, row)[0]
    theirs = _inputs_of(bundle, other)[0]
    names = bundle.preprocessor.feature_names
    scale = 1.0 if bundle.config.scaling == "standard" else 0.25
    gaps = []
    for feature in schema.NUMERIC_FEATURES:
        position = names.index(feature)
        gaps.append((feature, float(theirs[position] - inputs[position]) / scale))
    gaps.sort(key=lambda gap: -abs(gap[1]))
    chosen = [gap for gap in gaps[:top] if abs(gap[1]) >= 0.05]
    words = []
    for feature, gap in chosen:
        said = wording.FEATURE_WORDS[feature]
        more, less = said.higher, said.lower
        size = "much " if abs(gap) > 1.5 else "a little " if abs(gap) < 0.5 else ""
        words.append(size + (more if gap > 0 else less))
    key_mode = []
    if str(other[schema.KEY_COLUMN].iloc[0]) != str(row[schema.KEY_COLUMN].iloc[0]):
        key_mode.append(f"in {other[schema.KEY_COLUMN].iloc[0]}")
    if str(other[schema.MODE_COLUMN].iloc[0]) != str(row[schema.MODE_COLUMN].iloc[0]):
        key_mode.append(f"in {str(other[schema.MODE_COLUMN].iloc[0]).lower()}")
    words += key_mode
    if not words:
        return chosen, "almost the same in every feature"
    listed = (
        words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    )
    return chosen, f"the same, but {listed}"


INPUT_ROW = "input_row"
RANK = "rank"
DISTANCE = "distance"
REASON = "reason"
SIMILAR_COLUMNS = [
    INPUT_ROW,
    RANK,
    "artist_name",
    "track_name",
    schema.TARGET,
    DISTANCE,
    predict.PREDICTED,
    REASON,
]


def similar_table(
    bundle: Bundle, index: SoundIndex, typed: pd.DataFrame, k: int = NEIGHBOURS
) -> pd.DataFrame:
    """The ``k`` tracks of the index nearest to each row of ``typed``.

    For ``python -m core similar``.

    Returns:
        ``SIMILAR_COLUMNS``: one row per input row and neighbour, nearest
        first (``input_row`` is the row's 0-based position in its file, its
        index in ``typed``; ``music_genre`` every genre the neighbour is listed
        under); an input row that cannot be predicted gets one row with its
        ``reason``.
    """
    usable, reasons = bundle.preprocessor.usable_rows(typed)
    k = min(k, len(index.tracks))
    parts = []
    found_rows = typed[usable]
    if len(found_rows) and k:
        distances, positions = index.neighbours.kneighbors(
            bundle.preprocessor.transform(found_rows), n_neighbors=k
        )
        tracks = index.tracks
        parts.append(
            pd.DataFrame(
                {
                    INPUT_ROW: np.repeat(found_rows.index.to_numpy(), k),
                    RANK: np.tile(np.arange(1, k + 1), len(found_rows)),
                    "artist_name": tracks["artist_name"].to_numpy()[positions.ravel()]
                    if "artist_name" in tracks
                    else "",
                    "track_name": tracks["track_name"].to_numpy()[positions.ravel()]
                    if "track_name" in tracks
                    else "",
                    schema.TARGET: tracks[LISTED].to_numpy()[positions.ravel()],
                    DISTANCE: distances.ravel(),
                    predict.PREDICTED: tracks[predict.PREDICTED].to_numpy()[
                        positions.ravel()
                    ],
                    REASON: "",
                }
            )
        )
    if (~usable).any():
        parts.append(
            pd.DataFrame(
                {
                    INPUT_ROW: typed.index.to_numpy()[~usable],
                    RANK: pd.NA,
                    REASON: reasons[~usable],
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=SIMILAR_COLUMNS)
    table = pd.concat(parts, ignore_index=True).reindex(columns=SIMILAR_COLUMNS)
    order = np.lexsort(
        (table[RANK].fillna(0).to_numpy(dtype=float), table[INPUT_ROW].to_numpy())
    )
    return table.iloc[order].reset_index(drop=True)
