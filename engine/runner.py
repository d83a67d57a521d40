"""``Runner``: one training run at a time, in a background thread, observable through events.

The protocol is deliberately narrow (start, resume, stop, events_since, wait) so a subprocess
backend could replace the thread later. The thread body never lets an exception escape: every
ending is a state in ``status.json`` plus a ``status`` event with a message a non-coder can act
on (out of memory → smaller batch or max length; NaN loss → lower learning rate).
"""

from __future__ import annotations

import gc
import re
import shutil
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from .config import RunConfig
from .data import Loader, load_raw
from .errors import EngineError, NotResumable, RunConflict, TrainingFailed
from .events import Event, EventLog
from .models import ModelFactory, load_model
from .runs import COMPLETE_MARKER, RESUMABLE_STATES, RunHandle, RunStore


class Stopped(Exception):
    """Raised between preparation phases when the user pressed Stop."""


@dataclass
class _Active:
    handle: RunHandle
    log: EventLog
    stop: threading.Event = field(default_factory=threading.Event)
    heartbeat: list[float] = field(default_factory=lambda: [time.monotonic()])
    thread: threading.Thread | None = None


def scrub(text: str) -> str:
    """Remove anything that looks like a Hugging Face token before text is stored or shown."""
    return re.sub(r"hf_[A-Za-z0-9]{8,}", "hf_***", text)


def explain_failure(exc: BaseException) -> tuple[str, str]:
    """(plain-language message, kind) for an exception that ended a run."""
    if isinstance(exc, TrainingFailed):
        return exc.message, exc.kind
    if isinstance(exc, EngineError):
        return exc.message, "error"
    text = str(exc).lower()
    if isinstance(exc, MemoryError) or "out of memory" in text or "can't allocate" in text \
            or type(exc).__name__ == "OutOfMemoryError":
        return ("Training ran out of memory. Lower the batch size or the max length (or both) "
                "and resume or start again."), "oom"
    if isinstance(exc, OSError) and getattr(exc, "errno", None) == 28:
        return ("The disk is full, so the checkpoint could not be saved. Delete old runs in the "
                "Runs tab, then resume."), "disk_full"
    return (f"Training stopped because of an unexpected error ({type(exc).__name__}). The run "
            "folder's error.log has the details."), "error"


class Runner:
    def __init__(self, store: RunStore, loader: Loader = load_raw,
                 model_factory: ModelFactory = load_model) -> None:
        self.store = store
        self.loader = loader
        self.model_factory = model_factory
        self._lock = threading.Lock()
        self._active: _Active | None = None
        self._logs: dict[str, EventLog] = {}
        self.interrupted = store.mark_interrupted()

    # --- control ---------------------------------------------------------------------------
    def start(self, cfg: RunConfig, owner: str | None = None) -> str:
        with self._lock:
            self._ensure_idle()
            handle = self.store.create(cfg, owner)
            return self._launch(handle, None)

    def resume(self, run_id: str) -> str:
        with self._lock:
            self._ensure_idle()
            handle = self.store.get(run_id)
            state = handle.status().get("state")
            if state not in RESUMABLE_STATES:
                raise NotResumable(f"Run '{run_id}' is {state}; only stopped, failed or "
                                   "interrupted runs can be resumed.")
            for torn in handle.checkpoints_dir.glob("checkpoint-*"):
                if not (torn / COMPLETE_MARKER).is_file():
                    shutil.rmtree(torn, ignore_errors=True)  # never resume from half a save
            handle.update_status(state="preparing", message=None, process=_token())
            return self._launch(handle, handle.last_checkpoint())

    def stop(self, run_id: str | None = None) -> bool:
        """Ask the active run to stop after its current step; False if nothing was running."""
        active = self._active
        if active is None or (run_id is not None and active.handle.run_id != run_id):
            return False
        active.stop.set()
        return True

    def active_run_id(self) -> str | None:
        active = self._active
        return active.handle.run_id if active else None

    def wait(self, run_id: str, timeout: float | None = None) -> str:
        active = self._active
        if active is not None and active.handle.run_id == run_id and active.thread:
            active.thread.join(timeout)
        return str(self.store.get(run_id).status().get("state"))

    # --- observation ---------------------------------------------------------------------------
    def log_of(self, run_id: str) -> EventLog:
        active = self._active
        if active is not None and active.handle.run_id == run_id:
            return active.log
        if run_id not in self._logs:
            self._logs[run_id] = self.store.get(run_id).events()
        return self._logs[run_id]

    def events_since(self, run_id: str, seq: int = 0) -> list[Event]:
        return self.log_of(run_id).since(seq)

    def heartbeat_age(self) -> float | None:
        active = self._active
        return time.monotonic() - active.heartbeat[0] if active else None

    # --- internals -----------------------------------------------------------------------------
    def _ensure_idle(self) -> None:
        if self._active is not None:
            raise RunConflict(f"A run is already training ('{self._active.handle.run_id}'). Stop "
                              "it or wait until it finishes; one run trains at a time.")

    def _launch(self, handle: RunHandle, checkpoint: Path | None) -> str:
        log = handle.events()  # continues the sequence numbers of a resumed run
        self._logs.pop(handle.run_id, None)
        active = _Active(handle, log)
        active.thread = threading.Thread(target=self._body, args=(active, checkpoint),
                                         name=f"train-{handle.run_id}", daemon=True)
        self._active = active
        active.thread.start()
        return handle.run_id

    def _body(self, active: _Active, checkpoint: Path | None) -> None:
        handle, log = active.handle, active.log
        log.append("status", state="preparing",
                   resumed_from=checkpoint.name if checkpoint else None)
        try:
            from .session import run_training

            outcome = run_training(self, active, checkpoint)
            handle.update_status(**outcome)
            log.append("status", **outcome)
        except Stopped:
            outcome = {"state": "stopped", "message": "Stopped before training began."}
            handle.update_status(**outcome)
            log.append("status", **outcome)
        except BaseException as exc:  # noqa: BLE001 - every ending must become a state
            message, kind = explain_failure(exc)
            (handle.folder / "error.log").write_text(scrub(traceback.format_exc()), "utf-8")
            handle.update_status(state="failed", message=message, kind=kind)
            log.append("status", state="failed", message=message, kind=kind)
        finally:
            log.close()
            gc.collect()
            with self._lock:
                self._active = None


def _token() -> str:
    from .runs import process_token

    return process_token()
