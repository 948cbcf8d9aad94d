"""core.features: cleaning, splitting, and the preprocessor fitted on train only."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from core import config, data, features, preprocessing, schema, tables
from core.errors import DataError
from core.genres import REFERENCE
from tests.conftest import COLUMNS, csv_bytes, row, separable_rows

BLANK = dict.fromkeys(COLUMNS, "")
STUDY_SCALED = list(schema.STUDY_SCALED_FEATURES)


def load(rows):
    return data.load_csv(csv_bytes(rows), require_label=True)


@pytest.fixture
def mixed_typed():
    """Eight rows.

    3 good, '?' tempo, -1 duration, both unknown, blank, bad key, no label.
    """
    return load(
        [
            row(instance_id="0"),
            row(instance_id="1", tempo="?"),
            BLANK,
            row(instance_id="3", duration_ms="-1"),
            row(instance_id="4", key="H"),
            row(instance_id="5", music_genre=""),
            row(instance_id="6", tempo="?", duration_ms="-1"),
            row(instance_id="7", music_genre="Jazz"),
            row(instance_id="8", mode="Dorian"),
            row(instance_id="9", music_genre="Anime"),
        ]
    )


def frame_of(values: dict[str, list[float]], genres: list[str] | None = None):
    """A typed frame of good rows with some numeric columns set per row."""
    count = len(next(iter(values.values())))
    genres = genres or [schema.GENRES[i % 10] for i in range(count)]
    rows = [
        row(
            music_genre=genres[i],
            **{name: str(column[i]) for name, column in values.items()},
        )
        for i in range(count)
    ]
    return load(rows)


# --- clean --------------------------------------------------------------------------


def test_clean_drop_counts_and_keeps_the_original_index(mixed_typed):
    cleaned, summary = features.clean(
        mixed_typed, "drop", tables.label_codes(mixed_typed, REFERENCE)
    )
    assert summary == features.CleaningSummary(
        rows_in=10,
        blank_rows=1,
        invalid_rows=2,
        unlabelled_rows=1,
        unknown_rows_dropped=3,
        rows_out=3,
    )
    assert cleaned.index.tolist() == [0, 7, 9]
    assert cleaned[list(schema.NUMERIC_FEATURES)].notna().all().all()


def test_clean_impute_keeps_unknown_rows_for_the_preprocessor(mixed_typed):
    cleaned, summary = features.clean(
        mixed_typed, "impute", tables.label_codes(mixed_typed, REFERENCE)
    )
    assert summary.unknown_rows_dropped == 0
    assert summary.rows_out == 6
    assert (summary.blank_rows, summary.invalid_rows, summary.unlabelled_rows) == (
        1,
        2,
        1,
    )
    assert cleaned.index.tolist() == [0, 1, 3, 6, 7, 9]
    assert cleaned["tempo"].isna().sum() == 2
    assert cleaned["duration_ms"].isna().sum() == 2


def test_unknown_mask_marks_only_otherwise_valid_rows(mixed_typed):
    mask = features.unknown_mask(mixed_typed)
    assert np.flatnonzero(mask).tolist() == [1, 3, 6]


# --- split ----------------------------------------------------------------------------


@pytest.fixture
def hundred_rows():
    return load(separable_rows(per_genre=10, seed=3))


def test_split_is_80_20_seeded_like_the_study(hundred_rows):
    train, test = features.split(hundred_rows, config.STUDY, REFERENCE)
    assert (len(train), len(test)) == (80, 20)
    expected_train, expected_test = train_test_split(
        hundred_rows, test_size=0.2, random_state=42
    )
    assert train.index.tolist() == expected_train.index.tolist()
    assert test.index.tolist() == expected_test.index.tolist()
    assert set(train.index).isdisjoint(test.index)


def test_split_is_repeatable_and_the_seed_changes_it(hundred_rows):
    first = features.split(hundred_rows, config.STUDY, REFERENCE)[1].index.tolist()
    again = features.split(hundred_rows, config.STUDY, REFERENCE)[1].index.tolist()
    other_seed = dataclasses.replace(config.STUDY, seed=7)
    other = features.split(hundred_rows, other_seed, REFERENCE)[1].index.tolist()
    assert first == again
    assert first != other


def test_stratified_split_keeps_each_genres_share(hundred_rows):
    stratified = dataclasses.replace(config.STUDY, stratify=True)
    _, test = features.split(hundred_rows, stratified, REFERENCE)
    assert test[schema.TARGET].value_counts().tolist() == [2] * 10


def test_unstratified_split_of_this_frame_is_not_balanced(hundred_rows):
    # The contrast that shows the stratify option does something.
    _, test = features.split(hundred_rows, config.STUDY, REFERENCE)
    assert test[schema.TARGET].value_counts().nunique() > 1


def test_split_needs_two_genres(hundred_rows):
    one_genre = hundred_rows[hundred_rows[schema.TARGET] == "Rock"]
    with pytest.raises(DataError, match="at least two genres; this file has 1"):
        features.split(one_genre, config.STUDY, REFERENCE)


def test_split_needs_twenty_rows(hundred_rows):
    with pytest.raises(DataError, match="at least 20 usable rows; this file has 19"):
        features.split(hundred_rows.iloc[:19], config.STUDY, REFERENCE)


def test_stratified_split_of_a_genre_with_one_row_still_works(hundred_rows):
    lonely = pd.concat(
        [hundred_rows[hundred_rows[schema.TARGET] != "Jazz"], hundred_rows.iloc[[0]]]
    )
    lonely = lonely.assign(music_genre=lonely[schema.TARGET])
    lonely.loc[lonely.index[-1], schema.TARGET] = "Jazz"
    stratified = dataclasses.replace(config.STUDY, stratify=True)
    train, test = features.split(lonely, stratified, REFERENCE)
    assert len(train) + len(test) == len(lonely)


# --- the preprocessor: study min-max ------------------------------------------------


def test_study_min_max_maps_train_min_to_0_and_max_to_1():
    train = frame_of(
        {
            "loudness": [-30.0, -10.0, -20.0, -5.0],
            "duration_ms": [100000.0, 300000.0, 200000.0, 150000.0],
            "popularity": [0.0, 50.0, 100.0, 25.0],
            "tempo": [60.0, 180.0, 120.0, 90.0],
            "energy": [0.1, 0.9, 0.5, 0.3],
        }
    )
    preprocessor = preprocessing.fit_preprocessor(train, config.STUDY)
    matrix = preprocessor.transform(train)
    names = preprocessor.feature_names
    for column in STUDY_SCALED:
        values = matrix[:, names.index(column)]
        assert values.min() == pytest.approx(0.0)
        assert values.max() == pytest.approx(1.0)
    # Tempo 90 on a 60-180 range.
    assert matrix[3, names.index("tempo")] == pytest.approx(0.25)
    # Features already in [0, 1] pass unchanged.
    assert matrix[:, names.index("energy")] == pytest.approx([0.1, 0.9, 0.5, 0.3])
    assert set(preprocessor.offsets) == set(STUDY_SCALED)
    assert preprocessor.offsets["tempo"] == 60.0
    assert preprocessor.factors["tempo"] == 120.0


def test_the_preprocessor_is_fitted_on_train_only():
    train = frame_of({"tempo": [100.0, 120.0, 140.0], "loudness": [-9.0, -8.0, -7.0]})
    test = frame_of({"tempo": [40.0, 250.0], "loudness": [-60.0, 0.0]})
    fitted = preprocessing.fit_preprocessor(train, config.STUDY)
    before = fitted.to_dict()
    matrix = fitted.transform(test)
    assert fitted.to_dict() == before
    tempo = matrix[:, fitted.feature_names.index("tempo")]
    # Test values outside the train range fall outside [0, 1]: no refit, no clip.
    assert tempo == pytest.approx([-1.5, 3.75])
    refitted = preprocessing.fit_preprocessor(pd.concat([train, test]), config.STUDY)
    assert refitted.offsets["tempo"] != fitted.offsets["tempo"]


def test_impute_fill_values_come_from_train_medians_not_test_rows():
    impute = dataclasses.replace(config.STUDY, unknowns="impute")
    train = frame_of({"tempo": [100.0, 110.0, 150.0], "duration_ms": [1.0, 2.0, 9.0]})
    train_with_unknown = pd.concat(
        [train, load([row(tempo="?", duration_ms="-1")])], ignore_index=True
    )
    fitted = preprocessing.fit_preprocessor(train_with_unknown, impute)
    assert fitted.fill_values == {"duration_ms": 2.0, "tempo": 110.0}
    test = pd.concat(
        [frame_of({"tempo": [500.0 / 2]}), load([row(tempo="?")])], ignore_index=True
    )
    matrix = fitted.transform(test)
    names = fitted.feature_names
    # The unknown test tempo gets the train median, then the train min-max.
    assert matrix[1, names.index("tempo")] == pytest.approx((110 - 100) / 50)
    assert matrix[:, names.index("tempo_unknown")].tolist() == [0.0, 1.0]
    assert matrix[:, names.index("duration_ms_unknown")].tolist() == [0.0, 0.0]
    assert fitted.fill_values == {"duration_ms": 2.0, "tempo": 110.0}


def test_impute_mean_strategy():
    mean = dataclasses.replace(config.STUDY, unknowns="impute", impute_strategy="mean")
    train = pd.concat(
        [frame_of({"tempo": [100.0, 110.0, 150.0]}), load([row(tempo="?")])],
        ignore_index=True,
    )
    fitted = preprocessing.fit_preprocessor(train, mean)
    assert fitted.fill_values["tempo"] == pytest.approx(120.0)


def test_standard_scaling_gives_zero_mean_unit_variance_on_train():
    standard = dataclasses.replace(config.STUDY, scaling="standard")
    generator = np.random.default_rng(0)
    train = frame_of(
        {
            "tempo": generator.uniform(60, 180, 30).round(2).tolist(),
            "energy": generator.uniform(0, 1, 30).round(3).tolist(),
        }
    )
    fitted = preprocessing.fit_preprocessor(train, standard)
    assert set(fitted.offsets) == set(schema.NUMERIC_FEATURES)
    matrix = fitted.transform(train)
    for column in ("tempo", "energy"):
        values = matrix[:, fitted.feature_names.index(column)].astype(np.float64)
        assert values.mean() == pytest.approx(0.0, abs=1e-5)
        assert values.std() == pytest.approx(1.0, abs=1e-5)


def test_a_constant_column_is_left_unscaled_not_divided_by_zero():
    train = frame_of({"tempo": [120.0, 120.0, 120.0]})
    fitted = preprocessing.fit_preprocessor(train, config.STUDY)
    assert fitted.factors["tempo"] == 1.0
    matrix = fitted.transform(train)
    assert np.isfinite(matrix).all()
    assert matrix[:, fitted.feature_names.index("tempo")].tolist() == [0.0] * 3


# --- encoding -------------------------------------------------------------------------


def test_the_study_has_35_features_in_its_order():
    train = frame_of({"tempo": [100.0, 120.0]})
    names = preprocessing.fit_preprocessor(train, config.STUDY).feature_names
    assert len(names) == 35
    assert names[:11] == schema.NUMERIC_FEATURES
    assert names[11:] == tuple(f"scale_{scale}" for scale in schema.SCALES)
    assert "scale_A#m" in names and "scale_D" in names


def test_scale_one_hot_sets_one_of_24_columns():
    typed = load(
        [
            row(key="A#", mode="Minor"),
            row(key="D", mode="Major"),
            row(key="C", mode="Minor"),
        ]
    )
    fitted = preprocessing.fit_preprocessor(typed, config.STUDY)
    matrix = fitted.transform(typed)
    names = list(fitted.feature_names)
    scale_block = matrix[:, 11:]
    assert scale_block.shape == (3, 24)
    assert scale_block.sum(axis=1).tolist() == [1.0, 1.0, 1.0]
    assert matrix[0, names.index("scale_A#m")] == 1.0
    assert matrix[1, names.index("scale_D")] == 1.0
    assert matrix[2, names.index("scale_Cm")] == 1.0
    assert matrix[2, names.index("scale_C")] == 0.0


def test_key_mode_encoding_is_12_keys_plus_a_minor_flag():
    key_mode = dataclasses.replace(config.STUDY, key_encoding="key_mode")
    typed = load([row(key="A#", mode="Minor"), row(key="D", mode="Major")])
    fitted = preprocessing.fit_preprocessor(typed, key_mode)
    names = list(fitted.feature_names)
    assert len(names) == 11 + 12 + 1
    assert names[-1] == "mode_minor"
    matrix = fitted.transform(typed)
    assert matrix[0, names.index("key_A#")] == 1.0
    assert matrix[0, names.index("mode_minor")] == 1.0
    assert matrix[1, names.index("key_D")] == 1.0
    assert matrix[1, names.index("mode_minor")] == 0.0
    assert matrix[:, 11:23].sum(axis=1).tolist() == [1.0, 1.0]


def test_impute_adds_two_indicator_columns():
    impute = dataclasses.replace(config.STUDY, unknowns="impute")
    train = frame_of({"tempo": [100.0, 120.0]})
    names = preprocessing.fit_preprocessor(train, impute).feature_names
    assert len(names) == 37
    assert names[11:13] == ("duration_ms_unknown", "tempo_unknown")


def test_transform_gives_float32():
    train = frame_of({"tempo": [100.0, 120.0]})
    matrix = preprocessing.fit_preprocessor(train, config.STUDY).transform(train)
    assert matrix.dtype == np.float32
    assert matrix.shape == (2, 35)


# --- usable rows and reasons ----------------------------------------------------------


def test_usable_rows_under_drop_give_a_reason_for_each_unknown(mixed_typed):
    train = frame_of({"tempo": [100.0, 120.0]})
    fitted = preprocessing.fit_preprocessor(train, config.STUDY)
    usable, reasons = fitted.usable_rows(mixed_typed)
    assert np.flatnonzero(usable).tolist() == [0, 5, 7, 9]
    assert reasons[1] == features.UNKNOWN_REASON.format(columns="tempo")
    assert reasons[3] == features.UNKNOWN_REASON.format(columns="duration_ms")
    assert "unknown duration_ms and tempo" in reasons[6]
    assert reasons[2] == "blank row"
    assert reasons[4].startswith("key 'H'")
    assert reasons[8].startswith("mode 'Dorian'")


def test_usable_rows_under_impute_accept_unknowns(mixed_typed):
    impute = dataclasses.replace(config.STUDY, unknowns="impute")
    fitted = preprocessing.fit_preprocessor(frame_of({"tempo": [100.0, 120.0]}), impute)
    usable, reasons = fitted.usable_rows(mixed_typed)
    assert np.flatnonzero(usable).tolist() == [0, 1, 3, 5, 6, 7, 9]
    assert reasons[1] == ""
    matrix = fitted.transform(mixed_typed[usable])
    assert np.isfinite(matrix).all()


# --- binned (piecewise-linear) inputs ------------------------------------------------


def test_bins_follow_the_training_quantiles_and_rise_from_0_to_1():
    binned = dataclasses.replace(config.STUDY, scaling="standard", numeric_bins=4)
    train = frame_of({"tempo": [60.0, 80.0, 100.0, 140.0, 180.0]})
    fitted = preprocessing.fit_preprocessor(train, binned)
    assert fitted.bin_edges["tempo"] == [60.0, 80.0, 100.0, 140.0, 180.0]
    probe = frame_of({"tempo": [50.0, 70.0, 100.0, 160.0, 200.0]})
    matrix = fitted.transform(probe)
    names = fitted.feature_names
    bins = matrix[:, [names.index(f"tempo_bin{k}") for k in range(4)]]
    np.testing.assert_allclose(
        bins,
        [
            [0.0, 0.0, 0.0, 0.0],  # below the lowest edge
            [0.5, 0.0, 0.0, 0.0],  # half way through the first bin
            [1.0, 1.0, 0.0, 0.0],  # on the edge between bins 2 and 3
            [1.0, 1.0, 1.0, 0.5],
            [1.0, 1.0, 1.0, 1.0],  # above the highest edge
        ],
    )
    # The scaled value is still an input of its own.
    assert "tempo" in names
    assert matrix.shape == (5, len(names))


def test_bins_of_a_column_with_few_values_are_merged_not_empty():
    binned = dataclasses.replace(config.STUDY, numeric_bins=8)
    train = frame_of({"energy": [0.2] * 7 + [0.9]})
    fitted = preprocessing.fit_preprocessor(train, binned)
    # Seven of the nine 1/8 quantiles are 0.2: one edge, not seven bins of width 0.
    assert fitted.bin_edges["energy"] == pytest.approx([0.2, 0.2875, 0.9])
    # Constant columns (every other one here) get no bins at all.
    assert "valence" not in fitted.bin_edges
    assert np.isfinite(fitted.transform(train)).all()


def test_bins_are_fitted_after_filling_and_logarithms():
    binned = dataclasses.replace(
        config.RECOMMENDED, numeric_bins=2, group_tracks=False, stratify=False
    )
    train = frame_of({"duration_ms": [100_000.0, -1.0, 400_000.0]})
    fitted = preprocessing.fit_preprocessor(
        features.clean(train, "impute", tables.label_codes(train, REFERENCE))[0], binned
    )
    edges = fitted.bin_edges["duration_ms"]
    # The unknown is filled with the median (250,000 ms) before the log.
    expected = np.log(np.array([100_000.0, 250_000.0, 400_000.0]) + 1.0)
    np.testing.assert_allclose(edges, expected)


# --- serialisation --------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"unknowns": "impute", "key_encoding": "key_mode", "scaling": "standard"},
        {
            "unknowns": "impute",
            "scaling": "standard",
            "log_skewed": True,
            "numeric_bins": 3,
        },
    ],
)
def test_preprocessor_round_trips_through_json(settings, mixed_typed):
    chosen = dataclasses.replace(config.STUDY, **settings)
    train = load(separable_rows(per_genre=3) + [row(tempo="?")])
    fitted = preprocessing.fit_preprocessor(
        features.clean(train, chosen.unknowns, tables.label_codes(train, REFERENCE))[0],
        chosen,
    )
    restored = preprocessing.Preprocessor.from_dict(
        json.loads(json.dumps(fitted.to_dict()))
    )
    assert restored == fitted
    usable, _ = fitted.usable_rows(mixed_typed)
    np.testing.assert_array_equal(
        restored.transform(mixed_typed[usable]), fitted.transform(mixed_typed[usable])
    )


def test_from_dict_refuses_a_feature_list_from_another_version():
    fitted = preprocessing.fit_preprocessor(
        frame_of({"tempo": [1.0, 2.0]}), config.STUDY
    )
    values = fitted.to_dict()
    values["feature_names"] = values["feature_names"][:-1]
    with pytest.raises(ValueError, match="feature list does not match"):
        preprocessing.Preprocessor.from_dict(values)


def test_from_dict_refuses_missing_fill_values():
    impute = dataclasses.replace(config.STUDY, unknowns="impute")
    fitted = preprocessing.fit_preprocessor(frame_of({"tempo": [1.0, 2.0]}), impute)
    values = fitted.to_dict()
    values["fill_values"] = {"tempo": 1.0}
    with pytest.raises(ValueError, match="fill values are missing"):
        preprocessing.Preprocessor.from_dict(values)


def test_from_dict_refuses_bin_edges_that_do_not_increase():
    binned = dataclasses.replace(config.STUDY, numeric_bins=2)
    fitted = preprocessing.fit_preprocessor(
        frame_of({"tempo": [1.0, 2.0, 3.0]}), binned
    )
    values = json.loads(json.dumps(fitted.to_dict()))
    values["bin_edges"]["tempo"] = [3.0, 2.0, 1.0]
    with pytest.raises(ValueError, match="not increasing"):
        preprocessing.Preprocessor.from_dict(values)


def test_a_preprocessor_saved_before_bins_existed_still_loads():
    fitted = preprocessing.fit_preprocessor(
        frame_of({"tempo": [1.0, 2.0]}), config.STUDY
    )
    values = fitted.to_dict()
    del values["bin_edges"]
    assert preprocessing.Preprocessor.from_dict(values) == fitted


def test_the_preprocessor_keeps_the_typical_training_track(separable_typed):
    from core import config as configuration

    cleaned, _ = features.clean(
        separable_typed, "impute", tables.label_codes(separable_typed, REFERENCE)
    )
    train, _ = features.split(cleaned, configuration.STUDY, REFERENCE)
    preprocessor = preprocessing.fit_preprocessor(train, configuration.STUDY)
    typical = preprocessor.typical
    assert typical["energy"] == pytest.approx(train["energy"].median())
    assert typical["tempo"] == pytest.approx(
        train["tempo"].median()
    )  # unknowns skipped
    assert typical["key"] == train["key"].value_counts().index[0]
    again = preprocessing.Preprocessor.from_dict(preprocessor.to_dict())
    assert again.typical == typical


def test_a_preprocessor_saved_before_the_typical_track_gets_the_schemas():
    from core import schema

    saved = preprocessing.Preprocessor("drop", "scale").to_dict()
    del saved["typical"]
    assert preprocessing.Preprocessor.from_dict(saved).typical == schema.TYPICAL_TRACK
    saved["typical"] = {"energy": 0.5}
    with pytest.raises(ValueError, match="every feature"):
        preprocessing.Preprocessor.from_dict(saved)


@pytest.mark.parametrize("encoding", ["scale", "key_mode"])
def test_every_input_column_names_its_raw_features(separable_typed, encoding):
    from core import config as configuration
    from core import schema

    config = configuration.TrainingConfig(
        unknowns="impute", key_encoding=encoding, numeric_bins=3, scaling="standard"
    )
    cleaned, _ = features.clean(
        separable_typed, "impute", tables.label_codes(separable_typed, REFERENCE)
    )
    preprocessor = preprocessing.fit_preprocessor(cleaned, config)
    sources = preprocessor.input_sources
    assert len(sources) == len(preprocessor.feature_names)
    for name, source in zip(preprocessor.feature_names, sources, strict=True):
        assert source <= set(schema.FEATURE_COLUMNS)
        if name.startswith("scale_"):
            assert source == {"key", "mode"}
        else:
            assert len(source) == 1
            feature = next(iter(source))
            assert name.startswith(feature) or (
                feature == "mode" and name == "mode_minor"
            )
