"""A small thread-safe LRU memo for the studio's derived data (raw data, prepared splits, token
lengths), keyed by exactly the settings each one depends on.

Why: one change of sample or one upload makes the Data and Model tabs ask for the same prepared
data and token lengths several times (preview, summary, padding views, estimate, Start). Each
miss is counted in ``misses`` so a test can assert the work is done once.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class Memo:
    def __init__(self, per_kind: int = 4) -> None:
        self.per_kind = per_kind
        self.misses: Counter[str] = Counter()
        self._store: dict[str, OrderedDict[Hashable, Any]] = {}
        self._lock = threading.Lock()
        self._computing: dict[tuple[str, Hashable], threading.Lock] = {}

    def get(self, kind: str, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value for ``key``, computed once even when two handlers ask at the same time
        (the second waits for the first instead of repeating the work). A failure is not
        stored: the next call tries again."""
        with self._lock:
            entries = self._store.setdefault(kind, OrderedDict())
            if key in entries:
                entries.move_to_end(key)
                return entries[key]
            gate = self._computing.setdefault((kind, key), threading.Lock())
        with gate:
            with self._lock:
                if key in entries:
                    return entries[key]
            try:
                value = compute()
            finally:  # done or failed: the next caller for this key takes no stale gate
                with self._lock:
                    self._computing.pop((kind, key), None)
            with self._lock:
                self.misses[kind] += 1
                entries[key] = value
                while len(entries) > self.per_kind:
                    entries.popitem(last=False)
            return value
