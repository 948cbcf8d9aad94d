"""core.evaluate: metrics against small cases worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core import evaluate, schema
from core.genres import REFERENCE


def probabilities_of(rows: list[list[float]]) -> np.ndarray:
    """Pad hand-written probabilities for the first genres to all ten."""
    matrix = np.zeros((len(rows), len(schema.GENRES)))
    for index, values in enumerate(rows):
        matrix[index, : len(values)] = values
    return matrix


# Five rows over the first three genres (Electronic, Anime, Jazz):
#   true 0 -> predicted 0            true 0 -> predicted 1 (0 second)
#   true 1 -> predicted 1            true 1 -> predicted 2 (1 second)
#   true 2 -> predicted 0 (2 third: a top-2 miss)
LABELS = np.array([0, 0, 1, 1, 2])
PROBABILITIES = probabilities_of(
    [
        [0.7, 0.2, 0.1],
        [0.3, 0.6, 0.1],
        [0.1, 0.8, 0.1],
        [0.1, 0.3, 0.6],
        [0.5, 0.3, 0.2],
    ]
)


@pytest.fixture
def metrics():
    return evaluate.classification_metrics(LABELS, PROBABILITIES, schema.GENRES)


def test_accuracy_and_top2_by_hand(metrics):
    assert metrics["accuracy"] == pytest.approx(2 / 5)
    assert metrics["top2_accuracy"] == pytest.approx(4 / 5)
    assert metrics["n_rows"] == 5


def test_per_genre_scores_by_hand(metrics):
    # Electronic: 1 hit, 1 false alarm (row 5), 1 miss (row 2).
    assert metrics["per_genre"]["Electronic"] == {
        "precision": 0.5,
        "recall": 0.5,
        "f1": 0.5,
        "support": 2,
    }
    assert metrics["per_genre"]["Anime"]["f1"] == pytest.approx(0.5)
    assert metrics["per_genre"]["Jazz"] == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "support": 1,
    }
    assert metrics["per_genre"]["Rock"]["support"] == 0
    assert list(metrics["per_genre"]) == list(schema.GENRES)


def test_macro_f1_averages_the_genres_that_occur(metrics):
    # (0.5 + 0.5 + 0) / 3: genres with no true and no predicted row are not
    # scored as zeros (that would make it 0.1).
    assert metrics["macro_f1"] == pytest.approx(1 / 3)


def test_macro_f1_is_over_the_genres_the_rows_hold_and_says_how_many():
    """Issue 30: a genre only predicted is not averaged in as an F1 of 0."""
    labels = np.array([0, 0, 1, 1])
    # Row 4 is a Jazz (2) prediction: no row is Jazz.
    result = evaluate.classification_metrics(
        labels, probabilities_of([[1, 0], [1, 0], [0, 1], [0, 0, 1]]), schema.GENRES
    )
    electronic_f1 = 1.0
    anime_f1 = 2 * 1.0 * 0.5 / (1.0 + 0.5)
    assert result["macro_f1"] == pytest.approx((electronic_f1 + anime_f1) / 2)
    assert result["macro_f1_genres"] == 2


def test_the_matrix_as_text_has_a_line_per_genre_held_and_a_column_per_genre_seen(
    metrics,
):
    lines = evaluate.matrix_lines(metrics["confusion_matrix"], metrics["genres"])
    header, *rows = lines
    assert header.split()[-3:] == ["Electronic", "Anime", "Jazz"]
    assert [line.split()[0] for line in rows] == ["Electronic", "Anime", "Jazz"]
    assert [list(map(int, line.split()[1:])) for line in rows] == [
        [1, 1, 0],
        [0, 1, 1],
        [1, 0, 0],
    ]
    assert len({len(line) for line in lines}) == 1  # aligned


def test_a_perfect_one_genre_file_has_macro_f1_of_one():
    labels = np.array([7, 7, 7])
    result = evaluate.classification_metrics(
        labels, probabilities_of([[0] * 7 + [1]] * 3), schema.GENRES
    )
    assert result["accuracy"] == 1.0
    assert result["macro_f1"] == 1.0


def test_confusion_matrix_rows_are_true_genres(metrics):
    matrix = np.array(metrics["confusion_matrix"])
    assert matrix.shape == (10, 10)
    expected = np.zeros((10, 10), dtype=int)
    expected[0, 0] = expected[0, 1] = 1
    expected[1, 1] = expected[1, 2] = 1
    expected[2, 0] = 1
    np.testing.assert_array_equal(matrix, expected)
    assert metrics["genres"] == list(schema.GENRES)
    # Row sums are the true genres' row counts.
    assert matrix.sum(axis=1)[:3].tolist() == [2, 2, 1]


def test_the_metrics_are_json_ready(metrics):
    import json

    assert json.loads(json.dumps(metrics)) == metrics
    assert isinstance(metrics["confusion_matrix"], list)


def test_no_rows_gives_empty_metrics():
    result = evaluate.classification_metrics(
        np.array([]), np.zeros((0, 10)), schema.GENRES
    )
    assert result["accuracy"] is None
    assert result["n_rows"] == 0
    assert np.array(result["confusion_matrix"]).sum() == 0


# --- confusion helpers ------------------------------------------------------------


def test_most_confused_pairs_orders_by_tracks_with_shares():
    matrix = np.zeros((10, 10), dtype=int)
    matrix[5, 5], matrix[5, 9] = 6, 4  # Rap -> Hip-Hop 4 of 10
    matrix[9, 9], matrix[9, 5] = 7, 3  # Hip-Hop -> Rap 3 of 10
    matrix[3, 3], matrix[3, 7] = 8, 1  # Alternative -> Rock 1 of 9
    pairs = evaluate.most_confused_pairs(matrix.tolist(), schema.GENRES)
    assert list(pairs.columns) == ["true_genre", "predicted_genre", "tracks", "share"]
    assert pairs[["true_genre", "predicted_genre"]].values.tolist() == [
        ["Rap", "Hip-Hop"],
        ["Hip-Hop", "Rap"],
        ["Alternative", "Rock"],
    ]
    assert pairs["tracks"].tolist() == [4, 3, 1]
    assert pairs["share"].tolist() == pytest.approx([0.4, 0.3, 1 / 9])
    assert len(evaluate.most_confused_pairs(matrix.tolist(), schema.GENRES, top=2)) == 2


def test_most_confused_pairs_of_a_perfect_model_is_empty():
    pairs = evaluate.most_confused_pairs(np.eye(10, dtype=int).tolist(), schema.GENRES)
    assert pairs.empty


def test_normalise_rows_divides_by_row_totals_and_keeps_empty_rows_zero():
    matrix = [[1, 3] + [0] * 8, [0] * 10] + [[0] * 10] * 8
    shares = evaluate.normalise_rows(matrix)
    assert shares[0, :2].tolist() == [0.25, 0.75]
    assert shares[1].sum() == 0.0


# --- the over-fitting sentence ------------------------------------------------------


@pytest.mark.parametrize(
    ("train", "test", "words"),
    [
        (0.75, 0.60, "15.0 points above test accuracy: the model memorises"),
        (0.655, 0.55, "10.5 points above test accuracy: the model memorises"),
        (0.645, 0.55, "9.5 points above test accuracy: slight over-fitting"),
        (0.585, 0.55, "3.5 points above test accuracy: slight over-fitting"),
        (0.575, 0.55, "within 2.5 points"),
        # Exact boundaries, despite floating point: 3 and 10 points are not above.
        (0.56, 0.53, "within 3.0 points"),
        (0.65, 0.55, "10.0 points above test accuracy: slight over-fitting"),
        (0.54, 0.53, "within 1.0 points"),
        (0.52, 0.53, "within 1.0 points"),
    ],
)
def test_overfitting_reading_thresholds(train, test, words):
    sentence = evaluate.overfitting_reading(train, test)
    assert words in sentence
    if "within" in words:
        assert "(no over-fitting)" in sentence


# --- tracks under several genres --------------------------------------------------


def test_listed_genre_bits_and_fusion_accuracy():
    typed = pd.DataFrame(
        {
            "artist_name": ["A", "A", "B", "C"],
            "track_name": ["x", "x", "y", "z"],
            schema.TARGET: ["Rap", "Hip-Hop", "Rock", None],
        }
    )
    listed = evaluate.listed_genre_bits(typed, REFERENCE)
    assert evaluate.genres_of_bits(listed[0], schema.GENRES) == ["Rap", "Hip-Hop"]
    assert listed[1] == listed[0]
    assert evaluate.genres_of_bits(listed[2], schema.GENRES) == ["Rock"]
    assert listed[3] == 0
    predicted = np.array(
        [schema.GENRES.index(g) for g in ("Hip-Hop", "Rap", "Jazz", "Rock")]
    )
    # Rows 1 and 2 count (any listed genre); row 3 misses; row 4 has no genre.
    assert evaluate.fusion_accuracy(predicted, listed) == pytest.approx(0.5)
    assert evaluate.fusion_accuracy(predicted[:0], listed[:0]) is None


def test_listed_genres_without_track_columns_is_each_rows_own_genre():
    typed = pd.DataFrame({schema.TARGET: ["Rock", "Jazz", "Rock"]})
    assert [
        evaluate.genres_of_bits(bits, schema.GENRES)
        for bits in evaluate.listed_genre_bits(typed, REFERENCE)
    ] == [
        ["Rock"],
        ["Jazz"],
        ["Rock"],
    ]


def test_genre_bits_by_track_of_any_identifiers():
    bits = evaluate.genre_bits_by_track(
        np.array([7, 7, 3, 9], dtype=np.uint64), np.array([0, 9, 9, -1]), 10
    )
    assert bits.tolist() == [1 | 1 << 9, 1 | 1 << 9, 1 << 9, 0]
