"""core.formats and the formats people's files come in.

Through core.data and core.export. Every file is built here
(tests/bad_files/corpus.py writes the same tracks in each format); none holds
a row of the real dataset. The point of each format test: the same tracks give
the same probabilities as in the Kaggle format.
"""

from __future__ import annotations

import gzip
import io
import json

import numpy as np
import pandas as pd
import pytest

from core import (
    data,
    export,
    formats,
    opening,
    predict,
    reading,
    schema,
    spellings,
    tables,
    understanding,
)
from core.errors import DataError
from core.genres import REFERENCE
from tests.bad_files.corpus import (
    SPOTIFYR_COLUMNS,
    exportify_bytes,
    good_rows,
    spotify_tracks_bytes,
    spotifyr_bytes,
    web_api_json_bytes,
)
from tests.conftest import COLUMNS, csv_bytes, row, separable_rows

# --- names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("Duration (ms)", "duration_ms"),
        ("duration_ms", "duration_ms"),
        ("DURATION MS", "duration_ms"),
        ("Track Duration (ms)", "duration_ms"),
        ("Danceability", "danceability"),
        ("Time Signature", None),
        ("Artist Name(s)", "artist_name"),
        ("artists", "artist_name"),
        ("Track Name", "track_name"),
        ("track_genre", "music_genre"),
        ("Genre", "music_genre"),
        ("music-genre", "music_genre"),
        # Exportify's "Genres" lists the artists' genres: not a label.
        ("Genres", None),
        ("Key", "key"),
        ("[mode]", "mode"),
        ("Loudness (dB)", "loudness"),
        ("Tempo (BPM)", "tempo"),
        ("comment", None),
        # spotifyr (the TidyTuesday Spotify songs), issue 30.
        ("track_popularity", "popularity"),
        ("track_artist", "artist_name"),
        ("playlist_genre", "music_genre"),
        # GenreLab has no album or sub-genre column: kept as written. The
        # track id groups a song's repeats (issue 30).
        ("track_album_name", None),
        ("track_id", "track_id"),
        ("playlist_subgenre", None),
        ("playlist_name", None),
        # Other Spotify datasets' names.
        ("song_popularity", "popularity"),
        ("artist", "artist_name"),
        ("track title", "track_name"),
        # Too common a name to be a track's title in any table.
        ("name", None),
        ("Class", "music_genre"),
        ("top genre", "music_genre"),
        # A sub-genre written beside "genre" (Discogs): not the label.
        ("style", None),
    ],
)
def test_column_names_are_matched_ignoring_case_spaces_and_brackets(written, canonical):
    assert formats.canonical_name(written) == canonical


def test_every_alias_names_one_column_only():
    seen: dict[str, str] = {}
    for canonical in formats.CANONICAL_COLUMNS:
        for name in (canonical, *formats.ALIASES.get(canonical, ())):
            normalised = formats.normalise_name(name)
            assert seen.setdefault(normalised, canonical) == canonical, name


def test_the_mapping_lists_only_renamed_columns():
    mapping = formats.column_mapping(["Energy", "tempo", "Duration (ms)", "x"])
    assert mapping == {"Energy": "energy", "Duration (ms)": "duration_ms"}


@pytest.mark.parametrize(
    ("header", "words"),
    [
        (["energy", "Energy"], "both 'energy' and 'Energy' are energy"),
        (["Artist Name(s)", "artists"], "both 'Artist Name(s)' and 'artists'"),
        (["genre", "music_genre"], "both 'genre' and 'music_genre' are music_genre"),
        (["tempo", "tempo"], "the column 'tempo' is there twice"),
        (
            ["popularity", "track_popularity"],
            "both 'popularity' and 'track_popularity' are popularity",
        ),
        (
            ["playlist_genre", "genre"],
            "both 'playlist_genre' and 'genre' are music_genre",
        ),
    ],
)
def test_two_columns_of_one_meaning_are_refused_naming_both(header, words):
    with pytest.raises(DataError) as raised:
        formats.column_mapping(header)
    assert words in str(raised.value)
    assert "keep one of them" in str(raised.value)


def test_a_file_with_popularity_and_track_popularity_is_refused():
    content = csv_bytes(
        [{**row(), "track_popularity": "45"}], [*COLUMNS, "track_popularity"]
    )
    with pytest.raises(DataError, match="'popularity' and 'track_popularity'"):
        data.load_csv(content)


def test_a_file_with_two_energy_columns_is_refused_before_any_row_is_read():
    content = csv_bytes([{**row(), "Energy": "0.1"}], [*COLUMNS, "Energy"])
    with pytest.raises(DataError, match="both 'energy' and 'Energy' are energy"):
        next(reading.iter_raw_chunks(content))


def test_an_unknown_column_is_kept_as_it_is():
    typed = data.load_csv(
        csv_bytes([{**row(), "Time Signature": "4"}], [*COLUMNS, "Time Signature"])
    )
    assert typed.loc[0, "Time Signature"] == "4"


@pytest.mark.parametrize(
    ("header", "described"),
    [
        (COLUMNS, formats.KAGGLE),
        (
            ["Spotify ID", "Track Name", "Artist Name(s)", "Danceability"],
            formats.EXPORTIFY,
        ),
        (
            ["", "track_id", "artists", "album_name", "track_name", "track_genre"],
            formats.SPOTIFY_TRACKS,
        ),
        (list(SPOTIFYR_COLUMNS), formats.SPOTIFYR),
        (["energy", "tempo"], formats.OTHER_TABLE),
    ],
)
def test_formats_are_recognised_by_their_columns(header, described):
    assert formats.recognise(header) == described


