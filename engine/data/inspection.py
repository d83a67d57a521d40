"""What the Data tab shows about a dataset before any training: a preview, the columns and what
they were detected as, and either the prepared splits' report or the problem that blocks them.

A problem (one class, a numeric text column...) is part of the view, not an exception: the user
must still see the preview and the column pickers to fix it. Loading errors (unreadable file,
unknown dataset) do raise, since there is nothing to show.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import RunConfig
from ..errors import DataError
from ..tokens.view import detect_script
from .columns import ColumnGuess, guess_columns
from .prepare import Prepared, prepare
from .sources import FILE_KINDS, FILE_TYPES, RawData


@dataclass
class DataView:
    source: str
    splits: dict[str, int]
    columns: dict[str, str]  # name -> type, as loaded
    preview: list[dict[str, Any]]
    guess: ColumnGuess
    prepared: Prepared | None
    problem: str | None
    script: str
    warnings: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    sheets: list[str] = field(default_factory=list)  # a spreadsheet's sheets, for the picker
    labelled: bool = False  # a label column was found (looked for whatever the current task)
    label_kind: str | None = None  # what that column holds: classification, multilabel...
    problem_key: str | None = None  # the problem as a message key and its parameters, so the
    problem_params: dict[str, Any] = field(default_factory=dict)  # page can show its language

    @property
    def task_hint(self) -> str:
        """The task this data suits: masked-LM when it has no label column at all; otherwise
        what the label column holds (one class, several labels, a number)."""
        if self.meta.get("task"):
            return str(self.meta["task"])
        return (self.label_kind or "classification") if self.labelled else "mlm"


def inspect(raw: RawData, cfg: RunConfig, rows: int = 20, max_train_rows: int | None = None,
            prepared: Callable[[], Prepared] | None = None) -> DataView:
    """``prepared``: where the prepared data comes from (the studio's cache); by default it is
    prepared here."""
    train_name = cfg.train_split if cfg.train_split in raw.splits else next(iter(raw.splits))
    train = raw.splits[train_name]
    guess = guess_columns(train, cfg.task)
    preview = [_shorten(row) for row in train.select(range(min(rows, len(train))))]
    texts = [str(r.get(cfg.text_column or guess.text or "", "")) for r in preview]
    done: Prepared | None = None
    problem: DataError | None = None
    try:
        done = prepared() if prepared else prepare(raw, cfg, max_train_rows)
    except DataError as exc:  # shown in the view, next to the pickers that can fix it
        problem = exc
    warnings = done.report.warnings if done else list(raw.warnings)
    labels = guess if cfg.task != "mlm" else guess_columns(train, "classification")
    return DataView(raw.source, {k: len(v) for k, v in raw.splits.items()},
                    {k: str(getattr(v, "dtype", type(v).__name__)) for k, v in
                     train.features.items()}, preview, guess, done,
                    problem.message if problem else None, detect_script(texts), warnings,
                    raw.meta, raw.sheets, bool(labels.label), labels.label_kind,
                    problem.key if problem else None, problem.params if problem else {})


def _shorten(row: dict[str, Any], limit: int = 300) -> dict[str, Any]:
    return {k: (v[:limit] + "…" if isinstance(v, str) and len(v) > limit else v)
            for k, v in row.items()}


def store_upload(source: Path, uploads: Path, max_mb: float) -> Path:
    """Copy an uploaded file into ``<runs>/uploads`` under a content-addressed name, so runs that
    use it stay resumable after the browser's temporary copy is gone."""
    suffix = source.suffix.lower()
    if suffix not in FILE_TYPES:
        raise DataError("data.unsupported_type", file=source.name, kinds=FILE_KINDS)
    size_mb = source.stat().st_size / 2**20
    if size_mb > max_mb:
        raise DataError("data.too_large", file=source.name, size_mb=size_mb, max_mb=max_mb)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", source.stem)[:40].strip("-.") or "data"
    uploads.mkdir(parents=True, exist_ok=True)
    target = uploads / f"{stem}-{digest}{suffix}"
    if not target.exists():
        shutil.copyfile(source, target)
    return target
