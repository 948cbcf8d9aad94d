"""Issue 28: the command line on a Dask cluster against the plain command.

- ``python -m core predict`` with the shipped model on 1,000,000 and
  5,000,000 rows (rows of the dataset drawn at random with replacement,
  written to a temporary folder outside the repository): plain, then
  ``--cluster local:2`` (a local cluster of 2 worker processes started by the
  command), then ``--cluster tcp://...`` (``dask scheduler`` and ``dask
  worker --nworkers 2`` started here as separate processes). Wall time of the
  command, and the peak resident memory of every process (sampled every 50
  ms from /proc): the command, its second process or its workers, the
  scheduler, and all of them added up. The outputs are compared byte for byte.
- ``python -m core sweep`` of 4 runs (the study preset, four learning rates)
  plain against ``--cluster local:2``.
- What importing Dask costs the paths that use it: seconds and MB of
  ``import distributed`` after ``core.cli``, and of starting and stopping a
  ``LocalCluster`` of 2 workers.

The reference of every ratio is the plain command measured in the same run.
Usage: ``python benchmarks/bench_scale.py [--rows 1000000 5000000] [--skip-sweep]``
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from _common import PYTHON, ROOT, _descendants, _resident_mb, machine

SHARED_DATA = ROOT.parent / "shared" / "data" / "music_genre.csv"
DATA = SHARED_DATA if SHARED_DATA.exists() else ROOT / "data" / "music_genre.csv"
MODEL = ROOT / "models" / "default"
DASK = Path(PYTHON).parent / "dask"


def resampled_file(folder: Path, rows: int, seed: int = 0) -> Path:
    """``rows`` data rows drawn at random (with replacement) from the dataset."""
    lines = DATA.read_bytes().splitlines()
    header, body = lines[0], [line for line in lines[1:] if line.strip(b",")]
    picks = np.random.default_rng(seed).integers(0, len(body), size=rows)
    path = folder / f"tracks_{rows}.csv"
    with path.open("wb") as stream:
        stream.write(header + b"\n")
        for start in range(0, rows, 500_000):
            stream.write(b"\n".join(body[i] for i in picks[start : start + 500_000]))
            stream.write(b"\n")
    return path


def _role(pid: int, root: int) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return "gone"
    text = command.decode(errors="replace")
    if pid == root:
        return "command"
    if "resource_tracker" in text:
        return "resource tracker"
    if "spawn_main" in text:
        return "worker"
    if " scheduler" in text:
        return "scheduler"
    if " worker" in text:
        return "worker nannies"
    return "second process"


@dataclass
class Sampled:
    """Peak memory by process over a run, sampled from /proc."""

    # pid -> (role, peak MB)
    peaks: dict[int, tuple[str, float]] = field(default_factory=dict)
    total_peak: float = 0.0

    def describe(self) -> str:
        by_role: dict[str, list[float]] = {}
        for role, peak in self.peaks.values():
            by_role.setdefault(role, []).append(peak)
        parts = [
            f"{role} " + " + ".join(f"{peak:.0f}" for peak in sorted(peaks))
            for role, peaks in sorted(by_role.items())
        ]
        return f"all {self.total_peak:.0f} MB ({'; '.join(parts)})"


def _sample(roots: list[int], stop: threading.Event, sampled: Sampled) -> None:
    while not stop.wait(0.05):
        total = 0.0
        for root in roots:
            for pid in _descendants(root):
                resident = _resident_mb(pid)
                total += resident
                role, peak = sampled.peaks.get(pid, (_role(pid, roots[0]), 0.0))
                sampled.peaks[pid] = (role, max(peak, resident))
        sampled.total_peak = max(sampled.total_peak, total)


def measured(
    command: list[str], also: list[int] | None = None
) -> tuple[float, Sampled]:
    """Run a command; its wall time and the memory of it and of ``also``'s trees."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    started = time.perf_counter()
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    process = subprocess.Popen(command, cwd=ROOT, env=environment, **pipes)
    stop, sampled = threading.Event(), Sampled()
    sampler = threading.Thread(
        target=_sample, args=([process.pid, *(also or [])], stop, sampled)
    )
    sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"{command[3:5]} failed:\n{stderr.decode()[-3000:]}")
    return seconds, sampled