# --- values ---------------------------------------------------------------------------


def series(*values: str) -> pd.Series:
    return pd.Series(values, dtype="str")


def test_keys_are_read_as_names_in_any_case_or_as_pitch_classes():
    read = spellings.read_keys(
        series("A#", "c#", "0", "11", "5.0", "-1", "12", "1.5", "H", "", "-3")
    )
    assert read.values.tolist() == [
        "A#",
        "C#",
        "C",
        "B",
        "F",
        None,
        None,
        None,
        None,
        None,
        None,
    ]
    assert read.problems.tolist() == [
        "",
        "",
        "",
        "",
        "",
        "",
        "key 12 is not a pitch class 0 to 11 (or -1, no key)",
        "key '1.5' is not one of C, C#, D, ... B",
        "key 'H' is not one of C, C#, D, ... B",
        # Empty: no problem; a model fills it in or gives a reason.
        "",
        "key -3 is not a pitch class 0 to 11 (or -1, no key)",
    ]
    assert (read.numbers, read.recased, read.unknown) == (3, 1, 1)


def test_every_pitch_class_is_its_key():
    read = spellings.read_keys(series(*[str(number) for number in range(12)]))
    assert read.values.tolist() == list(schema.KEYS)


def test_modes_are_read_as_names_in_any_case_or_as_one_and_zero():
    read = spellings.read_modes(
        series("Major", "minor", "MAJOR", "1", "0", "1.0", "2", "-1", "Dorian", "")
    )
    assert read.values.tolist() == [
        "Major",
        "Minor",
        "Major",
        "Major",
        "Minor",
        "Major",
        None,
        None,
        None,
        None,
    ]
    assert read.problems.tolist()[6:] == [
        "mode 2 is not 1 (major) or 0 (minor)",
        "mode -1 is not 1 (major) or 0 (minor)",
        "mode 'Dorian' is not Major or Minor",
        "",
    ]
    assert (read.numbers, read.recased) == (3, 2)


@pytest.mark.parametrize(
    "written", ["hip-hop", "Hip Hop", "hiphop", "HIP_HOP", "Hip-Hop", " hip hop "]
)
def test_genre_labels_are_matched_ignoring_case_and_punctuation(written):
    read = spellings.read_labels(series(written.strip()))
    assert read.genres.tolist() == ["Hip-Hop"]
    assert read.others == {}


def test_labels_outside_a_model_s_genres_are_kept_and_counted():
    written = series("rock", "k-pop", "k-pop", "Polka", "", "Rock")
    read = spellings.read_labels(written, REFERENCE)
    assert [g if isinstance(g, str) else None for g in read.genres] == [
        "Rock",
        "k-pop",
        "k-pop",
        "Polka",
        None,
        "Rock",
    ]
    assert read.others == {"k-pop": 2, "Polka": 1}
    # Read to train on (no model yet): every label is one.
    assert spellings.read_labels(written).others == {}
    assert read.respelled == 1


def test_labels_outside_the_ten_are_reported_and_not_scored(drop_run):
    rows = [
        row(music_genre="rock"),
        row(music_genre="k-pop"),
        row(music_genre="pop"),
        row(music_genre="k-pop"),
        row(music_genre="Jazz"),
    ]
    result = export.predict_file(drop_run.bundle, csv_bytes(rows))
    assert result.predicted == 5
    assert result.scores["n_rows"] == 2
    assert result.scores["n_unlabelled"] == 3
    understood = result.understood
    assert understood.other_labels == {"k-pop": 2, "pop": 1}
    assert (
        "3 labels not one of the model's genres, not scored ('k-pop' 2, 'pop' 1)"
        in (understood.sentence())
    )


def test_only_a_bounded_number_of_other_labels_is_kept_by_name(monkeypatch):
    monkeypatch.setattr(understanding, "MAX_KEPT_LABELS", 3)
    understood = understanding.Understood()
    understood.add_labels({"a": 2, "b": 1, "c": 1})
    understood.add_labels({"d": 5, "a": 1})
    assert understood.other_labels == {"a": 3, "b": 1, "c": 1}
    assert understood.other_label_rows == 10
    assert "10 labels" in understood.sentence()
    assert "('a' 3, 'b' 1, 'c' 1 and others)" in understood.sentence()


# --- the same tracks in every format: the same probabilities --------------------------


def known_tracks(count: int = 20) -> list[dict[str, str]]:
    """Learnable tracks with every value known (Spotify's formats have no '?' tempo)."""
    return separable_rows(per_genre=2, seed=9)[:count]


def probabilities(bundle, typed: pd.DataFrame) -> np.ndarray:
    """The probabilities of a file's rows (from its first), as a file gets them."""
    predictions = predict.predict_frame(bundle, typed, first_row=0)
    return predictions[predict.probability_columns(schema.GENRES)].to_numpy()


