"""Figures 1 and 2: training time of the study and recommended presets, whole process.

1. ``python -m core train --preset study`` against
   ``benchmarks/reference_study_fit.py`` (the same data preparation and network
   trained with plain ``model.fit``), run one after the other in this process's
   run: ratio of wall times (target <= 0.25) and test accuracies (within 1.5
   points).
2. ``python -m core train --preset recommended``: wall time (target <= 30 s)
   and test accuracy (issue 4's target: top-1 >= 0.60).

Usage: ``python benchmarks/bench_training.py [--repeat N]`` (median of N runs).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from _common import (
    BENCHMARKS,
    DATA,
    PYTHON,
    Row,
    Run,
    text_table,
    timed_run,
    train_arguments,
)

STUDY_RATIO_TARGET = 0.25
ACCURACY_TOLERANCE = 0.015
RECOMMENDED_SECONDS_TARGET = 30.0
RECOMMENDED_ACCURACY_TARGET = 0.60
RECOMMENDED_TOP2_TARGET = 0.84
RECOMMENDED_MACRO_F1_TARGET = 0.60


def core_train(preset: str, data: Path) -> tuple[Run, dict]:
    """Train a preset with the command line; return the run and the test metrics."""
    with tempfile.TemporaryDirectory(prefix="genrelab-bench-") as folder:
        out = Path(folder) / "bundle"
        run = timed_run(
            [PYTHON, "-m", "core", *train_arguments(preset, data, out)]
        ).check(f"python -m core train --preset {preset}")
        metrics = json.loads((out / "metrics.json").read_text())
    return run, metrics


def reference_fit(data: Path) -> tuple[Run, dict]:
    """Run the plain ``model.fit`` script; return the run and its JSON line."""
    run = timed_run(
        [PYTHON, str(BENCHMARKS / "reference_study_fit.py"), "--data", str(data)]
    ).check("reference_study_fit.py")
    return run, json.loads(run.stdout.strip().splitlines()[-1])


def run(repeat: int = 1, data: Path = DATA) -> list[Row]:
    """Measure figures 1 and 2; return the table rows."""
    core_seconds, reference_seconds = [], []
    core_cpu, reference_cpu = [], []
    core_metrics: dict = {}
    reference: dict = {}
    for _ in range(repeat):
        # Alternate, so that a burst of load elsewhere hits both sides alike.
        core_run, core_metrics = core_train("study", data)
        core_seconds.append(core_run.seconds)
        core_cpu.append(core_run.cpu_seconds)
        reference_run, reference = reference_fit(data)
        reference_seconds.append(reference_run.seconds)
        reference_cpu.append(reference_run.cpu_seconds)
    core_time = statistics.median(core_seconds)
    reference_time = statistics.median(reference_seconds)
    ratio = core_time / reference_time
    core_accuracy = core_metrics["test"]["accuracy"]
    reference_accuracy = reference["test_accuracy"]
    gap = abs(core_accuracy - reference_accuracy)
    rows = [
        Row(
            "1. Study preset train, whole process "
            "(`python -m core train --preset study`)",
            f"{core_time:.1f} s (training {core_metrics['train_seconds']:.1f} s; "
            f"CPU {statistics.median(core_cpu):.1f} s)",
            f"{reference_time:.1f} s plain `model.fit` "
            f"(import {reference['import_seconds']:.1f} s, "
            f"fit {reference['fit_seconds']:.1f} s; "
            f"CPU {statistics.median(reference_cpu):.1f} s)",
            f"{ratio:.2f} (CPU "
            f"{statistics.median(core_cpu) / statistics.median(reference_cpu):.2f})",
            f"<= {STUDY_RATIO_TARGET}",
            ratio <= STUDY_RATIO_TARGET,
        ),
        Row(
            "1. Study preset test accuracy",
            f"{core_accuracy:.4f}",
            f"{reference_accuracy:.4f} plain `model.fit`",
            f"{(core_accuracy - reference_accuracy) * 100:+.1f} points",
            f"within {ACCURACY_TOLERANCE * 100:.1f} points",
            gap <= ACCURACY_TOLERANCE,
        ),
    ]
    recommended_seconds = []
    recommended: dict = {}
    for _ in range(repeat):
        recommended_run, recommended = core_train("recommended", data)
        recommended_seconds.append(recommended_run.seconds)
    recommended_time = statistics.median(recommended_seconds)
    test = recommended["test"]
    rows += [
        Row(
            "2. Recommended preset train, whole process",
            f"{recommended_time:.1f} s (training {recommended['train_seconds']:.1f} s, "
            f"{len(recommended['history'][0])} epochs"
            + (
                f", {len(recommended['history'])} networks trained together)"
                if len(recommended["history"]) > 1
                else ")"
            ),
            "-",
            "-",
            f"<= {RECOMMENDED_SECONDS_TARGET:.0f} s",
            recommended_time <= RECOMMENDED_SECONDS_TARGET,
        ),
        Row(
            "2. Recommended preset test accuracy",
            f"{test['accuracy']:.4f}",
            f"{core_accuracy:.4f} study preset",
            f"{(test['accuracy'] - core_accuracy) * 100:+.1f} points",
            f">= {RECOMMENDED_ACCURACY_TARGET:.2f}",
            test["accuracy"] >= RECOMMENDED_ACCURACY_TARGET,
        ),
        Row(
            "2. Recommended preset test top-2 accuracy",
            f"{test['top2_accuracy']:.4f}",
            "-",
            "-",
            f">= {RECOMMENDED_TOP2_TARGET:.2f}",
            test["top2_accuracy"] >= RECOMMENDED_TOP2_TARGET,
        ),
        Row(
            "2. Recommended preset test macro F1",
            f"{test['macro_f1']:.4f}",
            "-",
            "-",
            f">= {RECOMMENDED_MACRO_F1_TARGET:.2f}",
            test["macro_f1"] >= RECOMMENDED_MACRO_F1_TARGET,
        ),
    ]
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--data", type=Path, default=DATA)
    arguments = parser.parse_args()
    print(text_table(run(arguments.repeat, arguments.data)))
