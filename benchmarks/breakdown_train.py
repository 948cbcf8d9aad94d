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

from _common import DATA, PYTHON, timed_run

CHILD = r"""
import json, sys, time
marks = [("start", time.time())]
def mark(name):
    marks.append((name, time.time()))
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


def breakdown(preset: str, data: Path) -> list[tuple[str, float]]:
    """Run one training and return (phase, seconds) pairs, exit included."""
    with tempfile.TemporaryDirectory(prefix="genrelab-bench-") as folder:
        launched = time.time()
        run = timed_run(
            [
                PYTHON,
                "-c",
                CHILD,
                "train",
                "--preset",
                preset,
                "--data",
                str(data),
                "--out",
                str(Path(folder) / "bundle"),
                "--quiet",
            ]  # fmt: skip
        ).check("training breakdown")
        ended = launched + run.seconds
    line = next(x for x in run.stdout.splitlines() if x.startswith("MARKS "))
    marks = json.loads(line[len("MARKS ") :])
    marks[0] = ["interpreter start", launched]
    phases: list[tuple[str, float]] = []
    for (_, previous), (name, moment) in zip(marks, marks[1:], strict=False):
        if name.startswith("before "):
            name = "between steps (clean, split, encode, score, ...)"
        phases.append((name, moment - previous))
    phases.append(("interpreter exit", ended - marks[-1][1]))
    merged: dict[str, float] = {}
    for name, seconds in phases:
        merged[name] = merged.get(name, 0.0) + seconds
    merged["total (wall)"] = run.seconds
    return list(merged.items())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="study")
    parser.add_argument("--data", type=Path, default=DATA)
    arguments = parser.parse_args()
    for name, seconds in breakdown(arguments.preset, arguments.data):
        print(f"{seconds:7.2f} s  {name}")
    sys.exit(0)
