"""core.label_issues: listings whose genre the model finds very unlikely."""

from __future__ import annotations

import numpy as np
import pytest

from core import data, label_issues, schema, songs
from tests.conftest import csv_bytes, separable_rows

# Rows of the new file whose genre is changed to one far from their sound.
PLANTED = (0, 12, 24, 36, 48)


@pytest.fixture(scope="module")
def planted_file():
    """60 new separable tracks (not the model's training data), 5 of them
    listed under a wrong genre, and a wrong track listed again under its
    right genre."""
    rows = separable_rows(per_genre=6, seed=9)
    right = {}
    for position in PLANTED:
        genre = schema.GENRES.index(rows[position]["music_genre"])
        right[position] = rows[position]["music_genre"]
        rows[position]["music_genre"] = schema.GENRES[(genre + 5) % len(schema.GENRES)]
    rows.append(dict(rows[PLANTED[0]], music_genre=right[PLANTED[0]]))
    return data.load_csv(csv_bytes(rows), require_label=True), right


def test_planted_label_errors_are_found(drop_run, planted_file):
    typed, right = planted_file
    issues = label_issues.file_label_issues(drop_run.bundle, typed)
    assert not issues.held_out.test_split and issues.held_out.learned == 0
    flagged = issues.table[issues.table["label_quality"] < label_issues.UNLIKELY]
    assert set(flagged["row"]) == set(PLANTED)
    assert issues.flagged == len(PLANTED)
    for _, listing in flagged.iterrows():
        assert listing["suggested_genre"] == right[listing["row"]]
        assert listing["listed_genre"] != listing["suggested_genre"]


def test_every_listing_of_a_flagged_track_is_shown_next_to_it(drop_run, planted_file):
    typed, right = planted_file
    table = label_issues.file_label_issues(drop_run.bundle, typed).table
    assert list(table.columns) == label_issues.ISSUE_COLUMNS
    again = len(typed) - 1
    listings = table[table["track_name"] == typed.loc[PLANTED[0], "track_name"]]
    assert set(listings["row"]) == {PLANTED[0], again}
    # Side by side, the flagged listing first; the other is the model's choice.
    positions = listings.index.to_list()
    assert positions[1] == positions[0] + 1
    assert listings.iloc[0]["row"] == PLANTED[0]
    assert listings.iloc[1]["listed_genre"] == right[PLANTED[0]]
    assert listings.iloc[1]["label_quality"] > 0.5
    # Most likely wrong first, a track's listings together.
    assert table["label_quality"].iloc[0] == table["label_quality"].min()
    assert len(table) == len(PLANTED) + 1


def test_label_quality_is_the_listed_genres_probability():
    probabilities = np.array([[0.7, 0.2, 0.1], [0.5, 0.49, 0.01], [0.9, 0.1, 0.0]])
    labels = np.array([1, 2, 0])
    np.testing.assert_allclose(
        label_issues.label_quality(labels, probabilities), [0.2, 0.01, 0.9]
    )
    flagged = label_issues.find_label_issues(labels, probabilities)
    assert flagged.tolist() == [False, True, False]


def test_a_models_own_training_tracks_are_never_checked(impute_run, separable_typed):
    issues = label_issues.file_label_issues(impute_run.bundle, separable_typed)
    membership = songs.model_split(impute_run.bundle, separable_typed)
    test_rows = set(membership.index[membership == songs.TEST])
    assert issues.held_out.test_split
    assert set(issues.held_out.rows.index) == test_rows
    assert set(issues.table["row"]) <= test_rows


def test_cross_validated_probabilities_find_errors_in_the_training_tracks():
    from core import held_out
    from tests.conftest import tiny_config

    rows = separable_rows(per_genre=15, seed=3)
    for position in PLANTED:
        genre = schema.GENRES.index(rows[position]["music_genre"])
        rows[position]["music_genre"] = schema.GENRES[(genre + 5) % len(schema.GENRES)]
    rows[1]["music_genre"] = "Polka"  # not one of the genres: unlabelled
    typed = data.load_csv(csv_bytes(rows), require_label=True)
    folds = []
    scored = held_out.cross_validated_predictions(
        typed,
        tiny_config(unknowns="drop", epochs=20),
        folds=3,
        on_fold=lambda number, count: folds.append((number, count)),
    )
    assert folds == [(0, 3), (1, 3), (2, 3)]
    assert (scored.unlabelled, scored.unpredictable, scored.learned) == (1, 0, 0)
    assert len(scored.rows) == len(rows) - 1
    np.testing.assert_allclose(scored.probabilities.sum(axis=1), 1.0, atol=1e-6)
    flagged = label_issues.find_label_issues(scored.labels, scored.probabilities)
    found = set(scored.rows.index[flagged])
    # Every planted error, and at most one track trained on so few rows
    # mistakes for another genre.
    assert set(PLANTED) <= found and len(found - set(PLANTED)) <= 1, found
    with pytest.raises(ValueError, match="Folds must be"):
        held_out.cross_validated_predictions(typed, tiny_config(), folds=1)
    one_track = data.load_csv(csv_bytes([rows[0]] * 12 + [rows[2]] * 12), True)
    with pytest.raises(ValueError, match="needs at least 3 different tracks"):
        held_out.cross_validated_predictions(one_track, tiny_config(), folds=3)
