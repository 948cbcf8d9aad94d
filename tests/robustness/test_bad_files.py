"""Every file of the bad-file corpus, through core and the command line.

A file is either read, with every row predicted or given a reason, or refused
with one plain-English sentence; the command line then exits 2 with one line on
stderr and leaves any existing output file alone.
"""

from __future__ import annotations

import io
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from core import data, export, opening, pipeline, predict, reading, schema, tables
from core.errors import DataError
from core.genres import REFERENCE
from tests import oracles
from tests.bad_files.corpus import ACCEPTED, CORPUS, REFUSED, BadFile
from tests.cli.runner import predict_arguments, run_cli
from tests.conftest import tiny_config

TECHNICAL_WORDS = ("Traceback", "tokenizing", "C error", "Errno", "pandas", "dtype")


def names(files: list[BadFile]) -> list[str]:
    return [bad.name for bad in files]


def limited(bad: BadFile, monkeypatch: pytest.MonkeyPatch) -> None:
    if bad.size_limit_mb is not None:
        monkeypatch.setattr(opening, "MAX_FILE_MB", bad.size_limit_mb)


def assert_plain_sentence(
    message: str, bad: BadFile, words: tuple[str, ...] | None = None
) -> None:
    """One plain sentence holding ``words`` (default: the file's message words)."""
    assert "\n" not in message.strip(), message
    assert message.rstrip().endswith((".", ")")), message
    for word in TECHNICAL_WORDS:
        assert word not in message, message
    for word in bad.message_words if words is None else words:
        assert word.lower() in message.lower(), f"{word!r} not in {message!r}"


def assert_every_row_accounted(
    bad: BadFile, predictions: pd.DataFrame, atol: float = 1e-4
) -> None:
    """Each row has a prediction or a reason, never both, never neither."""
    assert len(predictions) == bad.rows
    reasons = predictions[predict.REASON].fillna("").astype(str).to_numpy()
    predicted = predictions[predict.PREDICTED].fillna("").astype(str).to_numpy()
    for position in range(bad.rows):
        expected = bad.reasons.get(position)
        if expected is None:
            assert reasons[position] == "", (position, reasons[position])
            assert predicted[position] in schema.GENRES
        else:
            assert predicted[position] == ""
            for word in expected:
                assert word in reasons[position], (position, reasons[position])
    probabilities = predictions[predict.probability_columns(schema.GENRES)].to_numpy(
        dtype=float
    )
    usable = reasons == ""
    np.testing.assert_allclose(probabilities[usable].sum(axis=1), 1.0, atol=atol)
    assert np.isnan(probabilities[~usable]).all()


def assert_every_row_scored(bad: BadFile, scores: dict) -> None:
    """Each row scored, unpredictable or unlabelled; the unpredictable ones counted."""
    assert scores["n_unpredictable"] == bad.unpredictable("drop")
    counted = scores["n_rows"] + scores["n_unpredictable"] + scores["n_unlabelled"]
    assert counted == bad.rows


def test_the_corpus_covers_the_issue_list():
    expected = {
        "semicolon_delimiter",
        "missing_tempo_column",
        "extra_columns",
        "shuffled_columns",
        "utf8_bom_crlf",
        "text_in_numeric_column",
        "empty_file",
        "header_only",
        "only_blank_rows",
        "latin1_encoding",
        "random_binary",
        "json_renamed",
        "plain_text_renamed",
        "nan_and_inf",
        "out_of_range",
        "unknown_key_and_mode",
        "single_genre",
        "one_row",
        "over_size_limit",
        # issue 15
        "exportify_playlist",
        "spotify_tracks_dataset",
        "web_api_audio_features",
        "html_page_saved_as_csv",
        "gzip_compressed_csv",
        "only_track_names",
        "two_columns_for_energy",
        "missing_popularity_column",
        # issue 30
        "spotifyr_songs",
        "spotifyr_without_a_genre_column",
        "two_columns_for_popularity",
    }
    assert expected <= set(names(CORPUS))
    assert len(set(names(CORPUS))) == len(CORPUS)


# --- core ---------------------------------------------------------------------


@pytest.mark.parametrize("bad", REFUSED, ids=names(REFUSED))
def test_core_refuses_with_a_plain_sentence(bad, monkeypatch, tmp_path):
    limited(bad, monkeypatch)
    for source in (bad.content, bad.write(tmp_path), io.BytesIO(bad.content)):
        with pytest.raises(DataError) as raised:
            data.load_csv(source)
        assert_plain_sentence(str(raised.value), bad)


