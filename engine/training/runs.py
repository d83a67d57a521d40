"""The runs folder: one folder per run that survives stop, crash and restart.

    runs/<run id>/
        run_config.json     the RunConfig, as saved when the run was created
        status.json         state, owner process, progress, message (replaced atomically)
        events.jsonl        the append-only event log
        data_report.json    rows kept/dropped, labels, warnings
        checkpoints/checkpoint-N/   Trainer checkpoints; ``.complete`` marks a whole one
        model/              the final model and tokenizer (renamed into place when complete)
        metrics.json        final validation/test metrics, per-label tables, the best step
        predictions.jsonl   the scored split's rows with the model's answers (error analysis)

States: preparing → running → (stopping →) stopped | finished | failed; a run whose process
died while preparing/running/stopping is found on start-up and marked ``interrupted``.
"""

from __future__ import annotations

import builtins
import json
import os
import re
import shutil
import time
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import RunConfig, from_dict
from ..errors import RunNotFound
from ..paths import inside
from ..protocol import ACTIVE_STATES, RESUMABLE_STATES, RunState
from .events import EventLog

__all__ = ["ACTIVE_STATES", "COMPLETE_MARKER", "RESUMABLE_STATES", "RunHandle", "RunStore"]
COMPLETE_MARKER = ".complete"


def write_json_atomic(path: Path, data: Any) -> None:
    """Write to a temporary file, fsync, rename: readers never see half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, default=str)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def process_token(pid: int | None = None) -> str:
    """pid plus process start time: a reused pid after a restart is not mistaken for ours."""
    import psutil

    proc = psutil.Process(pid or os.getpid())
    return f"{proc.pid}:{proc.create_time():.3f}"


def process_alive(token: str) -> bool:
    import psutil

    try:
        pid, created = token.split(":")
        return f"{float(psutil.Process(int(pid)).create_time()):.3f}" == created
    except (ValueError, psutil.Error):
        return False


@dataclass
class RunHandle:
    run_id: str
    folder: Path

    @property
    def config(self) -> RunConfig:
        return from_dict(json.loads((self.folder / "run_config.json").read_text("utf-8")))

    def status(self) -> dict[str, Any]:
        """``status.json``. It is replaced atomically, so one that cannot be read was damaged
        outside the studio: the run is shown as failed (resumable from its checkpoints) with
        that reason, not as a run the app merely lost."""
        path = self.folder / "status.json"
        try:
            data: dict[str, Any] = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return {"state": RunState.INTERRUPTED, "message": "The run's status file is missing."}
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return {"state": RunState.FAILED, "kind": "damaged",
                    "message": "The run's status file is damaged and cannot be read. Resume "
                    "it to continue from its last complete checkpoint."}
        if not isinstance(data, dict) or data.get("state") not in set(RunState):
            return {"state": RunState.FAILED, "kind": "damaged",
                    "message": "The run's status file holds no state this version knows."}
        return data

    @property
    def state(self) -> RunState:
        return RunState.of(self.status())

    @property
    def finished(self) -> bool:
        """The one meaning of "finished": the run ended well and its final model is saved."""
        return self.state is RunState.FINISHED and (self.model_dir / "config.json").is_file()

    def update_status(self, **changes: Any) -> dict[str, Any]:
        data = {**self.status(), **changes, "updated_at": time.time()}
        write_json_atomic(self.folder / "status.json", data)
        return data

    def events(self) -> EventLog:
        return EventLog.load(self.folder / "events.jsonl")

    @property
    def checkpoints_dir(self) -> Path:
        return self.folder / "checkpoints"

    @property
    def model_dir(self) -> Path:
        return self.folder / "model"

    @property
    def predictions_file(self) -> Path:
        return self.folder / "predictions.jsonl"

    def complete_checkpoints(self) -> list[Path]:
        """Checkpoints whose save finished (marker written after the Trainer's save), oldest
        first. A torn one (killed mid-write) has no marker and is never resumed from."""
        if not self.checkpoints_dir.is_dir():
            return []
        found = [p for p in self.checkpoints_dir.glob("checkpoint-*")
                 if (p / COMPLETE_MARKER).is_file() and p.name.split("-")[-1].isdigit()]
        return sorted(found, key=lambda p: int(p.name.split("-")[-1]))

    def last_checkpoint(self) -> Path | None:
        found = self.complete_checkpoints()
        return found[-1] if found else None

    def data_report(self) -> dict[str, Any]:
        path = self.folder / "data_report.json"
        return json.loads(path.read_text("utf-8")) if path.is_file() else {}

    def label_names(self) -> list[str]:
        return list(self.data_report().get("label_names") or [])

    def metrics(self) -> dict[str, Any]:
        path = self.folder / "metrics.json"
        return json.loads(path.read_text("utf-8")) if path.is_file() else {}


class RunStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def create(self, cfg: RunConfig, owner: str | None = None) -> RunHandle:
        stem = cfg.run_name()
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for n in range(1000):
            run_id = f"{stem}-{stamp}" + (f"-{n}" if n else "")
            folder = inside(self.root, run_id)
            try:
                folder.mkdir(parents=True)
                break
            except FileExistsError:
                continue
        handle = RunHandle(run_id, folder)
        (folder / "run_config.json").write_text(cfg.to_json(), encoding="utf-8")
        write_json_atomic(folder / "status.json", {
            "state": RunState.PREPARING, "created_at": time.time(), "updated_at": time.time(),
            "process": process_token(), "owner": owner, "step": 0, "total_steps": None})
        return handle

    def get(self, run_id: str) -> RunHandle:
        valid = isinstance(run_id, str) and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}",
                                                         run_id) and ".." not in run_id
        folder = inside(self.root, run_id) if valid else None
        if folder is None or not (folder / "run_config.json").is_file():
            raise RunNotFound("run.not_found", run_id=str(run_id)[:80])
        return RunHandle(run_id, folder)

    def list(self) -> list[RunHandle]:
        handles = [RunHandle(p.name, p) for p in self.root.iterdir()
                   if p.is_dir() and (p / "run_config.json").is_file()]
        return sorted(handles, key=lambda h: h.status().get("created_at", 0), reverse=True)

    def mark_interrupted(self, live_run_ids: AbstractSet[str] = frozenset()) -> builtins.list[str]:
        """Runs left 'active' by a process that is gone become 'interrupted' (resumable)."""
        marked = []
        for handle in self.list():
            status = handle.status()
            if status.get("state") in ACTIVE_STATES and handle.run_id not in live_run_ids \
                    and not process_alive(status.get("process", "")):
                handle.update_status(state=RunState.INTERRUPTED, message=(
                    "The app stopped while this run was training. Resume it to continue from "
                    "its last complete checkpoint."))
                marked.append(handle.run_id)
        return marked

    def enforce_budget(self, budget_mb: float,
                       keep: AbstractSet[str] = frozenset()) -> builtins.list[str]:
        """Delete the oldest ended runs until the folder fits ``budget_mb`` (uploads and caches
        count too, but are not deleted). Active and queued runs are never touched."""
        def size(path: Path) -> int:
            return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())

        total = size(self.root) / 2**20
        deleted = []
        for handle in sorted(self.list(), key=lambda h: h.status().get("created_at", 0)):
            if total <= budget_mb:
                break
            if handle.run_id in keep or handle.status().get("state") in ACTIVE_STATES:
                continue
            total -= size(handle.folder) / 2**20
            shutil.rmtree(handle.folder, ignore_errors=True)
            deleted.append(handle.run_id)
        return deleted

    def delete(self, run_id: str) -> None:
        handle = self.get(run_id)
        shutil.rmtree(handle.folder)
