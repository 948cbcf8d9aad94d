"""core.data: reading, validating and typing the raw CSV, on frames built here."""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import pytest

from core import (
    data,
    download,
    formats,
    opening,
    reading,
    schema,
    tables,
    understanding,
)
from core.errors import DataError
from core.genres import REFERENCE, Genres
from tests.conftest import COLUMNS, GOOD_ROW, PROJECT_ROOT, csv_bytes, row

BLANK = dict.fromkeys(COLUMNS, "")


def load(rows, columns=None, require_label=False):
    return data.load_csv(csv_bytes(rows, columns), require_label=require_label)


# --- one row at a time: what each raw value becomes ------------------------------


def test_a_good_row_is_typed_and_has_no_problem():
    typed = load([row()])
    first = typed.iloc[0]
    assert first["row_problem"] == ""
    assert first["tempo"] == 120.0
    assert first["duration_ms"] == 210000.0
    assert first["loudness"] == -6.5
    assert first["key"] == "A#"
    assert first["mode"] == "Minor"
    assert first["music_genre"] == "Rock"


def test_typed_frame_dtypes():
    typed = load([row(), row(tempo="?")])
    for column in schema.NUMERIC_FEATURES:
        assert typed[column].dtype == np.float64, column
    for column in ("key", "mode", "music_genre", "row_problem"):
        assert pd.api.types.is_string_dtype(typed[column]), column
    # Identity columns stay text exactly as written.
    assert typed["instance_id"].tolist() == ["1.0", "1.0"]


def test_every_row_is_kept_in_file_order():
    rows = [
        row(instance_id="10"),
        BLANK,
        row(instance_id="11", key="H"),
        row(instance_id="12", tempo="?"),
        row(instance_id="13"),
    ]
    typed = load(rows)
    assert len(typed) == 5
    assert list(typed.index) == [0, 1, 2, 3, 4]
    assert typed["instance_id"].tolist() == ["10", "", "11", "12", "13"]


def test_blank_rows_are_kept_and_marked():
    typed = load([row(), BLANK, BLANK, row()])
    assert typed["row_problem"].tolist() == ["", "blank row", "blank row", ""]
    assert typed.loc[1, schema.NUMERIC_FEATURES].isna().all()


def test_a_truly_empty_line_is_a_blank_row_too():
    text = csv_bytes([row()]) + b"\n" + csv_bytes([row()]).split(b"\n", 1)[1]
    typed = data.load_csv(text)
    assert typed["row_problem"].tolist() == ["", "blank row", ""]


def test_every_row_blank_is_an_error():
    with pytest.raises(DataError, match="Every row of the file is blank"):
        load([BLANK, BLANK])


def test_question_mark_tempo_is_unknown_not_a_problem():
    typed = load([row(tempo="?")])
    assert math.isnan(typed.loc[0, "tempo"])
    assert typed.loc[0, "row_problem"] == ""


def test_minus_one_duration_is_unknown_not_a_problem():
    typed = load([row(duration_ms="-1")])
    assert math.isnan(typed.loc[0, "duration_ms"])
    assert typed.loc[0, "row_problem"] == ""


def test_an_empty_cell_of_any_feature_is_unknown_and_named_not_a_problem():
    typed = load([row(tempo=""), row(energy="", key="", mode=""), row()])
    assert typed["row_problem"].tolist() == ["", "", ""]
    assert math.isnan(typed.loc[0, "tempo"]) and math.isnan(typed.loc[1, "energy"])
    assert pd.isna(typed.loc[1, "key"]) and pd.isna(typed.loc[1, "mode"])
    assert typed[tables.EMPTY_COLUMN].tolist() == ["tempo", "energy, key, mode", ""]


def test_a_row_without_any_audio_feature_is_a_problem_not_filled():
    audio = {column: "" for column in schema.FEATURE_COLUMNS if column != "popularity"}
    typed = load([row(**audio), row(**audio, popularity="")])
    assert typed["row_problem"].tolist() == [tables.NO_AUDIO_FEATURES] * 2
    assert typed[tables.EMPTY_COLUMN].tolist() == ["", ""]


def test_unknown_key_is_a_row_problem_naming_the_value():
    typed = load([row(key="H")])
    assert pd.isna(typed.loc[0, "key"])
    assert "key 'H' is not one of" in typed.loc[0, "row_problem"]


def test_unknown_mode_is_a_row_problem_naming_the_value():
    typed = load([row(mode="Dorian")])
    assert pd.isna(typed.loc[0, "mode"])
    assert "mode 'Dorian' is not Major or Minor" in typed.loc[0, "row_problem"]