class SeparateCluster:
    """``dask scheduler`` and ``dask worker --nworkers 2`` as their own processes."""

    def __init__(self, folder: Path) -> None:
        scheduler_file = folder / "scheduler.json"
        environment = {**os.environ, "PYTHONPATH": str(ROOT)}
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        self.scheduler = subprocess.Popen(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0"]
            + ["--no-dashboard", "--scheduler-file", scheduler_file],
            cwd=folder,
            env=environment,
            **quiet,
        )
        while not scheduler_file.exists():
            time.sleep(0.2)
        time.sleep(0.5)
        self.address = json.loads(scheduler_file.read_text())["address"]
        self.workers = subprocess.Popen(
            [DASK, "worker", self.address, "--nworkers", "2", "--nthreads", "1"]
            + ["--no-dashboard", "--local-directory", folder],
            cwd=folder,
            env=environment,
            **quiet,
        )
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)

    @property
    def pids(self) -> list[int]:
        return [self.scheduler.pid, self.workers.pid]

    def close(self) -> None:
        for process in (self.workers, self.scheduler):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def predict_figures(folder: Path, rows: int) -> list[str]:
    path = resampled_file(folder, rows)
    size_mb = path.stat().st_size / 1024**2
    base = [PYTHON, "-m", "core", "predict", "--model", str(MODEL)]
    base += ["--input", str(path)]
    lines = []
    plain_out = folder / "plain.csv"
    plain_seconds, plain_memory = measured([*base, "--output", str(plain_out)])
    lines.append(
        f"predict {rows:,} rows ({size_mb:.0f} MB), plain: {plain_seconds:.1f} s; "
        f"peak {plain_memory.describe()}"
    )
    local_out = folder / "local.csv"
    seconds, memory = measured(
        [*base, "--output", str(local_out), "--cluster", "local:2"]
    )
    same = local_out.read_bytes() == plain_out.read_bytes()
    lines.append(
        f"predict {rows:,} rows, --cluster local:2: {seconds:.1f} s "
        f"({seconds / plain_seconds:.2f} of plain); peak {memory.describe()} "
        f"({memory.total_peak / plain_memory.total_peak:.2f} of plain); "
        f"output identical: {same}"
    )
    local_out.unlink()
    cluster = SeparateCluster(folder)
    try:
        tcp_out = folder / "tcp.csv"
        seconds, memory = measured(
            [*base, "--output", str(tcp_out), "--cluster", cluster.address],
            also=cluster.pids,
        )
    finally:
        cluster.close()
    same = tcp_out.read_bytes() == plain_out.read_bytes()
    lines.append(
        f"predict {rows:,} rows, --cluster tcp:// (scheduler and 2 workers running "
        f"already): {seconds:.1f} s ({seconds / plain_seconds:.2f} of plain); peak "
        f"{memory.describe()} ({memory.total_peak / plain_memory.total_peak:.2f} of "
        f"plain); output identical: {same}"
    )
    for produced in (plain_out, tcp_out, path):
        produced.unlink()
    return lines


def sweep_figures(folder: Path) -> list[str]:
    base = [PYTHON, "-m", "core", "sweep", "--data", str(DATA), "--preset", "study"]
    base += ["--setting", "learning_rate", "--values", "0.001", "0.002", "0.005"]
    base += ["0.01", "--quiet"]
    plain_seconds, plain_memory = measured([*base, "--out", str(folder / "plain")])
    seconds, memory = measured(
        [*base, "--out", str(folder / "cluster"), "--cluster", "local:2"]
    )
    plain_table = (folder / "plain" / "sweep.csv").read_text().splitlines()
    cluster_table = (folder / "cluster" / "sweep.csv").read_text().splitlines()

    def without_seconds(lines: list[str]) -> list[list[str]]:
        # Drop "training seconds" (the 5th column).
        return [line.split(",")[:4] + line.split(",")[5:] for line in lines]

    same = without_seconds(plain_table) == without_seconds(cluster_table)
    return [
        f"sweep of 4 runs (study preset, {DATA.name}), plain: {plain_seconds:.1f} s; "
        f"peak {plain_memory.describe()}",
        f"sweep of 4 runs, --cluster local:2: {seconds:.1f} s "
        f"({seconds / plain_seconds:.2f} of plain); peak {memory.describe()}; "
        f"same scores: {same}",
    ]


_IMPORT_COST = """
import time, sys
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
import core.cli, core.partitioned
before, started = rss(), time.perf_counter()
import distributed
imported = time.perf_counter() - started
after = rss()
from core import cluster
started = time.perf_counter()
with cluster.connect(cluster.parse_address('local:2')):
    up = time.perf_counter() - started
print(f'{imported:.2f} {after - before:.0f} {up:.2f}')
"""


def import_figures() -> list[str]:
    runs = []
    for _ in range(3):
        result = subprocess.run(
            [PYTHON, "-c", _IMPORT_COST],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append([float(v) for v in result.stdout.split()[-3:]])
    columns = zip(*runs, strict=True)
    seconds, megabytes, start = (sorted(column)[1] for column in columns)
    return [
        f"import distributed after core.cli: {seconds:.2f} s and {megabytes:.0f} MB "
        f"(median of 3 fresh processes); a LocalCluster of 2 workers up: {start:.2f} s"
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--only-sweep", action="store_true")
    arguments = parser.parse_args()
    lines = [] if arguments.only_sweep else import_figures()
    with tempfile.TemporaryDirectory(prefix="genrelab-scale-") as folder:
        for rows in [] if arguments.only_sweep else arguments.rows:
            lines += predict_figures(Path(folder), rows)
            print("\n".join(lines), flush=True)
        if not arguments.skip_sweep:
            lines += sweep_figures(Path(folder))
    print()
    print(machine())
    print("\n".join(lines))


if __name__ == "__main__":
    main()
