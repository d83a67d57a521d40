"""Waiting on a run's state with a bound taken from the run's own measured speed.

A fixed "finish within 240 s" passes on a fast CPU and fails on a slow one. Here the bound is
``SLACK`` times what the run itself predicts (time so far plus its ETA, from the progress events
in its append-only log on disk), plus a fixed allowance for evaluation and saving. On any CPU
the wait lasts as long as the run needs, and a run that hangs still fails.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SLACK = 10.0  # bound = SLACK x the run's own predicted duration
AFTER_TRAINING_S = 120.0  # evaluation, saving, the page catching up
BEFORE_PROGRESS_S = 600.0  # loading data and model, tokenizing, the first steps


def last_progress(run_folder: Path) -> dict[str, Any] | None:
    """The newest ``progress`` event of the run, read from ``events.jsonl``."""
    try:
        lines = (run_folder / "events.jsonl").read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line being written right now
        if event.get("kind") == "progress":
            data: dict[str, Any] = event.get("data", event)
            return data
    return None


def run_bound(run_folder: Path) -> float:
    """Seconds to allow, from now, for the run to finish."""
    progress = last_progress(run_folder)
    if not progress or progress.get("eta_s") is None:
        return BEFORE_PROGRESS_S
    predicted = float(progress.get("elapsed_s") or 0) + float(progress["eta_s"])
    return SLACK * predicted + AFTER_TRAINING_S


def wait_for_run(done: Callable[[], Any], run_folder: Callable[[], Path | None],
                 every: float = 0.25) -> Any:
    """Poll ``done()`` until it is truthy; the deadline moves with the run's own ETA (it is
    recomputed from each new progress event, but never past ``SLACK`` x the prediction)."""
    started = time.monotonic()
    while True:
        value = done()
        if value:
            return value
        folder = run_folder()
        bound = run_bound(folder) if folder else BEFORE_PROGRESS_S
        if time.monotonic() - started > bound:
            return done()
        time.sleep(every)
