"""The model card's figures and how far they hold: test intervals, grouped
cross-validation, another source's tracks, and prediction sets."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

import numpy as np

from core import conformal, evaluate, schema
from core.bundle import Bundle
from core.config import TrainingConfig

# Resamples and seed of the test figures' bootstrap intervals.
BOOTSTRAP_RESAMPLES = 1000


BOOTSTRAP_SEED = 0


@dataclasses.dataclass(frozen=True)
class CrossValidation:
    """Grouped cross-validation figures of one recipe, measured on the development data.

    Each metric is (mean, lowest fold, highest fold). Shown on the card of a
    bundle trained with exactly that recipe (any seed): ``recipe`` is
    :func:`recipe_digest` of its settings when they were measured, so a
    changed recipe loses the figures instead of showing someone else's.
    """

    recipe: str
    folds: int
    held_out_share: float
    training_share: float
    networks: int
    top1: tuple[float, float, float]
    top2: tuple[float, float, float]
    macro_f1: tuple[float, float, float]


def recipe_digest(config: TrainingConfig) -> str:
    """A short digest of every setting but the seed: what "the same recipe" means.

    The genre choice counts only when it is not the default one (every genre
    of the file), so recipes measured before it existed keep their digest.
    """
    default = TrainingConfig()
    settings = {
        k: v
        for k, v in config.to_dict().items()
        if k != "seed"
        and not (k in GENRE_SETTINGS and getattr(config, k) == getattr(default, k))
    }
    text = json.dumps(settings, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# The settings that choose the genres (core.genres.choose).
GENRE_SETTINGS = ("genres", "genre_merges", "min_genre_tracks")


# The recommended recipe (test share 0.1, two networks), measured by
# ``python benchmarks/learning_curve.py --folds 8`` (its 90% share, 2 networks;
# docs/model.md has the whole learning curve and the ensemble tables). When
# the recipe changes, its digest does too (``recipe_digest(RECOMMENDED)``):
# measure again and replace this entry.
CROSS_VALIDATED: tuple[CrossValidation, ...] = (
    CrossValidation(
        recipe="e46bd3b7d1be3c60",
        folds=8,
        held_out_share=0.05,
        training_share=0.9,
        networks=2,
        top1=(0.6167, 0.5946, 0.6288),
        top2=(0.8438, 0.8326, 0.8495),
        macro_f1=(0.6148, 0.5934, 0.6262),
    ),
)


def percent(value: float | None) -> str:
    return "n/a" if value is None or value != value else f"{value:.1%}"  # NaN too


def _range(interval: tuple[float, float] | None) -> str:
    return "n/a" if interval is None else f"{interval[0]:.1%}-{interval[1]:.1%}"


def split_intervals(test: dict) -> dict[str, tuple[float, float] | None]:
    """Bootstrap 95% intervals of top-1, top-2 and macro F1 from a split's metrics.

    A bundle keeps its test split's counts (the confusion matrix and the
    top-2 hits), not its rows, so the rows are drawn one by one: each test
    row is its confusion-matrix cell, top-1 hit and top-2 hit.
    """
    matrix = np.asarray(test.get("confusion_matrix") or [], dtype=np.int64)
    rows = int(matrix.sum())
    if rows == 0 or test.get("top2_accuracy") is None:
        return {"top1": None, "top2": None, "macro_f1": None}
    cells = np.repeat(np.arange(matrix.size), matrix.ravel())
    right = int(np.trace(matrix))
    top2 = round(test["top2_accuracy"] * rows)
    settings: dict[str, Any] = {
        "resamples": BOOTSTRAP_RESAMPLES,
        "seed": BOOTSTRAP_SEED,
    }
    return {
        "top1": evaluate.bootstrap_interval(np.arange(rows) < right, **settings),
        "top2": evaluate.bootstrap_interval(np.arange(rows) < top2, **settings),
        "macro_f1": evaluate.bootstrap_interval(
            np.eye(matrix.size)[cells],
            statistic=evaluate.macro_f1_of_cells,
            **settings,
        ),
    }


def cross_validation_of(config: TrainingConfig) -> CrossValidation | None:
    """The cross-validated figures measured for this bundle's recipe, if any."""
    digest = recipe_digest(config)
    return next((cv for cv in CROSS_VALIDATED if cv.recipe == digest), None)


