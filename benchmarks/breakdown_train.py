"""Where the wall time of ``python -m core train`` goes, phase by phase.

Runs the command line's ``main`` in a fresh process with timers around its
steps (the functions are wrapped, not changed) and prints one line per phase:
interpreter start and imports, loading the CSV, importing TensorFlow,
preparing the data, the training loop, scoring train and test, the model
card, saving, and the interpreter's exit.

Usage: ``python benchmarks/breakdown_train.py [--preset study] [--data PATH]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from _common import DATA, PYTHON, timed_run, train_arguments

CHILD = r"""
import gc, json, sys, time
# As core/__main__.py does before its imports.
gc.disable()
marks = [("start", time.time(), time.process_time())]
def mark(name):
    marks.append((name, time.time(), time.process_time()))
from core import cli, data, model_card, pipeline, bundle
mark("imports (pandas, scikit-learn, core)")
import core.model as network
mark("import TensorFlow (core.model)")

def wrap(module, name, label):
    original = getattr(module, name)
    def wrapped(*args, **kwargs):
        mark(f"before {label}")
        result = original(*args, **kwargs)
        mark(label)
        return result
    setattr(module, name, wrapped)

wrap(data, "load_csv", "load and validate the CSV")
wrap(network, "train_network", "training loop")
wrap(model_card, "model_card", "model card")
wrap(bundle, "save_bundle", "save the bundle")
import runpy
sys.argv[0] = "core"
try:
    # The real entry point, exit handling included.
    runpy.run_module("core", run_name="__main__", alter_sys=True)
except SystemExit:
    mark("end of main")
    print("MARKS " + json.dumps(marks), flush=True)
    raise
"""


def breakdown(preset: str, data: Path) -> list[tuple[str, float, float]]:
    """Run one training; return (phase, wall seconds, CPU seconds), exit included.

    CPU seconds count every thread of the process; on a busy machine they
    change less than wall seconds.
    """
    with tempfile.TemporaryDirectory(prefix="genrelab-bench-") as folder:
        launched = time.time()
        run = timed_run(
            [
                PYTHON,
                "-c",
                CHILD,
                *train_arguments(preset, data, Path(folder) / "bundle"),
            ]
        ).check("training breakdown")
        ended = launched + run.seconds
    line = next(x for x in run.stdout.splitlines() if x.startswith("MARKS "))
    marks = json.loads(line[len("MARKS ") :])
    # The child's CPU clock starts at 0 when the interpreter starts.
    marks[0] = ["interpreter start", launched, 0.0]
    merged: dict[str, list[float]] = {}
    for (_, wall_before, cpu_before), (name, wall, cpu) in zip(
        marks, marks[1:], strict=False
    ):
        if name.startswith("before "):
            name = "between steps (clean, split, encode, score, ...)"
        totals = merged.setdefault(name, [0.0, 0.0])
        totals[0] += wall - wall_before
        totals[1] += cpu - cpu_before
    merged["interpreter exit"] = [ended - marks[-1][1], float("nan")]
    merged["total"] = [run.seconds, float("nan")]
    return [(name, wall, cpu) for name, (wall, cpu) in merged.items()]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="study")
    parser.add_argument("--data", type=Path, default=DATA)
    arguments = parser.parse_args()
    print("   wall      CPU  phase")
    for name, wall, cpu in breakdown(arguments.preset, arguments.data):
        print(f"{wall:6.2f} s {cpu:6.2f} s  {name}")
    sys.exit(0)