@pytest.fixture(params=["drop_run", "impute_run"])
def run(request):
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize(
    "build",
    [exportify_bytes, spotify_tracks_bytes, spotifyr_bytes],
    ids=["exportify", "spotify_tracks", "spotifyr"],
)
def test_a_spotify_table_gives_the_same_probabilities_as_the_kaggle_file(build, run):
    tracks = known_tracks()
    kaggle = data.load_csv(csv_bytes(tracks))
    understood = understanding.Understood()
    other = data.load_csv(build(tracks), summary=understood)
    assert len(other) == len(tracks)
    assert (other[tables.PROBLEM_COLUMN] == "").all()
    for column in (*schema.FEATURE_COLUMNS, "artist_name", "track_name"):
        assert other[column].tolist() == kaggle[column].tolist(), column
    np.testing.assert_array_equal(
        probabilities(run.bundle, other), probabilities(run.bundle, kaggle)
    )
    assert understood.number_keys == understood.number_modes == len(tracks)


def test_the_spotify_tracks_dataset_labels_are_its_genres():
    tracks = known_tracks()
    typed = data.load_csv(spotify_tracks_bytes(tracks), require_label=True)
    assert typed[schema.TARGET].tolist() == [track["music_genre"] for track in tracks]


@pytest.mark.parametrize("wrapped", [True, False], ids=["wrapped", "list"])
def test_web_api_json_gives_the_kaggle_probabilities_with_the_typical_popularity(
    wrapped, run
):
    tracks = known_tracks()
    typical = run.bundle.preprocessor.typical["popularity"]
    kaggle = data.load_csv(
        csv_bytes([{**track, "popularity": repr(typical)} for track in tracks])
    )
    understood = understanding.Understood()
    api = data.load_csv(web_api_json_bytes(tracks, wrapped=wrapped), summary=understood)
    assert api["popularity"].isna().all()
    assert understood.format == formats.WEB_API
    assert understood.missing == ["popularity"]
    np.testing.assert_array_equal(
        probabilities(run.bundle, api), probabilities(run.bundle, kaggle)
    )


def test_a_null_audio_features_entry_is_a_blank_row_in_its_place(drop_run):
    tracks = known_tracks(4)
    content = web_api_json_bytes(tracks, nulls=(1,))
    result = export.predict_file(drop_run.bundle, content)
    assert result.rows == 5 and result.predicted == 4
    assert result.unpredictable["row"].tolist() == [2]
    assert result.unpredictable[predict.REASON].tolist() == [tables.BLANK_ROW]
    assert result.understood.null_entries == 1
    assert "1 entry null" in result.understood.sentence()


def test_web_api_json_keeps_its_fields_in_the_written_table(drop_run):
    output = io.StringIO()
    export.predict_file(drop_run.bundle, web_api_json_bytes(known_tracks(3)), output)
    written = pd.read_csv(io.StringIO(output.getvalue()), dtype=str)
    assert written.columns[:3].tolist() == ["danceability", "energy", "key"]
    assert {"uri", "track_href", "time_signature", "predicted_genre"} <= set(written)
    assert written["key"].tolist() == [
        str(schema.KEYS.index(t["key"])) for t in known_tracks(3)
    ]


@pytest.mark.parametrize(
    "document",
    [
        {"tracks": [{"name": "x"}]},
        [{"name": "Song", "popularity": 50}],
        # A table's rows saved as JSON (text values) are not audio features.
        [row()],
        [None, None],
        ["a", "b"],
    ],
    ids=["other_object", "other_list", "kaggle_rows", "only_nulls", "strings"],
)
def test_json_that_is_not_audio_features_keeps_the_json_message(document):
    with pytest.raises(DataError, match="holds JSON, not a CSV table"):
        data.load_csv(json.dumps(document).encode())


def test_damaged_json_keeps_the_json_message():
    with pytest.raises(DataError, match="holds JSON, not a CSV table"):
        data.load_csv(web_api_json_bytes(known_tracks(2))[:-10])


def test_an_audio_features_file_without_tracks_says_so():
    with pytest.raises(DataError, match="lists no track with features"):
        data.load_csv(b'{"audio_features": [null]}')


def test_an_audio_features_file_lacking_a_feature_names_it():
    objects = json.loads(web_api_json_bytes(known_tracks(2)))["audio_features"]
    for item in objects:
        del item["tempo"]
    with pytest.raises(DataError, match=r"^The file is missing the column tempo\.$"):
        data.load_csv(json.dumps({"audio_features": objects}).encode())


def test_a_json_file_is_held_to_the_size_limit_even_when_streamed(
    monkeypatch, tmp_path
):
    content = web_api_json_bytes(known_tracks(20))
    path = tmp_path / "features.json"
    path.write_bytes(content)
    monkeypatch.setattr(opening, "MAX_FILE_MB", 0.001)
    # A CSV path streams whatever its size; a JSON file is read whole.
    with pytest.raises(DataError, match="JSON file is read whole.*0.001 MB limit"):
        list(reading.iter_raw_chunks(path, limited=False))


def test_a_gzip_compressed_json_file_is_read():
    content = gzip.compress(web_api_json_bytes(known_tracks(3)), mtime=0)
    assert len(data.load_csv(content)) == 3


# --- keys: unknown (-1) and out of range ----------------------------------------------


