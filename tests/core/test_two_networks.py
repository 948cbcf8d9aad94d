"""A bundle with a second network that learned without popularity (issue 25).

The choice between the two is made from a file's own values, never its
genres; it is deterministic and said with the predictions.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from core import bundle as bundles
from core import data, export, pipeline, predict, preprocessing, schema
from core.errors import DataError
from core.features import without_popularity
from core.model_card import AUDIO_ONLY, model_card
from tests import oracles
from tests.conftest import COLUMNS, csv_bytes, row, separable_rows, tiny_config


@pytest.fixture(scope="module")
def two_networks(separable_typed):
    run = pipeline.train_from_frame(
        separable_typed, tiny_config(unknowns="impute", epochs=20)
    )
    both = copy.copy(run.bundle)
    both.metrics = dict(run.bundle.metrics)
    pipeline.train_audio_network(both, separable_typed)
    return run.bundle, both


def far_rows(count: int) -> list[dict[str, str]]:
    """Tracks unlike any training track: every feature at an edge."""
    return [
        row(
            acousticness="0.99",
            danceability="0.01",
            energy="0.99",
            instrumentalness="0.99",
            liveness="0.99",
            speechiness="0.99",
            valence="0.01",
            loudness="-45",
            tempo="230",
            duration_ms="3000000",
            track_name=f"far {number}",
        )
        for number in range(count)
    ]


def test_the_second_network_learns_the_same_genres_and_round_trips(
    two_networks, tmp_path
):
    one, both = two_networks
    assert one.audio_network is None
    assert both.audio_network.n_outputs == both.network.n_outputs == 10
    scores = both.metrics[AUDIO_ONLY]
    assert scores["n_rows"] == both.metrics["test"]["n_rows"]
    # Popularity is noise in the separable rows: without it, still learnable.
    assert scores["accuracy"] > 0.5
    saved = bundles.save_bundle(both, tmp_path / "both")
    assert (saved / bundles.AUDIO_MODEL_FILE).is_file()
    loaded = bundles.load_bundle(saved)
    inputs = loaded.preprocessor.transform(
        without_popularity(data.load_csv(csv_bytes(separable_rows(per_genre=1))))
    )
    np.testing.assert_array_equal(
        loaded.audio_network.probabilities(inputs),
        both.audio_network.probabilities(inputs),
    )
    zipped = bundles.load_bundle_zip(bundles.bundle_zip_bytes(saved))
    assert zipped.audio_model_file == both.audio_model_file
    assert "network that learned without it" in model_card(loaded, "train")


def test_a_file_without_popularity_is_predicted_by_the_second_network(two_networks):
    _, both = two_networks
    without = [c for c in COLUMNS if c != "popularity"]
    content = csv_bytes(separable_rows(per_genre=2, seed=3), columns=without)
    result = export.predict_file(both, content)
    assert result.network.audio_only
    assert "because this file gives none" in result.network.sentence
    # Scored, the file says which network predicted it, as evaluate_frame does.
    assert result.scores[predict.WITHOUT_POPULARITY] is True
    typed = data.load_csv(content, require_label=True, allow_filled=True)
    assert oracles.evaluate_frame(both, typed) == result.scores
    typed = data.load_csv(content)
    expected = both.audio_network.probabilities(both.preprocessor.transform(typed))
    columns = predict.probability_columns(schema.GENRES)
    np.testing.assert_allclose(
        result.preview[columns].to_numpy(dtype=float), expected, atol=1e-6
    )


def test_tracks_unlike_the_training_ones_are_predicted_without_popularity(
    two_networks,
):
    _, both = two_networks
    unlike = csv_bytes(far_rows(predict.AUDIO_ONLY_MIN_ROWS))
    chosen = export.predict_file(both, unlike).network
    assert chosen.audio_only
    assert "unlike the training tracks (median novelty" in chosen.sentence
    # The same input always gets the same network.
    assert export.predict_file(both, unlike).network == chosen
    # The training tracks themselves: like the training data, with popularity.
    like = csv_bytes(separable_rows(per_genre=6, seed=0))
    alike = export.predict_file(both, like).network
    assert not alike.audio_only
    assert "like the training tracks" in alike.sentence
    # Too few tracks to judge a file: the main network.
    few = export.predict_file(both, csv_bytes(far_rows(3))).network
    assert not few.audio_only and "too few" in few.sentence


def test_the_choice_never_reads_the_genres(two_networks):
    _, both = two_networks
    rows = far_rows(predict.AUDIO_ONLY_MIN_ROWS)
    relabelled = [{**values, "music_genre": "Jazz"} for values in rows]
    assert (
        export.predict_file(both, csv_bytes(rows)).network
        == export.predict_file(both, csv_bytes(relabelled)).network
    )


def test_a_bundle_of_one_network_says_nothing_and_predicts_as_before(two_networks):
    one, _ = two_networks
    content = csv_bytes(far_rows(predict.AUDIO_ONLY_MIN_ROWS))
    result = export.predict_file(one, content)
    assert result.network == predict.NetworkChoice(False, "")
    typed = data.load_csv(content)
    expected = one.network.probabilities(one.preprocessor.transform(typed))
    columns = predict.probability_columns(schema.GENRES)
    np.testing.assert_allclose(
        result.preview[columns].to_numpy(dtype=float), expected, atol=1e-6
    )


def test_the_command_line_says_which_network_predicted(two_networks, tmp_path):
    import subprocess
    import sys

    _, both = two_networks
    folder = bundles.save_bundle(both, tmp_path / "both")
    source = tmp_path / "far.csv"
    source.write_bytes(csv_bytes(far_rows(predict.AUDIO_ONLY_MIN_ROWS)))
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "core",
            "predict",
            "--model",
            str(folder),
            "--input",
            str(source),
            "--output",
            str(tmp_path / "out.csv"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    assert "note: Predicted without popularity" in finished.stderr


def test_the_second_network_needs_the_training_file(two_networks):
    _, both = two_networks
    other = data.load_csv(
        csv_bytes(separable_rows(per_genre=6, seed=9)), require_label=True
    )
    with pytest.raises(DataError, match="not the file the model was trained on"):
        pipeline.train_audio_network(copy.copy(both), other)


def test_a_file_in_parts_gets_the_network_and_the_bytes_of_the_whole(
    two_networks, tmp_path
):
    import io

    from core import partitioned

    _, both = two_networks
    rows = far_rows(predict.AUDIO_ONLY_MIN_ROWS) + separable_rows(per_genre=3)
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "a.csv").write_bytes(csv_bytes(rows[:30]))
    (folder / "b.csv").write_bytes(csv_bytes(rows[30:]))
    whole, in_parts = io.StringIO(), io.StringIO()
    plain = export.predict_file(both, csv_bytes(rows), output=whole)
    parted = partitioned.predict_parts(both, str(folder), in_parts, "csv")
    assert plain.network.audio_only and parted.network == plain.network
    assert in_parts.getvalue() == whole.getvalue()


@pytest.mark.parametrize("unknowns", ["impute", "drop"])
@pytest.mark.parametrize("bins", [0, 4])
def test_inputs_without_popularity_are_those_of_the_rows_prepared_again(
    separable_typed, unknowns, bins
):
    # The network without popularity gets the rows' own inputs with
    # popularity's replaced (predict.inputs_without_popularity): the same
    # bits and notes as preparing the rows again with popularity unknown,
    # whatever else a row lacks.
    from types import SimpleNamespace

    config = tiny_config(unknowns=unknowns, numeric_bins=bins, log_skewed=True)
    fitted = preprocessing.fit_preprocessor(separable_typed.dropna(), config)
    model = SimpleNamespace(preprocessor=fitted)
    rows = separable_rows(per_genre=2, seed=5)
    rows[0]["popularity"] = ""  # an empty cell
    rows[1]["tempo"] = "?"
    rows[2]["duration_ms"] = "-1"
    rows[3].update(popularity="", energy="")  # two typical values
    rows[4]["energy"] = "loud"  # not a number: no prediction
    rows[5]["key"] = "-1"  # no key detected
    rows[6].update(popularity="", tempo="?")
    for typed in (
        data.load_csv(csv_bytes(rows)),
        data.load_csv(csv_bytes(rows, [c for c in COLUMNS if c != "popularity"])),
    ):
        own = predict.network_inputs(model, typed)
        derived = predict.inputs_without_popularity(model, typed, own)
        again = predict.network_inputs(model, without_popularity(typed))
        assert own[0].sum() < len(typed)  # some rows cannot be predicted
        for made, expected in zip(derived, again, strict=True):
            np.testing.assert_array_equal(made, expected)
        assert derived[3].tobytes() == again[3].tobytes()
