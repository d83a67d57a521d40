"""``Runner``: one training run at a time, in a background thread, observable through events.

The protocol is narrow (start, resume, stop, events_since, wait) so a subprocess backend could
replace the thread later. The thread body never lets an exception escape: every ending is a
state in ``status.json`` plus a ``status`` event with a message a non-coder can act on.

In public mode (see ``policy.py``) runs belong to the session that started them (only it may
stop, resume or delete them), later starts wait in a queue whose position is published, and a
watchdog declares a run hung when a step takes longer than the policy allows, freeing the slot.
"""

from __future__ import annotations

import ctypes
import gc
import shutil
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import RunConfig
from ..data.prepare import Prepared, prepare
from ..data.sources import Loader, RawData, load_raw, raw_key
from ..errors import NotResumable, RunConflict, RunError, Stopped
from ..modeling.checkpoints import ModelFactory, load_model
from ..settings import Settings
from .events import Event, EventLog
from .failures import explain_failure, scrub
from .runs import COMPLETE_MARKER, RunHandle, RunStore, process_token

__all__ = ["Runner", "Stopped", "explain_failure", "scrub"]
_NOT_OWNER = {"resume": "run.not_owner.resume", "stop": "run.not_owner.stop",
              "open": "run.not_owner.open", "delete": "run.not_owner.delete"}


def _free_bytes(path: Path) -> int:
    return shutil.disk_usage(path).free


def release_memory() -> None:
    """Collect garbage and hand freed heap pages back to the operating system.

    glibc keeps freed memory in per-thread arenas (each training thread gets its own) and rarely
    returns it, so a long-lived server's RSS ratchets up run after run: 12 short runs grew one by
    40 MB, and a single ``malloc_trim`` gave all of it back. Called once when a run ends.
    """
    gc.collect()
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl): nothing to hand back
        return
    trim(0)


@dataclass
class _Active:
    handle: RunHandle
    log: EventLog
    checkpoint: Path | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    stop_reason: str = "user"
    heartbeat: list[float] = field(default_factory=lambda: [time.monotonic()])
    armed: bool = False  # the watchdog only watches while optimizer steps run
    abandoned: bool = False  # declared hung: this thread's results no longer count
    thread: threading.Thread | None = None