@pytest.mark.parametrize("bad", REFUSED, ids=names(REFUSED))
def test_read_raw_then_type_frame_refuses_the_same_way(bad, monkeypatch):
    limited(bad, monkeypatch)
    with pytest.raises(DataError) as raised:
        data.type_frame(reading.read_raw(bad.content))
    with pytest.raises(DataError) as direct:
        data.load_csv(bad.content)
    assert str(raised.value) == str(direct.value)


@pytest.mark.parametrize("bad", ACCEPTED, ids=names(ACCEPTED))
def test_core_predicts_or_explains_every_row(bad, drop_run, tmp_path):
    typed = data.load_csv(bad.write(tmp_path))
    assert len(typed) == bad.rows
    assert list(typed.index) == list(range(bad.rows))
    same = data.type_frame(reading.read_raw(io.BytesIO(bad.content)))
    pd.testing.assert_frame_equal(typed, same)
    predictions = predict.predict_frame(drop_run.bundle, typed)
    assert (predictions.index == typed.index).all()
    assert_every_row_accounted(bad, predictions)
    if not bad.dataset_error:
        # Read as a dataset (report and train), every row is kept.
        assert len(data.load_csv(bad.content, require_label=True)) == bad.rows


@pytest.mark.parametrize(
    "name",
    [
        "semicolon_delimiter",
        "tab_delimiter",
        "extra_columns",
        "shuffled_columns",
        "utf8_bom_crlf",
        "trailing_delimiter_every_row",
        "leading_blank_lines",
        "utf16_excel_unicode_text",
    ],
)
def test_layout_variants_give_the_same_values_as_a_plain_csv(name):
    from tests.bad_files.corpus import by_name, good_rows
    from tests.conftest import csv_bytes

    plain = data.load_csv(csv_bytes(good_rows(3)))
    variant = data.load_csv(by_name(name).content)
    columns = [*schema.FEATURE_COLUMNS, schema.TARGET, tables.PROBLEM_COLUMN]
    pd.testing.assert_frame_equal(variant[columns], plain[columns])


def test_latin1_names_are_decoded():
    from tests.bad_files.corpus import by_name

    raw = reading.read_raw(by_name("latin1_encoding").content)
    assert raw.loc[0, "artist_name"] == "Beyoncé"
    assert raw.loc[0, "track_name"] == "Café Noël"


def test_decimal_commas_in_a_semicolon_file_are_numbers():
    from tests.bad_files.corpus import by_name

    typed = data.load_csv(by_name("semicolon_decimal_comma").content)
    assert typed.loc[0, "energy"] == pytest.approx(0.7)
    assert typed.loc[0, "loudness"] == pytest.approx(-6.5)
    assert typed.loc[0, "artist_name"] == "Smith, J"


UNDERSTOOD = [bad for bad in ACCEPTED if bad.understood]


@pytest.mark.parametrize("bad", UNDERSTOOD, ids=names(UNDERSTOOD))
def test_what_was_understood_is_said_the_same_whole_or_streamed(bad, drop_run):
    from core import understanding

    whole = understanding.Understood()
    # Labels of none of the model's genres are counted against its genres.
    data.load_csv(bad.content, summary=whole, genres=drop_run.bundle.genres)
    result = export.predict_file(drop_run.bundle, bad.content, chunk_rows=2)
    streamed = result.understood
    assert streamed.rows == whole.rows == bad.rows
    sentence = streamed.sentence()
    assert "\n" not in sentence and sentence.endswith(".")
    for word in bad.understood:
        assert word in sentence.lower(), (word, sentence)
    for field in (
        "format",
        "renamed",
        "missing",
        "number_keys",
        "number_modes",
        "recased_names",
        "unknown_keys",
        "other_labels",
        "null_entries",
    ):
        assert getattr(streamed, field) == getattr(whole, field), field
    assert streamed.missing == list(bad.fills)
    notes = streamed.filled_notes()
    assert len(notes) == len(bad.fills)
    for column, note in zip(bad.fills, notes, strict=True):
        typical = drop_run.bundle.preprocessor.typical[column]
        assert note.startswith(f"{column} was not in the file: the typical value ")
        assert f"{typical:,.4g}" in note or f"{typical:,.0f}" in note
        assert "for every track; predictions are less sure" in note


FILLED = [bad for bad in ACCEPTED if bad.fills]


