"""core.predict: every raw row gets probabilities or a reason, in order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core import data, predict, schema, tables, understanding, wording
from tests import oracles
from tests.conftest import COLUMNS, csv_bytes, row, separable_rows

BLANK = dict.fromkeys(COLUMNS, "")


@pytest.fixture(scope="module")
def mixed_rows():
    """Good learnable rows mixed with every kind of problem, labels partly missing."""
    good = separable_rows(per_genre=1, seed=9)
    return [
        good[0],
        row(tempo="?"),
        BLANK,
        row(duration_ms="-1"),
        row(key="H"),
        good[1],
        row(mode="Dorian"),
        row(tempo="?", duration_ms="-1"),
        {**good[2], "music_genre": ""},
        row(energy="loud"),
        good[3],
    ]


@pytest.fixture(scope="module")
def mixed_typed(mixed_rows):
    return data.load_csv(csv_bytes(mixed_rows))


def test_every_row_is_kept_in_order(drop_run, mixed_typed):
    predictions = predict.predict_frame(drop_run.bundle, mixed_typed)
    assert len(predictions) == len(mixed_typed)
    assert predictions.index.tolist() == mixed_typed.index.tolist()
    assert list(predictions.columns) == [
        "predicted_genre",
        "second_genre",
        "reason",
        "typical_values_used",
        "novelty",
        *predict.probability_columns(schema.GENRES),
    ]
    assert predict.probability_columns(schema.GENRES)[9] == "p_Hip-Hop"


def test_a_drop_bundle_gives_reasons_for_unknowns_and_invalid_rows(
    drop_run, mixed_typed
):
    reasons = predict.predict_frame(drop_run.bundle, mixed_typed)["reason"].tolist()
    assert reasons[0] == reasons[5] == reasons[8] == reasons[10] == ""
    assert reasons[1] == "unknown tempo (this model was trained without such rows)"
    assert reasons[2] == "blank row"
    assert reasons[3].startswith("unknown duration_ms")
    assert reasons[4].startswith("key 'H' is not one of")
    assert reasons[6].startswith("mode 'Dorian'")
    assert reasons[7].startswith("unknown duration_ms and tempo")
    assert reasons[9] == "energy is not a number"


def test_an_impute_bundle_predicts_unknowns(impute_run, mixed_typed):
    predictions = predict.predict_frame(impute_run.bundle, mixed_typed)
    predicted = (predictions["reason"] == "").tolist()
    assert predicted == [
        True,
        True,
        False,
        True,
        False,
        True,
        False,
        True,
        True,
        False,
        True,
    ]
    assert (predictions.loc[predicted, "predicted_genre"] != "").all()


@pytest.mark.parametrize("run_name", ["drop_run", "impute_run"])
def test_probabilities_and_the_top_two(run_name, request, mixed_typed):
    run = request.getfixturevalue(run_name)
    predictions = predict.predict_frame(run.bundle, mixed_typed)
    predicted = predictions["reason"] == ""
    probabilities = predictions.loc[
        predicted, predict.probability_columns(schema.GENRES)
    ].to_numpy()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)
    assert (probabilities >= 0).all()
    genres = np.asarray(schema.GENRES)
    first = predictions.loc[predicted, "predicted_genre"].to_numpy()
    second = predictions.loc[predicted, "second_genre"].to_numpy()
    assert (first == genres[probabilities.argmax(axis=1)]).all()
    assert (first != second).all()
    assert set(second) <= set(schema.GENRES)
    ranked = np.sort(probabilities, axis=1)
    second_probabilities = [
        probabilities[i, schema.GENRES.index(genre)] for i, genre in enumerate(second)
    ]
    np.testing.assert_allclose(second_probabilities, ranked[:, -2])
    # Rows without a prediction have empty genres and no probabilities.
    unpredicted = predictions[~predicted]
    assert (unpredicted["predicted_genre"] == "").all()
    assert (unpredicted["second_genre"] == "").all()
    assert unpredicted[predict.probability_columns(schema.GENRES)].isna().all().all()


def test_the_learned_genres_come_out(drop_run):
    typed = data.load_csv(csv_bytes(separable_rows(per_genre=2, seed=5)))
    predictions = predict.predict_frame(drop_run.bundle, typed)
    accuracy = (predictions["predicted_genre"] == typed["music_genre"]).mean()
    assert accuracy > 0.8


def test_a_frame_with_a_non_default_index_keeps_it(drop_run, mixed_typed):
    shifted = mixed_typed.set_index(pd.Index(range(100, 100 + len(mixed_typed))))
    predictions = predict.predict_frame(drop_run.bundle, shifted)
    assert predictions.index.tolist() == shifted.index.tolist()


def test_a_slider_row_is_predicted(impute_run):
    values = {name: row()[name] for name in schema.FEATURE_COLUMNS}
    values["tempo"] = None  # unknown: the impute bundle fills it
    typed = tables.track_rows([values])
    predictions = predict.predict_frame(impute_run.bundle, typed)
    assert predictions.loc[0, "reason"] == ""
    assert predictions.loc[0, "predicted_genre"] in schema.GENRES


def test_evaluate_frame_counts_unpredictable_and_unlabelled_rows(drop_run, mixed_typed):
    metrics = oracles.evaluate_frame(drop_run.bundle, mixed_typed)
    # Predicted: rows 0, 5, 8, 10; row 8 has no label.
    assert metrics["n_unpredictable"] == 7
    assert metrics["n_unlabelled"] == 1
    assert metrics["n_rows"] == 3
    assert metrics["accuracy"] is not None
    for key in ("top2_accuracy", "macro_f1", "confusion_matrix", "genres"):
        assert key in metrics
    assert np.array(metrics["confusion_matrix"]).sum() == 3


def test_evaluate_frame_matches_predict_frame(drop_run):
    typed = data.load_csv(
        csv_bytes(separable_rows(per_genre=2, seed=6)), require_label=True
    )
    metrics = oracles.evaluate_frame(drop_run.bundle, typed)
    predictions = predict.predict_frame(drop_run.bundle, typed)
    expected = (predictions["predicted_genre"] == typed["music_genre"]).mean()
    assert metrics["accuracy"] == pytest.approx(expected)
    assert metrics["n_rows"] == 20 and metrics["n_unpredictable"] == 0
    assert metrics["fusion_accuracy"] == pytest.approx(expected)


def test_evaluate_frame_with_nothing_predictable(drop_run):
    typed = data.load_csv(csv_bytes([row(tempo="?"), row(key="H")]))
    metrics = oracles.evaluate_frame(drop_run.bundle, typed)
    assert metrics["n_rows"] == 0
    assert metrics["accuracy"] is None
    assert metrics["n_unpredictable"] == 2


@pytest.mark.parametrize(
    ("probabilities", "sentence"),
    [
        ([0.8, 0.1] + [0.0125] * 8, "Clearly Electronic (80%)."),
        ([0.1, 0.5, 0.3] + [0.1 / 7] * 7, "Mostly Anime (50%), with some Jazz (30%)."),
        (
            [0.32, 0.3] + [0.0475] * 8,
            "A toss-up between Electronic (32%) and Anime (30%).",
        ),
    ],
)
def test_top_two_sentence(probabilities, sentence):
    assert (
        wording.top_two_sentence(
            predict.TrackPrediction.of(probabilities, schema.GENRES)
        )
        == sentence
    )


def test_rows_without_a_label_column_are_predicted(drop_run):
    columns = [c for c in COLUMNS if c != "music_genre"]
    typed = data.load_csv(csv_bytes(separable_rows(per_genre=1), columns=columns))
    predictions = predict.predict_frame(drop_run.bundle, typed)
    assert (predictions["reason"] == "").all()
    assert len(predictions) == 10


# --- bundles saved before empty cells were filled (issue 30) -----------------------


def test_the_shipped_model_predicts_complete_rows_as_before_beside_empty_cells():
    from core import bundle

    shipped = bundle.load_bundle(bundle.DEFAULT_MODEL_DIR)
    complete = separable_rows(per_genre=1, seed=4)
    alone = predict.predict_frame(shipped, data.load_csv(csv_bytes(complete)), 0)
    mixed = [complete[0], row(energy="", key=""), *complete[1:]]
    beside = predict.predict_frame(shipped, data.load_csv(csv_bytes(mixed)), 0)
    assert (beside["reason"] == "").all()
    np.testing.assert_allclose(
        beside.drop(index=1)[predict.probability_columns(schema.GENRES)].to_numpy(),
        alone[predict.probability_columns(schema.GENRES)].to_numpy(),
        rtol=0,
        atol=1e-6,
    )
    assert (alone[predict.FILLED] == "").all()
    # Its own training split's typical values fill the empty cells.
    typical = shipped.preprocessor.typical
    assert beside.loc[1, predict.FILLED] == (
        f"energy={understanding.value_text(typical['energy'])}, key={typical['key']}"
    )


def test_a_bundle_without_a_typical_track_fills_with_the_schemas():
    from core.preprocessing import Preprocessor

    saved = Preprocessor(unknowns="impute", key_encoding="key_mode").to_dict()
    saved["fill_values"] = {"duration_ms": 227204.0, "tempo": 119.87}
    del saved["typical"]
    older = Preprocessor.from_dict(saved)
    assert older.fill_value("tempo") == 119.87
    for column in ("energy", "instrumentalness", "key", "mode", "popularity"):
        assert older.fill_value(column) == schema.TYPICAL_TRACK[column]
