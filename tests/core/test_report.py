"""core.report: the data report's numbers on a frame counted by hand."""

from __future__ import annotations

import json

import pytest

from core import data, report, schema
from tests.conftest import COLUMNS, csv_bytes, row

BLANK = dict.fromkeys(COLUMNS, "")


@pytest.fixture(scope="module")
def typed():
    """Ten rows; the comments say what each one is."""
    rows = [
        # 0: good Rock, track A/x
        row(artist_name="A", track_name="x", energy="0.1", key="C"),
        # 1: Rock, unknown tempo
        row(artist_name="B", track_name="y", energy="0.2", key="C", tempo="?"),
        # 2: blank
        BLANK,
        # 3: Jazz, unknown duration
        row(
            artist_name="C",
            track_name="z",
            energy="0.3",
            music_genre="Jazz",
            duration_ms="-1",
        ),
        # 4: Rock, invalid key
        row(artist_name="D", track_name="w", energy="0.99", key="H"),
        # 5: the track A/x again, as Alternative
        row(artist_name="A", track_name="x", energy="0.4", music_genre="Alternative"),
        # 6: the track A/x again, as Rock
        row(artist_name="A", track_name="x", energy="0.5", key="D"),
        # 7 and 8: the track E/v as Rap and as Hip-Hop
        row(artist_name="E", track_name="v", energy="0.6", music_genre="Rap"),
        row(artist_name="E", track_name="v", energy="0.7", music_genre="Hip-Hop"),
        # 9: Jazz, empty tempo cell
        row(
            artist_name="F", track_name="u", energy="0.8", music_genre="Jazz", tempo=""
        ),
    ]
    return data.load_csv(csv_bytes(rows), require_label=True)


def test_unknown_value_rates_are_shares_of_non_blank_rows(typed):
    rates = report.unknown_value_rates(typed)
    assert set(rates) == set(schema.FEATURE_COLUMNS)
    assert rates["tempo"] == pytest.approx(2 / 9)
    assert rates["duration_ms"] == pytest.approx(1 / 9)
    assert rates["key"] == pytest.approx(1 / 9)
    assert rates["mode"] == 0.0
    assert rates["energy"] == 0.0


def test_class_balance_loaded_drop_and_impute(typed):
    balance = report.class_balance(typed)
    assert list(balance) == ["loaded", "drop", "impute"]
    # The file's genres, in the study's order.
    assert list(balance["loaded"]) == ["Jazz", "Alternative", "Rap", "Rock", "Hip-Hop"]
    expected = {
        "loaded": {"Rock": 4, "Jazz": 2, "Alternative": 1, "Rap": 1, "Hip-Hop": 1},
        # Dropping unknowns loses rows 1, 3 and 9; the blank and invalid rows go too.
        "drop": {"Rock": 2, "Jazz": 0, "Alternative": 1, "Rap": 1, "Hip-Hop": 1},
        "impute": {"Rock": 3, "Jazz": 2, "Alternative": 1, "Rap": 1, "Hip-Hop": 1},
    }
    for stage, counts in expected.items():
        assert balance[stage] == counts, stage


def test_duplicate_and_multi_genre_tracks(typed):
    duplicates = report.track_duplicates(typed)
    assert duplicates["duplicate_rows"] == 3  # rows 5, 6 and 8
    assert duplicates["multi_genre_tracks"] == 2
    assert duplicates["genre_pairs"] == [
        {"genres": "Alternative + Rock", "tracks": 1},
        {"genres": "Hip-Hop + Rap", "tracks": 1},
    ]


def test_genre_pairs_are_counted_per_track():
    rows = [
        row(artist_name=artist, track_name="t", music_genre=genre)
        for artist in ("A", "B", "C")
        for genre in ("Rap", "Hip-Hop")
    ] + [row(artist_name="D", track_name="t", music_genre=g) for g in ("Rock", "Blues")]
    duplicates = report.track_duplicates(data.load_csv(csv_bytes(rows)))
    assert duplicates["multi_genre_tracks"] == 4
    assert duplicates["genre_pairs"][0] == {"genres": "Hip-Hop + Rap", "tracks": 3}
    assert duplicates["genre_pairs"][1] == {"genres": "Blues + Rock", "tracks": 1}


