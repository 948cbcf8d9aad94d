"""Where GenreLab's heavy work runs: here, or on a Dask cluster.

``--cluster local:N`` starts a local Dask cluster of N worker processes for
one command; ``--cluster tcp://host:port`` connects to a running scheduler
(``dask scheduler``, with ``dask worker`` processes beside it: docs/scale.md).
Without the option everything runs here, as before.

Dask (``distributed``) is imported only inside :func:`connect`: it costs
about a second and 60 MB (docs/scale.md), which no page load and no plain
command pays.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.errors import GenreLabError

if TYPE_CHECKING:
    from distributed import Client

# The app sends its trainings and sweeps to the scheduler this variable names.
SCHEDULER_VARIABLE = "GENRELAB_DASK_SCHEDULER"


@dataclass(frozen=True)
class ClusterLimits:
    """How GenreLab uses a cluster: each value declared once, here."""

    # Worker processes ``local:N`` may start (each holds a copy of the model
    # and its partitions; a laptop has a handful of cores).
    max_local_workers: int = 64
    # Seconds to wait for a scheduler to answer before saying it does not.
    connect_seconds: float = 5.0
    # Bytes of CSV per partition of a file (about 110,000 Kaggle rows): big
    # enough that a task's overhead (a few ms) is lost in its work, small
    # enough that a worker holds a few at once in a few hundred MB.
    partition_bytes: int = 16 * 1024 * 1024
    # Partitions read or predicted at once, per worker: the next is ready
    # when one is done, and the command's memory stays bounded.
    partitions_in_flight_per_worker: int = 2
    # Times a task is tried again after the worker running it was lost
    # (Dask's ``distributed.scheduler.allowed-failures``).
    allowed_failures: int = 3


CLUSTER = ClusterLimits()

_LOCAL = re.compile(r"local:(\d+)")
_REMOTE = re.compile(r"(tcp|tls)://[^\s/:]+:\d+")


@dataclass(frozen=True)
class ClusterAddress:
    """Where to run: a local cluster of ``local_workers``, or a ``scheduler``."""

    # Worker processes of a local cluster started for the command (else None).
    local_workers: int | None = None
    # A running scheduler's address, tcp://host:port (else None).
    scheduler: str | None = None

    def __str__(self) -> str:
        return self.scheduler or f"local:{self.local_workers}"


def parse_address(text: str) -> ClusterAddress:
    """Read a ``--cluster`` value.

    Args:
        text: ``local:N`` (N worker processes started here) or
            ``tcp://host:port`` (a running Dask scheduler).

    Returns:
        The address.

    Raises:
        GenreLabError: anything else, said in one sentence.
    """
    value = text.strip()
    local = _LOCAL.fullmatch(value)
    if local:
        workers = int(local.group(1))
        if not 1 <= workers <= CLUSTER.max_local_workers:
            raise GenreLabError(
                f"--cluster local:N needs N from 1 to {CLUSTER.max_local_workers} "
                f"worker processes, not {workers}."
            )
        return ClusterAddress(local_workers=workers)
    if _REMOTE.fullmatch(value):
        return ClusterAddress(scheduler=value)
    raise GenreLabError(
        f"--cluster {text!r} is not a cluster address: give local:N (N worker "
        "processes started here) or tcp://host:port (a running Dask scheduler)."
    )


def address_from_environment() -> ClusterAddress | None:
    """The scheduler ``$GENRELAB_DASK_SCHEDULER`` names; None when it is unset.

    Raises:
        GenreLabError: the variable holds something else than an address.
    """
    value = os.environ.get(SCHEDULER_VARIABLE, "").strip()
    return parse_address(value) if value else None


def _configure() -> None:
    import dask

    dask.config.set(
        {
            "distributed.scheduler.allowed-failures": CLUSTER.allowed_failures,
            # No dashboard server (it needs bokeh, and opens a port).
            "distributed.dashboard.link": "",
            # The model and a sweep's data travel inside the task graph
            # (resent_value): no warning on stderr for a graph of some MB.
            "distributed.admin.large-graph-warning-threshold": "1GB",
        }
    )


def resent_value(value: object) -> object:
    """``value`` itself, as a task: ``client.submit(resent_value, value)``.

    Data shared by many tasks (a model, a sweep's rows) submitted this way
    rather than scattered: the scheduler keeps it in the task, so Dask can
    compute it again if every worker holding it is lost (scattered data
    would be gone, and every task needing it with it).
    """
    return value


def open_client(address: ClusterAddress) -> Client:
    """A connected Dask client of the cluster at ``address`` (close it after).

    ``local:N`` starts the cluster, which closes with the client.

    Raises:
        GenreLabError: no scheduler, or no worker, answers in time.
    """
    _configure()
    from distributed import Client, LocalCluster

    if address.local_workers is not None:
        # Processes, one thread each: GenreLab's work holds Python's lock
        # most of the time, so threads would not run it side by side.
        cluster = LocalCluster(
            n_workers=address.local_workers,
            threads_per_worker=1,
            processes=True,
            # No fixed port (8787 may be taken): the HTTP server on any free one.
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        )
        return Client(cluster, set_as_default=False)
    try:
        client = Client(
            address.scheduler, timeout=CLUSTER.connect_seconds, set_as_default=False
        )
    except (OSError, TimeoutError) as error:
        raise GenreLabError(
            f"No Dask scheduler answers at {address.scheduler} (waited "
            f"{CLUSTER.connect_seconds:.0f} s): start one with 'dask scheduler' "
            "and 'dask worker', or check the address."
        ) from error
    try:
        client.wait_for_workers(1, timeout=CLUSTER.connect_seconds)
    except TimeoutError as error:
        client.close()
        raise GenreLabError(
            f"The Dask scheduler at {address.scheduler} has no worker (waited "
            f"{CLUSTER.connect_seconds:.0f} s): start one with 'dask worker "
            f"{address.scheduler}'."
        ) from error
    return client


@contextlib.contextmanager
def connect(address: ClusterAddress) -> Iterator[Client]:
    """A Dask client of the cluster at ``address``, closed (and stopped) after.

    See :func:`open_client`.
    """
    client = open_client(address)
    try:
        yield client
    finally:
        cluster = client.cluster
        client.close()
        if cluster is not None:
            cluster.close()


def worker_count(client: Client) -> int:
    """Workers the cluster has now (at least 1)."""
    return max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))
