"""What a missing popularity column costs the shipped model, on its own test tracks.

Spotify's audio-features API gives every feature but popularity. GenreLab
then fills popularity with the model's typical value (its training median,
``Preprocessor.typical``) for every track (core.formats.FILLABLE_COLUMNS).
This script measures what that costs: the shipped model (``models/default``)
scored on its own held-out tracks (the seed-42 split of
``core.compare.holdout_split``, the split its model card reports) twice:

- as is, every track with its own popularity;
- through the path a file without a popularity column takes: the same test
  rows written without the column, read by ``core.data`` and predicted by
  ``core.export.predict_file`` (the model fills the typical value).

With ``--retrain`` it also trains the recommended recipe (same split, same
seed) on the training tracks with popularity set to the typical value, which
is what a model that never sees popularity can do (about 25 s on 2 cores).

Prints top-1 accuracy, top-2 accuracy and macro F1 of each, and the loss in
points. It measures; nothing here chooses a setting.

Usage: ``python benchmarks/missing_popularity.py [--data PATH] [--model DIR]
[--retrain]``
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import DATA, ROOT  # noqa: E402

from core import bundle as bundles  # noqa: E402
from core import (  # noqa: E402
    compare,
    config,
    data,
    evaluate,
    export,
    reading,
    schema,
    tables,
)
from core.errors import GenreLabError  # noqa: E402
from core.genres import REFERENCE

METRICS = {"top-1": "accuracy", "top-2": "top2_accuracy", "macro F1": "macro_f1"}


def csv_bytes(raw_rows) -> bytes:
    """The rows as a CSV (every cell as read)."""
    buffer = io.StringIO()
    raw_rows.to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")


def without_popularity(raw_rows) -> bytes:
    """The rows as a CSV without its popularity column (every other cell as read)."""
    return csv_bytes(raw_rows.drop(columns=["popularity"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default")
    parser.add_argument("--retrain", action="store_true")
    arguments = parser.parse_args()
    try:
        typed = data.load_csv(arguments.data, require_label=True)
        model = bundles.load_bundle(arguments.model)
    except GenreLabError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    saved = model.info.get("data_fingerprint")
    if saved and saved != tables.fingerprint(typed):
        print(
            "warning: this is not the data the model was trained on; its test "
            "split is recomputed on this file anyway.",
            file=sys.stderr,
        )
    train_rows, test_rows = compare.holdout_split(typed, seed=model.config.seed)
    typical = float(model.preprocessor.typical["popularity"])
    print(
        f"model {arguments.model}, test tracks: {len(test_rows):,} (seed "
        f"{model.config.seed}); typical popularity {typical:g} (training median "
        f"{train_rows['popularity'].median():g}, test median "
        f"{test_rows['popularity'].median():g})"
    )
    # The file path, as the command line reads it: the test rows as text,
    # with their popularity and without it.
    raw = reading.read_raw(arguments.data).loc[test_rows.index]
    results = {
        "with popularity": export.predict_file(
            model, csv_bytes(raw), require_label=True
        ).scores
    }
    streamed = export.predict_file(model, without_popularity(raw), require_label=True)
    assert streamed.understood.missing == ["popularity"]
    results["popularity missing (typical value used)"] = streamed.scores
    if arguments.retrain:
        flat_train = train_rows.assign(popularity=typical)
        flat_test = test_rows.assign(popularity=typical)
        recipe = dataclasses.replace(config.RECOMMENDED, seed=model.config.seed)
        probabilities, seconds = compare.network_probabilities(
            recipe, flat_train, flat_test, REFERENCE
        )
        results[f"trained without popularity ({seconds:.0f} s)"] = (
            evaluate.classification_metrics(
                tables.label_codes(test_rows, REFERENCE), probabilities, schema.GENRES
            )
        )
    print(f"  {'':44}" + "".join(f"{name:>10}" for name in METRICS))
    base = results["with popularity"]
    for name, scores in results.items():
        print(
            f"  {name:44}"
            + "".join(f"{scores[key]:>10.4f}" for key in METRICS.values())
        )
        if scores is not base:
            print(
                f"  {'  change, points':44}"
                + "".join(
                    f"{100 * (scores[key] - base[key]):>+10.1f}"
                    for key in METRICS.values()
                )
            )
    matrix = results["popularity missing (typical value used)"]["confusion_matrix"]
    predicted = [
        sum(row[genre] for row in matrix) for genre in range(len(schema.GENRES))
    ]
    print(
        "predicted genres with popularity missing: "
        + ", ".join(
            f"{genre} {count:,}"
            for genre, count in zip(schema.GENRES, predicted, strict=True)
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
