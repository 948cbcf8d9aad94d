"""core.corrections: genres corrected by hand, applied to a copy and written back."""

from __future__ import annotations

import pandas as pd
import pytest

from core import corrections, data, schema, tables
from core.errors import GenreLabError
from tests.conftest import csv_bytes, row


@pytest.fixture
def typed() -> pd.DataFrame:
    rows = [
        row(artist_name="A", track_name="One", music_genre="Rock"),
        row(artist_name="B", track_name="Two", music_genre="Jazz", tempo="?"),
        row(artist_name="C", track_name="Three", music_genre="Rap"),
    ]
    return data.load_csv(csv_bytes(rows), require_label=True)


def test_a_correction_changes_only_its_rows_genre_in_a_copy(typed):
    corrected = corrections.apply_corrections(typed, {1: "Blues"})

    assert corrected[schema.TARGET].tolist() == ["Rock", "Blues", "Rap"]
    assert typed[schema.TARGET].tolist() == ["Rock", "Jazz", "Rap"]
    others = [column for column in typed.columns if column != schema.TARGET]
    pd.testing.assert_frame_equal(corrected[others], typed[others])


def test_no_correction_gives_the_frame_itself(typed):
    assert corrections.apply_corrections(typed, {}) is typed


@pytest.mark.parametrize(
    ("fixes", "words"),
    [({7: "Rock"}, "no row 7"), ({0: " "}, "the one of row 0 has none")],
)
def test_a_row_or_genre_that_does_not_exist_is_refused_in_words(typed, fixes, words):
    with pytest.raises(GenreLabError, match=words):
        corrections.apply_corrections(typed, fixes)


def test_the_genres_allowed_are_the_models(typed):
    with pytest.raises(GenreLabError, match="'Rock' is not one of the model's"):
        corrections.apply_corrections(typed, {0: "Rock"}, genres=("Jazz", "Rap"))


def test_the_csv_holds_the_corrected_rows_and_loads_back_as_them(typed):
    content = corrections.corrections_csv(typed, {2: "Hip-Hop", 1: "Blues"})

    loaded = data.load_csv(content, require_label=True)
    assert loaded["track_name"].tolist() == ["Two", "Three"]
    assert loaded[schema.TARGET].tolist() == ["Blues", "Hip-Hop"]
    # Its own columns, the unknown tempo still unknown, no checks' columns.
    header = content.decode().splitlines()[0].split(",")
    assert header[:3] == ["instance_id", "artist_name", "track_name"]
    assert tables.PROBLEM_COLUMN not in header
    assert loaded["tempo"].isna().tolist() == [True, False]
