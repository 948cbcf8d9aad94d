"""Loaded into ``dask worker`` processes by the lost-worker tests.

``dask worker ... --preload tests.dask_killer`` (Dask's preload mechanism:
``dask_setup`` runs in each worker process as it starts). With
``$GENRELAB_TEST_KILL_FOLDER`` set, a worker plugin watches the worker's
tasks, and when a task starts executing it reads ``plan`` in that folder,
``once`` or ``always`` and the task's name (a part's prediction,
``_work_on`` of core.partitions, by default; ``_train`` is a training of
core.cluster_training):

- ``once``: the first worker to start its second such task kills itself
  with SIGKILL, as the kernel's out-of-memory killer would (its pid is
  written to ``killed``); the nanny starts a new worker in its place.
- ``always``: every worker kills itself as such a task starts (each pid
  appended to ``deaths``), so the task is lost more often than the
  scheduler allows.

No plan file: the workers work as any. The folder is read at each task, so
one cluster serves tests of either plan.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from distributed import WorkerPlugin

FOLDER_VARIABLE = "GENRELAB_TEST_KILL_FOLDER"


class _Killer(WorkerPlugin):
    name = "genrelab-test-killer"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        # Tasks of the plan's kind started by this worker process.
        self.started = 0

    def transition(self, key, start, finish, **kwargs) -> None:
        if finish != "executing":
            return
        plan_file = self.folder / "plan"
        plan, _, task = (
            plan_file.read_text().strip().partition(" ")
            if plan_file.exists()
            else ("", "", "")
        )
        if not str(key).startswith(f"{task or '_work_on'}-"):
            return
        self.started += 1
        if plan == "once" and self.started >= 2:
            try:
                # The first worker to create the file is the one killed.
                descriptor = os.open(
                    self.folder / "killed", os.O_WRONLY | os.O_CREAT | os.O_EXCL
                )
            except FileExistsError:
                return
            os.write(descriptor, str(os.getpid()).encode())
            os.close(descriptor)
            os.kill(os.getpid(), signal.SIGKILL)
        elif plan == "always":
            with open(self.folder / "deaths", "a") as deaths:
                deaths.write(f"{os.getpid()}\n")
            os.kill(os.getpid(), signal.SIGKILL)


async def dask_setup(worker) -> None:
    folder = os.environ.get(FOLDER_VARIABLE)
    if folder:
        await worker.plugin_add(_Killer(Path(folder)))
