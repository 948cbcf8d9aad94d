"""One epoch of an ensemble's networks.

As the progress bar and the Train page show it.
"""

from __future__ import annotations

import pytest

from core.history import EpochLog, ensemble_epoch


def test_ensemble_epoch_averages_the_networks_of_one_epoch():
    epoch = ensemble_epoch(
        [
            EpochLog(
                0, 2, 3, 10, loss=1.0, accuracy=0.4, val_loss=1.2, val_accuracy=0.3
            ),
            EpochLog(
                1, 2, 3, 10, loss=2.0, accuracy=0.6, val_loss=1.6, val_accuracy=0.5
            ),
        ]
    )
    assert (epoch.member, epoch.members, epoch.epoch, epoch.epochs) == (1, 2, 3, 10)
    assert epoch.loss == pytest.approx(1.5)
    assert epoch.accuracy == pytest.approx(0.5)
    assert epoch.val_loss == pytest.approx(1.4)
    assert epoch.val_accuracy == pytest.approx(0.4)


def test_ensemble_epoch_without_validation_has_none():
    epoch = ensemble_epoch(
        [EpochLog(0, 2, 1, 5, 1.0, 0.4), EpochLog(1, 2, 1, 5, 3.0, 0.8)]
    )
    assert epoch.val_loss is None and epoch.val_accuracy is None
    assert epoch.loss == pytest.approx(2.0)


def test_ensemble_epoch_of_one_network_is_its_own_log():
    log = EpochLog(0, 1, 2, 2, 0.7, 0.55, 0.8, 0.5)
    assert ensemble_epoch([log]) == log
