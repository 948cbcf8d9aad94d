"""Timing calls inside one process, for the benchmarks that time a call many times.

Imported as ``_timing`` by a benchmark script and as ``benchmarks._timing`` by
the child processes the scripts start (``python -c``, from the project root).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

# Calls made first and not counted (imports, caches, the first graph trace).
WARM_UP = 5


def call_times(
    function: Callable[[Any], object], items: Sequence[Any]
) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each call of ``function`` on ``items[WARM_UP:]``.

    The first ``WARM_UP`` items are called first, not counted. CPU time is this
    thread's (one BLAS thread: all the work is here), which other work on the
    machine inflates less than it inflates wall time.
    """
    for item in items[:WARM_UP]:
        function(item)
    wall, cpu = [], []
    for item in items[WARM_UP:]:
        started, started_cpu = time.perf_counter(), time.thread_time()
        function(item)
        wall.append(time.perf_counter() - started)
        cpu.append(time.thread_time() - started_cpu)
    return wall, cpu


def median_ms(
    function: Callable[[Any], object], items: Sequence[Any]
) -> tuple[float, float]:
    """Median wall and CPU milliseconds of a call (see :func:`call_times`)."""
    wall, cpu = call_times(function, items)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000
