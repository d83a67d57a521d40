"""Plain-language guidance read off a run's own events: what a teacher would say at a glance.

Pure functions of the event list, so the UI can show them next to the live chart and tests can
feed synthetic curves. Each note names the symptom and the setting to change.
"""

from __future__ import annotations

from typing import Any

from ..protocol import series
from .events import Event

SLOW_S = 30 * 60


def guidance(events: list[Event]) -> list[dict[str, Any]]:
    """Notes ``{"key": ..., "level": "warning"|"info", "text": ...}`` for the current run."""
    notes: list[dict[str, Any]] = []
    train = series(events, "train", "loss")
    evals = series(events, "eval", "loss")
    if len(train) >= 4:
        first, low, last = train[0][1], min(v for _, v in train), train[-1][1]
        recent = [v for _, v in train[-3:]]
        if last > 1.5 * low and last > first and min(recent) > 1.3 * low:
            notes.append({"key": "diverging", "level": "warning", "text":
                          "The training loss is climbing back up: the learning rate is probably "
                          "too high. Stop, lower it (for example divide by 3) and start again."})
        elif len(train) >= 8 and last > 0.97 * first:
            notes.append({"key": "flat", "level": "warning", "text":
                          "The training loss has hardly moved. Try a higher learning rate, more "
                          "epochs, or check that the label column is the right one."})
    if len(evals) >= 3:
        best = min(v for _, v in evals)
        rising = evals[-1][1] > evals[-2][1] > evals[-3][1]
        train_falling = len(train) >= 2 and train[-1][1] < train[0][1]
        if rising and evals[-1][1] > 1.1 * best and train_falling:
            notes.append({"key": "overfitting", "level": "warning", "text":
                          "Validation loss rises while training loss falls: the model is "
                          "starting to memorise the training rows (overfitting). Fewer epochs, "
                          "or more data, will generalise better."})
    progress = [e for e in events if e.kind == "progress"]
    if progress and progress[-1].data.get("eta_s") and progress[-1].data["eta_s"] > SLOW_S:
        minutes = progress[-1].data["eta_s"] / 60
        notes.append({"key": "slow", "level": "info", "params": {"minutes": round(minutes)},
                      "text": f"About {minutes:.0f} more minutes. To go faster: lower the max "
                      "length, use a row limit, or fewer epochs."})
    return notes
