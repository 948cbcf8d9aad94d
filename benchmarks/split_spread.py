"""How much the shipped model's test figures depend on which tracks are held out.

The model card's test figures come from one split of the data (seed 42, the
recommended test share (10%) of the tracks held out). This script trains the
recommended recipe again, with GenreLab's own code, in two ways and scores
each run on its own held-out tracks:

- the same split with other network seeds: the same test tracks, other
  starting weights and batches (how much is luck of the training run);
- other splits (other seeds for both the split and the networks, as
  ``python -m core train --preset recommended`` with another seed would do):
  other test tracks (how much is the choice of test tracks).

Prints each run's top-1 accuracy, top-2 accuracy and macro F1, then the mean
and the range of each group. About 25 s per run on 2 cores (14 runs by
default, about 6 minutes). It measures; nothing here chooses a setting.

Usage: ``python benchmarks/split_spread.py [--data PATH]
[--network-seeds 0 1 2 3 4] [--split-seeds 0 1 2 3 4 5 6 7]``
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import DATA, mean_and_range  # noqa: E402

from core import compare, config, data, evaluate, features, schema, tables  # noqa: E402
from core.errors import GenreLabError  # noqa: E402
from core.genres import REFERENCE

METRICS = {"top-1": "accuracy", "top-2": "top2_accuracy", "macro F1": "macro_f1"}


def split_rows(cleaned, seed: int):
    """The recommended preset's train/test split of the cleaned rows, with this seed."""
    return features.split(
        cleaned, dataclasses.replace(config.RECOMMENDED, seed=seed), REFERENCE
    )


def held_out_scores(train_rows, test_rows, network_seed: int) -> dict:
    """Train the recommended networks with this seed; score the test rows."""
    probabilities, _seconds = compare.network_probabilities(
        dataclasses.replace(config.RECOMMENDED, seed=network_seed),
        train_rows,
        test_rows,
        REFERENCE,
    )
    return evaluate.classification_metrics(
        tables.label_codes(test_rows, REFERENCE), probabilities, schema.GENRES
    )


def print_group(title: str, runs: dict[str, dict]) -> None:
    """One line per run, then the mean [min-max] of the group.

    Nothing when it is empty.
    """
    if not runs:
        return
    print(title)
    print(f"  {'run':28}" + "".join(f"{name:>24}" for name in METRICS))
    for name, scores in runs.items():
        print(
            f"  {name:28}"
            + "".join(f"{scores[key]:>24.4f}" for key in METRICS.values())
        )
    print(
        f"  {'mean [min-max]':28}"
        + "".join(
            f"{mean_and_range([scores[key] for scores in runs.values()]):>24}"
            for key in METRICS.values()
        ),
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--network-seeds", type=int, nargs="*", default=[0, 1, 2, 3, 4])
    parser.add_argument(
        "--split-seeds", type=int, nargs="*", default=[0, 1, 2, 3, 4, 5, 6, 7]
    )
    arguments = parser.parse_args()

    try:
        typed = data.load_csv(arguments.data, require_label=True)
    except (GenreLabError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    cleaned, _ = features.clean(
        typed, config.RECOMMENDED.unknowns, tables.label_codes(typed, REFERENCE)
    )
    shipped_seed = config.RECOMMENDED.seed
    shipped_split = split_rows(cleaned, shipped_seed)
    same_split = {
        f"network seed {seed}": held_out_scores(*shipped_split, seed)
        for seed in [shipped_seed, *arguments.network_seeds]
    }
    print_group(
        f"Split seed {shipped_seed} (the shipped model's test tracks), "
        "recommended recipe, other network seeds:",
        same_split,
    )
    other_splits = {
        f"split and network seed {seed}": held_out_scores(
            *split_rows(cleaned, seed), seed
        )
        for seed in arguments.split_seeds
    }
    print_group("Other splits (other test tracks), recommended recipe:", other_splits)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