def uncertainty_section(config: TrainingConfig, test: dict) -> str:
    """How wide the test figures' uncertainty is, and the cross-validated figures."""
    intervals = split_intervals(test)
    if intervals["top1"] is None:
        return ""
    lines = [
        "How sure the test figures are: bootstrap 95% intervals over the "
        f"{test.get('n_rows')} test rows ({BOOTSTRAP_RESAMPLES:,} resamples of "
        f"the rows, seed {BOOTSTRAP_SEED}; the bundle keeps its test split's "
        "counts, not its tracks, so rows are drawn one by one). Another test "
        "split of as many unseen tracks would move the figures by about this much.",
        "",
        "| | top-1 | top-2 | macro F1 |",
        "|---|---|---|---|",
        f"| test split | {percent(test.get('accuracy'))} | "
        f"{percent(test.get('top2_accuracy'))} | {percent(test.get('macro_f1'))} |",
        f"| test split, 95% interval | {_range(intervals['top1'])} | "
        f"{_range(intervals['top2'])} | {_range(intervals['macro_f1'])} |",
    ]
    # Measured on the development data's ten genres: no other model's figures.
    cv = (
        cross_validation_of(config)
        if test.get("genres") == list(schema.GENRES)
        else None
    )
    if cv is not None:
        cells = " | ".join(
            f"{mean:.1%} ({_range((low, high))})"
            for mean, low, high in (cv.top1, cv.top2, cv.macro_f1)
        )
        lines += [
            f"| cross-validated: mean (lowest-highest) of {cv.folds} folds | {cells} |",
            "",
            f"Cross-validated: the same recipe ({cv.networks} networks) trained on "
            f"{cv.training_share:.0%} of the development tracks and scored on "
            f"{cv.held_out_share:.0%} held out, {cv.folds} times, every copy of a song "
            "on one side (`python benchmarks/learning_curve.py`; the learning curve, "
            "the ensemble sizes and how the test share was chosen are in "
            "`docs/model.md`).",
        ]
    return "\n".join(lines)