@pytest.mark.parametrize("bad", FILLED, ids=names(FILLED))
def test_a_missing_fillable_column_takes_the_models_typical_value(bad, drop_run):
    typed = data.load_csv(bad.content)
    for column in bad.fills:
        assert typed[column].isna().all()
    filled = typed.copy()
    for column in bad.fills:
        filled[column] = drop_run.bundle.preprocessor.typical[column]
    predicted = predict.predict_frame(drop_run.bundle, typed)
    pd.testing.assert_frame_equal(
        predicted.drop(columns=predict.FILLED),
        predict.predict_frame(drop_run.bundle, filled).drop(columns=predict.FILLED),
    )
    # Each predicted row says which value was filled in.
    said = predicted.loc[predicted[predict.REASON] == "", predict.FILLED]
    for column in bad.fills:
        assert said.str.contains(f"{column}=").all()


DATASET_REFUSALS = [bad for bad in ACCEPTED if bad.dataset_error]


@pytest.mark.parametrize("bad", DATASET_REFUSALS, ids=names(DATASET_REFUSALS))
def test_a_file_a_model_can_predict_but_not_learn_from_is_refused_as_a_dataset(bad):
    with pytest.raises(DataError) as raised:
        data.load_csv(bad.content, require_label=True)
    assert_plain_sentence(str(raised.value), bad, bad.dataset_error)


@pytest.mark.parametrize(
    "bad", [b for b in CORPUS if b.training_error], ids=lambda b: b.name
)
def test_training_on_too_little_or_one_genre_says_why(bad):
    typed = data.load_csv(bad.content, require_label=True)
    with pytest.raises(DataError) as raised:
        pipeline.train_from_frame(typed, tiny_config(epochs=1))
    for word in bad.training_error:
        assert word in str(raised.value)


def test_imputing_a_column_with_no_known_value_says_why():
    from tests.bad_files.corpus import by_name

    typed = data.load_csv(by_name("every_tempo_unknown").content, require_label=True)
    with pytest.raises(DataError, match="Every training row's tempo is unknown"):
        pipeline.train_from_frame(typed, tiny_config(unknowns="impute", epochs=1))


def test_the_size_limit_is_checked_before_reading_a_path(monkeypatch, tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 3000)
    monkeypatch.setattr(opening, "MAX_FILE_MB", 0.001)
    with pytest.raises(DataError, match="larger than the 0.001 MB limit"):
        data.load_csv(path)
    # An open upload is read only up to the limit, then refused.
    with pytest.raises(DataError, match="limit"):
        data.load_csv(io.BytesIO(b"x" * 3000))


# --- what the Batch predict page does with a file ---------------------------------


@pytest.mark.parametrize("bad", ACCEPTED, ids=names(ACCEPTED))
def test_the_batch_predict_table_and_download_keep_every_row(bad, drop_run):
    from core import export

    raw = reading.read_raw(bad.content)
    typed = data.type_frame(raw)
    predictions = predict.predict_frame(drop_run.bundle, typed)
    table = export.predictions_table(raw, predictions)
    assert len(table) == bad.rows
    unpredictable = export.unpredictable_rows(typed, predictions)
    assert unpredictable["row"].tolist() == [position + 1 for position in bad.reasons]
    downloaded = pd.read_csv(
        io.BytesIO(oracles.predictions_csv_bytes(table, schema.GENRES)),
        dtype=str,
        keep_default_na=False,
    )
    probabilities = downloaded[predict.probability_columns(schema.GENRES)].replace(
        "", "nan"
    )
    downloaded[predict.probability_columns(schema.GENRES)] = probabilities.astype(float)
    # The download rounds probabilities to four decimals.
    assert_every_row_accounted(bad, downloaded, atol=1e-3)
    if export.has_labels(typed, REFERENCE):
        scores = oracles.evaluate_frame(drop_run.bundle, typed)
        assert_every_row_scored(bad, scores)


# --- what predict and evaluate read: the file streamed --------------------------
# ``python -m core predict`` and ``evaluate`` stream a path through
# ``export.predict_file``; every corpus file goes through it here, in this
# process (the command line runs the network in a second process, which costs
# a process start per file). The command line's own contract is tested below.

# Warnings a fresh ``python -m core`` does not show (Python's default filters).
HIDDEN_WARNINGS = (
    DeprecationWarning,
    PendingDeprecationWarning,
    ImportWarning,
    ResourceWarning,
)
# Ten probabilities written with PROBABILITY_DECIMALS decimals each may sum to
# 1 give or take ten half-units of the last decimal.
WRITTEN_SUM_TOLERANCE = 10 * 0.5 * 10.0**-export.PROBABILITY_DECIMALS