def test_an_unknown_key_is_predicted_with_the_typical_key_by_an_imputing_model(
    impute_run,
):
    bundle = impute_run.bundle
    tracks = known_tracks(3)
    exportify = data.load_csv(exportify_bytes(tracks, keys={1: "-1"}))
    assert pd.isna(exportify.loc[1, "key"])
    assert exportify.loc[1, tables.PROBLEM_COLUMN] == ""
    typical_key = bundle.preprocessor.typical["key"]
    kaggle = data.load_csv(
        csv_bytes(
            [{**t, "key": typical_key} if i == 1 else t for i, t in enumerate(tracks)]
        )
    )
    np.testing.assert_array_equal(
        probabilities(bundle, exportify), probabilities(bundle, kaggle)
    )
    result = export.predict_file(bundle, exportify_bytes(tracks, keys={1: "-1"}))
    assert result.predicted == 3
    assert (
        f"1 track with no key detected (-1) predicted with the model's typical key "
        f"{typical_key}" in result.understood.sentence()
    )


def test_an_unknown_key_gets_a_reason_from_a_dropping_model(drop_run):
    result = export.predict_file(
        drop_run.bundle, exportify_bytes(known_tracks(3), keys={1: "-1"})
    )
    assert result.predicted == 2
    assert result.unpredictable[predict.REASON].tolist() == [
        "unknown key (this model was trained without such rows)"
    ]
    assert (
        "1 track with no key detected (-1) not predicted"
        in result.understood.sentence()
    )


def test_out_of_range_key_and_mode_get_a_reason(impute_run):
    result = export.predict_file(
        impute_run.bundle,
        exportify_bytes(known_tracks(3), keys={0: "12"}, modes={2: "2"}),
    )
    assert result.unpredictable["row"].tolist() == [1, 3]
    assert result.unpredictable[predict.REASON].tolist() == [
        "key 12 is not a pitch class 0 to 11 (or -1, no key)",
        "mode 2 is not 1 (major) or 0 (minor)",
    ]


def test_training_drops_or_fills_unknown_keys_as_its_setting_says():
    from core import features, preprocessing
    from tests.conftest import tiny_config

    rows = separable_rows(per_genre=3, seed=2)
    typed = data.load_csv(exportify_bytes(rows, keys={0: "-1", 5: "-1"}))
    typed[schema.TARGET] = [track["music_genre"] for track in rows]
    assert features.unknown_mask(typed).sum() == 2
    kept, summary = features.clean(typed, "drop", tables.label_codes(typed, REFERENCE))
    assert summary.unknown_rows_dropped == 2 and len(kept) == len(rows) - 2
    kept, _ = features.clean(typed, "impute", tables.label_codes(typed, REFERENCE))
    preprocessor = preprocessing.fit_preprocessor(kept, tiny_config(unknowns="impute"))
    inputs = preprocessor.transform(kept)
    key_columns = [preprocessor.feature_names.index(f"key_{k}") for k in schema.KEYS]
    # Each row has exactly one key input set, the typical key for the unknown ones.
    assert (inputs[:, key_columns].sum(axis=1) == 1).all()
    typical = schema.KEYS.index(preprocessor.typical["key"])
    assert (inputs[[0, 5]][:, key_columns].argmax(axis=1) == typical).all()


# --- a missing popularity column ------------------------------------------------------


def without_popularity(tracks) -> bytes:
    return csv_bytes(tracks, [column for column in COLUMNS if column != "popularity"])


def test_only_popularity_may_be_missing():
    assert formats.FILLABLE_COLUMNS == ("popularity",)
    for column in schema.FEATURE_COLUMNS:
        if column == "popularity":
            continue
        content = csv_bytes([row()], [c for c in COLUMNS if c != column])
        with pytest.raises(DataError, match=f"missing the column {column}"):
            data.load_csv(content)


def test_a_missing_popularity_is_filled_for_every_row_and_said_in_words(run):
    tracks = known_tracks()
    typical = run.bundle.preprocessor.typical["popularity"]
    result = export.predict_file(run.bundle, without_popularity(tracks))
    assert result.predicted == len(tracks)
    kaggle = data.load_csv(
        csv_bytes([{**t, "popularity": repr(typical)} for t in tracks])
    )
    np.testing.assert_allclose(
        result.preview[predict.probability_columns(schema.GENRES)].to_numpy(),
        probabilities(run.bundle, kaggle),
        rtol=0,
        atol=0,
    )
    shown = f"{typical:,.0f}" if float(typical).is_integer() else f"{typical:,.4g}"
    assert (
        f"popularity missing (typical value {shown} used)"
        in result.understood.sentence()
    )
    (note,) = result.understood.filled_notes()
    assert note.startswith(
        f"popularity was not in the file: the typical value {shown} was used for "
        "every track; predictions are less sure ("
    )


# --- empty cells (issue 30) -----------------------------------------------------------

# Empty cells in several features, as files from other sources leave them:
# row -> the features left empty.
EMPTY_CELLS = {
    1: ("instrumentalness",),
    2: ("key",),
    3: ("popularity", "instrumentalness"),
    5: ("energy", "mode", "tempo"),
    6: ("instrumentalness", "key"),
}


def with_empty_cells(tracks, empty=EMPTY_CELLS):
    return [
        {**track, **dict.fromkeys(empty.get(number, ()), "")}
        for number, track in enumerate(tracks)
    ]


