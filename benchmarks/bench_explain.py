"""Figure 8: songs and explanations (issue 14).

Each measurement runs in a fresh process with one BLAS thread, as the app's
server runs (ui.state), on the shipped model and the development data:

- **explanation**: what a slider move adds to the Predict page's update when
  "Why this genre?" is shown: ``core.shapley.shapley_values`` (8,192
  predictions) plus its waterfall figure, median over 50 slider positions;
  the reference is the prediction alone (``tables.track_rows`` +
  ``predict_frame``). Target: at most 150 ms added.
- **map**: the first computation of the map of songs on 9,000 tracks
  (``core.explain.song_map``, scikit-learn's PCA imported on the way), as the
  first visitor of the Evaluate page pays it. Target: at most 15 s.
- **songs alike**: building the sound index of the whole file once, then one
  query (10 nearest, and the nearest of another genre), median of 50.

Usage: ``python benchmarks/bench_explain.py``
"""

from __future__ import annotations

import json

from _common import DATA, PYTHON, ROOT, Row, text_table, timed_run

EXPLANATION_TARGET_MS = 150.0
MAP_TARGET_SECONDS = 15.0
MODEL = ROOT / "models" / "default"

CHILD = r"""
import json, sys, time
from threadpoolctl import threadpool_limits
threadpool_limits(limits=1, user_api="blas")
import numpy as np
from benchmarks._timing import median_ms
from core import bundle as bundles, wording
from core import data, explain, predict, schema, shapley, songs, tables
from ui import charts

loaded = bundles.load_bundle(sys.argv[1])
typed = data.load_csv(sys.argv[2], require_label=True)
generator = np.random.default_rng(0)
usable = typed[typed[tables.PROBLEM_COLUMN] == ""]
tracks = usable.sample(n=55, random_state=0)

def values_of(row):
    return {f: row[f] for f in schema.FEATURE_COLUMNS}

rows = [values_of(row) for _, row in tracks.iterrows()]

def prediction(values):
    predict.predict_frame(loaded, tables.track_rows([values]))

def explanation(values):
    result = shapley.shapley_values(loaded, values)
    genre = schema.GENRES[int(result.probabilities.argmax())]
    column = schema.GENRES.index(genre)
    figure = charts.explanation.contributions(result.for_genre(genre), genre,
                                  float(result.baseline_probabilities[column]))
    figure.to_json()
    wording.shapley_reading(result, genre)

results = {"prediction_ms": median_ms(prediction, rows),
           "explanation_ms": median_ms(explanation, rows)}

started = time.perf_counter()
nine_thousand = usable.sample(n=9000, random_state=1)
song_map = explain.song_map(loaded, nine_thousand)
results["map_seconds"] = time.perf_counter() - started
results["map_points"] = len(song_map.points)

started = time.perf_counter()
index = songs.sound_index(loaded, typed)
results["index_seconds"] = time.perf_counter() - started
results["index_tracks"] = len(index.tracks)
frames = [typed.loc[[label]] for label in tracks.index]

def alike(row):
    near = songs.nearest_tracks(loaded, index, row)
    songs.closest_of_another_genre(loaded, index, row, near["predicted_genre"].iloc[0])

results["alike_ms"] = median_ms(alike, frames)
print(json.dumps(results))
"""


def run() -> list[Row]:
    """Measure figure 8; return the table rows."""
    result = json.loads(
        timed_run([PYTHON, "-c", CHILD, str(MODEL), str(DATA)])
        .check("explanation benchmark")
        .stdout.strip()
        .splitlines()[-1]
    )
    added_wall, added_cpu = result["explanation_ms"]
    prediction_wall, prediction_cpu = result["prediction_ms"]
    return [
        Row(
            "8. Predict: 'Why this genre?' redrawn after a slider move",
            f"+{added_cpu:.0f} ms CPU, {added_wall:.0f} ms wall, median (Shapley "
            "values of 13 features: 8,192 predictions, the waterfall figure, the "
            "sentence)",
            f"the prediction alone {prediction_cpu:.1f} ms CPU, "
            f"{prediction_wall:.1f} ms wall",
            f"{added_cpu / EXPLANATION_TARGET_MS:.2f} of target (CPU)",
            f"<= +{EXPLANATION_TARGET_MS:.0f} ms",
            added_cpu <= EXPLANATION_TARGET_MS,
        ),
        Row(
            f"8. Map of songs, first computation ({result['map_points']:,} tracks)",
            f"{result['map_seconds']:.1f} s (last hidden layer of both networks, PCA)",
            "-",
            f"{result['map_seconds'] / MAP_TARGET_SECONDS:.2f} of target",
            f"<= {MAP_TARGET_SECONDS:.0f} s",
            result["map_seconds"] <= MAP_TARGET_SECONDS,
        ),
        Row.informative(
            "8. Songs that sound alike: one query "
            "(10 nearest + nearest of another genre)",
            f"{result['alike_ms'][1]:.0f} ms CPU ({result['alike_ms'][0]:.0f} ms "
            "wall) median; the index of "
            f"{result['index_tracks']:,} tracks built once in "
            f"{result['index_seconds']:.1f} s",
        ),
    ]


if __name__ == "__main__":
    print(text_table(run()))