def written_predictions(source) -> pd.DataFrame:
    """A predictions file as written, its probabilities as floats."""
    written = pd.read_csv(source, dtype=str, keep_default_na=False)
    probabilities = written[predict.probability_columns(schema.GENRES)].replace(
        "", "nan"
    )
    written[predict.probability_columns(schema.GENRES)] = probabilities.astype(float)
    return written


@pytest.mark.parametrize("bad", CORPUS, ids=names(CORPUS))
def test_streamed_predict_and_evaluate_account_for_every_row_or_refuse(
    bad, drop_run, tmp_path, monkeypatch
):
    limited(bad, monkeypatch)
    path = bad.write(tmp_path)
    output = io.StringIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if bad.accepted_when_streamed:
            # What predict writes and counts ("N of M rows predicted").
            result = export.predict_file(drop_run.bundle, path, output, score=False)
            assert result.rows == bad.rows
            assert result.predicted == bad.rows - len(bad.reasons)
            written = written_predictions(io.StringIO(output.getvalue()))
            assert_every_row_accounted(bad, written, atol=WRITTEN_SUM_TOLERANCE)
        else:
            with pytest.raises(DataError) as raised:
                export.predict_file(drop_run.bundle, path, output, score=False)
            assert_plain_sentence(str(raised.value), bad)
        # What evaluate scores (its --json), or why it refuses the file.
        if bad.accepted_when_streamed and not bad.evaluate_error:
            scored = export.predict_file(drop_run.bundle, path, require_label=True)
            assert_every_row_scored(bad, scored.scores)
        else:
            with pytest.raises(DataError) as raised:
                export.predict_file(drop_run.bundle, path, require_label=True)
            assert_plain_sentence(str(raised.value), bad, bad.evaluate_error)
    # A fresh process would print these on stderr, beside its one line.
    shown = [w for w in caught if not issubclass(w.category, HIDDEN_WARNINGS)]
    assert shown == [], [str(w.message) for w in shown]


# --- command line: its own contract ---------------------------------------------
# Each command runs here through ``core.cli.main`` once with a file it reads and
# once with each kind of refusal it gives (a file it cannot read, one over the
# size limit, one it reads but cannot learn from or score, one too small to
# train on); what each corpus file gives is checked above, in this process. A
# few run as ``python -m core`` in a fresh process, where a traceback or a stray
# warning would show on stderr. (A fresh process costs seconds: pandas and
# scikit-learn load, and TensorFlow for predictions.)

SENTINEL = "an earlier result that must survive\n"


def check_refusal(
    bad: BadFile,
    code: int,
    stdout: str,
    stderr: str,
    words: tuple[str, ...] | None = None,
) -> None:
    assert code == 2, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    assert_plain_sentence(lines[0].removeprefix("error: "), bad, words)
    assert stdout == ""


def check_predictions_file(
    bad: BadFile, code: int, stdout: str, output, stderr: str = ""
) -> None:
    assert code == 0
    assert f"{bad.rows - len(bad.reasons)} of {bad.rows} rows predicted" in stdout
    # Quiet without --verbose, but a column filled in is always said.
    notes = [
        f"note: {column} was not in the file: the typical value" for column in bad.fills
    ]
    lines = stderr.splitlines()
    assert len(lines) == len(notes), stderr
    for line, note in zip(lines, notes, strict=True):
        assert line.startswith(note), line
    written = written_predictions(output)
    assert_every_row_accounted(bad, written, atol=WRITTEN_SUM_TOLERANCE)
    assert [p.name for p in output.parent.iterdir()] == [output.name]


def check_predict(bad: BadFile, code: int, stdout: str, stderr: str, output) -> None:
    """A file predict reads is written out; a refused one leaves the earlier result."""
    if bad.accepted_when_streamed:
        check_predictions_file(bad, code, stdout, output, stderr)
    else:
        check_refusal(bad, code, stdout, stderr)
        assert output.read_text() == SENTINEL
        assert [p.name for p in output.parent.iterdir()] == [output.name]


@pytest.fixture
def folders(tmp_path):
    """An input folder and an output folder holding an earlier result."""
    output = tmp_path / "out" / "predictions.csv"
    output.parent.mkdir()
    output.write_text(SENTINEL)
    return tmp_path, output


def corpus_cases(*file_names: str) -> pytest.MarkDecorator:
    """``parametrize`` a test's ``bad`` over the corpus entries so named."""
    from tests.bad_files.corpus import by_name

    files = [by_name(name) for name in file_names]
    return pytest.mark.parametrize("bad", files, ids=names(files))