def comparison_section(comparison: dict | None, test: dict) -> str:
    """The model comparison and drop-vs-impute tables, when they were measured."""
    lines = ["## Drop or impute unknown values"]
    if test.get("accuracy_unknown_rows") is not None:
        lines.append(
            f"This model fills unknowns. Test accuracy on rows with every value "
            f"known: {percent(test.get('accuracy_known_rows'))} "
            f"({test.get('n_known_rows')} rows); on rows with an unknown tempo or "
            f"duration: {percent(test.get('accuracy_unknown_rows'))} "
            f"({test.get('n_unknown_rows')} rows)."
        )
    if not comparison:
        lines.append(
            "\nRun `python -m core compare --data data/music_genre.csv` for the "
            "side-by-side comparison of models and of the two policies."
        )
        return "\n".join(lines)
    lines += [
        "",
        "The same network trained twice on the same training tracks, scored on the "
        "same test rows (a row the drop model cannot predict counts as wrong in "
        "'all test rows'):",
        "",
        "| policy | accuracy (rows predicted) | rows without unknowns | rows with "
        "unknowns | all test rows | rows not predicted | training rows |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in comparison.get("drop_vs_impute", []):
        lines.append(
            f"| {row['policy']} | {percent(row['accuracy'])} | "
            f"{percent(row['accuracy_known_rows'])} | "
            f"{percent(row['accuracy_unknown_rows'])} | "
            f"{percent(row['accuracy_all_rows'])} | {row['unpredicted_rows']} | "
            f"{row['rows_used']} |"
        )
    lines += [
        "",
        "## Compared with other models",
        f"Same split (seed {comparison.get('seed')}, no track on both sides), same "
        "test rows. Training seconds are wall-clock time on the machine that ran "
        "the comparison, and depend on what else it was running.",
        "",
        "| model | accuracy | top-2 | macro F1 | training seconds |",
        "|---|---|---|---|---|",
    ]
    for row in comparison.get("models", []):
        lines.append(
            f"| {row['model']} | {percent(row['accuracy'])} | "
            f"{percent(row['top2_accuracy'])} | {percent(row['macro_f1'])} | "
            f"{row['train_seconds']:.1f} |"
        )
    return "\n".join(lines)


# The metrics key of the other-source figures (core.transfer.METRICS_KEY; the
# card does not import core.transfer, which predicts).
OTHER_SOURCE = "other_source"


# What Evaluate says of a model without the figures.
NO_OTHER_SOURCE = (
    "This model has not been scored on tracks from another source. Run "
    "`python -m core transfer --model <its folder> --other "
    "../shared/data/spotify_songs.csv --data data/music_genre.csv` to record "
    "them (the test figures above are for tracks from the training file's own "
    "source)."
)


def _band_rows(bands: list[dict]) -> str:
    return " | ".join(f"{percent(band['top1'])} ({band['rows']:,})" for band in bands)


def other_source_section(metrics: dict) -> str:
    """ "On tracks from another source": the recorded figures, or "" when none."""
    figures = metrics.get(OTHER_SOURCE)
    if not figures:
        return ""
    genres = ", ".join(
        f"{theirs} as {ours}" for theirs, ours in figures["genres"].items()
    )
    lines = [
        "## On tracks from another source",
        f"TidyTuesday's Spotify songs (`{figures['source']}`, playlist genres from "
        f"spotifyr), the genres it shares with the ten: {genres}. Shared scoring: "
        "only those genres are scored, and Rap and Hip-Hop count as one (their "
        "probabilities added). The test figures above are for tracks from the "
        "training file's own source; expect these on tracks from elsewhere.",
        "",
        "| tracks | rows | top-1 | top-2 | median novelty | novelty >= 95 |",
        "|---|---|---|---|---|---|",
    ]
    source = figures["source"]
    rows = [
        (f"{source}, with their popularity", figures["with_popularity"]),
        (f"{source}, popularity left out", figures["without_popularity"]),
    ]
    if "test_tracks" in figures:
        rows.insert(
            0, ("Kaggle test tracks of the split above", figures["test_tracks"])
        )
    for label, scores in rows:
        shared = scores["shared"]
        median = scores.get("median_novelty")
        # Which network predicted them, for a bundle of two (predict.NetworkChoice).
        network = scores.get("network")
        label += f" ({network})" if network else ""
        lines.append(
            f"| {label} | {shared['rows']:,} | {percent(shared['top1'])} | "
            f"{percent(shared['top2'])} | "
            f"{'n/a' if median is None else f'{median:.1f}'} | "
            f"{percent(scores.get('unusual_share'))} |"
        )
    banded = [(label, scores) for label, scores in rows if "by_novelty" in scores]
    if banded:
        bands = [band["band"] for band in banded[0][1]["by_novelty"]]
        lines += [
            "",
            "Top-1 (shared scoring) by novelty: how unlike the training tracks a "
            "track is, 0-100 (50: a typical training track; rows in brackets). "
            "Where top-1 falls as novelty rises, a high novelty is a reason to "
            "trust a prediction less:",
            "",
            "| tracks | " + " | ".join(f"novelty {band}" for band in bands) + " |",
            "|---|" + "---|" * len(bands),
        ]
        lines += [
            f"| {label} | {_band_rows(scores['by_novelty'])} |"
            for label, scores in banded
        ]
    lines += [
        "",
        "Measured with `python -m core transfer --model <this folder> --other "
        "../shared/data/spotify_songs.csv --data data/music_genre.csv`.",
    ]
    return "\n".join(lines) + "\n"


def prediction_sets_section(bundle: Bundle) -> str:
    """ "Prediction sets": the calibration and its coverage, or "" when none."""
    calibration = bundle.conformal
    figures = bundle.metrics.get(conformal.METRICS_KEY)
    if calibration is None or not figures:
        return ""
    lines = [
        "## Prediction sets",
        f'Answers such as "90% sure it is one of: Rap, Hip-Hop" come from split '
        f"conformal prediction ({calibration.method.upper()}), calibrated on "
        f"{calibration.rows:,} tracks the network never learned from "
        f"({calibration.source}). On other unseen tracks of the same file:",
        "",
        "| asked | listed genre in the set | mean genres per set | tracks |",
        "|---|---|---|---|",
    ]
    for asked, scores in figures["by_coverage"].items():
        lines.append(
            f"| {float(asked):.0%} | {percent(scores['coverage'])} | "
            f"{scores['mean_size']:.2f} | {scores['rows']:,} |"
        )
    lines += [
        "",
        "The promise holds for tracks like the training tracks only: on tracks "
        "from another source, or unlike these (a high novelty), the sets miss "
        "the genre far more often (docs/model.md).",
    ]
    return "\n".join(lines) + "\n"
