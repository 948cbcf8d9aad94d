"""core.pipeline: training end to end on a small learnable frame."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from core import config, data, features, pipeline, preprocessing, schema, tables
from core.errors import DataError
from core.genres import REFERENCE
from tests.conftest import tiny_config


def test_a_run_scores_train_and_test_with_every_metric(drop_run):
    metrics = drop_run.metrics
    for split_name in ("train", "test"):
        split = metrics[split_name]
        for key in ("accuracy", "top2_accuracy", "macro_f1", "n_rows"):
            assert key in split
        assert np.array(split["confusion_matrix"]).shape == (10, 10)
        assert np.array(split["confusion_matrix"]).sum() == split["n_rows"]
        assert split["genres"] == list(schema.GENRES)
    # Far above the 10% of guessing: the frame is learnable.
    assert metrics["test"]["accuracy"] > 0.6
    assert metrics["train"]["accuracy"] > 0.6


def test_drop_cleans_then_splits_80_20(drop_run, separable_typed):
    cleaning = drop_run.cleaning
    assert cleaning.rows_in == len(separable_typed) == 150
    assert cleaning.unknown_rows_dropped == 30
    assert cleaning.rows_out == 120
    assert (
        drop_run.metrics["train"]["n_rows"],
        drop_run.metrics["test"]["n_rows"],
    ) == (
        96,
        24,
    )
    assert drop_run.metrics["cleaning"]["rows_out"] == 120


def test_impute_keeps_unknown_rows_and_scores_them_apart(impute_run):
    assert impute_run.cleaning.unknown_rows_dropped == 0
    test = impute_run.metrics["test"]
    assert test["n_rows"] == 30
    assert test["n_known_rows"] + test["n_unknown_rows"] == 30
    assert test["n_unknown_rows"] > 0
    assert 0.0 <= test["accuracy_unknown_rows"] <= 1.0
    assert impute_run.bundle.preprocessor.unknowns == "impute"
    assert len(impute_run.bundle.preprocessor.feature_names) == 11 + 2 + 13


def test_the_preprocessor_is_the_one_fitted_on_the_train_split(
    drop_run, separable_typed
):
    chosen = drop_run.bundle.config
    cleaned, _ = features.clean(
        separable_typed, chosen.unknowns, tables.label_codes(separable_typed, REFERENCE)
    )
    train, test = features.split(cleaned, chosen, REFERENCE)
    assert drop_run.bundle.preprocessor == preprocessing.fit_preprocessor(train, chosen)
    assert drop_run.bundle.preprocessor != preprocessing.fit_preprocessor(
        cleaned, chosen
    )


def test_history_and_best_epochs_are_recorded(drop_run):
    chosen = drop_run.bundle.config
    assert len(drop_run.history) == 1
    assert [log.epoch for log in drop_run.history[0]] == list(
        range(1, chosen.epochs + 1)
    )
    assert drop_run.metrics["best_epochs"] == [chosen.epochs]
    assert drop_run.metrics["history"][0][0]["epoch"] == 1
    assert drop_run.metrics["train_seconds"] >= 0
    assert drop_run.seconds > 0


def test_fusion_accuracy_is_reported_when_tracks_are_named(drop_run):
    test = drop_run.metrics["test"]
    # Each track is listed under one genre here, so fusion equals plain accuracy.
    assert test["fusion_accuracy"] == pytest.approx(test["accuracy"])


def test_the_progress_hook_sees_every_epoch(separable_typed):
    logs = []
    pipeline.train_from_frame(separable_typed, tiny_config(epochs=3), logs.append)
    assert [log.epoch for log in logs] == [1, 2, 3]


def test_same_seed_same_metrics_and_weights(separable_typed):
    chosen = tiny_config(epochs=2)
    first = pipeline.train_from_frame(separable_typed, chosen)
    again = pipeline.train_from_frame(separable_typed, chosen)
    for split_name in ("train", "test"):
        assert first.metrics[split_name] == again.metrics[split_name]
    for mine, theirs in zip(
        first.bundle.network.weights(), again.bundle.network.weights(), strict=True
    ):
        np.testing.assert_array_equal(mine, theirs)


def test_the_study_preset_runs_on_a_small_frame(separable_typed):
    run = pipeline.train_from_frame(
        separable_typed, dataclasses.replace(config.STUDY, epochs=1)
    )
    assert len(run.bundle.preprocessor.feature_names) == 35
    assert run.metrics["test"]["n_rows"] == 24


def test_too_few_usable_rows_is_a_data_error(separable_typed):
    with pytest.raises(DataError, match="at least 20 usable rows"):
        pipeline.train_from_frame(separable_typed.iloc[:15], tiny_config(epochs=1))


def test_a_small_file_trains_with_a_stratified_validation_share():
    """60 rows, six per genre: too few validation rows to stratify ten genres.

    scikit-learn refuses to stratify 4 validation rows over 10 genres; the one
    split helper then splits plainly (this used to fail with its ValueError).
    """
    from tests.conftest import csv_bytes, separable_rows

    typed = data.load_csv(
        csv_bytes(separable_rows(per_genre=6, seed=2)), require_label=True
    )
    for group_tracks in (False, True):
        config = tiny_config(
            epochs=2, stratify=True, validation_fraction=0.1, group_tracks=group_tracks
        )
        run = pipeline.train_from_frame(typed, config)
        logs = run.history[0]
        assert len(logs) == 2 and all(log.val_loss is not None for log in logs)
        assert run.metrics["test"]["n_rows"] + run.metrics["train"]["n_rows"] == 60


def test_the_split_helper_keeps_tracks_whole_and_follows_its_seed():
    from core import features

    labels = np.repeat(np.arange(10), 8)
    groups = np.repeat(np.arange(40), 2)  # two rows per track
    kept, held = features.split_positions(labels, groups, 0.25, seed=3, stratify=True)
    assert set(groups[kept]).isdisjoint(groups[held])
    assert len(held) == 20 and len(kept) == 60
    again = features.split_positions(labels, groups, 0.25, seed=3, stratify=True)
    assert [list(part) for part in again] == [list(kept), list(held)]
    plain_kept, plain_held = features.split_positions(labels, None, 0.25, 3, True)
    assert len(plain_held) == 20
    # Stratified: every genre keeps its share (2 of 8 rows held out).
    assert np.bincount(labels[plain_held], minlength=10).tolist() == [2] * 10


def test_a_validation_share_is_scored_on_its_own_rows(separable_typed):
    run = pipeline.train_from_frame(
        separable_typed,
        tiny_config(epochs=3, validation_fraction=0.2, group_tracks=True),
    )
    validation = run.metrics["validation"]
    train, test = run.metrics["train"]["n_rows"], run.metrics["test"]["n_rows"]
    assert validation["n_rows"] == pytest.approx(0.2 * train, abs=2)
    # The last epoch's validation accuracy, as the network measured it while
    # learning, is the one scored here on the same rows.
    last = run.history[0][-1]
    assert validation["accuracy"] == pytest.approx(last.val_accuracy, abs=1e-6)
    assert train + test == 150 - run.metrics["cleaning"]["unknown_rows_dropped"]
    assert (
        "validation"
        not in pipeline.train_from_frame(separable_typed, tiny_config(epochs=1)).metrics
    )


def test_the_test_rows_are_also_scored_without_popularity(impute_run, separable_typed):
    """The scores a Web API file (no popularity) would get, and the card's section."""
    from core import evaluate, model_card, predict

    filled = impute_run.metrics[model_card.POPULARITY_FILLED]
    test = impute_run.metrics["test"]
    assert filled["n_rows"] == test["n_rows"]
    # The same figures as predicting the test rows from a file without the
    # column, through core.data's reading and the model's fill.
    chosen = impute_run.bundle.config
    cleaned, _ = features.clean(
        separable_typed, chosen.unknowns, tables.label_codes(separable_typed, REFERENCE)
    )
    _, test_rows = features.split(cleaned, chosen, REFERENCE)
    written = test_rows.drop(columns=["popularity", "row_problem"]).to_csv(index=False)
    typed = data.load_csv(written.encode(), require_label=True, allow_filled=True)
    assert typed["popularity"].isna().all()
    result = predict.predict_frame(impute_run.bundle, typed)
    probabilities = result[predict.probability_columns(schema.GENRES)].to_numpy()
    scores = evaluate.classification_metrics(
        tables.label_codes(typed, REFERENCE), probabilities, schema.GENRES
    )
    for name in ("accuracy", "top2_accuracy", "macro_f1"):
        assert filled[name] == pytest.approx(scores[name], abs=1e-12)
    typical = impute_run.bundle.preprocessor.typical["popularity"]
    card = model_card.model_card(impute_run.bundle, "python -m core train")
    assert "## A file without popularity" in card
    assert f"typical popularity ({float(typical):g}, the training median)" in card
    assert (
        f"| popularity missing, typical value used | {filled['accuracy']:.1%} |" in card
    )


