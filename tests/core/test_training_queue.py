"""core.training_queue.

At most K trainings at once, first come first served, lost visitors let go.
"""

from __future__ import annotations

import threading

import pytest

from core.training_queue import DEFAULT_TRAINING_SECONDS, TrainingQueue


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_at_most_k_run_and_the_others_wait_in_order(clock):
    queue = TrainingQueue(slots=2, clock=clock)
    tickets = [queue.join(f"session-{n}") for n in range(5)]
    started = [queue.try_start(ticket) for ticket in tickets]
    assert started == [True, True, False, False, False]
    assert queue.counts() == (2, 3)
    # The fourth may not jump the third, even when asking first.
    queue.leave(tickets[0])
    assert not queue.try_start(tickets[3])
    assert queue.try_start(tickets[2])
    assert queue.counts() == (2, 2)
    assert not queue.try_start(tickets[4])
    queue.leave(tickets[1])
    assert queue.try_start(tickets[3])
    assert not queue.try_start(tickets[4])


def test_places_and_rough_waits(clock):
    queue = TrainingQueue(slots=1, clock=clock)
    first, second, third = (queue.join(name) for name in ("a", "b", "c"))
    assert queue.try_start(first)
    assert queue.place(first).running
    assert queue.place(second).ahead == 0
    assert queue.place(third).ahead == 1
    # No training has finished yet: the default length is assumed.
    assert queue.place(second).wait_seconds == pytest.approx(DEFAULT_TRAINING_SECONDS)
    assert queue.place(third).wait_seconds == pytest.approx(
        2 * DEFAULT_TRAINING_SECONDS
    )
    clock.advance(10)
    queue.leave(first)  # it ran 10 s: the estimate follows
    assert queue.try_start(second)
    clock.advance(4)
    assert queue.place(third).wait_seconds == pytest.approx(6)


def test_a_cancelled_waiting_ticket_leaves_its_place(clock):
    queue = TrainingQueue(slots=1, clock=clock)
    running, cancelled, waiting = (queue.join(name) for name in ("a", "b", "c"))
    assert queue.try_start(running)
    queue.leave(cancelled)
    assert queue.place(waiting).ahead == 0
    queue.leave(running)
    assert queue.try_start(waiting)
    with pytest.raises(LookupError):
        queue.try_start(cancelled)
    queue.leave(cancelled)  # leaving twice is harmless


def test_a_visitor_who_goes_silent_loses_their_slot_and_place(clock):
    queue = TrainingQueue(slots=1, stale_seconds=30, clock=clock)
    gone, waiting_gone, patient = (queue.join(name) for name in ("a", "b", "c"))
    assert queue.try_start(gone)
    for _ in range(3):
        clock.advance(10)
        assert not queue.try_start(patient)  # each call is a sign of life
    clock.advance(10)
    # The running and the other waiting ticket said nothing for 40 s.
    assert queue.counts() == (0, 1)
    assert queue.try_start(patient)
    with pytest.raises(LookupError):
        queue.try_start(waiting_gone)


def test_a_running_training_that_reports_stays(clock):
    queue = TrainingQueue(slots=1, stale_seconds=30, clock=clock)
    training, waiting = queue.join("a"), queue.join("b")
    assert queue.try_start(training)
    for _ in range(6):
        clock.advance(20)
        queue.alive(training)  # each epoch
        assert not queue.try_start(waiting)
    assert queue.counts() == (1, 1)


def test_joining_again_replaces_a_waiting_ticket_but_never_exceeds_the_slots(clock):
    queue = TrainingQueue(slots=1, clock=clock)
    running = queue.join("a")
    assert queue.try_start(running)
    first_wait = queue.join("b")
    again = queue.join("b")
    assert queue.counts() == (1, 1)
    with pytest.raises(LookupError):
        queue.try_start(first_wait)
    # Same owner as the running one: it waits for that training to leave.
    rerun = queue.join("a")
    assert not queue.try_start(rerun)
    queue.leave(running)
    assert queue.try_start(again)
    assert not queue.try_start(rerun)


def test_many_threads_never_run_more_than_the_slots():
    queue = TrainingQueue(slots=2)
    running = []
    peak = []
    lock = threading.Lock()

    def visitor(name: str) -> None:
        ticket = queue.join(name)
        while not queue.try_start(ticket):
            threading.Event().wait(0.001)
        with lock:
            running.append(name)
            peak.append(len(running))
        threading.Event().wait(0.005)
        with lock:
            running.remove(name)
        queue.leave(ticket)

    threads = [threading.Thread(target=visitor, args=(f"v{n}",)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert max(peak) <= 2
    assert len(peak) == 12
    assert queue.counts() == (0, 0)


def test_a_queue_needs_a_slot():
    with pytest.raises(ValueError, match="at least 1 slot"):
        TrainingQueue(slots=0)
