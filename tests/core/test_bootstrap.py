"""evaluate.bootstrap_interval and macro_f1_of_cells.

Seeded intervals of a metric over rows.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from core import card_figures, evaluate, model_card, schema


def hits(count: int, share: float, seed: int = 0) -> np.ndarray:
    """``count`` rows of 0/1 hits, a ``share`` of them 1, in a shuffled order."""
    values = np.zeros(count)
    values[: round(share * count)] = 1
    return np.random.default_rng(seed).permutation(values)


def test_the_interval_holds_the_mean_and_is_as_wide_as_the_binomial_says():
    values = hits(4000, 0.6)
    low, high = evaluate.bootstrap_interval(values)
    assert low < values.mean() < high
    # Normal approximation of a share's 95% interval: 1.96 standard errors.
    half_width = 1.96 * np.sqrt(0.6 * 0.4 / 4000)
    assert (high - low) / 2 == pytest.approx(half_width, rel=0.1)


def test_the_same_seed_gives_the_same_interval_and_another_seed_a_close_one():
    values = hits(2000, 0.8)
    first = evaluate.bootstrap_interval(values, seed=3)
    assert evaluate.bootstrap_interval(values, seed=3) == first
    other = evaluate.bootstrap_interval(values, seed=4)
    assert other != first
    assert other == pytest.approx(first, abs=0.005)


def test_whole_groups_are_drawn():
    # Every row four times, as one group: the group bootstrap is as wide as
    # the bootstrap of the distinct rows; drawing the copies one by one would
    # halve the width (four times the rows, same information).
    distinct = hits(1500, 0.6)
    copies = np.repeat(distinct, 4)
    groups = np.repeat(np.arange(distinct.size), 4)
    alone = evaluate.bootstrap_interval(distinct)
    grouped = evaluate.bootstrap_interval(copies, groups=groups)
    by_row = evaluate.bootstrap_interval(copies)
    width = alone[1] - alone[0]
    assert grouped[1] - grouped[0] == pytest.approx(width, rel=0.1)
    assert by_row[1] - by_row[0] == pytest.approx(width / 2, rel=0.15)


def test_groups_of_unequal_size_weigh_by_their_rows():
    # One group of 100 hits and 100 single misses (101 groups). A resample
    # that draws the big group k times has a mean of 100k / (100k + 101 - k)
    # over its rows: 0 for k = 0 (about 37% of resamples), 0.5 for k = 1,
    # 0.8 for k = 4; a mean of group means would be k / 101, under 0.05.
    values = np.r_[np.ones(100), np.zeros(100)]
    groups = np.r_[np.zeros(100, dtype=int), np.arange(1, 101)]
    low, high = evaluate.bootstrap_interval(values, groups=groups)
    assert low == 0.0
    assert 0.7 < high < 0.9


def test_a_row_without_a_group_is_a_group_of_its_own():
    values = hits(500, 0.5)
    no_groups = np.array([None] * 500, dtype=object)
    assert evaluate.bootstrap_interval(
        values, groups=no_groups
    ) == evaluate.bootstrap_interval(values)


def test_macro_f1_of_cells_matches_the_metrics_and_its_interval_holds_it():
    generator = np.random.default_rng(1)
    labels = generator.integers(0, 10, 3000)
    noise = generator.integers(0, 10, 3000)
    predicted = np.where(generator.random(3000) < 0.6, labels, noise)
    probabilities = np.eye(10)[predicted]
    expected = evaluate.classification_metrics(labels, probabilities, schema.GENRES)[
        "macro_f1"
    ]
    cells = np.eye(100)[labels * 10 + predicted]
    whole = evaluate.macro_f1_of_cells(cells.sum(axis=0, keepdims=True))
    assert whole[0] == pytest.approx(expected)
    low, high = evaluate.bootstrap_interval(cells, statistic=evaluate.macro_f1_of_cells)
    assert low < expected < high
    assert 0.01 < high - low < 0.06


def test_macro_f1_of_cells_counts_only_the_genres_that_occur():
    cells = np.zeros((1, 100))
    cells[0, 0 * 10 + 0] = 3  # Electronic right three times
    cells[0, 1 * 10 + 1] = 1  # Anime right once
    # Two genres occur, each with F1 1: macro F1 1 (not 2 / 10).
    assert evaluate.macro_f1_of_cells(cells)[0] == pytest.approx(1.0)


def test_no_rows_give_no_interval_and_bad_settings_are_refused():
    assert evaluate.bootstrap_interval(np.array([])) is None
    with pytest.raises(ValueError, match="level"):
        evaluate.bootstrap_interval(hits(10, 0.5), level=1.0)
    with pytest.raises(ValueError, match="resamples"):
        evaluate.bootstrap_interval(hits(10, 0.5), resamples=0)
    with pytest.raises(ValueError, match="one entry per row"):
        evaluate.bootstrap_interval(hits(10, 0.5), groups=np.arange(9))
    with pytest.raises(ValueError, match="statistic"):
        evaluate.bootstrap_interval(np.ones((10, 2)))


def test_the_card_intervals_come_from_the_test_counts():
    # 1,000 test rows: 60 of each genre's 100 right, the rest one genre off.
    matrix = np.zeros((10, 10), dtype=int)
    for genre in range(10):
        matrix[genre, genre] = 60
        matrix[genre, (genre + 1) % 10] = 40
    test = {"confusion_matrix": matrix.tolist(), "top2_accuracy": 0.85}
    intervals = card_figures.split_intervals(test)
    half_width = 1.96 * np.sqrt(0.6 * 0.4 / 1000)
    low, high = intervals["top1"]
    assert low < 0.6 < high
    assert (high - low) / 2 == pytest.approx(half_width, rel=0.1)
    low, high = intervals["top2"]
    assert low < 0.85 < high
    assert (high - low) / 2 == pytest.approx(
        1.96 * np.sqrt(0.85 * 0.15 / 1000), rel=0.1
    )
    low, high = intervals["macro_f1"]
    assert low < evaluate.macro_f1_of_cells(matrix.reshape(1, -1))[0] < high
    # No test rows, no interval.
    empty = {
        "confusion_matrix": np.zeros((10, 10), int).tolist(),
        "top2_accuracy": None,
    }
    assert card_figures.split_intervals(empty) == {
        "top1": None,
        "top2": None,
        "macro_f1": None,
    }


def test_the_card_shows_the_intervals_and_the_recipe_s_cross_validated_figures(
    impute_run, monkeypatch
):
    trained = impute_run.bundle
    card = model_card.model_card(trained, "python -m core train")
    low, high = card_figures.split_intervals(trained.metrics["test"])["top1"]
    assert f"| test split, 95% interval | {low:.1%}-{high:.1%} |" in card
    assert "cross-validated" not in card  # no figures measured for this recipe
    # Figures as the shipped recipe's are measured, for this bundle's recipe.
    measured = dataclasses.replace(
        card_figures.CROSS_VALIDATED[0],
        recipe=card_figures.recipe_digest(trained.config),
        top1=(0.611, 0.602, 0.623),
        top2=(0.841, 0.832, 0.85),
        macro_f1=(0.609, 0.6, 0.62),
    )
    monkeypatch.setattr(card_figures, "CROSS_VALIDATED", (measured,))
    card = model_card.model_card(trained, "python -m core train")
    assert "| 61.1% (60.2%-62.3%) | 84.1% (83.2%-85.0%) | 60.9% (60.0%-62.0%) |" in card
    # Another seed is the same recipe; another setting is not.
    reseeded = dataclasses.replace(trained.config, seed=7)
    assert card_figures.cross_validation_of(reseeded) == measured
    other = dataclasses.replace(trained.config, epochs=trained.config.epochs + 1)
    assert card_figures.cross_validation_of(other) is None
