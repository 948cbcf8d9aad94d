"""core.shapley: exact Shapley values.

They add up, ignore what the model ignores, and read plainly.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from core import forward, schema, shapley, wording
from core.errors import DataError
from tests import oracles


def track(typed, position: int) -> dict:
    row = typed.iloc[position]
    return {feature: row[feature] for feature in schema.FEATURE_COLUMNS}


@pytest.mark.parametrize("position", [0, 7, 33, 101])
def test_contributions_add_up_to_the_probability_for_every_genre(
    position, impute_run, separable_typed
):
    values = track(separable_typed, position)
    result = shapley.shapley_values(impute_run.bundle, values)
    total = result.baseline_probabilities + result.contributions.sum(axis=0)
    np.testing.assert_allclose(total, result.probabilities, atol=1e-9)
    # The probability explained is the one predict gives for the track.
    from core import predict, tables

    shown = predict.predict_frame(impute_run.bundle, tables.track_rows([values]))
    # The network runs in float32: one row alone and the same row among the
    # 8,192 coalitions may round differently in the last bits (a few 1e-9).
    np.testing.assert_allclose(
        result.probabilities,
        shown[predict.probability_columns(schema.GENRES)].to_numpy()[0],
        atol=1e-7,
    )
    for genre in ("Rock", "Jazz"):
        table = result.for_genre(genre)
        column = schema.GENRES.index(genre)
        assert table["contribution"].sum() + result.baseline_probabilities[column] == (
            pytest.approx(result.probabilities[column], abs=1e-9)
        )
        assert list(table["feature"]) == sorted(
            schema.FEATURE_COLUMNS,
            key=lambda f: (
                -abs(result.contributions[schema.FEATURE_COLUMNS.index(f), column])
            ),
        )


def bundle_ignoring(bundle, feature: str):
    """The same model with every input made from ``feature`` cut off (zero weights)."""
    names = bundle.preprocessor.feature_names
    prefix = f"{feature}_" if feature in schema.CATEGORICAL_FEATURES else feature
    cut = [
        position
        for position, name in enumerate(names)
        if name == feature
        or name.startswith(f"{prefix}_bin")
        or (feature in schema.CATEGORICAL_FEATURES and name.startswith(prefix))
        or (feature == schema.MODE_COLUMN and name == "mode_minor")
    ]
    assert cut, feature
    members = []
    for layers in bundle.network.members:
        first = layers[0]
        kernel = first.kernel.copy()
        kernel[cut] = 0.0
        members.append((dataclasses.replace(first, kernel=kernel), *layers[1:]))
    return dataclasses.replace(bundle, network=forward.Network(tuple(members)))


@pytest.mark.parametrize("feature", ["liveness", "key", "mode"])
def test_a_feature_the_model_ignores_contributes_nothing(
    feature, impute_run, separable_typed
):
    deaf = bundle_ignoring(impute_run.bundle, feature)
    for position in (3, 50):
        result = shapley.shapley_values(deaf, track(separable_typed, position))
        ignored = result.contributions[schema.FEATURE_COLUMNS.index(feature)]
        # Zero up to float32 rounding: BLAS may round one input row differently
        # by its place among the 8,192 coalitions (a few 1e-9 at most).
        np.testing.assert_allclose(ignored, 0.0, atol=1e-7)
        # The others still explain the whole gap.
        total = result.baseline_probabilities + result.contributions.sum(axis=0)
        np.testing.assert_allclose(total, result.probabilities, atol=1e-9)


def test_a_track_equal_to_the_baseline_has_no_contribution(impute_run):
    typical = dict(impute_run.bundle.preprocessor.typical)
    result = shapley.shapley_values(impute_run.bundle, typical)
    # Every coalition is the same row: zero up to float32 rounding (see above).
    np.testing.assert_allclose(result.contributions, 0.0, atol=1e-7)


def test_an_unknown_tempo_is_explained_by_an_impute_model_and_refused_by_a_drop_one(
    impute_run, drop_run, separable_typed
):
    values = dict(track(separable_typed, 2), tempo=float("nan"))
    result = shapley.shapley_values(impute_run.bundle, values)
    assert np.isfinite(result.contributions).all()
    assert wording.describe_value("tempo", float("nan"), 120.0) == "an unknown tempo"
    with pytest.raises(DataError, match="cannot explain the track: unknown tempo"):
        shapley.shapley_values(drop_run.bundle, values)


def test_the_reading_names_the_strongest_feature_and_its_points(
    impute_run, separable_typed
):
    result = shapley.shapley_values(impute_run.bundle, track(separable_typed, 9))
    genre = schema.GENRES[int(result.probabilities.argmax())]
    sentence = wording.shapley_reading(result, genre)
    strongest = result.for_genre(genre).iloc[0]
    points = round(abs(strongest["contribution"]) * 100)
    assert f"{points} points" in sentence and genre in sentence
    assert sentence.endswith(".")


@pytest.mark.parametrize(
    ("feature", "value", "baseline", "words"),
    [
        ("speechiness", 0.4, 0.05, "high speechiness"),
        ("tempo", 80.0, 120.0, "a slow tempo"),
        ("key", "A#", "C", "the key of A#"),
        ("mode", "Minor", "Major", "the minor mode"),
    ],
)
def test_values_are_described_in_words(feature, value, baseline, words):
    assert wording.describe_value(feature, value, baseline) == words


@pytest.mark.parametrize("run_name", ["drop_run", "impute_run", "study_like_run"])
def test_assembled_coalitions_equal_the_preprocessed_coalition_rows(
    run_name, request, separable_typed
):
    run = request.getfixturevalue(run_name)
    bundle = run.bundle
    values = track(separable_typed, 4)
    values["key"], values["mode"] = "D#", "Minor"
    baseline = dict(bundle.preprocessor.typical, key="G", mode="Major")
    fast = shapley.coalition_inputs(bundle, values, baseline)
    plain = bundle.preprocessor.transform(oracles.coalition_rows(values, baseline))
    np.testing.assert_array_equal(fast, plain)


@pytest.fixture(scope="module")
def study_like_run(separable_typed):
    """The study's encoding: key and mode as 24 scale columns (sources shared)."""
    from core import pipeline
    from tests.conftest import tiny_config

    return pipeline.train_from_frame(
        separable_typed, tiny_config(key_encoding="scale", numeric_bins=4, epochs=2)
    )


