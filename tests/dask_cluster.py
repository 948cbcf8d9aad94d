"""A Dask scheduler and 2 workers started as separate processes, as people do.

``dask scheduler`` and ``dask worker`` (docs/scale.md), with the project on
the workers' path: the body of the session fixture ``scheduler_address``
(tests/conftest.py), started once for the test modules that use it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DASK = Path(sys.executable).parent / "dask"


def scheduler_and_workers(
    tmp_path_factory,
    worker_options: tuple[str, ...] = (),
    worker_environment: dict[str, str] | None = None,
):
    """A scheduler and 2 workers, each its own process, as people start them.

    ``worker_options`` are added to ``dask worker``'s (``--preload``), and
    ``worker_environment`` to its environment. Yields the scheduler's
    address; stops them after.
    """
    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = folder / "scheduler.json"
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    processes = [
        subprocess.Popen(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0"]
            + ["--no-dashboard", "--scheduler-file", scheduler_file],
            cwd=folder,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        processes.append(
            subprocess.Popen(
                [DASK, "worker", address, "--nworkers", "2", "--nthreads", "1"]
                + ["--no-dashboard", "--local-directory", folder, *worker_options],
                cwd=folder,
                env={**environment, **(worker_environment or {})},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