def test_empty_cells_of_any_feature_are_filled_and_counted_by_an_imputing_model(
    impute_run,
):
    bundle = impute_run.bundle
    tracks = known_tracks(8)
    result = export.predict_file(bundle, csv_bytes(with_empty_cells(tracks)))
    assert result.predicted == len(tracks) == result.rows
    understood = result.understood
    assert understood.empty_cells == {
        "instrumentalness": 3,
        "key": 2,
        "popularity": 1,
        "energy": 1,
        "mode": 1,
        "tempo": 1,
    }
    assert understood.empty_rows == 5
    typical = {c: bundle.preprocessor.fill_value(c) for c in schema.FEATURE_COLUMNS}
    shown = {c: understanding.value_text(v) for c, v in typical.items()}
    assert (
        "empty values filled with the model's typical ones: instrumentalness in 3 "
        f"tracks ({shown['instrumentalness']}), key in 2 ({shown['key']}), "
        f"popularity in 1 ({shown['popularity']})" in understood.sentence()
    )
    (note,) = understood.filled_notes()
    assert note.startswith("5 tracks had empty values, filled in with the model's")
    assert predict.FILLED in note
    # Each row says what was filled, with the value used.
    filled = result.preview[predict.FILLED].tolist()
    assert filled[0] == filled[4] == filled[7] == ""
    assert filled[3] == (
        f"popularity={shown['popularity']}, "
        f"instrumentalness={shown['instrumentalness']}"
    )
    assert filled[5] == (
        f"energy={shown['energy']}, tempo={shown['tempo']}, mode={shown['mode']}"
    )
    # An empty cell gets exactly the typical value: the same probabilities as
    # the file written with it (tempo and duration, as always, are also
    # marked unknown to the network: left empty here).
    written = with_empty_cells(tracks, {})
    for number, columns in EMPTY_CELLS.items():
        written[number].update(
            {c: "" if c == "tempo" else str(typical[c]) for c in columns}
        )
    kaggle = data.load_csv(csv_bytes(written))
    np.testing.assert_allclose(
        result.preview[predict.probability_columns(schema.GENRES)].to_numpy(),
        probabilities(bundle, kaggle),
        rtol=0,
        atol=1e-6,
    )


def test_empty_cells_get_a_reason_from_a_dropping_model(drop_run):
    tracks = known_tracks(8)
    result = export.predict_file(drop_run.bundle, csv_bytes(with_empty_cells(tracks)))
    assert result.rows == 8 and result.predicted == 3
    assert result.unpredictable["row"].tolist() == [2, 3, 4, 6, 7]
    assert result.unpredictable[predict.REASON].tolist() == [
        "instrumentalness is empty",
        "key is empty",
        "popularity is empty; instrumentalness is empty",
        "energy is empty; mode is empty",
        "instrumentalness is empty; key is empty",
    ]
    assert (
        "5 tracks with empty values not predicted (this model does not fill in "
        "unknown values: instrumentalness in 3 tracks, key in 2, popularity in 1"
        in result.understood.sentence()
    )
    assert result.understood.filled_notes() == []
    assert (result.preview[predict.FILLED] == "").all()


def test_an_empty_tempo_alone_is_an_unknown_tempo_to_a_dropping_model(drop_run):
    result = export.predict_file(drop_run.bundle, csv_bytes([row(), row(tempo="")]))
    assert result.unpredictable[predict.REASON].tolist() == [
        "unknown tempo (this model was trained without such rows)"
    ]


def test_a_row_of_names_without_audio_features_is_not_filled(impute_run):
    audio = dict.fromkeys(formats.WEB_API_FEATURES, "")
    result = export.predict_file(impute_run.bundle, csv_bytes([row(), row(**audio)]))
    assert result.unpredictable[predict.REASON].tolist() == [tables.NO_AUDIO_FEATURES]
    assert result.understood.empty_cells == {}


def test_training_with_imputation_learns_from_rows_with_empty_cells():
    from core import pipeline
    from tests.conftest import tiny_config

    every_third = dict.fromkeys(range(0, 60, 3), ("energy", "key"))
    rows = with_empty_cells(separable_rows(per_genre=6), every_third)
    typed = data.load_csv(csv_bytes(rows), require_label=True)
    imputed = pipeline.train_from_frame(typed, tiny_config(unknowns="impute"))
    dropped = pipeline.train_from_frame(typed, tiny_config(unknowns="drop"))
    assert imputed.cleaning.unknown_rows_dropped == 0
    assert imputed.cleaning.rows_out == 60
    assert dropped.cleaning.unknown_rows_dropped == 20
    assert dropped.cleaning.invalid_rows == 0


def test_an_empty_popularity_cell_is_filled_not_a_missing_column(impute_run):
    result = export.predict_file(
        impute_run.bundle, csv_bytes([row(), row(popularity="")])
    )
    assert result.predicted == 2
    assert result.understood.missing == []
    assert result.understood.empty_cells == {"popularity": 1}


def test_training_data_without_popularity_is_refused_in_plain_words():
    content = without_popularity(known_tracks())
    with pytest.raises(DataError) as raised:
        data.load_csv(content, require_label=True)
    message = str(raised.value)
    assert message.startswith("This file has no popularity column: a model can predict")
    assert "training and the data report need each track's own" in message
    # Scoring a labelled file without popularity is a prediction: allowed.
    assert len(data.load_csv(content, require_label=True, allow_filled=True)) == 20


def test_the_shipped_typical_popularity_is_45():
    from core.preprocessing import Preprocessor

    understood = understanding.Understood(missing=["popularity"])
    understood.use_model(
        *Preprocessor(unknowns="impute", key_encoding="key_mode").gap_filling()
    )
    assert understood.filled_notes()[0].startswith(
        "popularity was not in the file: the typical value 45 was used for every "
        "track; predictions are less sure"
    )


