"""What the charts of training say, in words and numbers (``ui.charts.training``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
import pandas as pd

from ui.readings.words import PERCENT, Reading, listing, percent


def training_curves(history: Sequence[dict]) -> Reading:
    """Loss and accuracy per epoch (``charts.training_curves``)."""
    frame = pd.DataFrame(list(history))
    columns = {
        "epoch": "epoch",
        "member": "network",
        "loss": "training loss",
        "accuracy": "training accuracy",
        "val_loss": "validation loss",
        "val_accuracy": "validation accuracy",
    }
    if frame.empty:
        return Reading(
            "No epoch has finished yet.", pd.DataFrame(columns=list(columns.values()))
        )
    members = int(frame["members"].max()) if "members" in frame else 1
    kept = [
        column
        for column in columns
        if column in frame and not frame[column].isna().all()
    ]
    if members == 1:
        kept.remove("member")
    table = frame[kept].rename(columns=columns)
    if "network" in table:
        table["network"] = table["network"] + 1
    # An ensemble's networks train together: one line per epoch, averaged.
    measured = [
        c for c in ("loss", "accuracy", "val_loss", "val_accuracy") if c in frame
    ]
    per_epoch = frame[measured].astype(float).groupby(frame["epoch"]).mean()
    last = per_epoch.iloc[-1]
    epochs = int(per_epoch.index[-1])
    averaged = f" ({members} networks averaged)" if members > 1 else ""
    sentence = (
        f"After {epochs} epoch{'s' if epochs != 1 else ''}{averaged}: "
        f"training accuracy {percent(last['accuracy'])}"
    )
    validation = per_epoch["val_accuracy"] if "val_accuracy" in per_epoch else None
    if validation is not None and validation.notna().any():
        best_epoch = int(cast(int, validation.idxmax()))  # indexed by epoch
        sentence += f", validation accuracy {percent(last['val_accuracy'])}"
        if best_epoch != epochs:
            sentence += f" (best {percent(validation.max())}, at epoch {best_epoch})"
        sentence += (
            f"; loss {last['loss']:.3f} on the training tracks and "
            f"{last['val_loss']:.3f} on the validation tracks."
        )
    else:
        sentence += (
            f" and loss {last['loss']:.3f}; there is no validation line (no "
            "validation share was set)."
        )
    formats = {
        "training accuracy": PERCENT,
        "validation accuracy": PERCENT,
        "training loss": "%.4f",
        "validation loss": "%.4f",
    }
    return Reading(sentence, table, formats)


def _value_order(values: pd.Series) -> list[int]:
    """Positions of a sweep's values, smallest to largest (hidden layers by depth)."""
    keys = [
        len(str(value).split(",")) if isinstance(value, str) else float(value)
        for value in values
    ]
    return list(np.argsort(keys, kind="stable"))


def sweep_scores(table: pd.DataFrame, label: str, numeric: bool) -> Reading:
    """Validation scores and seconds per value tried (``charts.sweep_scores``)."""
    shown = table.iloc[_value_order(table.iloc[:, 0])] if numeric else table
    setting = table.columns[0]
    scores = [
        f"{value}: {percent(score)}"
        for value, score in zip(
            shown[setting], shown["validation accuracy"], strict=True
        )
    ]
    seconds = shown["training seconds"]
    sentence = (
        f"Validation accuracy by {label}: {listing(scores)}; each run trained in "
        + (
            f"{seconds.min():.0f} to {seconds.max():.0f} s."
            if len(shown) > 1
            else f"{seconds.iloc[0]:.0f} s."
        )
    )
    formats = {
        "validation accuracy": PERCENT,
        "validation top-2": PERCENT,
        "validation macro F1": "%.3f",
        "training seconds": "%.1f",
    }
    return Reading(sentence, shown.reset_index(drop=True), formats)


def sweep_curves(curves: dict[str, Sequence[float]]) -> Reading:
    """Each run's validation accuracy per epoch (``charts.sweep_curves``)."""
    length = max((len(values) for values in curves.values()), default=0)
    table = pd.DataFrame({"epoch": range(1, length + 1)})
    for name, values in curves.items():
        table[name] = list(values) + [np.nan] * (length - len(values))
    finals = {name: values[-1] for name, values in curves.items() if len(values)}
    if not finals:
        return Reading("No run has a validation curve yet.", table)
    best = max(finals, key=finals.__getitem__)
    worst = min(finals, key=finals.__getitem__)
    sentence = f"At its last epoch, {best} ends highest ({percent(finals[best])})"
    if worst != best:
        sentence += f" and {worst} lowest ({percent(finals[worst])})"
    # Who led early: a quarter of the way in.
    early = max(1, length // 4)
    early_scores = {
        name: values[early - 1]
        for name, values in curves.items()
        if len(values) >= early
    }
    leader = max(early_scores, key=early_scores.__getitem__)
    if length >= 4 and leader != best:
        sentence += (
            f"; after {early} epoch{'s' if early != 1 else ''} {leader} led "
            f"({percent(early_scores[leader])})"
        )
    return Reading(sentence + ".", table, dict.fromkeys(curves, PERCENT))


def search_runs(table: pd.DataFrame, varied: Sequence[str]) -> Reading:
    """Each run's settings and validation accuracy (``charts.search_runs``)."""
    shown = table[[*varied, "validation accuracy"]].sort_values(
        "validation accuracy", ascending=False, kind="stable"
    )

    def settings(row) -> str:
        return ", ".join(f"{name.replace('_', ' ')} {row[name]}" for name in varied)

    best, worst = shown.iloc[0], shown.iloc[-1]
    sentence = (
        f"Best of {len(shown)} runs: {settings(best)} "
        f"({percent(best['validation accuracy'])})"
    )
    if len(shown) > 1:
        sentence += (
            f"; worst: {settings(worst)} ({percent(worst['validation accuracy'])})"
        )
    return Reading(
        sentence + ".", shown.reset_index(drop=True), {"validation accuracy": PERCENT}
    )
