"""What would make it another genre: seconds per track (issue 26, part 4).

On the shipped model and the development data, with one BLAS thread as the
app's server runs: 50 real tracks (a seeded sample), each asked for a genre
drawn at random among the nine it is not predicted as, popularity and
duration locked (as a person keeping the song's length would). Prints the
median and worst seconds per track (wall and this thread's CPU), the share of
tracks whose genre was reached, and, measured in the same run, one
prediction's time (``tables.track_rows`` + ``predict_frame``) for reference.
Target: at most 1 s per track.

Usage: ``python benchmarks/bench_counterfactual.py [--tracks 50]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from _timing import call_times

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 1.0
LOCKED = ("popularity", "duration_ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=50)
    arguments = parser.parse_args()

    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
    import numpy as np

    from core import bundle, counterfactual, data, predict, schema, tables

    model = bundle.load_bundle(ROOT / "models" / "default")
    typed = data.load_csv(ROOT / "data" / "music_genre.csv", require_label=True)
    usable = typed[typed[tables.PROBLEM_COLUMN] == ""]
    tracks = usable.sample(n=arguments.tracks + 5, random_state=0)
    generator = np.random.default_rng(0)
    jobs = []
    for _, row in tracks.iterrows():
        values = {feature: row[feature] for feature in schema.FEATURE_COLUMNS}
        predicted = predict.predict_frame(model, tables.track_rows([values]))
        others = [g for g in schema.GENRES if g != predicted["predicted_genre"].iloc[0]]
        jobs.append((values, others[generator.integers(len(others))]))

    reached = []

    def search(job) -> None:
        values, genre = job
        result = counterfactual.counterfactual(model, values, genre, locked=LOCKED)
        reached.append(result.reached)

    def prediction(job) -> None:
        predict.predict_frame(model, tables.track_rows([job[0]]))

    reference_wall, reference_cpu = call_times(prediction, jobs)
    wall, cpu = call_times(search, jobs)
    measured = reached[5:]
    print(f"tracks: {len(wall)} (locked: {', '.join(LOCKED)})")
    print(
        f"per track: median {statistics.median(wall):.3f} s wall, "
        f"{statistics.median(cpu):.3f} s CPU; worst {max(wall):.3f} s wall, "
        f"{max(cpu):.3f} s CPU (target <= {TARGET_SECONDS:.0f} s)"
    )
    print(
        f"genre reached: {sum(measured)} of {len(measured)} ({np.mean(measured):.0%})"
    )
    print(
        "reference, one prediction: median "
        f"{statistics.median(reference_wall) * 1000:.1f} ms wall, "
        f"{statistics.median(reference_cpu) * 1000:.1f} ms CPU"
    )


if __name__ == "__main__":
    main()
