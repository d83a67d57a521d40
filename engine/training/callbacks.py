"""The bridge between the ``Trainer`` and the studio: events out, stop requests in.

``StudioCallback`` publishes progress/loss/eval events, honours a stop request at the end of the
current optimizer step (asking the Trainer to save a checkpoint there first) or during an
evaluation, turns a NaN/inf loss into a clear failure, enforces the policy's step and time
limits, refuses to start a checkpoint the disk cannot hold, feeds the watchdog's heartbeat, and
marks each checkpoint complete only after the Trainer finished writing it, so a resume never
starts from a torn checkpoint.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from ..errors import TrainingFailed
from ..modeling.metrics import perplexity
from ..policy import Policy
from ..protocol import clean_metrics
from .events import EventLog, finite
from .runs import COMPLETE_MARKER, RunHandle

PROGRESS_EVERY_S = 0.25  # at most 4 progress events a second: enough for a live bar
WARMUP_STEPS = 5  # steady-state speed is measured after these (first shapes, caches)


class EvaluationStopped(Exception):
    """Raised inside an evaluation when Stop is pressed; ``StudioTrainer.evaluate`` catches it,
    so a long evaluation does not delay the stop (the checkpoint follows at the next step)."""


class StudioCallback(TrainerCallback):  # type: ignore[misc]
    def __init__(self, active: Any, samples_per_step: int, policy: Policy,
                 disk_free: Callable[[Path], int]) -> None:
        self.active = active  # runner._Active: handle, log, stop, heartbeat, armed, abandoned
        self.log: EventLog = active.log
        self.handle: RunHandle = active.handle
        self.stop: threading.Event = active.stop
        self.samples_per_step = samples_per_step
        self.policy = policy
        self.disk_free = disk_free
        self.bytes_per_checkpoint = 0
        self._t0 = 0.0
        self._step0 = 0
        self._last_progress = 0.0
        self._clock: list[tuple[int, float]] = []  # (step, time) after warm-up, first and last

    # --- life cycle ------------------------------------------------------------------------
    def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None,
                       **kwargs: Any) -> None:
        limit = self.policy.max_steps
        if limit and state.max_steps > limit:
            raise TrainingFailed("train.step_quota", kind="quota", steps=state.max_steps,
                                 limit=limit)
        if model is not None:  # weights + two AdamW moments, plus room for the rest
            self.bytes_per_checkpoint = int(sum(p.numel() * p.element_size()
                                                for p in model.parameters()) * 3.3)
        self._t0 = time.monotonic()
        self._step0 = state.global_step
        self.active.heartbeat[0] = time.monotonic()
        self.active.armed = True
        self.handle.update_status(state="running", total_steps=state.max_steps,
                                  step=state.global_step)
        self.log.append("status", state="running", total_steps=state.max_steps,
                        step=state.global_step)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.active.armed = False

    def on_prediction_step(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.active.heartbeat[0] = time.monotonic()
        if self.stop.is_set() and self.active.armed:
            raise EvaluationStopped()

    def on_epoch_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if control.should_save:
            self.ensure_disk()

    def ensure_disk(self) -> None:
        """Refuse to start a checkpoint that cannot fit: a half-written one is worse than none."""
        free = self.disk_free(self.handle.folder)
        if self.bytes_per_checkpoint and free < self.bytes_per_checkpoint:
            raise TrainingFailed("train.disk_full", kind="disk_full", free_mb=free / 2**20,
                                 needed_mb=self.bytes_per_checkpoint / 2**20)

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        now = time.monotonic()
        if self.active.abandoned:
            raise TrainingFailed("train.hung", kind="hung")
        self.active.heartbeat[0] = now
        if self.policy.max_wall_s and now - self._t0 > self.policy.max_wall_s and \
                not self.stop.is_set():
            self.active.stop_reason = "time_limit"
            self.stop.set()
        if state.global_step - self._step0 >= WARMUP_STEPS:
            self._clock = (self._clock or [(state.global_step, now)])[:1] + \
                [(state.global_step, now)]
        if self.stop.is_set() and not control.should_training_stop:
            control.should_training_stop = True
            control.should_save = True  # a usable checkpoint at exactly this step
            self.log.append("status", state="stopping", step=state.global_step)
        if control.should_save:
            self.ensure_disk()
        last = state.global_step >= state.max_steps
        if now - self._last_progress >= PROGRESS_EVERY_S or last or control.should_training_stop:
            self._last_progress = now
            self.log.append("progress", **self.progress(state, now))
        return control

    def steady_samples_per_s(self) -> float | None:
        """Training speed between the end of the warm-up steps and the last step: no start-up,
        no evaluation or checkpoint writes outside steps (what a long run converges to)."""
        if len(self._clock) < 2 or self._clock[1][0] <= self._clock[0][0]:
            return None
        (first, t0), (last, t1) = self._clock
        return round((last - first) * self.samples_per_step / (t1 - t0), 3)

    def progress(self, state: Any, now: float) -> dict[str, Any]:
        done = state.global_step - self._step0
        elapsed = now - self._t0
        rate = done / elapsed if elapsed > 0 else 0.0
        left = state.max_steps - state.global_step
        return {"step": state.global_step, "total_steps": state.max_steps,
                "epoch": round(state.epoch or 0.0, 4), "elapsed_s": round(elapsed, 2),
                "eta_s": round(left / rate, 1) if rate > 0 else None,
                "samples_per_s": round(rate * self.samples_per_step, 2)}

    # --- logs --------------------------------------------------------------------------------
    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None,
               **kwargs: Any) -> None:
        logs = logs or {}
        if "loss" in logs:
            loss, grad = logs.get("loss"), logs.get("grad_norm")
            self.log.append("train", step=state.global_step, epoch=round(state.epoch or 0, 4),
                            loss=finite(loss), learning_rate=logs.get("learning_rate"),
                            grad_norm=finite(grad))
            if any(isinstance(v, float) and not math.isfinite(v) for v in (loss, grad)):
                raise TrainingFailed("train.diverged", kind="diverged", step=state.global_step)

    def on_evaluate(self, args: Any, state: Any, control: Any,
                    metrics: dict[str, Any] | None = None, **kwargs: Any) -> None:
        clean = {k: finite(v) for k, v in clean_metrics(metrics or {}, "eval_").items()}
        if not clean:
            return  # a test-split evaluation: reported in metrics.json, not on the chart
        if "loss" in clean and isinstance(clean["loss"], float) and self.handle.config.task == \
                "mlm":
            clean["perplexity"] = perplexity(clean["loss"])
        self.log.append("eval", step=state.global_step, epoch=round(state.epoch or 0, 4),
                        metrics=clean)

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        if not (folder / "trainer_state.json").is_file():
            return  # the Trainer did not finish this save; leave it unmarked
        files = sorted(p.name for p in folder.iterdir() if p.is_file())
        (folder / COMPLETE_MARKER).write_text(json.dumps({"step": state.global_step,
                                                          "files": files}), encoding="utf-8")
        self.handle.update_status(checkpoint=folder.name, step=state.global_step)
        self.log.append("checkpoint", step=state.global_step, name=folder.name)
