"""Figure 4: load + clean + encode the dataset, and how it scales with size.

Each measurement runs in a fresh process: ``core.data.load_csv`` then
``core.features.clean``, ``fit_preprocessor`` and ``Preprocessor.transform``
(the study's settings) on the full file, and on copies of it with the rows
repeated 2 and 4 times (written to a temporary folder, never into the
repository). The reference is a plain ``pandas.read_csv`` of the same file.
Four copies (27 MB) is the most a whole-file read takes: ``load_csv`` refuses
a file over ``core.opening.MAX_FILE_MB`` (30 MB), and bigger files go through the
chunked path of ``python -m core predict`` and ``evaluate`` (figure 7).

Each process first runs the same steps on the file's first 200 rows, so that
one-time imports (scikit-learn is imported on first use) are not counted.
Peak memory is the process's peak resident set size minus its size after that
warm-up (so it is what the work itself needed). Growth is linear when the
time and peak memory per row stay about the same from one size to the next.

Usage: ``python benchmarks/bench_data.py [--sizes 1 2 4]``
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from _common import DATA, PYTHON, Row, text_table, timed_run

FULL_FILE_TARGET_SECONDS = 1.0
# Per-row time or memory may grow by this factor from one size to the next and
# still count as linear: the first large file pays for fresh memory pages (its
# arrays no longer fit in memory the process already holds), a one-off step.
LINEARITY_TOLERANCE = 1.5

CHILD_CORE = r"""
import json, resource, sys, time
from core.genres import REFERENCE
from core import config, data, features, tables, preprocessing
def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
# Warm up on the first rows: scikit-learn is imported on first use, and its
# import (about 1 s) is a once-per-process cost, not data work.
with open(sys.argv[1], "rb") as stream:
    head = b"".join(stream.readline() for _ in range(200))
warm = data.load_csv(head, require_label=True)
warm_clean, _ = features.clean(warm, "drop", tables.label_codes(warm, REFERENCE))
preprocessing.fit_preprocessor(warm_clean, config.STUDY).transform(warm_clean)
del warm, warm_clean
baseline = rss_mb()
started = time.perf_counter()
typed = data.load_csv(sys.argv[1], require_label=True)
loaded = time.perf_counter()
cleaned, _ = features.clean(typed, "drop", tables.label_codes(typed, REFERENCE))
preprocessor = preprocessing.fit_preprocessor(cleaned, config.STUDY)
matrix = preprocessor.transform(cleaned)
finished = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": len(typed), "load_seconds": loaded - started,
                  "seconds": finished - started, "shape": list(matrix.shape),
                  "peak_mb": peak - baseline}))
"""

CHILD_PANDAS = r"""
import json, resource, sys, time
import pandas as pd
def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
baseline = rss_mb()
started = time.perf_counter()
frame = pd.read_csv(sys.argv[1])
finished = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": len(frame), "seconds": finished - started,
                  "peak_mb": peak - baseline}))
"""


def replicate(source: Path, times: int, folder: Path) -> Path:
    """Write ``source`` with its data rows repeated ``times`` times."""
    if times == 1:
        return source
    header, _, body = source.read_bytes().partition(b"\n")
    if not body.endswith(b"\n"):
        body += b"\n"
    target = folder / f"music_genre_x{times}.csv"
    with target.open("wb") as stream:
        stream.write(header + b"\n")
        for _ in range(times):
            stream.write(body)
    return target


def measure(script: str, path: Path) -> dict:
    """Run one measuring child on a file and return its JSON line."""
    run = timed_run([PYTHON, "-c", script, str(path)]).check("data benchmark")
    return json.loads(run.stdout.strip().splitlines()[-1])


def run(sizes: tuple[int, ...] = (1, 2, 4), data: Path = DATA) -> list[Row]:
    """Measure figure 4; return the table rows."""
    rows: list[Row] = []
    results: dict[int, tuple[dict, dict]] = {}
    with tempfile.TemporaryDirectory(prefix="genrelab-bench-") as folder:
        for times in sizes:
            path = replicate(data, times, Path(folder))
            results[times] = (measure(CHILD_CORE, path), measure(CHILD_PANDAS, path))
            if times != 1:
                path.unlink()
    previous: dict | None = None
    previous_times = 0
    for times in sizes:
        core, plain = results[times]
        per_row_us = core["seconds"] / core["rows"] * 1e6
        per_row_kb = core["peak_mb"] / core["rows"] * 1024
        label = "full file" if times == 1 else f"file x{times}"
        if previous is None:
            growth = ""
            target = f"<= {FULL_FILE_TARGET_SECONDS:.0f} s" if times == 1 else "-"
            passed = core["seconds"] <= FULL_FILE_TARGET_SECONDS if times == 1 else None
        else:
            # Linear growth: the cost per row stays about the same as the
            # file grows (it may even fall, as fixed costs spread out).
            time_growth = (core["seconds"] / core["rows"]) / (
                previous["seconds"] / previous["rows"]
            )
            memory_growth = (core["peak_mb"] / core["rows"]) / (
                previous["peak_mb"] / previous["rows"]
            )
            growth = (
                f" (per row x{time_growth:.2f} time, x{memory_growth:.2f} memory "
                f"vs x{previous_times})"
            )
            target = (
                f"per-row time and memory within {LINEARITY_TOLERANCE}x "
                f"of x{previous_times}"
            )
            passed = max(time_growth, memory_growth) <= LINEARITY_TOLERANCE
        rows.append(
            Row(
                f"4. Load + clean + encode, {label} ({core['rows']:,} rows)",
                f"{core['seconds']:.2f} s (load {core['load_seconds']:.2f} s), "
                f"peak +{core['peak_mb']:.0f} MB; "
                f"{per_row_us:.1f} us and {per_row_kb:.2f} KB per row{growth}",
                f"pandas.read_csv {plain['seconds']:.2f} s, "
                f"peak +{plain['peak_mb']:.0f} MB",
                f"{core['seconds'] / plain['seconds']:.1f}",
                target,
                passed,
            )
        )
        previous, previous_times = core, times
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--data", type=Path, default=DATA)
    arguments = parser.parse_args()
    print(text_table(run(tuple(arguments.sizes), arguments.data)))