class Runner:
    LOGS_KEPT = 32  # ended runs whose event logs stay in memory for watchers (most recent)

    def __init__(self, store: RunStore, loader: Loader = load_raw,
                 model_factory: ModelFactory = load_model, settings: Settings | None = None,
                 disk_free: Callable[[Path], int] = _free_bytes) -> None:
        self.store = store
        self.loader = loader
        self.model_factory = model_factory
        self.settings = settings or Settings(runs_root=store.root)
        self.policy = self.settings.policy
        self.disk_free = disk_free
        self._lock = threading.Lock()
        self._active: _Active | None = None
        self._queue: list[_Active] = []
        self._logs: OrderedDict[str, EventLog] = OrderedDict()  # ended runs' logs, read back
        self._logs_lock = threading.Lock()
        self.interrupted = store.mark_interrupted()
        self._watchdog: threading.Thread | None = None
        # A seam for tests: called in the training thread as each phase begins, with the run's
        # stop event, so a test can hold a run inside a phase instead of racing it.
        self.phase_hook: Callable[[str, threading.Event], None] | None = None
        # How the training thread gets its data. The studio replaces both with its cached
        # versions, so the data a preview prepared is not loaded and prepared again at Start.
        self.raw_data: Callable[[RunConfig], RawData] = lambda cfg: self.loader(*raw_key(cfg))
        self.prepared: Callable[[RunConfig], Prepared] = lambda cfg: prepare(
            self.raw_data(cfg), cfg, max_train_rows=self.policy.max_train_rows)

    # --- control ---------------------------------------------------------------------------
    def start(self, cfg: RunConfig, owner: str | None = None) -> str:
        with self._lock:
            self._ensure_room(owner)
            return self._launch_or_queue(_Active(handle := self.store.create(cfg, owner),
                                                 handle.events()))

    def resume(self, run_id: str, owner: str | None = None) -> str:
        with self._lock:
            handle = self.store.get(run_id)
            self.authorize(handle, owner, "resume")
            state = handle.state
            if not state.is_resumable:
                raise NotResumable("run.not_resumable", run_id=run_id, state=str(state))
            self._ensure_room(owner)
            for torn in handle.checkpoints_dir.glob("checkpoint-*"):
                if not (torn / COMPLETE_MARKER).is_file():
                    shutil.rmtree(torn, ignore_errors=True)  # never resume from half a save
            handle.update_status(state="preparing", message=None, process=process_token())
            return self._launch_or_queue(_Active(handle, handle.events(),
                                                 handle.last_checkpoint()))

    def stop(self, run_id: str | None = None, owner: str | None = None) -> bool:
        """Ask a run to stop after its current step (or leave the queue); False if nothing
        matched. Without a run id: the caller's run (public mode) or whatever trains (local)."""
        with self._lock:
            if run_id is None and self.policy.public:
                mine = [a for a in [self._active, *self._queue]
                        if a is not None and a.handle.status().get("owner") == owner]
                if not mine:
                    return False
                run_id = mine[0].handle.run_id
            for waiting in list(self._queue):
                if waiting.handle.run_id == run_id:
                    self.authorize(waiting.handle, owner, "stop")
                    self._queue.remove(waiting)
                    self._end(waiting, {"state": "stopped", "message": "Left the queue before "
                                        "training began."})
                    return True
            active = self._active
            if active is None or (run_id is not None and active.handle.run_id != run_id):
                return False
            self.authorize(active.handle, owner, "stop")
            active.stop.set()
            return True

    def authorize(self, handle: RunHandle, owner: str | None, action: str) -> None:
        """In public mode only the session that started a run may control it."""
        if self.policy.public and handle.status().get("owner") != owner:
            raise RunError(_NOT_OWNER[action], run_id=handle.run_id)

    def active_run_id(self) -> str | None:
        active = self._active
        return active.handle.run_id if active else None

    def queue_position(self, run_id: str) -> int | None:
        ids = [w.handle.run_id for w in self._queue]
        return ids.index(run_id) + 1 if run_id in ids else None

    def wait(self, run_id: str, timeout: float | None = None) -> str:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            waiting = next((w for w in self._queue if w.handle.run_id == run_id), None)
            active = self._active if self._active and self._active.handle.run_id == run_id \
                else None
            current = active or waiting
            left = None if deadline is None else deadline - time.monotonic()
            if current is None or (left is not None and left <= 0):
                break
            if current.thread is not None:
                current.thread.join(left)
            else:
                time.sleep(0.05 if left is None else min(0.05, left))
        return self.store.get(run_id).state

    # --- observation ---------------------------------------------------------------------------
    def log_of(self, run_id: str) -> EventLog:
        for current in [self._active, *self._queue]:
            if current is not None and current.handle.run_id == run_id:
                return current.log
        with self._logs_lock:
            if run_id not in self._logs:
                self._logs[run_id] = self.store.get(run_id).events()
                while len(self._logs) > self.LOGS_KEPT:
                    self._logs.popitem(last=False)
            self._logs.move_to_end(run_id)
            return self._logs[run_id]

    def events_since(self, run_id: str, seq: int = 0) -> list[Event]:
        return self.log_of(run_id).since(seq)

    # --- internals -----------------------------------------------------------------------------
    def _ensure_room(self, owner: str | None) -> None:
        busy = [a for a in [self._active, *self._queue] if a is not None]
        if not self.policy.public and busy:
            raise RunConflict("run.already_training", run_id=busy[0].handle.run_id)
        mine = [a for a in busy if a.handle.status().get("owner") == owner]
        if self.policy.public and mine:
            raise RunConflict("run.yours_already", run_id=mine[0].handle.run_id)

    def _launch_or_queue(self, active: _Active) -> str:
        with self._logs_lock:
            self._logs.pop(active.handle.run_id, None)
        if self._active is None:
            self._launch(active)
        else:
            self._queue.append(active)
            position = len(self._queue)
            active.handle.update_status(state="queued", position=position)
            active.log.append("status", state="queued", position=position)
        return active.handle.run_id

    def _launch(self, active: _Active) -> None:
        if self._watchdog is None:
            self._watchdog = threading.Thread(target=self._watch, name="watchdog", daemon=True)
            self._watchdog.start()
        active.thread = threading.Thread(target=self._body, args=(active,),
                                         name=f"train-{active.handle.run_id}", daemon=True)
        self._active = active
        active.thread.start()

    def _body(self, active: _Active) -> None:
        checkpoint = active.checkpoint
        active.log.append("status", state="preparing",
                          resumed_from=checkpoint.name if checkpoint else None)
        try:
            from .run_body import run_training

            outcome = run_training(self, active, checkpoint)
        except Stopped:
            outcome = {"state": "stopped", "message": "Stopped before training began."}
        except BaseException as exc:  # noqa: BLE001 - every ending must become a state
            message, kind = explain_failure(exc)
            if not active.abandoned:
                (active.handle.folder / "error.log").write_text(scrub(traceback.format_exc()),
                                                                "utf-8")
            outcome = {"state": "failed", "message": message, "kind": kind}
        finally:
            release_memory()
        with self._lock:
            if not active.abandoned:  # a hung run was already ended by the watchdog
                self._end(active, outcome)
                self._next()

    def _end(self, active: _Active, outcome: dict[str, object]) -> None:
        active.handle.update_status(**outcome, position=None)
        active.log.append("status", **outcome)
        active.log.close()

    def _next(self) -> None:
        """Called with the lock held when the slot frees: clean up, start the next in line."""
        self._active = None
        if self.policy.runs_budget_mb:
            self.store.enforce_budget(self.policy.runs_budget_mb,
                                      keep={w.handle.run_id for w in self._queue})
        if self._queue:
            self._launch(self._queue.pop(0))
            for position, waiting in enumerate(self._queue, start=1):
                waiting.handle.update_status(position=position)
                waiting.log.append("status", state="queued", position=position)

    def _watch(self) -> None:
        """Declare a run hung when one step takes longer than the policy allows."""
        while True:
            time.sleep(min(1.0, self.policy.step_timeout_s / 4))
            active = self._active
            if active is None or not active.armed:
                continue
            if time.monotonic() - active.heartbeat[0] > self.policy.step_timeout_s:
                with self._lock:
                    if self._active is not active:
                        continue
                    active.abandoned = True
                    active.stop.set()
                    self._end(active, {"state": "failed", "kind": "hung", "message": (
                        f"Training stopped responding (one step took more than "
                        f"{self.policy.step_timeout_s:.0f} s). The run was ended; resume it to "
                        "continue from its last complete checkpoint.")})
                    self._next()