def test_corrections_are_applied_before_training_and_counted_on_the_card(
    separable_typed, impute_run, tmp_path
):
    from core import bundle, corrections, model_card

    first, second = separable_typed.index[:2]
    fixes = {
        int(first): "Jazz"
        if separable_typed.at[first, "music_genre"] != "Jazz"
        else "Rap",
        int(second): "Blues",
    }
    run = pipeline.train_from_frame(
        separable_typed, tiny_config(unknowns="impute", epochs=2), corrections=fixes
    )

    assert run.bundle.metrics[corrections.CORRECTED_GENRES] == 2
    card = model_card.model_card(run.bundle, "python -m core train")
    assert "2 genres corrected by hand" in card
    # Tied to the corrected data, not to the file as loaded.
    corrected = corrections.apply_corrections(separable_typed, fixes)
    assert run.bundle.info["data_fingerprint"] == tables.fingerprint(corrected)
    # The bundle keeps them, saved and loaded: the loaded file, corrected as
    # the model learned it, is its data again (its split is known).
    saved = bundle.load_bundle(bundle.save_bundle(run.bundle, tmp_path / "fixed"))
    assert corrections.of_bundle(saved.info) == fixes
    as_learned = corrections.model_data(separable_typed, saved.info)
    assert tables.fingerprint(as_learned) == saved.info["data_fingerprint"]
    assert corrections.model_data(separable_typed.iloc[:1], saved.info) is not None
    assert impute_run.bundle.metrics[corrections.CORRECTED_GENRES] == 0
    assert "corrected by hand" not in model_card.model_card(
        impute_run.bundle, "python -m core train"
    )
