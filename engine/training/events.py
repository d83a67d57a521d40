"""An append-only event log per run: what the training thread publishes and every reader polls.

Each event gets the next sequence number and is written as one JSON line to ``events.jsonl``
(flushed, so a crash loses at most the event being written). Readers call ``since(seq)`` with the
last number they saw and get only newer events: the cost of a poll is O(new events), and any
number of browser tabs can read the same log without taking events from each other (a queue
would split them).

Event kinds: ``status`` (state changes), ``phase`` (loading data, tokenizing...), ``progress``
(step, epoch, throughput, ETA), ``train`` (loss, learning rate, grad norm at logging steps),
``eval`` (validation metrics), ``checkpoint`` (a complete checkpoint was saved), ``note``
(plain-language guidance or warnings).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from ..errors import RunDamaged

KINDS = frozenset({"status", "phase", "progress", "train", "eval", "checkpoint", "note"})


@dataclass(frozen=True)
class Event:
    seq: int
    time: float
    kind: str
    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, line: str) -> Event:
        """One line of ``events.jsonl``; ``ValueError`` says what is wrong with it."""
        raw = json.loads(line)  # JSONDecodeError is a ValueError
        if not isinstance(raw, dict):
            raise ValueError("not a JSON object")
        seq, stamp, kind, data = (raw.get(k) for k in ("seq", "time", "kind", "data"))
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            raise ValueError(f"bad sequence number {seq!r}")
        if not isinstance(stamp, int | float):
            raise ValueError(f"bad time {stamp!r}")
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        if not isinstance(data, dict):
            raise ValueError("its data is not an object")
        return cls(seq, float(stamp), kind, data)


class EventLog:
    """Thread-safe; ``seq`` starts at 1 and never repeats, also across a resume."""

    def __init__(self, path: Path | None = None, events: list[Event] | None = None) -> None:
        self._events: list[Event] = list(events or [])
        self.latest: dict[str, Event] = {e.kind: e for e in self._events}  # last of each kind
        self._lock = threading.Lock()
        self._path = path
        self._file: IO[str] | None = None

    @classmethod
    def load(cls, path: Path) -> EventLog:
        """Read a log from disk. A torn last line (the process died mid-write) is dropped: that
        is the one damage an append-only log can suffer by itself. Any other bad line means the
        file was changed outside the studio, and loading refuses it, naming the line."""
        events: list[Event] = []
        if not path.is_file():
            return cls(path, events)
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        for number, line in enumerate(lines, 1):
            try:
                event = Event.from_json(line)
                if events and event.seq <= events[-1].seq:
                    raise ValueError(f"sequence number {event.seq} does not follow "
                                     f"{events[-1].seq}")
            except ValueError as exc:
                if number == len(lines):
                    break  # torn last line
                raise RunDamaged("run.damaged_events", file=path.name, line=number,
                                 reason=str(exc)) from None
            events.append(event)
        return cls(path, events)

    @property
    def last_seq(self) -> int:
        return self._events[-1].seq if self._events else 0

    def append(self, kind: str, /, **data: Any) -> Event:
        with self._lock:
            event = Event(self.last_seq + 1, time.time(), kind, data)
            self._events.append(event)
            self.latest[kind] = event
            if self._path is not None:
                if self._file is None:
                    self._file = self._open_for_append(self._path)
                self._file.write(json.dumps(event.to_dict(), allow_nan=False,
                                            default=str) + "\n")
                self._file.flush()
            return event

    @staticmethod
    def _open_for_append(path: Path) -> IO[str]:
        """The writer owns the file: a torn last line left by a crash is cut off before the
        first new event, so it never ends up in the middle of the log."""
        if path.is_file():
            with path.open("rb+") as raw:
                content = raw.read()
                if content and not content.endswith(b"\n"):
                    raw.truncate(content.rfind(b"\n") + 1)
        return path.open("a", encoding="utf-8")

    def snapshot(self) -> tuple[int, dict[str, Event]]:
        """(last seq, latest event of each kind), taken together. A reader that shows a state
        must remember the seq *of that state*: reading the two apart lets an event slip in
        between, and a poller that then believes it has seen it never shows it."""
        with self._lock:
            return self.last_seq, dict(self.latest)

    def since(self, seq: int) -> list[Event]:
        """Events with a sequence number greater than ``seq`` (all events for 0)."""
        with self._lock:
            if not self._events or seq >= self._events[-1].seq:
                return []
            start = max(0, seq - self._events[0].seq + 1)
            return self._events[start:]

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


def finite(value: Any) -> Any:
    """JSON has no NaN/inf: keep them readable as strings in events and summaries."""
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)
    return value
