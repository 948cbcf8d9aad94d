"""Per-epoch training logs, kept apart from core.model so that reading them needs no TensorFlow."""

from __future__ import annotations

from collections.abc import Callable
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
