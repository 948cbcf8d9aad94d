"""core.counterfactual: the smallest change that puts a chosen genre on top."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core import counterfactual, predict, schema, tables
from core.errors import DataError


def values_of(typed, label) -> dict[str, object]:
    return {feature: typed.at[label, feature] for feature in schema.FEATURE_COLUMNS}


def same(first, second) -> bool:
    """Equal values, an unknown (NaN) equal to an unknown."""
    if isinstance(first, float) and isinstance(second, float):
        return first == second or (math.isnan(first) and math.isnan(second))
    return first == second


def top_genre(bundle, values) -> str:
    return predict.predict_frame(bundle, tables.track_rows([values]))[
        predict.PREDICTED
    ].iloc[0]


@pytest.fixture(scope="module")
def tracks(separable_typed, impute_run):
    """Ten tracks the tiny model can predict, one per listed genre."""
    usable = separable_typed[separable_typed[tables.PROBLEM_COLUMN] == ""]
    return usable.groupby(schema.TARGET).head(1)


@pytest.mark.parametrize("target", ["Jazz", "Rap", "Classical"])
def test_a_reached_change_predicts_the_genre_and_keeps_the_locks(
    tracks, impute_run, target
):
    bundle = impute_run.bundle
    locked = ("popularity", "duration_ms", "energy")
    reached = 0
    for label in tracks.index:
        values = values_of(tracks, label)
        result = counterfactual.counterfactual(bundle, values, target, locked)
        for feature in (*locked, schema.KEY_COLUMN, schema.MODE_COLUMN):
            assert same(result.values[feature], values[feature])
        for feature in schema.NUMERIC_FEATURES:
            low, high = schema.VALUE_RANGES[feature]
            value = float(result.values[feature])
            assert math.isnan(value) or low <= value <= high
        if result.reached:
            reached += 1
            assert top_genre(bundle, result.values) == target
            probabilities = result.probabilities
            others = np.delete(probabilities, schema.GENRES.index(target))
            assert probabilities[schema.GENRES.index(target)] >= others.max()
        assert all(change.size > 0 for change in result.changes)
        changed = {change.feature for change in result.changes}
        assert changed == {
            f for f in schema.NUMERIC_FEATURES if not same(result.values[f], values[f])
        }
    assert reached >= len(tracks) - 2


def test_a_track_already_of_the_genre_is_left_as_it_is(tracks, impute_run):
    bundle = impute_run.bundle
    label = tracks.index[0]
    values = values_of(tracks, label)
    genre = top_genre(bundle, values)
    probabilities = predict.predict_frame(bundle, tables.track_rows([values]))
    ordered = np.sort(
        probabilities[predict.probability_columns(schema.GENRES)].to_numpy()[0]
    )
    if ordered[-1] - ordered[-2] < counterfactual.MIN_MARGIN:
        pytest.skip("the tiny model is unsure of this track")
    result = counterfactual.counterfactual(bundle, values, genre)
    assert result.reached and result.changes == ()
    assert counterfactual.change_sentence(result) == f"it is already {genre}"


def test_every_change_of_a_reached_answer_is_needed(tracks, impute_run):
    """Undoing any one change loses the genre: nothing is changed for nothing."""
    bundle = impute_run.bundle
    for label in tracks.index[:4]:
        values = values_of(tracks, label)
        result = counterfactual.counterfactual(bundle, values, "Blues")
        if not result.reached:
            continue
        for change in result.changes:
            undone = {**result.values, change.feature: values[change.feature]}
            probabilities = predict.predict_frame(bundle, tables.track_rows([undone]))[
                predict.probability_columns(schema.GENRES)
            ].to_numpy()[0]
            target = probabilities[schema.GENRES.index("Blues")]
            lead = target - np.delete(probabilities, schema.GENRES.index("Blues")).max()
            assert lead < counterfactual.MIN_MARGIN


def test_bounds_and_steps_are_kept(tracks, impute_run):
    bundle = impute_run.bundle
    values = values_of(tracks, tracks.index[1])
    steps = dict.fromkeys(schema.NUMERIC_FEATURES, 0.01)
    steps.update(popularity=1.0, tempo=1.0, loudness=0.1, duration_ms=3000.0)
    bounds = {"energy": (0.1, 0.9), "tempo": (60.0, 180.0)}
    result = counterfactual.counterfactual(
        bundle, values, "Country", bounds=bounds, steps=steps
    )
    for change in result.changes:
        low, high = bounds.get(change.feature, schema.VALUE_RANGES[change.feature])
        assert low <= change.new <= high
        step = steps[change.feature]
        assert abs((change.new - low) / step - round((change.new - low) / step)) < 1e-6


def test_unknown_genre_or_lock_is_refused_in_words(tracks, impute_run):
    values = values_of(tracks, tracks.index[0])
    with pytest.raises(DataError, match="not one of the model's genres"):
        counterfactual.counterfactual(impute_run.bundle, values, "Polka")
    with pytest.raises(DataError, match="Cannot lock speed"):
        counterfactual.counterfactual(impute_run.bundle, values, "Jazz", ("speed",))


def test_the_sentence_names_each_change_with_its_unit():
    result = counterfactual.Counterfactual(
        "Jazz",
        {},
        True,
        (
            counterfactual.Change("acousticness", 0.2, 0.5, 1.2),
            counterfactual.Change("energy", 0.7, 0.45, 0.9),
            counterfactual.Change("tempo", 130.0, 110.0, 0.8),
            counterfactual.Change("duration_ms", 200_000.0, 230_000.0, 0.2),
        ),
        np.zeros(10),
    )
    assert counterfactual.change_sentence(result) == (
        "make it Jazz: more acoustic (+0.30), less energy (-0.25), slower "
        "(-20 BPM), longer (+0.50 min)"
    )
    missed = counterfactual.Counterfactual(
        "Jazz", {}, False, result.changes[:1], np.zeros(10)
    )
    assert counterfactual.change_sentence(missed).startswith(
        "no change within the real ranges makes it Jazz; the closest: more acoustic"
    )


def test_a_row_a_drop_model_cannot_predict_keeps_its_place_with_the_reason(
    separable_typed, drop_run
):
    rows = separable_typed.iloc[:12]
    raw = rows[list(schema.FEATURE_COLUMNS)].astype(object)
    table = counterfactual.counterfactual_frame(drop_run.bundle, raw, rows, "Rock")
    assert list(table.index) == list(rows.index)
    unknown = rows["tempo"].isna().to_numpy() | rows["duration_ms"].isna().to_numpy()
    assert unknown.any()
    assert (
        table[counterfactual.CHANGES][unknown]
        .str.startswith("cannot be predicted")
        .all()
    )
    assert (table[counterfactual.REACHED][unknown] == "false").all()


def test_a_changed_feature_goes_to_the_files_own_column(tracks, impute_run):
    """A file that writes Energy and Tempo gets their new values there, not a
    second energy or tempo column (which would make the output unreadable)."""
    written = {"energy": "Energy", "tempo": "Tempo"}
    raw = (
        tracks[list(schema.FEATURE_COLUMNS)]
        .astype(str)
        .rename(columns=written)
        .astype(object)
    )
    renamed = {file_name: name for name, file_name in written.items()}
    table = counterfactual.counterfactual_frame(
        impute_run.bundle, raw, tracks, "Classical", (), renamed
    )
    assert "energy" not in table.columns and "tempo" not in table.columns
    changed = table["Energy"] != raw["Energy"]
    assert changed.any()
    assert all(
        float(table.at[label, "Energy"]) != float(tracks.at[label, "energy"])
        for label in table.index[changed]
    )
