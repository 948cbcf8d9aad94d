"""Run every GenreLab benchmark, one after the other, and print one table.

Usage (from the project root, with the project's virtual environment)::

    .venv/bin/python benchmarks/run_all.py            # all figures
    .venv/bin/python benchmarks/run_all.py --only training data

Each figure runs in fresh subprocesses, sequentially (never two at once), so
that they do not compete for the CPU. The table has one row per figure: what
was measured, the reference it is compared with, the ratio, the target and
pass/FAIL. It is also written to ``benchmarks/results/latest.md``
(git-ignored). The exit code is 1 when a figure misses its target.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time

import bench_data
import bench_explain
import bench_genres
import bench_load
import bench_pages
import bench_stream
import bench_training
import bench_trust
from _common import RESULTS, Row, load_average, machine, markdown_table, text_table

BENCHMARKS = {
    "training": ("Figures 1-2: training", bench_training.run),
    "pages": ("Figure 3: pages and Predict", bench_pages.run),
    "data": ("Figure 4: data work", bench_data.run),
    "load": ("Figure 6: one server, many visitors", bench_load.run),
    "stream": ("Figure 7: the command line on a big file", bench_stream.run),
    "explain": ("Figure 8: songs and explanations", bench_explain.run),
    "trust": ("Figure 9: where it fails and what to trust", bench_trust.run),
    "genres": ("Figure 11: 113 genres against 10", bench_genres.run),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", nargs="+", choices=sorted(BENCHMARKS), help="run only these"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="training runs per figure; the table shows the median (default 1)",
    )
    arguments = parser.parse_args()
    chosen = arguments.only or list(BENCHMARKS)
    started = time.perf_counter()
    loads = [load_average()]
    rows: list[Row] = []
    for name in chosen:
        title, run = BENCHMARKS[name]
        print(f"running {title} ...", file=sys.stderr, flush=True)
        try:
            rows += run(repeat=arguments.repeat) if name == "training" else run()
        except Exception as error:  # one broken figure must not hide the others
            rows.append(Row(title, f"error: {error}"[:300], "-", "-", "-", False))
        loads.append(load_average())
    minutes = (time.perf_counter() - started) / 60
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"GenreLab benchmarks, {when}, {minutes:.1f} min\n"
        f"Machine: {machine()}\n"
        f"One-minute load average during the run: {min(loads):.1f} to {max(loads):.1f} "
        "(above the core count means other work shared the CPU)."
    )
    print(header)
    print()
    print(text_table(rows))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.md").write_text(
        header.replace("\n", "  \n") + "\n\n" + markdown_table(rows) + "\n"
    )
    return 0 if all(row.passed is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
