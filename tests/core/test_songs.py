"""core.songs.

Find a track, recompute the model's split, confusion cells, songs alike.
"""

from __future__ import annotations

import numpy as np
import pytest

from core import data, predict, schema, songs
from tests.conftest import csv_bytes, row, separable_rows


@pytest.fixture(scope="module")
def named_typed():
    """Separable tracks.

    Two of them by the dataset's 'empty_field' artist, one listed twice.
    """
    rows = separable_rows(per_genre=6, seed=4)
    rows[0]["artist_name"] = songs.EMPTY_ARTIST
    rows.append(
        dict(
            rows[5],
            music_genre="Hip-Hop" if rows[5]["music_genre"] != "Hip-Hop" else "Rap",
        )
    )
    return data.load_csv(csv_bytes(rows), require_label=True)


def test_song_labels_say_unknown_artist_for_empty_field():
    assert songs.song_label("empty_field", "Intro") == "unknown artist — Intro"
    assert songs.song_label("Björk ", " Army of Me") == "Björk — Army of Me"


def test_the_song_index_lists_each_track_once_with_all_its_genres(named_typed):
    index = songs.song_index(named_typed)
    assert len(index) == len(named_typed) - 1  # the repeated track counts once
    twice = index.loc[5, songs.LISTED].split(", ")
    assert len(twice) == 2 and named_typed.loc[5, schema.TARGET] in twice
    assert index.loc[0, songs.SONG].startswith("unknown artist — ")


def test_search_matches_every_word_in_any_case(named_typed):
    index = songs.song_index(named_typed)
    found = songs.search(index, "ARTIST 3-2")
    assert list(found[songs.SONG]) == ["Artist 3-2 — Track 3-2"]
    assert len(songs.search(index, "track 1-")) == 6
    assert songs.search(index, "   ").empty
    assert songs.search(index, "no such song").empty
    assert len(songs.search(index, "track", limit=4)) == 4


def test_the_split_is_known_for_the_training_data_only(impute_run, separable_typed):
    membership = songs.model_split(impute_run.bundle, separable_typed)
    assert membership is not None
    test = impute_run.metrics["test"]["n_rows"]
    assert (membership == songs.TEST).sum() == test
    assert (membership == songs.TRAINING).sum() == impute_run.metrics["train"]["n_rows"]
    changed = separable_typed.copy()
    changed.loc[changed.index[0], "energy"] = 0.123
    assert songs.model_split(impute_run.bundle, changed) is None
    bundle = impute_run.bundle
    without = type(bundle)(**{**bundle.__dict__, "info": {}})
    assert songs.model_split(without, separable_typed) is None


@pytest.mark.parametrize("split_name", [songs.TEST, songs.TRAINING])
def test_every_confusion_cell_lists_as_many_songs_as_the_matrix_counts(
    split_name, impute_run, separable_typed
):
    table = songs.predictions_table(impute_run.bundle, separable_typed)
    assert songs.splits_of(table) == [songs.TEST, songs.TRAINING]
    stored = impute_run.metrics["test" if split_name == songs.TEST else "train"]
    matrix = songs.confusion_counts(table, split_name, schema.GENRES)
    assert matrix == stored["confusion_matrix"]
    for true_position, true_genre in enumerate(schema.GENRES):
        for predicted_position, predicted_genre in enumerate(schema.GENRES):
            cell = songs.cell_songs(table, split_name, true_genre, predicted_genre)
            assert len(cell) == matrix[true_position][predicted_position]
            assert (cell[songs.TRUE_GENRE] == true_genre).all()
            assert (cell[predict.PREDICTED] == predicted_genre).all()
            assert cell[songs.CONFIDENCE].is_monotonic_decreasing


def test_other_data_is_all_tracks(impute_run):
    other = data.load_csv(
        csv_bytes(separable_rows(per_genre=3, seed=8)), require_label=True
    )
    table = songs.predictions_table(impute_run.bundle, other)
    assert songs.splits_of(table) == [songs.TRACKS]
    assert len(table) == len(other)


