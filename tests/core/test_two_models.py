"""core.two_models: two models' answers compared song by song."""

from __future__ import annotations

import pandas as pd
import pytest

from core import predict, songs, two_models


def table(answers: list[str], splits: list[str] | None = None) -> pd.DataFrame:
    """A predictions table of five songs whose true genres are fixed."""
    truth = ["Rock", "Rock", "Jazz", "Rap", "Blues"]
    return pd.DataFrame(
        {
            songs.SPLIT: splits or [songs.TEST] * 5,
            "artist_name": ["A", "B", "empty_field", "D", "E"],
            "track_name": ["a", "b", "c", "d", "e"],
            songs.SONG: ["A - a", "B - b", "c", "D - d", "E - e"],
            songs.TRUE_GENRE: truth,
            songs.LISTED: truth,
            predict.PREDICTED: answers,
        },
        index=[10, 11, 12, 13, 14],
    )


def check_sums(result: two_models.SongBySong) -> None:
    assert int(result.table.to_numpy().sum()) == result.rows
    assert result.fixed - result.broken == result.second_right - result.first_right
    assert len(result.flipped) == result.fixed + result.broken
    assert result.first_right == int(result.table.loc[two_models.RIGHT].sum())
    assert result.second_right == int(result.table[two_models.RIGHT].sum())


def test_counts_table_and_flips_of_five_songs():
    first = table(["Rock", "Alternative", "Jazz", "Hip-Hop", "Rock"])
    second = table(["Rock", "Rock", "Blues", "Rap", "Rock"])
    typed = pd.DataFrame({"instance_id": [5.0, 6.0, 7.0, 8.0, 9.0]}, index=first.index)

    result = two_models.song_by_song(first, second, typed)

    check_sums(result)
    assert (result.rows, result.first_right, result.second_right) == (5, 2, 3)
    assert result.table.loc["right", "right"] == 1  # song 10
    assert result.table.loc["wrong", "wrong"] == 1  # song 14
    assert (result.fixed, result.broken) == (2, 1)
    flipped = result.flipped
    assert list(flipped[two_models.CHANGE]) == ["fixed", "fixed", "broken"]
    assert list(flipped.index) == [11, 13, 12]
    assert flipped.loc[12, "artist_name"] == songs.UNKNOWN_ARTIST
    assert flipped.loc[11, two_models.FIRST_ANSWER] == "Alternative"
    assert flipped.loc[11, two_models.LINK] == "Predict?track=6"
    sentence = two_models.comparison_sentence(result, "Old", "New")
    assert sentence.startswith("New fixes 2 songs and breaks 1 of the 5 ")
    assert "most broken, Jazz that New calls Blues (1)" in sentence


def test_training_tracks_of_either_model_are_left_out():
    first = table(
        ["Rock"] * 5, [songs.TRAINING, songs.TEST, songs.TEST, "test", "test"]
    )
    second = table(
        ["Rap"] * 5, [songs.TEST, songs.TRAINING, songs.TEST, "test", "test"]
    )

    result = two_models.song_by_song(first, second)

    assert result.rows == 3
    check_sums(result)
    assert two_models.LINK not in result.flipped


def test_the_same_answers_are_said_as_such():
    first = table(["Rock", "Jazz", "Jazz", "Rap", "Rock"])
    result = two_models.song_by_song(first, first.copy())
    check_sums(result)
    assert result.flipped.empty
    assert "exactly the same songs" in two_models.comparison_sentence(result, "A", "B")


def test_two_tiny_models_on_the_same_tracks_add_up(
    separable_typed, drop_run, impute_run
):
    first = songs.predictions_table(drop_run.bundle, separable_typed)
    second = songs.predictions_table(impute_run.bundle, separable_typed)

    result = two_models.song_by_song(first, second, separable_typed)

    check_sums(result)
    assert result.rows > 0
    unseen = two_models.comparable_rows(first, second)
    assert not (first.loc[unseen, songs.SPLIT] == songs.TRAINING).any()
    links = result.flipped[two_models.LINK]
    assert all(link.startswith("Predict?track=") for link in links)


@pytest.mark.parametrize("rows", [0])
def test_nothing_to_compare_is_said(rows):
    empty = table(["Rock"] * 5).iloc[:rows]
    result = two_models.song_by_song(empty, empty)
    assert result.rows == 0
    assert two_models.comparison_sentence(result, "A", "B").startswith("No track")
