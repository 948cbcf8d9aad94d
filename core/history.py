"""Per-epoch training logs.

Kept apart from core.model so that reading them needs no TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class EpochLog:
    """What the progress hook receives after every epoch."""

    # Which network of an ensemble (0-based) and how many there are.
    member: int
    members: int
    # 1-based epoch number and the configured maximum.
    epoch: int
    epochs: int
    loss: float
    accuracy: float
    # None when no validation share is configured.
    val_loss: float | None = None
    val_accuracy: float | None = None


ProgressHook = Callable[[EpochLog], None]


def ensemble_epoch(logs: Sequence[EpochLog]) -> EpochLog:
    """One epoch of an ensemble's networks (they train together) as one log.

    Loss and accuracy are the networks' means; the validation figures too,
    or None when there is no validation share. The result carries the last
    network's ``member``, so ``member == members - 1`` as for a lone network's log.
    """
    last = logs[-1]

    def mean(values: list[float | None]) -> float | None:
        known = [value for value in values if value is not None]
        return sum(known) / len(known) if len(known) == len(values) else None

    return EpochLog(
        last.member,
        last.members,
        last.epoch,
        last.epochs,
        sum(log.loss for log in logs) / len(logs),
        sum(log.accuracy for log in logs) / len(logs),
        mean([log.val_loss for log in logs]),
        mean([log.val_accuracy for log in logs]),
    )