def test_track_duplicates_without_track_columns():
    columns = [c for c in COLUMNS if c not in ("artist_name", "track_name")]
    typed = data.load_csv(csv_bytes([row(), row()], columns=columns))
    assert report.track_duplicates(typed) == {
        "duplicate_rows": 0,
        "multi_genre_tracks": 0,
        "genre_pairs": [],
    }


def test_data_report_counts(typed):
    result = report.data_report(typed)
    assert result["rows"] == 10
    assert result["blank_rows"] == 1
    assert result["invalid_rows"] == 1
    assert result["rows_with_unknowns"] == 3
    assert result["unknown_counts"] == {"duration_ms": 1, "tempo": 2}
    assert result["unknown_rates"] == report.unknown_value_rates(typed)
    assert result["class_balance"] == report.class_balance(typed)
    assert result["duplicates"]["multi_genre_tracks"] == 2
    assert json.loads(json.dumps(result)) == result


def test_feature_summary_uses_usable_rows_only(typed):
    summary = report.feature_summary(typed)
    assert list(summary.columns) == ["median", "min", "max"]
    assert list(summary.index) == list(schema.NUMERIC_FEATURES)
    # Energies of rows 0, 1, 3, 5, 6, 7, 8, 9; the invalid row's 0.99 is left out.
    assert summary.loc["energy"].tolist() == pytest.approx([0.45, 0.1, 0.8])
    assert summary.loc["tempo", "median"] == 120.0


def test_genre_medians_in_study_order_with_the_common_key(typed):
    medians = report.genre_medians(typed)
    assert list(medians.index) == ["Jazz", "Alternative", "Rap", "Rock", "Hip-Hop"]
    # Rock's usable rows are 0, 1 and 6: energies 0.1, 0.2, 0.5; keys C, C, D.
    assert medians.loc["Rock", "energy"] == pytest.approx(0.2)
    assert medians.loc["Rock", "key"] == "C"
    assert medians.loc["Rock", "mode"] == "Minor"
    assert medians.loc["Jazz", "energy"] == pytest.approx(0.55)


def test_every_label_is_counted_by_its_own_name():
    from core import understanding

    rows = [
        *(row(music_genre="edm") for _ in range(3)),
        *(row(music_genre="rap") for _ in range(2)),
        row(music_genre="Rap"),
        row(music_genre="r&b"),
        row(music_genre=""),
        dict.fromkeys(COLUMNS, ""),
    ]
    understood = understanding.Understood()
    typed = data.load_csv(csv_bytes(rows), require_label=True, summary=understood)
    counted = report.data_report(typed, understood)["label_counts"]
    assert counted["labels"] == [
        {"label": "edm", "rows": 3, "genre": "edm"},
        {"label": "rap", "rows": 2, "genre": "Rap"},
        {"label": "Rap", "rows": 1, "genre": "Rap"},
        {"label": "r&b", "rows": 1, "genre": "r&b"},
    ]
    assert counted["unlabelled"] == 1 and counted["other_labels"] == 0
    # Every row but the blank one is counted once.
    total = sum(entry["rows"] for entry in counted["labels"]) + counted["unlabelled"]
    assert total == len(rows) - 1
    # Without what was understood, labels are named as the typed frame
    # spells them (the study's ten in its spelling).
    alone = report.label_counts(typed)
    assert alone["labels"] == [
        {"label": "Rap", "rows": 3, "genre": "Rap"},
        {"label": "edm", "rows": 3, "genre": "edm"},
        {"label": "r&b", "rows": 1, "genre": "r&b"},
    ]
    assert alone["unlabelled"] == 1