def test_explain_frame_keeps_every_row_and_matches_predict(drop_run, separable_typed):
    from core import data, predict
    from tests.conftest import csv_bytes, row

    typed = data.load_csv(
        csv_bytes([row(), row(tempo="?"), row(energy="0.9"), row(key="H")])
    )
    explained = shapley.explain_frame(drop_run.bundle, typed)
    assert list(explained.index) == list(typed.index)
    assert explained[shapley.REASON].tolist()[1].startswith("unknown tempo")
    assert "key 'H'" in explained[shapley.REASON].tolist()[3]
    assert explained.loc[[1, 3], shapley.PROBABILITY].isna().all()
    predictions = predict.predict_frame(drop_run.bundle, typed)
    for position in (0, 2):
        genre = explained.loc[position, shapley.EXPLAINED]
        assert genre == predictions.loc[position, predict.PREDICTED]
        assert explained.loc[position, shapley.PROBABILITY] == pytest.approx(
            predictions.loc[position, predict.probability_column(genre)], abs=1e-6
        )
        total = explained.loc[
            position, [shapley.BASELINE_PROBABILITY, *shapley.CONTRIBUTION_COLUMNS]
        ].sum()
        assert total == pytest.approx(
            explained.loc[position, shapley.PROBABILITY], abs=1e-5
        )
    fixed = shapley.explain_frame(drop_run.bundle, typed, genre="Jazz")
    assert set(fixed.loc[[0, 2], shapley.EXPLAINED]) == {"Jazz"}
    with pytest.raises(DataError, match="not one of the model's genres"):
        shapley.explain_frame(drop_run.bundle, typed, genre="Polka")
