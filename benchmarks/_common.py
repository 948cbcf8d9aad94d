"""Shared helpers of the benchmarks: timed subprocesses, result rows, tables.

Every figure is measured in a fresh subprocess, one at a time, so that one
measurement never pays for (or benefits from) another's imports or caches,
and so that "whole process" means what it says: interpreter start, imports,
work and exit.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The benchmarks read a few of core's constants (never its timings).
sys.path.insert(0, str(ROOT))
BENCHMARKS = ROOT / "benchmarks"
RESULTS = BENCHMARKS / "results"
DATA = ROOT / "data" / "music_genre.csv"
# The interpreter running the benchmarks (the project's venv) runs every child.
PYTHON = sys.executable


@dataclass
class Run:
    """One finished subprocess: wall time, output and peak resident memory."""

    seconds: float
    returncode: int
    stdout: str
    stderr: str
    # Peak resident set size of the child (and the children it waited for).
    max_rss_mb: float
    # User + system CPU time of the child, all its threads: on a shared
    # machine it moves less than the wall time does.
    cpu_seconds: float = 0.0
    # Peak of the resident memory of the child and its own children added
    # up (sampled every 20 ms): ``python -m core predict`` runs its network
    # in a second process, whose memory counts too. Never below max_rss_mb.
    tree_peak_mb: float = 0.0

    def check(self, what: str) -> Run:
        """Raise with the child's stderr when it failed."""
        if self.returncode != 0:
            raise RuntimeError(
                f"{what} failed with exit code {self.returncode}:\n"
                f"{self.stderr[-3000:]}"
            )
        return self


def train_arguments(preset: str, data: Path, out: Path) -> list[str]:
    """Arguments of `python -m core train` for one preset.

    As every training benchmark runs it.
    """
    return ["train", "--preset", preset, "--data", str(data), "--out", str(out)]


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (Linux's /proc children lists)."""
    found, waiting = [], [pid]
    while waiting:
        current = waiting.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                waiting += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
    return found


def _resident_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _sample_tree_peak(pid: int, stop: threading.Event, peak: list[float]) -> None:
    while not stop.wait(0.02):
        total = sum(_resident_mb(each) for each in _descendants(pid))
        peak[0] = max(peak[0], total)


def core_command(*arguments: str | Path) -> list[str]:
    """``python -m core ARGUMENTS`` with the benchmarks' interpreter, as strings."""
    return [PYTHON, "-m", "core", *map(str, arguments)]


def child_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment for a child run from the project root: ``core`` importable,
    TensorFlow's C++ log quiet unless set, then ``extra``."""
    environment = dict(os.environ)
    environment.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    environment["PYTHONPATH"] = str(ROOT)
    environment.update(extra or {})
    return environment


def timed_run(
    command: list[str],
    env: dict[str, str] | None = None,
    timeout: float = 900,
) -> Run:
    """Run a command from the project root and time it from start to exit.

    ``os.wait4`` gives the child's own resource usage (its peak RSS), not the
    sum over every child this process ever had.
    """
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=child_environment(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Read both pipes in threads and reap the child with os.wait4, which
    # returns that child's own resource usage (its peak RSS); RUSAGE_CHILDREN
    # would give the maximum over every child this process ever had.
    outputs: dict[str, str] = {}
    readers = [
        threading.Thread(
            target=lambda name, stream: outputs.__setitem__(name, stream.read()),
            args=(name, stream),
        )
        for name, stream in (("stdout", process.stdout), ("stderr", process.stderr))
    ]
    for reader in readers:
        reader.start()
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    stop_sampling, tree_peak = threading.Event(), [0.0]
    sampler = threading.Thread(
        target=_sample_tree_peak, args=(process.pid, stop_sampling, tree_peak)
    )
    sampler.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        timer.cancel()
        stop_sampling.set()
        sampler.join()
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    return Run(
        seconds,
        process.returncode,
        outputs.get("stdout", ""),
        outputs.get("stderr", ""),
        usage.ru_maxrss / 1024,
        usage.ru_utime + usage.ru_stime,
        max(tree_peak[0], usage.ru_maxrss / 1024),
    )


def repeated_rows_file(folder: Path, rows: int) -> Path:
    """The dataset's non-blank rows repeated to ``rows`` data rows, in ``folder``.

    Written to a temporary folder by the benchmarks that need a big file;
    never into the repository.
    """
    lines = DATA.read_text(encoding="utf-8").splitlines()
    header, body = lines[0], [line for line in lines[1:] if line.strip(",")]
    path = folder / f"tracks_{rows}.csv"
    with path.open("w", encoding="utf-8") as stream:
        stream.write(header + "\n")
        written = 0
        while written < rows:
            chunk = body[: rows - written]
            stream.write("\n".join(chunk) + "\n")
            written += len(chunk)
    return path


def mean_and_range(values: list[float]) -> str:
    """ "0.8402 [0.8356-0.8463]": the mean, then the lowest and highest value."""
    return f"{sum(values) / len(values):.4f} [{min(values):.4f}-{max(values):.4f}]"


@dataclass
class Row:
    """One line of the results table."""

    figure: str
    value: str
    reference: str
    ratio: str
    target: str
    # None when the figure is informative only (no target of its own).
    passed: bool | None

    @classmethod
    def informative(cls, figure: str, value: str) -> Row:
        """A figure shown for information: no reference, ratio or target."""
        return cls(figure, value, "-", "-", "-", None)

    @property
    def verdict(self) -> str:
        """ "pass", "FAIL" or "-" (no target)."""
        if self.passed is None:
            return "-"
        return "pass" if self.passed else "FAIL"


HEADERS = ("Figure", "Measured", "Reference", "Ratio", "Target", "Result")


def _cells(row: Row) -> tuple[str, ...]:
    return (row.figure, row.value, row.reference, row.ratio, row.target, row.verdict)


def text_table(rows: list[Row]) -> str:
    """A plain-text table with aligned columns."""
    lines = [HEADERS, *(_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADERS))]
    rendered = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        for line in lines
    ]
    rendered.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in rendered)


def markdown_table(rows: list[Row]) -> str:
    """The same table in Markdown."""
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    for row in rows:
        lines.append("| " + " | ".join(_cells(row)) + " |")
    return "\n".join(lines)


def machine() -> str:
    """One line on the machine: cores, CPU model, memory, Python, load."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown memory"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024**2:.1f} GiB RAM"
                break
    except OSError:
        pass
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory}, Linux, "
        f"Python {platform.python_version()}; load average {load} when the run ended"
    )


def load_average() -> float:
    """The one-minute load average (a busy machine makes every figure slower)."""
    return os.getloadavg()[0]
