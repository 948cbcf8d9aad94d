"""Scoring on another source's genres (core.transfer) and its model card section."""

from __future__ import annotations

import numpy as np
import pytest

from core import card_figures, novelty, schema, transfer


def probabilities_for(*genres: str) -> np.ndarray:
    """One row per pair of genres: 0.6 on the first, 0.3 on the second."""
    rows = np.full((len(genres) // 2, len(schema.GENRES)), 0.1 / 8)
    for row, (first, second) in enumerate(zip(genres[::2], genres[1::2], strict=True)):
        rows[row, schema.GENRES.index(first)] = 0.6
        rows[row, schema.GENRES.index(second)] = 0.3
    return rows


def test_shared_scoring_counts_hip_hop_as_rap():
    probabilities = probabilities_for("Hip-Hop", "Rock", "Rock", "Electronic")
    result = transfer.scores(["Rap", "Electronic"], probabilities)
    assert result["strict"] == {"rows": 2, "top1": 0.0, "top2": 0.5}
    assert result["shared"] == {"rows": 2, "top1": 0.5, "top2": 1.0}


def test_merged_probabilities_still_add_up_to_one():
    merged = transfer.merge_probabilities(probabilities_for("Rap", "Hip-Hop"))
    assert merged.shape == (1, len(schema.GENRES) - 1)
    assert merged.sum() == pytest.approx(1.0)
    assert merged[0, transfer.merged_genres().index("Rap")] == pytest.approx(0.9)


def test_accuracy_by_novelty_band():
    correct = np.array([True, True, False, False, True])
    scores = np.array([10.0, 60.0, 80.0, 99.0, 100.0])
    bands = novelty.accuracy_by_novelty(correct, scores)
    assert [band["band"] for band in bands] == ["0-50", "50-75", "75-95", "95-100"]
    assert [band["rows"] for band in bands] == [1, 1, 1, 2]
    assert [band["top1"] for band in bands] == [1.0, 1.0, 0.0, 0.5]


def test_an_empty_band_has_no_accuracy():
    bands = novelty.accuracy_by_novelty(np.array([True]), np.array([10.0]))
    assert bands[-1] == {"band": "95-100", "rows": 0, "top1": None}


def figures(top1: float) -> dict:
    return {
        "strict": {"rows": 10, "top1": top1, "top2": 0.8},
        "shared": {"rows": 10, "top1": top1, "top2": 0.9},
        "median_novelty": 70.0,
        "unusual_share": 0.2,
        "by_novelty": novelty.accuracy_by_novelty(
            np.array([True, False]), np.array([10.0, 99.0])
        ),
    }


def test_the_card_section_gives_the_recorded_figures():
    metrics = {
        card_figures.OTHER_SOURCE: {
            "source": "spotify_songs.csv",
            "genres": dict(transfer.SHARED_GENRES),
            "with_popularity": figures(0.424),
            "without_popularity": figures(0.238),
        }
    }
    section = card_figures.other_source_section(metrics)
    assert section.startswith("## On tracks from another source")
    assert "| spotify_songs.csv, with their popularity | 10 | 42.4% | 90.0% | 70.0" in (
        section
    )
    assert "edm as Electronic" in section
    assert "100.0% (1) | n/a (0) | n/a (0) | 0.0% (1)" in section
    assert card_figures.other_source_section({}) == ""
    assert card_figures.OTHER_SOURCE == transfer.METRICS_KEY
