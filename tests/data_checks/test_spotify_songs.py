"""Data checks on the TidyTuesday Spotify songs, spotifyr's names (issue 30).

Read from ../shared/data/spotify_songs.csv, where CI provides it (skipped with
a reason when it is missing); never copied into the project. The figures
checked are the file's own, as its README gives them.
"""

from __future__ import annotations

import pandas as pd
import pytest

from core import data, formats, schema, tables, understanding

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="module")
def songs(spotify_songs_path):
    """The file read as training data is (require_label), and as written."""
    understood = understanding.Understood()
    typed = data.load_csv(spotify_songs_path, require_label=True, summary=understood)
    written = pd.read_csv(spotify_songs_path, dtype=str, keep_default_na=False)
    return typed, understood, written


def test_it_is_recognised_and_its_columns_are_read_by_their_spotifyr_names(songs):
    _, understood, _ = songs
    assert understood.format == formats.SPOTIFYR
    assert understood.rows == 32_833
    assert {
        "track_popularity": "popularity",
        "track_artist": "artist_name",
        "playlist_genre": schema.TARGET,
    }.items() <= understood.renamed.items()


def test_popularity_is_the_files_own_not_filled(songs):
    typed, understood, written = songs
    assert understood.missing == []
    assert typed["popularity"].notna().all()
    assert (
        typed["popularity"].tolist()
        == written["track_popularity"].astype(float).tolist()
    )
    assert typed["popularity"].nunique() > 50


def test_its_label_column_is_playlist_genre(songs):
    typed, understood, written = songs
    # Six genres: rap and rock in the study's spelling, the others as written.
    assert typed[schema.TARGET].value_counts().to_dict() == {
        "edm": 6_043,
        "Rap": 5_746,
        "pop": 5_507,
        "r&b": 5_431,
        "latin": 5_155,
        "Rock": 4_951,
    }
    # Read to train on: no label is outside the genres (there is no model yet).
    assert understood.other_labels == {}
    # The sub-genres stay a column of their own.
    assert typed["playlist_subgenre"].equals(written["playlist_subgenre"])


def test_its_tracks_have_artist_names(songs):
    typed, _, written = songs
    assert typed["artist_name"].tolist() == written["track_artist"].tolist()
    assert (typed["artist_name"] != "").mean() > 0.99
    assert tables.has_track_names(typed)
    assert (typed[tables.PROBLEM_COLUMN] == "").mean() > 0.99


def test_it_trains_with_its_six_genres_end_to_end(
    songs, spotify_songs_path, tmp_path, capsys
):
    """Issue 30: read with its real popularity, trained with its six genres.

    A tiny model on a seeded sample of 4,000 rows, through the command line
    as a person runs it; scored on the whole file with ``evaluate``.
    """
    import json

    from core import bundle, cli
    from core.model_card import GENRE_CHOICE, GROUPED_BY

    _, _, written = songs
    sample = tmp_path / "spotify_songs_sample.csv"
    written.sample(n=4_000, random_state=30).to_csv(sample, index=False)
    out = tmp_path / "six"
    arguments = ["train", "--data", str(sample), "--out", str(out), "--quiet"]
    arguments += ["--preset", "recommended", "--epochs", "8", "--ensemble-size", "1"]
    assert cli.main(arguments) == 0
    model = bundle.load_bundle(out)
    assert model.genres.names == ("Rap", "Rock", "edm", "latin", "pop", "r&b")
    assert model.metrics[GENRE_CHOICE]["left_out"] == {}
    assert model.metrics[GROUPED_BY] == tables.GROUPED_BY_TRACK_ID
    # Six balanced genres: guessing gets 17%; the audio features say more.
    assert model.metrics["test"]["accuracy"] > 0.35
    card = (out / "README.md").read_text()
    assert "`spotify_songs_sample.csv`" in card and "Kaggle dataset" not in card
    assert (
        cli.main(
            [
                "evaluate",
                "--model",
                str(out),
                "--data",
                str(spotify_songs_path),
                "--json",
            ]
        )
        == 0
    )
    scores = json.loads(capsys.readouterr().out.splitlines()[-1])
    # Every row scored (its genres are the model's), mostly tracks it never saw.
    assert scores["n_rows"] + scores["n_unpredictable"] == 32_833
    assert scores["n_unlabelled"] == 0
    assert scores["accuracy"] > 0.35
