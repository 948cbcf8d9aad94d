"""What each setting does, measured: a sweep of every sweepable setting.

On the development data, each sweep starts from the Recommended preset and
tries the setting's suggested values (core.sweep.SETTINGS), every run scored
on a validation share of the training tracks (never the test tracks), exactly
as the Train page's "Try several values" does. Prints, per setting, the
validation accuracy, top-2 and training seconds of each value and the
one-sentence reading the page would show; the first sweep (the learning
rate, 4 values) is also the benchmark of a sweep's wall time. The figures go
to docs/settings.md.

Usage: ``python benchmarks/settings_effects.py [--settings learning_rate dropout ...]
[--epochs N]``  (all twelve: about 20-30 minutes on 2 cores)
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time

from _common import DATA, load_average, machine

from core import config, data, sweep, wording

ORDER = ["learning_rate", *[name for name in sweep.SETTINGS if name != "learning_rate"]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--settings", nargs="+", choices=list(sweep.SETTINGS), default=ORDER
    )
    parser.add_argument("--epochs", type=int, help="override the preset's epochs")
    arguments = parser.parse_args()
    typed = data.load_csv(DATA, require_label=True)
    base = config.RECOMMENDED
    if arguments.epochs:
        base = dataclasses.replace(base, epochs=arguments.epochs)
    print(f"Machine: {machine()}")
    print(
        f"Base: the Recommended preset (epochs {base.epochs}, ensemble "
        f"{base.ensemble_size}), validation share {sweep.SWEEP_VALIDATION_SHARE}"
    )
    for setting in arguments.settings:
        spec = sweep.SETTINGS[setting]
        started = time.perf_counter()
        load = load_average()
        try:
            runs = sweep.sweep(typed, base, setting, list(spec.suggestions))
        except Exception as error:  # report and go on with the other settings
            print(f"\n## {spec.label}: failed ({error})", flush=True)
            continue
        seconds = time.perf_counter() - started
        table = sweep.results_table(runs)
        print(f"\n## {spec.label} ({setting})")
        print(
            f"sweep of {len(runs)} values: {seconds:.0f} s wall "
            f"(load average {load:.1f} -> {load_average():.1f})"
        )
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        print("reading:", wording.sweep_reading(setting, runs), flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