def run_main(
    bad: BadFile, arguments: list[str], monkeypatch, capsys
) -> tuple[int, str, str]:
    """``core.cli.main(arguments)`` under the file's size limit: code, out, err."""
    from core import cli

    limited(bad, monkeypatch)
    code = cli.main(arguments)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# Read with reasons; read with a column filled in (said on stderr); over the
# size limit (predict streams a path: no limit); refused at once; refused partway.
@corpus_cases(
    "nan_and_inf",
    "web_api_audio_features",
    "over_size_limit",
    "random_binary",
    "unclosed_quote",
)
def test_cli_predict(bad, drop_bundle_dir, folders, monkeypatch, capsys):
    folder, output = folders
    arguments = predict_arguments(drop_bundle_dir, bad.write(folder), output)
    code, out, err = run_main(bad, arguments, monkeypatch, capsys)
    check_predict(bad, code, out, err, output)


# Read; refused; over the size limit; read but not a dataset to learn from.
@corpus_cases(
    "utf8_bom_crlf", "empty_file", "over_size_limit", "missing_popularity_column"
)
def test_cli_report(bad, tmp_path, monkeypatch, capsys):
    arguments = ["report", "--json", "--data", str(bad.write(tmp_path))]
    code, out, err = run_main(bad, arguments, monkeypatch, capsys)
    if bad.accepted and not bad.dataset_error:
        assert code == 0, err
        assert json.loads(out)["rows"] == bad.rows
    else:
        check_refusal(bad, code, out, err, bad.dataset_error)


# Scored, with rows that have no prediction; refused; read but not scored
# (no genre column: the person is told how to name one).
@corpus_cases(
    "unknown_tempo_and_duration",
    "html_page_saved_as_csv",
    "spotifyr_without_a_genre_column",
)
def test_cli_evaluate(bad, drop_bundle_dir, tmp_path, monkeypatch, capsys):
    arguments = ["evaluate", "--json", "--model", str(drop_bundle_dir)]
    arguments += ["--data", str(bad.write(tmp_path))]
    code, out, err = run_main(bad, arguments, monkeypatch, capsys)
    if bad.evaluate_error or not bad.accepted_when_streamed:
        check_refusal(bad, code, out, err, bad.evaluate_error)
        return
    assert code == 0, err
    assert_every_row_scored(bad, json.loads(out))


# Refused; over the size limit; not a dataset to learn from; too little to train on.
@corpus_cases(
    "missing_tempo_column",
    "over_size_limit",
    "web_api_audio_features",
    "single_genre",
)
def test_cli_train_refuses_and_keeps_the_previous_bundle(
    bad, drop_bundle_dir, tmp_path, monkeypatch, capsys
):
    import shutil

    out = tmp_path / "bundle"
    shutil.copytree(drop_bundle_dir, out)
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    arguments = ["train", "--quiet", "--epochs", "1", "--out", str(out)]
    arguments += ["--data", str(bad.write(tmp_path))]
    code, _, err = run_main(bad, arguments, monkeypatch, capsys)
    assert code == 2, err
    assert len(err.splitlines()) == 1, err
    if bad.training_error:
        for word in bad.training_error:
            assert word in err
    else:
        assert_plain_sentence(
            err.strip().removeprefix("error: "), bad, bad.dataset_error
        )
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


# Refused at once; refused partway through the rows; read, with a column filled
# in (its note the one line on stderr); read, with infinite values.
@corpus_cases(
    "empty_file", "extra_value_in_one_row", "web_api_audio_features", "nan_and_inf"
)
def test_cli_predict_in_a_fresh_process(bad, drop_bundle_dir, folders):
    folder, output = folders
    if bad.accepted_when_streamed:
        output.unlink()
    result = run_cli(
        *predict_arguments(drop_bundle_dir, bad.write(folder), output),
        size_limit_mb=bad.size_limit_mb,
    )
    assert "Traceback" not in result.stderr
    check_predict(bad, result.returncode, result.stdout, result.stderr, output)


@pytest.mark.parametrize(
    "name", ["plain_text_renamed", "over_size_limit", "nan_and_inf"]
)
def test_cli_report_in_a_fresh_process(name, tmp_path):
    from tests.bad_files.corpus import by_name

    bad = by_name(name)
    result = run_cli(
        "report", "--data", str(bad.write(tmp_path)), size_limit_mb=bad.size_limit_mb
    )
    assert "Traceback" not in result.stderr
    if bad.accepted:
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"rows: {bad.rows} ")
    else:
        check_refusal(bad, result.returncode, result.stdout, result.stderr)