def test_mode_case_and_spaces_are_forgiven():
    typed = load([row(mode="minor", key=" D")])
    assert typed.loc[0, "mode"] == "Minor"
    assert typed.loc[0, "key"] == "D"
    assert typed.loc[0, "row_problem"] == ""


def test_several_problems_in_one_row_are_all_listed():
    typed = load([row(key="H", mode="Dorian", energy="loud")])
    problem = typed.loc[0, "row_problem"]
    assert problem.split("; ") == [
        "energy is not a number",
        "key 'H' is not one of C, C#, D, ... B",
        "mode 'Dorian' is not Major or Minor",
    ]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"tempo": "fast"}, "tempo is not a number"),
        ({"popularity": "inf"}, "popularity is infinite"),
        ({"energy": "1.5"}, "energy 1.5 is outside 0 to 1"),
        ({"loudness": "-99"}, "loudness -99 is outside -70 to 10"),
        ({"duration_ms": "-5"}, "duration_ms -5 is outside 0 to 3.6e+07"),
    ],
)
def test_invalid_numbers_are_row_problems(changes, problem):
    typed = load([row(**changes)])
    assert typed.loc[0, "row_problem"] == problem
    assert math.isnan(typed.loc[0, next(iter(changes))])


def test_a_genre_outside_the_ten_is_kept_as_written_and_is_none_of_the_ten():
    typed = load([row(music_genre="Polka"), row(music_genre="rock"), row()])
    assert typed["music_genre"].tolist() == ["Polka", "Rock", "Rock"]
    rock = schema.GENRES.index("Rock")
    assert tables.label_codes(typed, REFERENCE).tolist() == [-1, rock, rock]
    assert tables.label_codes(typed, Genres(("Polka", "Rock"))).tolist() == [0, 1, 1]


def test_label_codes_follow_the_studys_genre_order():
    typed = load([row(music_genre=genre) for genre in schema.GENRES])
    assert tables.label_codes(typed, REFERENCE).tolist() == list(range(10))


def test_label_codes_without_a_label_column_are_all_unknown():
    columns = [c for c in COLUMNS if c != "music_genre"]
    typed = load([row(), row()], columns=columns)
    assert tables.label_codes(typed, REFERENCE).tolist() == [-1, -1]


# --- the columns: by name, any order, extras welcome --------------------------------


def test_extra_columns_are_accepted_and_kept():
    columns = [*COLUMNS, "comment"]
    typed = load([{**GOOD_ROW, "comment": "hello"}], columns=columns)
    assert typed.loc[0, "comment"] == "hello"
    assert typed.loc[0, "row_problem"] == ""


def test_shuffled_columns_give_the_same_values():
    shuffled = list(reversed(COLUMNS))
    rows = [row(), row(tempo="?", key="C", mode="Major")]
    in_order = load(rows)
    reordered = load(rows, columns=shuffled)
    for column in (*schema.FEATURE_COLUMNS, schema.TARGET, "row_problem"):
        pd.testing.assert_series_equal(in_order[column], reordered[column])


def test_a_missing_required_column_is_named():
    columns = [c for c in COLUMNS if c != "tempo"]
    with pytest.raises(DataError, match=r"^The file is missing the column tempo\.$"):
        load([row()], columns=columns)


def test_several_missing_columns_are_all_named():
    columns = [c for c in COLUMNS if c not in ("key", "valence")]
    with pytest.raises(DataError, match="missing the columns valence, key"):
        load([row()], columns=columns)


def test_the_label_column_is_only_required_when_asked():
    columns = [c for c in COLUMNS if c != "music_genre"]
    typed = load([row()], columns=columns)
    assert "music_genre" not in typed.columns
    with pytest.raises(DataError, match="^This file has no genre column .*--label"):
        load([row()], columns=columns, require_label=True)


def test_a_file_of_other_columns_is_not_the_music_genre_csv():
    content = b"name,age\nAda,36\n"
    with pytest.raises(DataError, match="does not look like the music genre CSV"):
        data.load_csv(content)


def test_semicolon_separated_files_are_read():
    content = csv_bytes([row()]).replace(b",", b";")
    typed = data.load_csv(content)
    assert typed.loc[0, "tempo"] == 120.0


# --- unusable files ------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"   \n\n"])
def test_an_empty_file_is_an_error(content):
    with pytest.raises(DataError, match=r"^The file is empty\.$"):
        data.load_csv(content)


