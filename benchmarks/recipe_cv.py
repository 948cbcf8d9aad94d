"""Why the recommended preset is what it is: 4-fold cross-validation on training tracks.

The shipped model's settings were chosen on folds of its *training* tracks
only; the test tracks (the held-out share that the model card reports, 10%
since issue 19) are never touched here. Each candidate is one change on the
way from the previous recipe to the current one, trained with GenreLab's own
code (preprocessor, training loop, ensemble); scikit-learn's gradient-boosted
trees are scored on the same folds for scale.

Folds: scikit-learn's ``GroupKFold`` over tracks (artist + title), so a song's
copies are never on both sides of a fold. Prints, per candidate, the mean and
the range over the folds of top-1 accuracy, top-2 accuracy and macro F1, and
the seconds per fold (about 4 minutes in all on 2 cores).

Usage: ``python benchmarks/recipe_cv.py [--data PATH] [--folds 4]``
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import DATA, mean_and_range  # noqa: E402

from core import compare, config, data, evaluate, features, schema, tables  # noqa: E402
from core.genres import REFERENCE

# Each candidate is the next one with its own step undone, back from the
# recommended preset; PREVIOUS is what shipped until 2026-11-25 (one network,
# no bins, a constant rate over up to 60 epochs with early stopping).
BINNED = dataclasses.replace(config.RECOMMENDED, ensemble_size=1)
COSINE = dataclasses.replace(BINNED, numeric_bins=0, epochs=60)
PREVIOUS = dataclasses.replace(
    COSINE,
    learning_rate=0.001,
    learning_rate_schedule="constant",
    early_stopping_patience=8,
    validation_fraction=0.1,
)
CANDIDATES: dict[str, config.TrainingConfig | None] = {
    "previous recipe (no bins, constant rate, early stopping)": PREVIOUS,
    "+ cosine learning-rate schedule, no early stopping": COSINE,
    "+ 8 quantile bins per numeric feature, 45 epochs": BINNED,
    "+ 2 networks averaged (= recommended)": config.RECOMMENDED,
    "gradient-boosted trees (scikit-learn, for scale)": None,
}


def fold_scores(
    candidate: config.TrainingConfig | None, train_rows, held_rows
) -> tuple[dict, float]:
    """Train one candidate on a fold's training part; score its held part."""
    if candidate is None:
        from sklearn.ensemble import HistGradientBoostingClassifier

        train_features, held_features = compare.baseline_features(train_rows, held_rows)
        probabilities, seconds = compare.estimator_probabilities(
            HistGradientBoostingClassifier(random_state=0),
            train_features,
            tables.label_codes(train_rows, REFERENCE),
            held_features,
            len(REFERENCE),
        )
    else:
        probabilities, seconds = compare.network_probabilities(
            candidate, train_rows, held_rows, REFERENCE
        )
    return evaluate.classification_metrics(
        tables.label_codes(held_rows, REFERENCE), probabilities, schema.GENRES
    ), seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--folds", type=int, default=4)
    arguments = parser.parse_args()

    from sklearn.model_selection import GroupKFold

    typed = data.load_csv(arguments.data, require_label=True)
    cleaned, _ = features.clean(typed, "impute", tables.label_codes(typed, REFERENCE))
    train_rows, _test_rows_never_used = features.split(
        cleaned, config.RECOMMENDED, REFERENCE
    )
    groups = features.track_groups(train_rows)
    folds = list(GroupKFold(n_splits=arguments.folds).split(train_rows, groups=groups))
    print(
        f"{arguments.folds}-fold cross-validation on the {len(train_rows):,} training "
        "rows of the recommended split (test tracks unused); mean [min-max] of folds"
    )
    print(
        f"{'candidate':58} {'top-1':>22} {'top-2':>22} {'macro F1':>22} {'s/fold':>7}"
    )
    for name, candidate in CANDIDATES.items():
        scores, seconds = [], []
        for fit_positions, held_positions in folds:
            metrics, took = fold_scores(
                candidate,
                train_rows.iloc[fit_positions],
                train_rows.iloc[held_positions],
            )
            scores.append(metrics)
            seconds.append(took)

        def summary(key: str, scores: list[dict] = scores) -> str:
            return mean_and_range([score[key] for score in scores])

        print(
            f"{name:58} {summary('accuracy'):>22} {summary('top2_accuracy'):>22} "
            f"{summary('macro_f1'):>22} {np.mean(seconds):7.1f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