# --- what was understood --------------------------------------------------------------


def test_an_exportify_playlist_is_told_in_one_sentence(impute_run):
    result = export.predict_file(impute_run.bundle, exportify_bytes(good_rows(4)))
    sentence = result.understood.sentence()
    assert sentence.startswith(
        "Read 4 tracks from an Exportify playlist: 'Duration (ms)' used as "
        "duration_ms, 'Artist Name(s)' as artist_name, 13 other column names "
        "matched ignoring case and spaces, integer keys converted, modes 1/0 read "
        "as Major/Minor."
    ), sentence


def test_a_kaggle_file_is_told_as_such():
    understood = understanding.Understood()
    data.load_csv(csv_bytes(good_rows(3)), summary=understood)
    assert understood.sentence() == (
        "Read 3 tracks from the Kaggle music genre dataset: every column as expected."
    )


def test_the_summary_is_the_same_whatever_the_chunk_size(impute_run):
    rows = [*known_tracks(7), row(music_genre="k-pop"), row(music_genre="pop")]
    content = spotify_tracks_bytes(rows)
    sentences = {
        export.predict_file(
            impute_run.bundle, content, chunk_rows=size
        ).understood.sentence()
        for size in (1, 2, 4, 100)
    }
    assert len(sentences) == 1
    (sentence,) = sentences
    assert (
        "2 labels not one of the model's genres, not scored ('k-pop' 1, 'pop' 1)"
        in (sentence)
    )


def test_the_summary_is_json_ready(impute_run):
    result = export.predict_file(impute_run.bundle, web_api_json_bytes(known_tracks(2)))
    values = json.loads(json.dumps(result.understood.to_dict()))
    assert values["format"] == formats.WEB_API
    assert values["filled"] == {
        "popularity": impute_run.bundle.preprocessor.typical["popularity"]
    }
    assert values["rows"] == 2


