"""A first-come queue that lets at most a few trainings run at once on one server.

Training is the one heavy thing a visitor can start: on 2 cores, four
trainings at once each take about six times as long as one alone, and each
holds its own copy of the data. The app therefore shares one
:class:`TrainingQueue` between all sessions: a visitor who clicks Train gets a
:class:`Ticket`, waits (seeing their place and a rough wait) until a slot is
free, trains, and gives the slot back. Pure Python and thread-safe; the clock
is injectable so that tests need not wait.

A ticket whose holder stops calling (a closed tab whose script was never
told) goes stale after ``stale_seconds`` and loses its place or slot, so a
lost visitor never blocks the others for long.
"""

from __future__ import annotations

import heapq
import itertools
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

# How many trainings may run at once on one server: this environment
# variable, else DEFAULT_SLOTS (measured on 2 cores: docs/performance.md, figure 6).
SLOTS_VARIABLE = "GENRELAB_TRAINING_SLOTS"
DEFAULT_SLOTS = 1
# Until a training has finished, waits are estimated with this many seconds
# per training (the Recommended preset takes about 20 s on 2 cores).
DEFAULT_TRAINING_SECONDS = 25.0
# Finished trainings whose durations give the estimate.
RECENT_DURATIONS = 5


def slots_from_environment() -> int:
    """``$GENRELAB_TRAINING_SLOTS`` when it is a whole number above 0.

    Else ``DEFAULT_SLOTS``.
    """
    value = os.environ.get(SLOTS_VARIABLE, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_SLOTS


@dataclass(eq=False)
class Ticket:
    """One visitor's request to train."""

    number: int
    owner: str
    last_seen: float
    started: float | None = None

    @property
    def running(self) -> bool:
        """Whether this ticket holds a slot."""
        return self.started is not None


@dataclass(frozen=True)
class Place:
    """Where a ticket stands."""

    running: bool
    # Tickets waiting before this one (0 when running or next in line).
    ahead: int
    # A rough number of seconds until this ticket starts (0 when running).
    wait_seconds: float


@dataclass
class TrainingQueue:
    """At most ``slots`` running tickets; the others wait in arrival order."""

    slots: int
    stale_seconds: float = 30.0
    clock: Callable[[], float] = time.monotonic
    _waiting: deque[Ticket] = field(default_factory=deque, init=False)
    _running: list[Ticket] = field(default_factory=list, init=False)
    _durations: deque[float] = field(
        default_factory=lambda: deque(maxlen=RECENT_DURATIONS), init=False
    )
    _numbers: itertools.count = field(default_factory=itertools.count, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        if self.slots < 1:
            raise ValueError(
                f"A training queue needs at least 1 slot, not {self.slots}."
            )

    def join(self, owner: str) -> Ticket:
        """Queue a training for ``owner`` (a session).

        Their earlier waiting ticket is dropped.
        """
        with self._lock:
            self._expire()
            self._drop_owner(owner)
            ticket = Ticket(next(self._numbers), owner, self.clock())
            self._waiting.append(ticket)
            return ticket

    def try_start(self, ticket: Ticket) -> bool:
        """Take a slot if ``ticket`` is first in line and one is free.

        Also counts as a sign of life. Returns True when the ticket runs
        (already running included); False while it waits.

        Raises:
            LookupError: the ticket left the queue (it went stale or was
                replaced by a newer one of the same owner).
        """
        with self._lock:
            self._expire()
            if ticket in self._running:
                ticket.last_seen = self.clock()
                return True
            if ticket not in self._waiting:
                raise LookupError("this training request is no longer in the queue")
            ticket.last_seen = self.clock()
            if self._waiting[0] is ticket and len(self._running) < self.slots:
                self._waiting.popleft()
                ticket.started = self.clock()
                self._running.append(ticket)
                return True
            return False

    def alive(self, ticket: Ticket) -> None:
        """A sign of life from a running or waiting ticket's holder."""
        with self._lock:
            ticket.last_seen = self.clock()

    def place(self, ticket: Ticket) -> Place:
        """Where ``ticket`` stands, with a rough wait."""
        with self._lock:
            if ticket in self._running:
                return Place(True, 0, 0.0)
            ahead = next(
                (index for index, other in enumerate(self._waiting) if other is ticket),
                len(self._waiting),
            )
            per_training = (
                sum(self._durations) / len(self._durations)
                if self._durations
                else DEFAULT_TRAINING_SECONDS
            )
            now = self.clock()
            # When each slot frees up: now for a free slot, at the end of its
            # training (an estimate) for a busy one. Each ticket ahead takes
            # the first slot to free up; this one the next.
            free_at = [0.0] * (self.slots - len(self._running)) + [
                max(per_training - (now - (other.started or now)), 0.0)
                for other in self._running
            ]
            heapq.heapify(free_at)
            for _ in range(ahead):
                heapq.heappush(free_at, heapq.heappop(free_at) + per_training)
            return Place(False, ahead, free_at[0])

    def leave(self, ticket: Ticket) -> None:
        """Give up a place or a slot (cancelled, stopped, failed or finished).

        A running ticket that leaves records how long it ran, for the wait
        estimates. Leaving twice is harmless.
        """
        with self._lock:
            if ticket in self._running:
                self._running.remove(ticket)
                if ticket.started is not None:
                    self._durations.append(self.clock() - ticket.started)
            elif ticket in self._waiting:
                self._waiting.remove(ticket)

    def counts(self) -> tuple[int, int]:
        """(running, waiting) tickets right now."""
        with self._lock:
            self._expire()
            return len(self._running), len(self._waiting)

    def _drop_owner(self, owner: str) -> None:
        # A running training of the same owner keeps its slot until it leaves
        # (a rerun stops it within an epoch): the slots are never exceeded.
        self._waiting = deque(t for t in self._waiting if t.owner != owner)

    def _expire(self) -> None:
        deadline = self.clock() - self.stale_seconds
        self._waiting = deque(t for t in self._waiting if t.last_seen >= deadline)
        self._running = [t for t in self._running if t.last_seen >= deadline]
