"""Plain reference for the study preset: pandas, scikit-learn and ``model.fit``.

This is the script a reader of the reference study would write: the study's
cleaning, encoding, 80/20 split and min-max scaling in plain pandas, and the
study's network trained with ``model.fit`` and Keras' defaults. Of ``core`` it
reads only the column schema (``core.schema``: the genre order, keys and
numeric columns), none of its code: it is what GenreLab's training is compared
with.

Usage::

    python benchmarks/reference_study_fit.py [--data data/music_genre.csv] [--epochs 15]

Prints one JSON line: rows, test accuracy, seconds spent importing TensorFlow
and training.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import ROOT  # also puts the project root on sys.path
from sklearn.model_selection import train_test_split

from core.schema import GENRES, KEYS, NUMERIC_FEATURES

MINMAX = ["loudness", "duration_ms", "popularity", "tempo"]


def prepare(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The study's cleaning, encoding, split and scaling, step by step."""
    frame = pd.read_csv(path)
    frame = frame.drop(
        columns=["instance_id", "obtained_date", "artist_name", "track_name"]
    )
    frame = frame.dropna(how="all")
    # Unknowns: duration -1 and tempo '?' are deleted, as the study chose.
    frame = frame[(frame["duration_ms"] != -1) & (frame["tempo"] != "?")].copy()
    frame["tempo"] = frame["tempo"].astype(float)
    frame["label"] = frame["music_genre"].map({g: i for i, g in enumerate(GENRES)})
    frame = frame.dropna(subset=["label"])
    # Key and mode form a scale (A# + Minor = A#m), one-hot in 24 columns.
    scale = frame["key"] + np.where(frame["mode"] == "Minor", "m", "")
    scales = [*KEYS] + [key + "m" for key in KEYS]
    one_hot = pd.get_dummies(pd.Categorical(scale, categories=scales), dtype=float)
    one_hot.index = frame.index
    features = pd.concat([frame[list(NUMERIC_FEATURES)].astype(float), one_hot], axis=1)
    x_train, x_test, y_train, y_test = train_test_split(
        features, frame["label"].astype(int), test_size=0.2, random_state=42
    )
    # Min-max from the training rows only.
    low, high = x_train[MINMAX].min(), x_train[MINMAX].max()
    x_train = x_train.copy()
    x_test = x_test.copy()
    x_train[MINMAX] = (x_train[MINMAX] - low) / (high - low)
    x_test[MINMAX] = (x_test[MINMAX] - low) / (high - low)
    return (
        x_train.to_numpy(np.float32),
        y_train.to_numpy(),
        x_test.to_numpy(np.float32),
        y_test.to_numpy(),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT / "data" / "music_genre.csv"))
    parser.add_argument("--epochs", type=int, default=15)
    arguments = parser.parse_args()

    x_train, y_train, x_test, y_test = prepare(Path(arguments.data))
    started = time.perf_counter()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    imported = time.perf_counter()
    keras.utils.set_random_seed(42)
    model = keras.Sequential(
        [
            keras.Input(shape=(x_train.shape[1],)),
            keras.layers.Dense(35, activation="sigmoid"),
            keras.layers.Dense(10, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.001),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False),
        metrics=["sparse_categorical_accuracy"],
    )
    model.fit(x_train, y_train, batch_size=16, epochs=arguments.epochs, verbose=0)
    trained = time.perf_counter()
    _, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(
        json.dumps(
            {
                "train_rows": len(x_train),
                "test_rows": len(x_test),
                "test_accuracy": round(float(test_accuracy), 4),
                "import_seconds": round(imported - started, 2),
                "fit_seconds": round(trained - imported, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