def test_a_header_only_file_is_an_error():
    header = ",".join(COLUMNS).encode() + b"\n"
    with pytest.raises(DataError, match="has a header but no rows of data"):
        data.load_csv(header)


def test_a_binary_file_is_an_error():
    with pytest.raises(DataError, match="not a text file"):
        data.load_csv(b"PK\x03\x04\x00\x00binary")


def test_a_json_file_is_an_error():
    with pytest.raises(DataError, match="holds JSON, not a CSV"):
        data.load_csv(b'[{"tempo": 120}]')


def test_a_ragged_file_is_an_error():
    content = csv_bytes([row()]) + b"1,2,3," + b"x," * 40 + b"\n"
    with pytest.raises(DataError, match="could not be read as a CSV table"):
        data.load_csv(content)


def test_a_missing_path_is_an_error(tmp_path):
    with pytest.raises(DataError, match="No file at"):
        data.load_csv(tmp_path / "nothing.csv")


def test_a_folder_is_an_error(tmp_path):
    with pytest.raises(DataError, match="is a folder, not a CSV file"):
        data.load_csv(tmp_path)


def test_a_file_over_the_size_limit_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setattr(opening, "MAX_FILE_MB", 0)
    path = tmp_path / "big.csv"
    path.write_bytes(csv_bytes([row()]))
    with pytest.raises(DataError, match="larger than the 0 MB limit"):
        data.load_csv(path)
    with pytest.raises(DataError, match="larger than the 0 MB limit"):
        data.load_csv(csv_bytes([row()]))


# --- sources: path, bytes, uploads ------------------------------------------------


def test_path_bytes_and_open_files_give_the_same_frame(tmp_path):
    content = csv_bytes([row(), row(tempo="?")])
    path = tmp_path / "tracks.csv"
    path.write_bytes(content)
    from_bytes = data.load_csv(content)
    for source in (
        path,
        str(path),
        io.BytesIO(content),
        io.StringIO(content.decode("utf-8")),
    ):
        pd.testing.assert_frame_equal(data.load_csv(source), from_bytes)


def test_windows_1252_files_are_read():
    content = csv_bytes([row(artist_name="Beyoncé")]).decode().encode("cp1252")
    typed = data.load_csv(content)
    assert typed.loc[0, "artist_name"] == "Beyoncé"


def test_read_raw_keeps_every_cell_as_text():
    raw = reading.read_raw(csv_bytes([row(tempo="?"), BLANK]))
    assert raw.loc[0, "tempo"] == "?"
    assert raw.loc[1, "tempo"] == ""
    assert list(raw.columns) == COLUMNS


# --- where the data is found ----------------------------------------------------------


def test_resolve_data_path_prefers_explicit_then_environment_then_default(
    monkeypatch, tmp_path
):
    monkeypatch.delenv(download.DATA_PATH_VARIABLE, raising=False)
    assert download.resolve_data_path() == download.DEFAULT_DATA_PATH
    assert download.DEFAULT_DATA_PATH.parts[-2:] == ("data", "music_genre.csv")
    monkeypatch.setenv(download.DATA_PATH_VARIABLE, str(tmp_path / "env.csv"))
    assert download.resolve_data_path() == tmp_path / "env.csv"
    assert download.resolve_data_path(tmp_path / "x.csv") == tmp_path / "x.csv"


# --- rows from a track's values (sliders, links, Shapley, counterfactuals) ---------


@pytest.mark.parametrize("unknown", [(), ("tempo",), ("tempo", "duration_ms")])
def test_track_rows_equal_the_same_values_read_from_a_file(unknown):
    values = {name: GOOD_ROW[name] for name in schema.FEATURE_COLUMNS}
    values.update(dict.fromkeys(unknown))
    written = {name: "" if value is None else value for name, value in values.items()}
    read = data.load_csv(csv_bytes([written, written], list(schema.FEATURE_COLUMNS)))
    built = tables.track_rows([values, values])
    pd.testing.assert_frame_equal(built, read[built.columns.tolist()])
    assert list(built.columns) == list(read.columns)


def test_track_rows_builds_one_typed_row():
    values = {name: GOOD_ROW[name] for name in schema.FEATURE_COLUMNS}
    values["tempo"] = 98.5
    typed = tables.track_rows([values])
    assert len(typed) == 1
    assert typed.loc[0, "tempo"] == 98.5
    assert typed.loc[0, "row_problem"] == ""


