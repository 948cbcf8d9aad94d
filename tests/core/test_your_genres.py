"""A model's genres come from its data and the person's choices (issue 30).

Choosing, merging and leaving out genres (core.genres), training with 2, 6
and 64 genres, and every row not learned from counted by reason and label.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from core import bundle as bundles
from core import data, evaluate, genres, pipeline, predict, schema, tables
from core.errors import ConfigError, DataError
from core.model_card import GENRE_CHOICE, GROUPED_BY, SOURCE_KEY, model_card
from tests import oracles
from tests.bad_files.corpus import spotifyr_bytes
from tests.conftest import csv_bytes, genre_rows, row, tiny_config

TIDY_SIX = ["edm", "latin", "pop", "r&b", "rap", "rock"]


def labels(*counts: tuple[str, int]) -> pd.Series:
    return pd.Series([label for label, rows in counts for _ in range(rows)])


# --- choosing -------------------------------------------------------------------------


def test_every_genre_with_enough_tracks_the_study_s_first_then_alphabetical():
    choice = genres.choose(
        labels(("pop", 5), ("Rock", 5), ("edm", 4), ("Rap", 6), ("typo", 1)),
        min_tracks=3,
    )
    assert choice.genres.names == ("Rap", "Rock", "edm", "pop")
    assert choice.rows == {"Rap": 6, "Rock": 5, "edm": 4, "pop": 5}
    assert choice.left_out == {genres.TOO_FEW: {"typo": 1}}


def test_chosen_genres_keep_their_order_and_the_others_are_counted_by_label():
    choice = genres.choose(
        labels(("pop", 5), ("rock", 7), ("edm", 4), ("latin", 3)),
        keep=["rock", "EDM"],
    )
    assert choice.genres.names == ("rock", "edm")
    assert choice.left_out == {genres.NOT_CHOSEN: {"pop": 5, "latin": 3}}
    assert choice.left_out_rows == 8
    assert choice.sentences() == [
        "Left out 8 rows (genres not chosen): pop 5, latin 3."
    ]


def test_a_merge_gathers_labels_and_a_rename_renames():
    choice = genres.choose(
        labels(("Rap", 4), ("Hip-Hop", 3), ("hip hop", 1), ("r&b", 5), ("Jazz", 2)),
        merges=["Rap+Hip-Hop=Hip-Hop/Rap", "r&b=R&B"],
        min_tracks=3,
    )
    assert choice.genres.names == ("Hip-Hop/Rap", "R&B")
    assert choice.rows == {"Hip-Hop/Rap": 8, "R&B": 5}
    assert choice.left_out == {genres.TOO_FEW: {"Jazz": 2}}
    codes = choice.genres.codes(["rap", "HIP-HOP", "R & B", "Jazz", None])
    assert codes.tolist() == [0, 0, 1, -1, -1]


def test_blank_labels_are_counted_as_rows_of_no_genre():
    choice = genres.choose(pd.Series(["pop"] * 3 + ["rock"] * 3 + [None, ""]))
    assert choice.left_out == {genres.NO_GENRE: {"(blank)": 2}}


@pytest.mark.parametrize(
    ("options", "error", "named"),
    [
        ({"keep": ["pop", "polka"]}, ConfigError, "polka"),
        ({"merges": ["pop+polka=x"]}, ConfigError, "polka"),
        ({"merges": ["pop"]}, ConfigError, "A merge is written like"),
        ({"merges": ["pop+rock=a", "rock+edm=b"]}, ConfigError, "merged twice"),
        ({"keep": ["pop"]}, DataError, "at least two genres"),
        ({"min_tracks": 50}, DataError, "at least 50 tracks"),
    ],
)
def test_a_choice_that_cannot_be_made_is_refused_in_words(options, error, named):
    with pytest.raises(error, match=named):
        genres.choose(labels(("pop", 5), ("rock", 5), ("edm", 5)), **options)


def test_genres_round_trip_and_the_ten_are_the_default():
    chosen = genres.Genres(
        ("Hip-Hop/Rap", "Rock"), genres.parse_merges(["Rap+Hip-Hop=Hip-Hop/Rap"])
    )
    assert genres.Genres.from_dict(json.loads(json.dumps(chosen.to_dict()))) == chosen
    assert genres.Genres.from_dict({}) == genres.REFERENCE
    assert genres.REFERENCE.is_reference and not chosen.is_reference
    with pytest.raises(DataError, match="different names"):
        genres.Genres(("Rock", "ROCK"))


# --- training with other genres -------------------------------------------------------


def train(rows, **settings):
    typed = data.load_csv(csv_bytes(rows), require_label=True)
    return typed, pipeline.train_from_frame(typed, tiny_config(**settings))


def every_row_is_counted(run) -> None:
    cleaning = run.metrics["cleaning"]
    left_out = run.metrics[GENRE_CHOICE]["left_out"]
    assert cleaning["rows_in"] == (
        cleaning["blank_rows"]
        + cleaning["invalid_rows"]
        + cleaning["unlabelled_rows"]
        + cleaning["unknown_rows_dropped"]
        + cleaning["rows_out"]
    )
    assert cleaning["unlabelled_rows"] == sum(
        sum(rows.values()) for rows in left_out.values()
    )
    learned = sum(run.metrics[GENRE_CHOICE]["rows"].values())
    assert learned == cleaning["rows_out"] + cleaning["unknown_rows_dropped"]


def test_two_genres_give_two_outputs_and_no_top2():
    typed, run = train(genre_rows(["calm", "loud"], per_genre=30, seed=1))
    assert run.bundle.genres.names == ("calm", "loud")
    assert run.bundle.network.n_outputs == 2
    assert run.metrics["test"]["top2_accuracy"] is None
    assert run.metrics["test"]["accuracy"] > 0.8
    result = predict.predict_frame(run.bundle, typed)
    assert [c for c in result if c.startswith("p_")] == ["p_calm", "p_loud"]
    every_row_is_counted(run)


def train_on_the_command_line(path, out, *options: str) -> None:
    from core import cli

    assert cli.main(["train", "--data", str(path), "--out", str(out), *options]) == 0


def test_six_tidytuesday_genres_train_with_spotifyr_names(tmp_path):
    rows = genre_rows(TIDY_SIX, per_genre=20, seed=2)
    path = tmp_path / "spotify_songs.csv"
    path.write_bytes(spotifyr_bytes(rows))
    out = tmp_path / "six"
    train_on_the_command_line(
        path,
        out,
        "--preset",
        "recommended",
        "--epochs",
        "15",
        "--ensemble-size",
        "1",
        "--quiet",
    )
    saved = bundles.load_bundle(out)
    # spotifyr's lower-case rap and rock are the study's Rap and Rock.
    assert saved.genres.names == ("Rap", "Rock", "edm", "latin", "pop", "r&b")
    assert saved.network.n_outputs == 6
    card = (out / "README.md").read_text()
    assert "Kaggle dataset" not in card
    assert "`spotify_songs.csv`, read as the TidyTuesday Spotify songs" in card
    assert "column `playlist_genre`" in card
    assert "same Spotify track id" in card
    assert saved.info[SOURCE_KEY]["label_column"] == "playlist_genre"
    assert saved.metrics[GROUPED_BY] == tables.GROUPED_BY_TRACK_ID
    assert saved.metrics["test"]["accuracy"] > 0.5


def test_sixty_four_genres_train_predict_and_score(tmp_path):
    names = [f"style {number:02d}" for number in range(64)]
    typed, run = train(genre_rows(names, per_genre=12, seed=3), epochs=40)
    assert run.bundle.network.n_outputs == 64
    test = run.metrics["test"]
    assert len(test["confusion_matrix"]) == 64
    assert test["genres"] == names
    # Learnable, though small: far above the 1.6% of guessing.
    assert test["accuracy"] > 0.3
    # Past 62 genres the listed genres are Python integers, not 64-bit masks.
    assert test["fusion_accuracy"] == pytest.approx(test["accuracy"])
    card = model_card(run.bundle, "python -m core train")
    assert "too wide to read" in card
    every_row_is_counted(run)


def test_a_merge_applies_when_a_merged_model_scores_a_file(tmp_path):
    rows = genre_rows(["Rap", "Hip-Hop", "Rock", "Jazz"], per_genre=15, seed=4)
    typed, run = train(rows, genre_merges=("Rap+Hip-Hop=Hip-Hop/Rap",), epochs=20)
    assert run.bundle.genres.names == ("Jazz", "Rock", "Hip-Hop/Rap")
    assert sum(run.metrics[GENRE_CHOICE]["rows"].values()) == 60
    scores = oracles.evaluate_frame(run.bundle, typed)
    # Every Rap and Hip-Hop row is scored, as Hip-Hop/Rap.
    assert scores["n_rows"] == 60
    assert scores["per_genre"]["Hip-Hop/Rap"]["support"] == 30


def test_genres_left_out_are_counted_on_the_card_and_the_command_line(tmp_path, capsys):
    rows = genre_rows(["pop", "rock", "edm", "latin"], per_genre=15, seed=5)
    rows += [row(music_genre="typo")]
    path = tmp_path / "tracks.csv"
    path.write_bytes(csv_bytes(rows))
    out = tmp_path / "model"
    train_on_the_command_line(
        path, out, "--genres", "rock,pop", "--epochs", "2", "--quiet"
    )
    printed = capsys.readouterr().out
    # rock is the study's Rock, spelled as the study does.
    assert "genres learned (2): Rock, pop" in printed
    left_out = "Left out 31 rows (genres not chosen): edm 15, latin 15, typo 1."
    assert left_out in printed
    card = (out / "README.md").read_text()
    assert "Genres learned (2, rows of each): Rock 15, pop 15." in card
    assert left_out in card


def test_the_same_file_gives_the_same_split_and_bundle_genres_on_recompute(
    separable_typed,
):
    config = tiny_config(genres=("Rock", "Jazz", "Rap"), epochs=2)
    run = pipeline.train_from_frame(separable_typed, config)
    train_rows, test_rows = pipeline.split_rows(
        separable_typed, config, run.bundle.genres
    )
    assert (
        len(train_rows) + len(test_rows)
        == sum(run.metrics[GENRE_CHOICE]["rows"].values())
        - run.metrics["cleaning"]["unknown_rows_dropped"]
    )
    assert set(test_rows[schema.TARGET]) <= {"Rock", "Jazz", "Rap"}


def test_a_track_id_keeps_a_song_s_repeats_on_one_side():
    frame = pd.DataFrame(
        {
            schema.TRACK_ID: ["a", "a", "b", ""],
            "artist_name": ["x", "y", "z", "w"],
            "track_name": ["1", "2", "3", "4"],
        }
    )
    keys = tables.track_keys(frame).tolist()
    assert keys[0] == keys[1] != keys[2]
    # A row without an id falls back on its artist and title.
    assert keys[3] == "\x1fw\x1f4"
    assert tables.track_grouping(frame.drop(columns=schema.TRACK_ID)) == (
        tables.GROUPED_BY_NAMES
    )
    assert tables.track_grouping(frame[[schema.TRACK_ID]]) == tables.GROUPED_BY_TRACK_ID


def test_wide_bit_masks_list_every_genre():
    labels_ = np.array([0, 63, 100, -1])
    bits = evaluate.genre_bits_by_track(np.array([1, 1, 1, 2]), labels_, 113)
    names = [f"g{number}" for number in range(113)]
    assert evaluate.genres_of_bits(bits[0], names) == ["g0", "g63", "g100"]
    assert evaluate.fusion_accuracy(np.array([63, 5, 100, 0]), bits) == 0.5


def test_a_study_bundle_refuses_a_genre_it_does_not_have(drop_run):
    with pytest.raises(DataError, match="not one of the model's genres"):
        drop_run.bundle.genres.index("polka")
    assert drop_run.bundle.genres.index("hip hop") == schema.GENRES.index("Hip-Hop")
    assert dataclasses.replace(drop_run.bundle).genres.is_reference
