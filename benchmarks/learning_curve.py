"""Learning curve and ensemble size of the recommended recipe.

By grouped cross-validation: how much do top-1, top-2 and macro F1 gain when
the recommended recipe learns from more of the development tracks, and how
much does each extra averaged network add? The answer decides the shipped
model's test share and ensemble size; no test split's score is used for it.

Folds: the development file's tracks (artist + title: every copy of a song
together) are dealt into ``--groups`` groups of equal size, genre by genre
(20 groups: each 5% of the tracks). Each of the first ``--folds`` groups is
held out in turn as the evaluation rows. For each training share ``s`` the
recipe is trained, with GenreLab's own code (preprocessor fitted on the
training rows only, the joint ensemble training loop, the NumPy forward
pass), on ``s`` of *all* the tracks drawn from the other groups: one seeded
order of those tracks per fold, of which each share takes the first ones, so
the smaller training sets are inside the larger ones and every share of a
fold is scored on the same evaluation rows. The largest share possible is
``1 - 1 / groups`` (all the other groups).

Each run trains ``--networks`` networks together (member ``k`` is the network
that seed ``42 + k`` trains alone, see ``core.model``), and the averages of
their first 1, 2, ..., ``--networks`` members are scored: the ensemble curve
comes from the same runs.

Prints, per share and ensemble size, the mean and the range over the folds of
top-1, top-2 and macro F1 and the figures pooled over every evaluation row;
then the gain over the 80% share and the gain over one network (same rows,
mean and range over the folds) and the training seconds. By default 8 folds x
5 shares = 40 runs of 4 networks: 61 minutes on the shared 2-core machine
(load average 4 to 13 during the run; one run took 44-166 s). Training is
deterministic: the same arguments give the same scores.

Usage: ``python benchmarks/learning_curve.py [--data PATH] [--folds 8]
[--groups 20] [--shares 0.5 0.65 0.8 0.9 0.95] [--networks 4] [--json PATH]``
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import DATA, mean_and_range  # noqa: E402

from core import config, data, evaluate, features, preprocessing, schema, tables  # noqa: E402
from core.errors import GenreLabError  # noqa: E402
from core.genres import REFERENCE

METRICS = {"top-1": "accuracy", "top-2": "top2_accuracy", "macro F1": "macro_f1"}
# The share the gains are measured from: the shipped model's before this study.
BASE_SHARE = 0.8


def track_folds(labels: np.ndarray, groups: np.ndarray, count: int, seed: int):
    """Deal the tracks into ``count`` groups of equal size, genre by genre.

    Returns:
        The group (0 .. count - 1) of each row, and of each track, and the
        track index of each row.
    """
    _, track_of_row = np.unique(groups, return_inverse=True)
    first_rows = np.unique(track_of_row, return_index=True)[1]
    track_genre = labels[first_rows]
    generator = np.random.default_rng(seed)
    fold_of_track = np.empty(first_rows.size, dtype=np.int64)
    dealt = 0
    for genre in np.unique(track_genre):
        tracks = generator.permutation(np.flatnonzero(track_genre == genre))
        # Continue the deal where the previous genre stopped: sizes stay equal.
        fold_of_track[tracks] = (dealt + np.arange(tracks.size)) % count
        dealt += tracks.size
    return fold_of_track[track_of_row], fold_of_track, track_of_row


def train_members(recipe: config.TrainingConfig, train_rows, held_rows):
    """Train ``recipe`` on the training rows.

    Return each member's held-out probabilities.
    """
    from core import forward
    from core import model as network

    started = time.perf_counter()
    preprocessor = preprocessing.fit_preprocessor(train_rows, recipe)
    trained = network.train_network(
        recipe,
        preprocessor.transform(train_rows),
        tables.label_codes(train_rows, REFERENCE),
        groups=features.track_groups(train_rows),
    )
    seconds = time.perf_counter() - started
    predictor = forward.read_model_file(network.model_file_bytes(trained.model))
    held = preprocessor.transform(held_rows)
    members = [
        forward.Network(members=(layers,)).probabilities(held)
        for layers in predictor.members
    ]
    return members, seconds


def scores(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    """Top-1, top-2 and macro F1 of probabilities against true genres."""
    metrics = evaluate.classification_metrics(labels, probabilities, schema.GENRES)
    return {key: float(metrics[key]) for key in METRICS.values()}


def points(values: list[float]) -> str:
    """ "+0.31 [-0.10 to +0.62]": the mean gain and its range, in points (x100)."""
    scaled = [100 * value for value in values]
    return f"{np.mean(scaled):+.2f} [{min(scaled):+.2f} to {max(scaled):+.2f}]"


def _selected(runs: list[dict], share: float, size: int) -> list[dict]:
    return [r for r in runs if r["share"] == share and r["networks"] == size]


def print_tables(runs: list[dict], shares: list[float], networks: int) -> None:
    """The scores of every share and ensemble size.

    Then their gains over the base share.
    """
    folds = sorted({run["fold"] for run in runs})
    print(
        f"\nMean [min-max] over {len(folds)} folds; 'pooled' scores every fold's "
        "evaluation rows together."
    )
    print(
        f"{'share':>6} {'nets':>4} {'train rows':>10}"
        + "".join(f"{name:>24}" for name in METRICS)
        + f"{'pooled top-1':>14}{'pooled top-2':>14}"
    )
    for share in shares:
        for size in range(1, networks + 1):
            chosen = _selected(runs, share, size)
            if not chosen:
                continue
            held = sum(r["held_rows"] for r in chosen)
            print(
                f"{share:>6.0%} {size:>4} "
                f"{np.mean([r['train_rows'] for r in chosen]):>10,.0f}"
                + "".join(
                    f"{mean_and_range([r[key] for r in chosen]):>24}"
                    for key in METRICS.values()
                )
                + "".join(
                    f"{sum(r[key] * r['held_rows'] for r in chosen) / held:>14.4f}"
                    for key in ("accuracy", "top2_accuracy")
                )
            )
    print(
        f"\nGain over the {BASE_SHARE:.0%} share with as many networks, on the same "
        "rows: mean [min to max] over folds, in points"
    )
    print(f"{'share':>6} {'nets':>4}" + "".join(f"{name:>24}" for name in METRICS))
    for share in shares:
        for size in range(1, networks + 1):
            base = {r["fold"]: r for r in _selected(runs, BASE_SHARE, size)}
            chosen = [r for r in _selected(runs, share, size) if r["fold"] in base]
            if not chosen or share == BASE_SHARE:
                continue
            print(
                f"{share:>6.0%} {size:>4}"
                + "".join(
                    f"{points([r[key] - base[r['fold']][key] for r in chosen]):>24}"
                    for key in METRICS.values()
                )
            )
    print(
        "\nGain of each ensemble size over one network, same share, same rows: "
        "mean [min to max] over folds, in points"
    )
    print(f"{'share':>6} {'nets':>4}" + "".join(f"{name:>24}" for name in METRICS))
    for share in shares:
        single = {r["fold"]: r for r in _selected(runs, share, 1)}
        for size in range(2, networks + 1):
            chosen = [r for r in _selected(runs, share, size) if r["fold"] in single]
            if chosen:
                print(
                    f"{share:>6.0%} {size:>4}"
                    + "".join(
                        format(
                            points([r[key] - single[r["fold"]][key] for r in chosen]),
                            ">24",
                        )
                        for key in METRICS.values()
                    )
                )
    print(f"\nSeconds to train one run of {networks} networks together:")
    for share in shares:
        chosen = _selected(runs, share, 1)
        if chosen:
            seconds = [r["seconds"] for r in chosen]
            print(
                f"  {share:>4.0%}: {np.mean(seconds):.1f} "
                f"[{min(seconds):.1f}-{max(seconds):.1f}]"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--folds", type=int, default=8)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument(
        "--shares", type=float, nargs="+", default=[0.5, 0.65, 0.8, 0.9, 0.95]
    )
    parser.add_argument("--networks", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0, help="seeds the folds")
    parser.add_argument("--json", type=Path, help="also write every run here")
    arguments = parser.parse_args()
    largest = 1 - 1 / arguments.groups
    if not 1 <= arguments.folds <= arguments.groups:
        print(f"error: --folds must be 1 to {arguments.groups}", file=sys.stderr)
        return 2
    if any(not 0 < share <= largest + 1e-9 for share in arguments.shares):
        print(
            f"error: every share must be above 0 and at most {largest}", file=sys.stderr
        )
        return 2

    try:
        typed = data.load_csv(arguments.data, require_label=True)
    except (GenreLabError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    recipe = dataclasses.replace(config.RECOMMENDED, ensemble_size=arguments.networks)
    cleaned, _ = features.clean(
        typed, recipe.unknowns, tables.label_codes(typed, REFERENCE)
    )
    labels = tables.label_codes(cleaned, REFERENCE)
    fold_of_row, fold_of_track, track_of_row = track_folds(
        labels, features.track_groups(cleaned), arguments.groups, arguments.seed
    )
    total_tracks = fold_of_track.size
    shares = sorted(arguments.shares)
    print(
        f"{len(cleaned):,} rows, {total_tracks:,} tracks, {arguments.groups} groups "
        f"of tracks; {arguments.folds} folds; recipe: recommended with "
        f"{arguments.networks} networks (seeds {recipe.seed}..)",
        flush=True,
    )
    runs: list[dict] = []
    for fold in range(arguments.folds):
        held_rows = cleaned[fold_of_row == fold]
        held_labels = tables.label_codes(held_rows, REFERENCE)
        others = np.flatnonzero(fold_of_track != fold)
        order = np.random.default_rng(arguments.seed * 1000 + fold).permutation(others)
        for share in shares:
            wanted = min(round(share * total_tracks), order.size)
            train_rows = cleaned[np.isin(track_of_row, order[:wanted])]
            members, seconds = train_members(recipe, train_rows, held_rows)
            for size in range(1, len(members) + 1):
                average = np.mean(members[:size], axis=0)
                runs.append(
                    {
                        "fold": fold,
                        "share": share,
                        "networks": size,
                        "train_rows": len(train_rows),
                        "train_tracks": int(wanted),
                        "held_rows": len(held_rows),
                        "seconds": round(seconds, 2),
                        **scores(held_labels, average),
                    }
                )
            last = runs[-len(members) :]
            print(
                f"fold {fold} share {share:.0%}: {len(train_rows):,} training rows, "
                f"{len(held_rows):,} held out, {seconds:.1f} s; top-2 by networks "
                + " ".join(f"{run['top2_accuracy']:.4f}" for run in last),
                flush=True,
            )
            if arguments.json:
                arguments.json.write_text(json.dumps(runs, indent=1))
    print_tables(runs, shares, arguments.networks)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