def test_surprise_picks_a_test_track_it_got_right_or_wrong(impute_run, separable_typed):
    table = songs.predictions_table(impute_run.bundle, separable_typed)
    generator = np.random.default_rng(0)
    for right in (True, False):
        picked = songs.surprise(table, right, generator)
        if picked is None:
            test = table[table[songs.SPLIT] == songs.TEST]
            hits = test[predict.PREDICTED] == test[songs.TRUE_GENRE]
            assert hits.all() if not right else not hits.any()
            continue
        chosen = table.loc[picked]
        assert chosen[songs.SPLIT] == songs.TEST
        assert (chosen[predict.PREDICTED] == chosen[songs.TRUE_GENRE]) == right


def test_a_track_of_the_data_is_its_own_nearest_neighbour(impute_run, named_typed):
    index = songs.sound_index(impute_run.bundle, named_typed)
    for position in (0, 11, 40):
        track = named_typed.iloc[[position]]
        near = songs.nearest_tracks(impute_run.bundle, index, track, k=5)
        assert near.index[0] == track.index[0]
        assert near["distance"].iloc[0] == pytest.approx(0.0, abs=1e-6)
        assert list(near["rank"]) == [1, 2, 3, 4, 5]
        assert near["distance"].is_monotonic_increasing


def test_the_closest_track_of_another_genre_differs_in_words(impute_run, named_typed):
    index = songs.sound_index(impute_run.bundle, named_typed)
    track = named_typed.iloc[[3]]
    own = predict.predict_frame(impute_run.bundle, track)[predict.PREDICTED].iloc[0]
    other = songs.closest_of_another_genre(impute_run.bundle, index, track, own)
    assert other is not None and other[predict.PREDICTED] != own
    assert other["distance"] > 0
    gaps, words = songs.differences(
        impute_run.bundle, track, named_typed.loc[[other.name]]
    )
    assert words.startswith("the same, but ")
    assert 1 <= len(gaps) <= 3
    assert [abs(gap) for _, gap in gaps] == sorted(
        (abs(gap) for _, gap in gaps), reverse=True
    )


def test_differences_of_a_track_with_itself():
    from core import config, pipeline

    typed = data.load_csv(csv_bytes(separable_rows(per_genre=3)), require_label=True)
    run = pipeline.train_from_frame(typed, config.TrainingConfig(epochs=1))
    track = typed.iloc[[0]]
    gaps, words = songs.differences(run.bundle, track, track)
    assert gaps == [] and words == "almost the same in every feature"
    louder = data.load_csv(csv_bytes([row(loudness="-2.0")]))
    quieter = data.load_csv(csv_bytes([row(loudness="-30.0")]))
    _, words = songs.differences(run.bundle, louder, quieter)
    assert "quieter" in words


def test_similar_table_lists_k_neighbours_per_row_and_keeps_bad_rows(
    impute_run, named_typed
):
    index = songs.sound_index(impute_run.bundle, named_typed)
    inputs = data.load_csv(
        csv_bytes(
            [
                {
                    key: str(value)
                    for key, value in named_typed.iloc[7].items()
                    if key in named_typed.columns and key != "row_problem"
                },
                row(key="H"),
            ]
        )
    )
    table = songs.similar_table(impute_run.bundle, index, inputs, k=4)
    assert list(table.columns) == songs.SIMILAR_COLUMNS
    first = table[table[songs.INPUT_ROW] == 0]
    assert first[songs.RANK].tolist() == [1, 2, 3, 4]
    assert first[songs.DISTANCE].iloc[0] == pytest.approx(0.0, abs=1e-5)
    assert first["track_name"].iloc[0] == named_typed.iloc[7]["track_name"]
    assert (first[songs.REASON] == "").all()
    bad = table[table[songs.INPUT_ROW] == 1]
    assert len(bad) == 1 and "key 'H'" in bad[songs.REASON].iloc[0]


def test_a_groups_songs_are_its_rows_mistakes_first_surest_first():
    import pandas as pd

    table = pd.DataFrame(
        {
            songs.TRUE_GENRE: ["Rock", "Rock", "Jazz", "Rap", "Rap"],
            predict.PREDICTED: ["Rock", "Jazz", "Jazz", "Rock", "Rap"],
            songs.CONFIDENCE: [0.9, 0.5, 0.7, 0.8, 0.6],
        },
        index=[10, 11, 12, 13, 14],
    )
    listed = songs.rows_songs(table, pd.Index([14, 13, 11, 10, 99]))

    assert listed.index.tolist() == [13, 11, 10, 14]
    assert list(listed.columns) == list(table.columns)
