"""Run a network in a second process while this one reads and writes a file.

The second process also measures each chunk's novelty (core.novelty) when
asked: the reading process is the one that sets the pace (measured on a
million rows: 3.5 s of its CPU per 200,000 rows against the network's 1.7
s), so every step moved out of it is time saved.

Predicting a big file is two thirds reading, typing and writing (pandas and
Arrow, mostly holding Python's interpreter lock) and one third the network
(NumPy). A thread cannot run the network alongside: each of its NumPy calls
waits for the lock the reading thread holds (measured on a million rows:
21.1 s in threads against 21.0 s in one). A forked process can: 12.2 s
against 18.1 s for that file, the second process adding about 90 MB at the
peak (benchmarks/bench_stream.py; docs/performance.md).

Only the command line uses it: on the app's server every visitor shares the
same cores, so a visitor's file stays in one process.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import signal
import sys
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from core import novelty
from core.forward import Network
from core.novelty import NoveltyReference

# The network of the second process and its novelty reference, set when it
# starts.
_network: Network | None = None
_reference: NoveltyReference | None = None


def _adopt(network: Network, reference: NoveltyReference | None) -> None:
    global _network, _reference
    # Ctrl-C reaches the whole process group; the first process handles it
    # (it says so and leaves no output), the second just ends with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # One BLAS thread, as in the first process (core.cli): a forked OpenBLAS
    # starts again with its default, every core, and spun on the core the
    # first process reads with (measured: 3.5 CPU seconds in 2.6 s of wall
    # time for the network of 200,000 rows).
    threadpool_limits(limits=1, user_api="blas")
    _keep_freed_memory()
    _network = network
    _reference = reference


# mallopt's parameter numbers (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def _keep_freed_memory() -> None:
    """Have glibc's allocator keep freed blocks for reuse (no-op elsewhere).

    The network makes arrays of 1-2 MB a few dozen times a block. The forked
    process, whose allocator had not yet adapted to sizes like these, gave
    each back to the system when freed and took fresh zeroed pages for the
    next: 430,000 page faults and 2.7 s for 200,000 rows, against 6,600
    faults and 1.45 s with these thresholds.
    """
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_TRIM_THRESHOLD, 64 << 20)
    mallopt(_M_MMAP_THRESHOLD, 32 << 20)


Outputs = tuple[np.ndarray, np.ndarray | None]


def _outputs(
    network: Network,
    reference: NoveltyReference | None,
    features: np.ndarray,
    first_row: int,
    novelty_inputs: np.ndarray | None,
    usable: np.ndarray | None,
) -> Outputs:
    """A chunk's probabilities, and its novelty scores when asked (else None)."""
    probabilities = network.probabilities(features, first_row)
    if novelty_inputs is None or usable is None:
        return probabilities, None
    return probabilities, novelty.novelty_scores(
        reference, novelty_inputs, usable, first_row
    )


def _second_process_outputs(
    features: np.ndarray,
    first_row: int,
    novelty_inputs: np.ndarray | None,
    usable: np.ndarray | None,
) -> Outputs:
    assert _network is not None
    return _outputs(_network, _reference, features, first_row, novelty_inputs, usable)


@dataclass(frozen=True)
class Job:
    """One chunk's network on its way, with its inputs (run here if need be)."""

    features: np.ndarray
    first_row: int
    # The rows whose novelty is measured with the network (their own inputs,
    # which differ from ``features`` for the network without popularity),
    # and which of them are predicted; None: no novelty asked.
    novelty_inputs: np.ndarray | None
    usable: np.ndarray | None
    future: Future[Outputs]

    @property
    def work(self) -> tuple:
        """The arguments of :func:`_outputs` after the network and reference."""
        return (self.features, self.first_row, self.novelty_inputs, self.usable)


class NetworkRunner:
    """``network.probabilities`` of a file's chunks, here or in a second process.

    Submit a chunk, do other work, then ask for its result. A second process
    is used when ``separate_process`` is set on Linux; if that process dies
    (out of memory), the rest runs here. With a novelty ``reference``, a
    chunk submitted with its novelty inputs gets its novelty scores too
    (:func:`core.novelty.novelty_scores`, the same bits here or there: one
    BLAS thread in both processes).
    """

    def __init__(
        self,
        network: Network,
        separate_process: bool,
        reference: NoveltyReference | None = None,
    ) -> None:
        self._network = network
        self._reference = reference
        self._pool: ProcessPoolExecutor | None = None
        # Linux only: macOS' system libraries are not safe to fork (Python
        # itself starts processes there another way), Windows cannot fork.
        if separate_process and sys.platform.startswith("linux"):
            # Forked now, before any chunk is read: the copy holds little,
            # and no reading thread of Arrow's is in the middle of its work.
            try:
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("fork"),
                    initializer=_adopt,
                    initargs=(network, reference),
                )
                self._pool.submit(int).result()
            except (OSError, BrokenProcessPool):
                # No process to be had (no shared memory for its queue's
                # locks, a process limit): the network runs here.
                self.close()

    def submit(
        self,
        features: np.ndarray,
        first_row: int,
        novelty_inputs: np.ndarray | None = None,
        usable: np.ndarray | None = None,
    ) -> Job:
        """Start computing the probabilities of one chunk's rows.

        And their novelty, given ``novelty_inputs`` (the rows' own network
        inputs) and ``usable`` (the rows predicted).
        """
        if self._pool is not None:
            try:
                future = self._pool.submit(
                    _second_process_outputs, features, first_row, novelty_inputs, usable
                )
                return Job(features, first_row, novelty_inputs, usable, future)
            except BrokenProcessPool:
                self._pool = None
        done: Future[Outputs] = Future()
        done.set_result(
            _outputs(
                self._network,
                self._reference,
                features,
                first_row,
                novelty_inputs,
                usable,
            )
        )
        return Job(features, first_row, novelty_inputs, usable, done)

    def outputs(self, job: Job) -> Outputs:
        """A submitted chunk's probabilities and novelty scores (None when
        submitted without its novelty inputs); computed here if the process
        died."""
        try:
            return job.future.result()
        except BrokenProcessPool:
            self._pool = None
            return _outputs(self._network, self._reference, *job.work)

    def result(self, job: Job) -> np.ndarray:
        """A submitted chunk's probabilities (computed here if the process died)."""
        return self.outputs(job)[0]

    @property
    def in_second_process(self) -> bool:
        """Whether the network runs in a second process (else here, at submit)."""
        return self._pool is not None

    def close(self) -> None:
        """End the second process, if any."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __enter__(self) -> NetworkRunner:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