def test_track_rows_needs_every_feature():
    values = {name: GOOD_ROW[name] for name in schema.FEATURE_COLUMNS if name != "key"}
    with pytest.raises(DataError, match="missing the column key"):
        tables.track_rows([values])


def test_the_upload_limit_is_the_one_core_checks():
    import tomllib

    settings = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert settings["server"]["maxUploadSize"] == opening.MAX_FILE_MB


def test_bytes_are_held_to_the_limit_even_when_streamed(monkeypatch):
    monkeypatch.setattr(opening, "MAX_FILE_MB", 0.001)
    content = csv_bytes([row()] * 40)
    with pytest.raises(DataError, match="larger than"):
        list(reading.iter_raw_chunks(content))


def test_the_fingerprint_follows_the_rows_not_the_layout():
    rows = [row(), row(energy="0.3", track_name="Other")]
    plain = data.load_csv(csv_bytes(rows))
    semicolons = data.load_csv(csv_bytes(rows).replace(b",", b";"))
    assert tables.fingerprint(plain) == tables.fingerprint(semicolons)
    changed = data.load_csv(csv_bytes([row(), row(energy="0.31", track_name="Other")]))
    assert tables.fingerprint(changed) != tables.fingerprint(plain)
    assert tables.fingerprint(plain.iloc[::-1]) != tables.fingerprint(plain)


# --- other formats (issue 15): names, values, JSON, web pages, gzip --------------


def test_a_web_page_saved_as_csv_is_not_a_table():
    page = b"\n  <!doctype html>\n<html><head><title>Kaggle</title></head></html>\n"
    with pytest.raises(
        DataError, match=r"^This file is a web page \(HTML\), not a table"
    ):
        data.load_csv(page)


def test_a_table_with_html_in_a_cell_is_still_a_table():
    typed = data.load_csv(csv_bytes([row(track_name="<html> (Live)")]))
    assert typed.loc[0, "track_name"] == "<html> (Live)"


def test_a_gzip_compressed_csv_is_read_through():
    import gzip

    content = csv_bytes([row(), row(tempo="?")])
    pd.testing.assert_frame_equal(
        data.load_csv(gzip.compress(content)), data.load_csv(content)
    )


def test_a_raw_frame_with_other_names_is_typed_under_genrelabs_names():
    raw = pd.DataFrame(
        [
            {
                ("Duration (ms)" if c == "duration_ms" else c.title()): v
                for c, v in row(key="c#", mode="minor").items()
            }
        ],
        dtype=str,
    )
    typed = data.type_frame(raw)
    assert typed.loc[0, "duration_ms"] == 210000.0
    assert (typed.loc[0, "key"], typed.loc[0, "mode"]) == ("C#", "Minor")
    assert typed.loc[0, "row_problem"] == ""


def test_read_raw_keeps_the_files_names_and_the_summary_knows_genrelabs():
    content = csv_bytes(
        [{**row(), "Time Signature": "4"}], [*COLUMNS, "Time Signature"]
    ).replace(b"duration_ms", b"Duration (ms)")
    understood = understanding.Understood()
    raw = reading.read_raw(content, summary=understood)
    assert "Duration (ms)" in raw.columns and "Time Signature" in raw.columns
    assert "duration_ms" not in raw.columns
    assert raw.loc[0, "Duration (ms)"] == "210000.0"
    assert understood.renamed == {"Duration (ms)": "duration_ms"}
    # The typed frame is named GenreLab's way by that mapping.
    typed = data.load_csv(content)
    assert typed.loc[0, "duration_ms"] == 210000.0
    assert "Time Signature" in typed.columns


def _rows_ending_with(content: bytes, endings: dict[int, str]) -> bytes:
    """``content`` with ``endings[n]`` added to line n (1: the header)."""
    lines = content.decode().splitlines()
    return (
        "\n".join(
            line + endings.get(number, "") for number, line in enumerate(lines, start=1)
        )
        + "\n"
    ).encode()


