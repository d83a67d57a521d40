"""The run protocol in types: the states a run goes through, what its metrics say first, and the
points a chart or a piece of guidance reads off the event log.

The training thread writes states and events as JSON (``status.json``, ``events.jsonl``); every
reader (the UI, the CLI, the guidance, the model card) interprets them through this module, so
"finished", "resumable" or "the headline score" mean one thing everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# Trainer metric keys that are bookkeeping, not quality: never charted, never in metrics.json.
NOISE = ("_runtime", "_per_second", "model_preparation_time", "total_flos")

# What a task is judged by, most telling first: the headline of a finished run, the Runs
# table's score column and the quality chart's curves all read it here.
QUALITY = {"classification": ("accuracy", "f1"), "multilabel": ("f1_micro", "f1_macro"),
           "regression": ("pearson", "mae"), "mlm": ("perplexity",)}
LOWER_IS_BETTER = ("loss", "perplexity", "mse", "mae")


class RunState(StrEnum):
    QUEUED = "queued"
    PREPARING = "preparing"
    RUNNING = "running"
    STOPPING = "stopping"
    FINISHED = "finished"
    STOPPED = "stopped"
    INTERRUPTED = "interrupted"  # the process ended (crash, restart) while the run was active
    FAILED = "failed"

    @property
    def is_active(self) -> bool:
        """Waiting or working: a thread owns it, Stop applies."""
        return self in (RunState.QUEUED, RunState.PREPARING, RunState.RUNNING,
                        RunState.STOPPING)

    @property
    def is_terminal(self) -> bool:
        return not self.is_active

    @property
    def is_resumable(self) -> bool:
        """Ended before its last step; Resume continues from its newest complete checkpoint."""
        return self in (RunState.STOPPED, RunState.INTERRUPTED, RunState.FAILED)

    @classmethod
    def of(cls, status: Mapping[str, Any] | str | None) -> RunState:
        """The state of a ``status.json`` dict (or a state string). A run that has not written
        one yet is preparing; a value this version does not know is refused, not guessed."""
        value = status.get("state") if isinstance(status, Mapping) else status
        return cls(value or RunState.PREPARING)


ACTIVE_STATES = tuple(s for s in RunState if s.is_active)
RESUMABLE_STATES = tuple(s for s in RunState if s.is_resumable)


def clean_metrics(metrics: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """``eval_accuracy`` → ``accuracy``, without the bookkeeping keys in ``NOISE``."""
    return {k.removeprefix(prefix): v for k, v in metrics.items()
            if k.startswith(prefix) and not k.endswith(NOISE)}


def series(events: Iterable[Any], kind: str, key: str) -> list[tuple[int, float]]:
    """(step, value) for every ``kind`` event carrying a number under ``key``: ``train`` and
    ``progress`` events carry it in their data, ``eval`` events under ``metrics``. The charts
    and the guidance both read curves through this one function."""
    points = []
    for event in events:
        if event.kind != kind:
            continue
        source = event.data.get("metrics", {}) if kind == "eval" else event.data
        value = source.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            points.append((int(event.data.get("step", 0)), float(value)))
    return points


def best_point(points: list[tuple[int, float]], metric: str) -> tuple[int, float] | None:
    """The best (step, value) of a validation curve, by the Trainer's own rule: the first
    strictly better value wins (so a tie keeps the earlier checkpoint)."""
    best: tuple[int, float] | None = None
    lower = metric in LOWER_IS_BETTER
    for step, value in points:
        if best is None or (value < best[1] if lower else value > best[1]):
            best = (step, value)
    return best


def format_score(metric: str, value: float) -> str:
    """Shares as percentages, everything else with three significant decimals."""
    if metric in ("accuracy", "exact_match"):
        return f"{value:.1%}"
    if metric == "perplexity":
        return f"{value:.2f}"
    return f"{value:.3f}"


@dataclass(frozen=True)
class RunMetrics:
    """A run's ``metrics.json``, read once: the headline split is the test split when the run
    was scored on one, else validation."""

    raw: Mapping[str, Any]

    @property
    def split(self) -> str:
        return "test" if "test" in self.raw else "validation"

    @property
    def scores(self) -> dict[str, Any]:
        return dict(self.raw.get(self.split, {}))

    @property
    def numbers(self) -> dict[str, float]:
        """The headline split's numeric scores (no confusion matrix): a model card's table."""
        return {k: v for k, v in self.scores.items()
                if isinstance(v, int | float) and not isinstance(v, bool)}

    def headline(self, task: str) -> list[tuple[str, float]]:
        """(metric, value) pairs the task is judged by (``QUALITY``), as recorded."""
        numbers = self.numbers
        return [(k, numbers[k]) for k in QUALITY.get(task, ()) if k in numbers]

    @property
    def best_step(self) -> int | None:
        """The step whose checkpoint became the final model (``None``: the last one)."""
        step = self.raw.get("facts", {}).get("best_step")
        return int(step) if isinstance(step, int) else None

    @property
    def before(self) -> dict[str, Any]:
        """The same split scored before training (masked-LM runs record it)."""
        return dict(self.raw.get(self.split + "_before", {}))
