"""Figure 7: the command line on a big file (issue 18).

``python -m core predict`` and ``python -m core evaluate`` with the shipped
model on a 1,000,000-row file (the dataset's rows repeated, about 150 MB,
written to a temporary folder, never into the repository): wall time of the
whole process and its peak resident memory: the process and the second
process that runs its network (core.network_process), added up.
The reference is ``pandas.read_csv`` of the same file in a fresh process.
Targets: predict within 600 MB and 20 s.

Usage: ``python benchmarks/bench_stream.py [--rows 1000000]``
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _common import (
    PYTHON,
    ROOT,
    Row,
    core_command,
    repeated_rows_file,
    text_table,
    timed_run,
)

PEAK_TARGET_MB = 600.0
SECONDS_TARGET = 20.0
MODEL = ROOT / "models" / "default"


def run(rows: int = 1_000_000) -> list[Row]:
    """Measure figure 7; return the table rows."""
    with tempfile.TemporaryDirectory(prefix="genrelab-bench-") as folder:
        path = repeated_rows_file(Path(folder), rows)
        size_mb = path.stat().st_size / 1024**2
        reference = timed_run(
            [PYTHON, "-c", f"import pandas; pandas.read_csv({str(path)!r})"]
        ).check("pandas.read_csv")
        output = Path(folder) / "predictions.csv"
        arguments = ["--model", MODEL, "--input", path, "--output", output]
        predict = timed_run(core_command("predict", *arguments)).check(
            "python -m core predict"
        )
        output_mb = output.stat().st_size / 1024**2
        evaluate = timed_run(
            core_command("evaluate", "--model", MODEL, "--data", path)
        ).check("python -m core evaluate")
    reference_text = (
        f"pandas.read_csv {reference.seconds:.1f} s, peak {reference.max_rss_mb:.0f} MB"
    )
    return [
        Row(
            f"7. `python -m core predict`, {rows:,} rows ({size_mb:.0f} MB in, "
            f"{output_mb:.0f} MB out)",
            f"{predict.seconds:.1f} s, peak {predict.tree_peak_mb:.0f} MB "
            f"(CPU {predict.cpu_seconds:.1f} s)",
            reference_text,
            f"{predict.tree_peak_mb / PEAK_TARGET_MB:.2f} of memory target, "
            f"{predict.seconds / SECONDS_TARGET:.2f} of time target",
            f"<= {PEAK_TARGET_MB:.0f} MB and <= {SECONDS_TARGET:.0f} s",
            predict.tree_peak_mb <= PEAK_TARGET_MB
            and predict.seconds <= SECONDS_TARGET,
        ),
        Row(
            f"7. `python -m core evaluate`, {rows:,} rows",
            f"{evaluate.seconds:.1f} s, peak {evaluate.tree_peak_mb:.0f} MB "
            f"(CPU {evaluate.cpu_seconds:.1f} s)",
            reference_text,
            f"{evaluate.tree_peak_mb / PEAK_TARGET_MB:.2f} of memory target",
            f"<= {PEAK_TARGET_MB:.0f} MB",
            evaluate.tree_peak_mb <= PEAK_TARGET_MB,
        ),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    print(text_table(run(parser.parse_args().rows)))