def test_a_file_whose_rows_end_with_a_delimiter_is_read_in_one_pass(
    tmp_path, monkeypatch
):
    """Rows (not the header) ending with a comma: pandas drops the empty
    values with a warning; they are checked in the same read, not by opening
    the file again, and the column mapping is worked out once."""
    plain = csv_bytes([row(), row(tempo="99"), row(), row(), row()])
    trailing = _rows_ending_with(plain, dict.fromkeys(range(2, 7), ","))
    path = tmp_path / "trailing.csv"
    path.write_bytes(trailing.replace(b"duration_ms", b"Duration (ms)"))
    opened, mapped = [], []
    open_binary, column_mapping = opening.open_binary, formats.column_mapping
    monkeypatch.setattr(
        opening, "open_binary", lambda *a, **k: opened.append(1) or open_binary(*a, **k)
    )
    monkeypatch.setattr(
        formats,
        "column_mapping",
        lambda *a, **k: mapped.append(1) or column_mapping(*a, **k),
    )
    chunks = list(data.iter_typed_chunks(str(path), chunk_rows=2))
    assert (len(opened), len(mapped), len(chunks)) == (1, 1, 3)
    typed = pd.concat([typed for _, typed in chunks])
    expected = data.load_csv(plain)
    columns = [*schema.FEATURE_COLUMNS, schema.TARGET, tables.PROBLEM_COLUMN]
    pd.testing.assert_frame_equal(typed[columns], expected[columns])
    # The rows as read keep the file's own names.
    assert "Duration (ms)" in chunks[0][0].columns


@pytest.mark.parametrize(
    ("endings", "line", "values"),
    [
        ({2: ",x"}, 2, 19),  # the first row: pandas would drop the value
        ({2: ",", 3: ",", 4: ",x"}, 4, 19),  # after rows with an empty one
        ({2: ",,", 3: ",,x"}, 3, 20),
        ({2: ",", 4: ",x,y"}, 4, 20),  # more than the first row has: the parser's
    ],
    ids=["first row", "later row", "second value past", "more than the first row"],
)
def test_a_value_past_the_header_is_refused_naming_its_line(endings, line, values):
    content = _rows_ending_with(csv_bytes([row(), row(), row()]), endings)
    with pytest.raises(DataError) as refused:
        data.load_csv(content)
    assert f"line {line} has {values} values but the header names 18 columns" in str(
        refused.value
    )


@pytest.mark.parametrize("blank_lines", [0, 2])
def test_a_first_row_of_thousands_of_values_past_the_header_is_refused(blank_lines):
    """Read as a file, not an upload (no line limit): the values past the
    header are not made columns of their own, and the line is named."""
    rows = csv_bytes([row(), row()]).decode().splitlines()
    content = "\n" * blank_lines + "\n".join(
        [rows[0], rows[1] + "," * 200_000, rows[2]]
    )
    with pytest.raises(DataError) as refused:
        list(reading.iter_raw_chunks(content.encode()))
    assert (
        f"line {2 + blank_lines} has more values than the header names 18 columns"
        in str(refused.value)
    )


def test_integer_keys_and_modes_are_names_in_the_typed_frame():
    typed = load([row(key="10", mode="0"), row(key="0", mode="1"), row(key="-1")])
    assert typed["key"].tolist()[:2] == ["A#", "C"]
    assert typed["mode"].tolist() == ["Minor", "Major", "Minor"]
    assert pd.isna(typed.loc[2, "key"]) and typed.loc[2, "row_problem"] == ""


def test_a_missing_popularity_column_is_unknown_for_every_row_not_a_problem():
    typed = load([row(), row()], columns=[c for c in COLUMNS if c != "popularity"])
    assert typed["popularity"].isna().all()
    assert typed["row_problem"].tolist() == ["", ""]


def test_a_file_of_only_names_says_which_feature_columns_are_missing():
    content = b"artist_name,track_name\nSomeone,Song\n"
    with pytest.raises(DataError) as raised:
        data.load_csv(content)
    message = str(raised.value)
    assert message.startswith("This file has track names (artist_name, track_name)")
    for column in schema.FEATURE_COLUMNS:
        assert column in message, column


def test_web_api_json_chunks_keep_the_entries_positions():
    from tests.bad_files.corpus import good_rows, web_api_json_bytes

    chunks = list(
        reading.iter_raw_chunks(web_api_json_bytes(good_rows(5)), chunk_rows=2)
    )
    assert [list(chunk.index) for chunk in chunks] == [[0, 1], [2, 3], [4]]
    assert chunks[0].loc[0, "key"] == "0"


def test_the_summary_counts_every_chunk():

    rows = [row(key=str(number % 12), mode=str(number % 2)) for number in range(7)]
    understood = understanding.Understood()
    list(data.iter_typed_chunks(csv_bytes(rows), chunk_rows=3, summary=understood))
    assert (understood.rows, understood.number_keys, understood.number_modes) == (
        7,
        7,
        7,
    )