def test_the_written_table_keeps_the_files_own_column_names(drop_run):
    tracks = known_tracks(3)
    content = exportify_bytes(tracks)
    output = io.StringIO()
    result = export.predict_file(drop_run.bundle, content, output)
    written = pd.read_csv(
        io.StringIO(output.getvalue()), dtype=str, keep_default_na=False
    )
    given = pd.read_csv(
        io.BytesIO(content), dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    pd.testing.assert_frame_equal(written[list(given.columns)], given)
    # The page's preview uses GenreLab's names (it shows artist and title).
    assert {"artist_name", "track_name", "duration_ms"} <= set(result.preview.columns)


def test_the_formats_page_lists_every_alias_and_the_fillable_columns():
    from tests.conftest import PROJECT_ROOT

    page = (PROJECT_ROOT / "docs" / "formats.md").read_text()
    for canonical, aliases in formats.ALIASES.items():
        for alias in aliases:
            assert f"`{alias}`" in page, (canonical, alias)
    for column in formats.FILLABLE_COLUMNS:
        assert f"without a `{column}` column" in page


# --- the genre column: by name, or chosen (issue 30) ------------------------------


def with_label_column(name: str, tracks=None) -> bytes:
    """Tracks with their genre in a column called ``name``."""
    tracks = tracks or known_tracks()
    renamed = [
        {(name if c == schema.TARGET else c): v for c, v in t.items()} for t in tracks
    ]
    return csv_bytes(renamed, [name if c == schema.TARGET else c for c in COLUMNS])


@pytest.mark.parametrize("name", formats.LABEL_NAMES)
def test_every_label_name_is_read_as_the_genre(name):
    tracks = known_tracks()
    typed = data.load_csv(with_label_column(name, tracks), require_label=True)
    assert typed[schema.TARGET].tolist() == [t["music_genre"] for t in tracks]


@pytest.mark.parametrize("written", ["mood", "Mood", "MOOD"])
def test_a_chosen_column_is_the_genre_matched_ignoring_case(written):
    tracks = known_tracks()
    understood = understanding.Understood()
    typed = data.load_csv(
        with_label_column("mood", tracks),
        require_label=True,
        label=written,
        summary=understood,
    )
    assert typed[schema.TARGET].tolist() == [t["music_genre"] for t in tracks]
    assert "mood" not in typed.columns
    assert understood.renamed == {"mood": schema.TARGET}
    assert "'mood' used as music_genre" in understood.sentence()


def test_a_chosen_column_leaves_other_label_names_as_they_are():
    tracks = known_tracks()
    other = [c for c in COLUMNS if c != schema.TARGET]
    content = csv_bytes(
        [{**t, "genre": t["music_genre"], "playlist_genre": "pop"} for t in tracks],
        [*other, "genre", "playlist_genre"],
    )
    # Without a choice the two genre columns are refused, saying how to choose.
    with pytest.raises(DataError, match="--label COLUMN on the command line"):
        data.load_csv(content, require_label=True)
    typed = data.load_csv(content, require_label=True, label="genre")
    assert typed[schema.TARGET].tolist() == [t["music_genre"] for t in tracks]
    assert (typed["playlist_genre"] == "pop").all()
    typed = data.load_csv(content, require_label=True, label="playlist_genre")
    assert (typed[schema.TARGET] == "pop").all()
    assert typed["genre"].tolist() == [t["music_genre"] for t in tracks]


def test_a_chosen_column_beside_a_music_genre_column_is_refused():
    content = csv_bytes([{**row(), "mood": "Rock"}], [*COLUMNS, "mood"])
    with pytest.raises(DataError, match="has a music_genre column already"):
        data.load_csv(content, require_label=True, label="mood")


@pytest.mark.parametrize(
    ("label", "words"),
    [
        ("nope", "There is no column 'nope' in this file to read genres from"),
        ("tempo", "The column 'tempo' is one of the audio features"),
        ("Tempo", "The column 'tempo' is one of the audio features"),
    ],
)
def test_a_bad_chosen_column_is_refused_in_one_sentence(label, words):
    content = with_label_column("mood")
    for read in (
        lambda: data.load_csv(content, require_label=True, label=label),
        lambda: list(data.iter_typed_chunks(content, True, label=label)),
    ):
        with pytest.raises(DataError) as raised:
            read()
        message = str(raised.value)
        assert message.startswith(words)
        assert "\n" not in message


def test_an_unknown_chosen_column_lists_the_files_columns():
    with pytest.raises(DataError) as raised:
        data.load_csv(with_label_column("mood"), require_label=True, label="nope")
    assert "its columns are instance_id, artist_name, track_name," in str(raised.value)
    assert "and 6 more." in str(raised.value)


def test_a_file_without_a_genre_names_its_columns_that_look_like_labels():
    tracks = known_tracks()
    extra = {
        # Text with a few values repeated: could be genres.
        "mood": lambda i: ("calm", "wild", "sad")[i % 3],
        "decade": lambda i: ("80s", "90s")[i % 2],
        # Numbers, an id on every row and a single value: not labels.
        "rank": lambda i: str(i % 4),
        "spotify_id": lambda i: f"id{i}",
        "source": lambda i: "radio",
    }
    columns = [c for c in COLUMNS if c != schema.TARGET] + list(extra)
    rows = [{**t, **{k: f(i) for k, f in extra.items()}} for i, t in enumerate(tracks)]
    content = csv_bytes(rows, columns)
    with pytest.raises(DataError) as raised:
        data.load_csv(content, require_label=True)
    message = str(raised.value)
    assert message == (
        "This file has no genre column (none is named music_genre, genre, "
        "track_genre, playlist_genre, Class or top genre); the columns that look "
        "like genres are mood and decade: choose one with --label COLUMN on the "
        "command line, e.g. --label mood."
    )
    # Predicting needs no genre.
    assert len(data.load_csv(content)) == len(tracks)


def test_a_file_without_anything_like_a_genre_says_how_to_add_or_choose_one():
    columns = [c for c in COLUMNS if c != schema.TARGET]
    with pytest.raises(DataError) as raised:
        data.load_csv(csv_bytes(known_tracks(), columns), require_label=True)
    message = str(raised.value)
    assert message.startswith("This file has no genre column (none is named ")
    assert "none of its columns looks like one (text with 2 to 200" in message
    assert message.endswith("choose one with --label COLUMN on the command line.")


@pytest.mark.parametrize(
    ("values", "looks_like_labels"),
    [
        (["rock", "pop", "rock"], True),
        (["rock", "rock", "rock"], False),  # one value
        (["a", "b", "c"], False),  # a value of its own on every row
        (["1", "2", "1"], False),  # numbers
        ([f"g{i % 201}" for i in range(402)], False),  # 201 values
        ([f"g{i % 200}" for i in range(400)], True),
        (["", "", "rock", "pop", "pop"], True),  # empty cells do not count
    ],
)
def test_what_looks_like_labels(values, looks_like_labels):
    raw = pd.DataFrame({"column": values}, dtype=str)
    assert (formats.label_like_columns(raw) == ["column"]) is looks_like_labels


def test_the_labels_looked_for_are_those_of_the_rows_read():
    # Streaming reads a chunk first: its rows are the ones looked at.
    tracks = known_tracks()
    rows = [{**t, "mood": ("calm", "wild")[i % 2]} for i, t in enumerate(tracks)]
    columns = [c for c in COLUMNS if c != schema.TARGET] + ["mood"]
    with pytest.raises(DataError, match="the column that looks like genres is mood"):
        list(data.iter_typed_chunks(csv_bytes(rows, columns), True, chunk_rows=4))


def test_a_chosen_label_is_scored_by_predict_file(drop_run):
    tracks = known_tracks()
    by_name = export.predict_file(
        drop_run.bundle, csv_bytes(tracks), require_label=True
    )
    chosen = export.predict_file(
        drop_run.bundle,
        with_label_column("mood", tracks),
        require_label=True,
        label="mood",
    )
    assert chosen.scores == by_name.scores
    assert chosen.scores["n_rows"] == len(tracks)


# --- spotifyr's names: the same probabilities as Kaggle's (issue 30) ----------------


def test_spotifyr_names_give_the_kaggle_probabilities_through_predict_file(
    run, tmp_path
):
    tracks = known_tracks()
    kaggle, spotifyr = tmp_path / "kaggle.csv", tmp_path / "spotify_songs.csv"
    kaggle.write_bytes(csv_bytes(tracks))
    spotifyr.write_bytes(spotifyr_bytes(tracks))
    outputs = {}
    for path in (kaggle, spotifyr):
        stream = io.StringIO()
        result = export.predict_file(run.bundle, path, stream, require_label=True)
        assert result.predicted == len(tracks)
        assert result.scores["n_rows"] == len(tracks)
        outputs[path.name] = pd.read_csv(io.StringIO(stream.getvalue()), dtype=str)
    written = outputs["spotify_songs.csv"]
    assert list(written.columns[: len(SPOTIFYR_COLUMNS)]) == list(SPOTIFYR_COLUMNS)
    pd.testing.assert_frame_equal(
        written[predict.probability_columns(schema.GENRES)],
        outputs["kaggle.csv"][predict.probability_columns(schema.GENRES)],
    )
    assert (
        written["predicted_genre"] == outputs["kaggle.csv"]["predicted_genre"]
    ).all()


# --- durations in minutes (issue 30) ------------------------------------------------


def with_duration_column(tracks, name: str, durations: list[str]) -> bytes:
    columns = [name if column == "duration_ms" else column for column in COLUMNS]
    rows = [
        {**{k: v for k, v in track.items() if k != "duration_ms"}, name: duration}
        for track, duration in zip(tracks, durations, strict=True)
    ]
    return csv_bytes(rows, columns)


@pytest.mark.parametrize(
    "name", ["duration_min", "Duration (min)", "duration_minutes", "duration_mins"]
)
def test_a_duration_in_minutes_is_converted_and_said(name, impute_run):
    tracks = known_tracks(3)
    minutes = ["3.5", "0.25", "12"]
    understood = understanding.Understood()
    typed = data.load_csv(
        with_duration_column(tracks, name, minutes), summary=understood
    )
    assert typed["duration_ms"].tolist() == [210_000.0, 15_000.0, 720_000.0]
    assert (typed[tables.PROBLEM_COLUMN] == "").all()
    assert (
        f"'{name}' read in minutes and converted to duration_ms (milliseconds)"
        in understood.sentence()
    )
    assert "used as duration_min" not in understood.sentence()
    # Predicted as the same tracks written in milliseconds; the written table
    # keeps the file's own column and values.
    in_ms = [
        {**track, "duration_ms": repr(value)}
        for track, value in zip(tracks, typed["duration_ms"], strict=True)
    ]
    output = io.StringIO()
    result = export.predict_file(
        impute_run.bundle, with_duration_column(tracks, name, minutes), output
    )
    np.testing.assert_array_equal(
        result.preview[predict.probability_columns(schema.GENRES)].to_numpy(),
        probabilities(impute_run.bundle, data.load_csv(csv_bytes(in_ms))),
    )
    written = pd.read_csv(io.StringIO(output.getvalue()), dtype=str)
    assert written[name].tolist() == minutes


def test_a_duration_in_minutes_or_milliseconds_takes_small_values_as_minutes():
    tracks = known_tracks(5)
    understood = understanding.Understood()
    typed = data.load_csv(
        with_duration_column(
            tracks, "duration_in min/ms", ["234596", "3.1", "29.9", "999", "-1"]
        ),
        summary=understood,
    )
    values = typed["duration_ms"].tolist()
    assert values[:3] == [234_596.0, 186_000.0, 1_794_000.0]
    # 999 minutes is longer than any track read (600 minutes): a reason.
    assert typed.loc[3, tables.PROBLEM_COLUMN] == (
        "duration_ms 999 minutes is outside 0 to 600 minutes"
    )
    # -1 is Spotify's unknown duration, as in milliseconds.
    assert np.isnan(values[4]) and typed.loc[4, tables.PROBLEM_COLUMN] == ""
    assert understood.minute_durations == 2
    assert (
        "'duration_in min/ms' read as duration_ms: 2 values under 1,000 taken as "
        "minutes and converted to milliseconds, the others read as milliseconds"
        in understood.sentence()
    )


def test_a_duration_in_minutes_beside_one_in_milliseconds_is_refused():
    columns = [*COLUMNS, "duration_min"]
    content = csv_bytes([{**row(), "duration_min": "3.5"}], columns)
    with pytest.raises(DataError, match="both 'duration_ms' and 'duration_min' are"):
        data.load_csv(content)


# --- which columns a person may choose as the genre column (issue 30) ---------------


def test_a_file_without_a_genre_column_by_name_offers_the_look_alikes():
    columns = ["style" if column == "music_genre" else column for column in COLUMNS]
    rows = [{**row(), "style": genre} for genre in ("Rock", "Jazz", "Rock")]
    found = reading.label_columns(csv_bytes(rows, columns))
    assert found == formats.LabelColumns((), ("style",))
    assert found.to_choose and found.default is None
    assert found.explanation().startswith("No column is named like a genre column")


def test_two_genre_columns_by_name_ask_for_a_choice():
    columns = [*COLUMNS, "playlist_genre"]
    rows = [{**row(), "playlist_genre": "rock"}, {**row(), "playlist_genre": "rap"}]
    found = reading.label_columns(csv_bytes(rows, columns))
    assert found.named == ("music_genre", "playlist_genre")
    assert found.to_choose and found.default is None
    assert "Several columns are named like a genre column" in found.explanation()


def test_the_kaggle_columns_need_no_choice():
    found = reading.label_columns(csv_bytes([row(), row(music_genre="Jazz")]))
    assert found == formats.LabelColumns(("music_genre",), ())
    assert not found.to_choose and found.default == "music_genre"


def test_audio_features_json_has_no_genre_column():
    found = reading.label_columns(web_api_json_bytes(known_tracks(2)))
    assert not found.choices and not found.to_choose
