"""Issue 25's levers, each measured on the same tracks (docs/model.md).

Every lever trains one network of the recommended recipe (one network, not
the shipped two, to keep the run short: every lever pays the same) on the
Kaggle file's training tracks (the shipped model's seeded split), and is
scored on:

- the Kaggle test tracks as they come (strict scoring: the ten genres);
- the same tracks without popularity (shared scoring: Rap = Hip-Hop);
- **a held-out half of TidyTuesday's edm, rap and rock tracks** (whole
  tracks, by track id, seed 0; shared scoring), with their own popularity.
  The other half is what the multi-source lever may learn from, so no lever
  is scored on a track it learned.

The levers:

- **baseline**: popularity as given;
- **audio-only**: popularity held typical, in training and scoring;
- **popularity noise**: each training track's popularity held typical with
  probability 1/2 (seeded), scored with popularity as given;
- **popularity ranked per file**: each file's popularity replaced by its
  percentile within that file (0-100), in training and scoring;
- **Kaggle + TidyTuesday**: the training tracks plus the other half of
  TidyTuesday's edm, rap and rock tracks, mapped explicitly to Electronic,
  Rap and Rock (``core.transfer.SHARED_GENRES``); pop, latin and r&b are
  left out, since the ten-genre model has no such output and they could not
  be scored against the Kaggle file's genres. Popularity as given.

It measures; nothing here chooses a setting.

Usage: ``python benchmarks/levers.py``
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import DATA, ROOT  # noqa: E402

from core import (  # noqa: E402
    config,
    data,
    features,
    forward,
    pipeline,
    preprocessing,
    schema,
    tables,
    transfer,
)
from core.features import without_popularity  # noqa: E402
from core.genres import REFERENCE  # noqa: E402

TIDYTUESDAY = ROOT.parent / "shared" / "data" / "spotify_songs.csv"
RECIPE = dataclasses.replace(config.RECOMMENDED, ensemble_size=1)


def fitted(train_rows: pd.DataFrame, fit_rows: pd.DataFrame):
    """Preprocessor (fitted on ``fit_rows``) and NumPy network of the recipe,
    trained on ``train_rows`` (the same tracks, some values held typical)."""
    from core import model as network

    preprocessor = preprocessing.fit_preprocessor(fit_rows, RECIPE)
    trained = network.train_network(
        RECIPE,
        preprocessor.transform(train_rows),
        tables.label_codes(train_rows, REFERENCE),
        groups=features.track_groups(train_rows),
        n_genres=len(REFERENCE),
    )
    return preprocessor, forward.read_model_file(
        network.model_file_bytes(trained.model)
    )


def shared_top(model, rows: pd.DataFrame, labels: list[str]) -> dict:
    preprocessor, predictor = model
    usable, _ = preprocessor.usable_rows(rows)
    probabilities = predictor.probabilities(preprocessor.transform(rows[usable]))
    kept = [label for label, use in zip(labels, usable, strict=True) if use]
    return transfer.scores(kept, probabilities)


def ranked(rows: pd.DataFrame, within: pd.DataFrame) -> pd.DataFrame:
    """Popularity as its percentile among ``within``'s popularity (0-100)."""
    reference = np.sort(within["popularity"].dropna().to_numpy())
    values = rows["popularity"].to_numpy(dtype=float)
    percentile = np.searchsorted(reference, values, side="right") / len(reference)
    return rows.assign(popularity=np.where(np.isnan(values), np.nan, 100 * percentile))


def same(rows: pd.DataFrame, file: pd.DataFrame) -> pd.DataFrame:
    """A file's rows as they come."""
    return rows


def main() -> int:
    started = time.perf_counter()
    kaggle = data.load_csv(DATA, require_label=True)
    train_rows, test_rows = pipeline.split_rows(kaggle, config.RECOMMENDED, REFERENCE)
    test_labels = test_rows[schema.TARGET].tolist()
    songs = data.load_csv(TIDYTUESDAY, require_label=True)
    shared = songs[songs[schema.TARGET].str.lower().isin(transfer.SHARED_GENRES)]
    shared = shared[shared[tables.PROBLEM_COLUMN] == ""]
    shared = shared.assign(
        **{schema.TARGET: shared[schema.TARGET].str.lower().map(transfer.SHARED_GENRES)}
    )
    ids = shared[schema.TRACK_ID].unique()
    generator = np.random.default_rng(0)
    learnable = set(generator.permutation(ids)[: len(ids) // 2])
    other_half = shared[shared[schema.TRACK_ID].isin(learnable)]
    held = shared[~shared[schema.TRACK_ID].isin(learnable)]
    held_labels = held[schema.TARGET].tolist()

    noisy = train_rows.copy()
    dropped = generator.random(len(noisy)) < 0.5
    noisy.loc[dropped, "popularity"] = np.nan
    kaggle_ranked = ranked(train_rows, kaggle)
    together = pd.concat([train_rows, other_half])
    # Each lever: the rows its network learns, the rows its preprocessor is
    # fitted on (their own values: popularity's typical value among them),
    # and how a file's rows are prepared for scoring.
    levers = {
        "baseline (popularity as given)": (train_rows, train_rows, same),
        "audio-only": (
            without_popularity(train_rows),
            train_rows,
            lambda rows, file: without_popularity(rows),
        ),
        "popularity noise (half held typical)": (noisy, train_rows, same),
        "popularity ranked per file": (kaggle_ranked, kaggle_ranked, ranked),
        "Kaggle + TidyTuesday (edm, rap, rock)": (together, together, same),
    }
    print(
        f"Kaggle: {len(train_rows):,} training, {len(test_rows):,} test tracks; "
        f"TidyTuesday edm/rap/rock: {len(other_half):,} learnable, "
        f"{len(held):,} held out"
    )
    header = (
        f"  {'lever':40} {'Kaggle strict':>15} {'Kaggle no pop.':>15} "
        f"{'TidyTuesday held out':>21}"
    )
    print(header)
    for name, (rows, fit_rows, prepare) in levers.items():
        began = time.perf_counter()
        model = fitted(rows, fit_rows)
        strict = shared_top(model, prepare(test_rows, kaggle), test_labels)["strict"]
        no_pop = shared_top(
            model, without_popularity(prepare(test_rows, kaggle)), test_labels
        )["shared"]
        other = shared_top(model, prepare(held, songs), held_labels)["shared"]
        print(
            f"  {name:40} {strict['top1']:6.1%} / {strict['top2']:6.1%} "
            f"{no_pop['top1']:6.1%} / {no_pop['top2']:6.1%} "
            f"{other['top1']:6.1%} / {other['top2']:6.1%}  "
            f"({time.perf_counter() - began:.0f} s)",
            flush=True,
        )
    print(f"({time.perf_counter() - started:.0f} s in all)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
