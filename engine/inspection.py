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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .columns import ColumnGuess, guess_columns
from .config import RunConfig
from .data import FILE_KINDS, FILE_TYPES, RawData, max_file_mb
from .errors import DataError
from .prepare import Prepared, prepare
from .tokens import detect_script


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

    @property
    def task_hint(self) -> str:
        """The task this data suits: masked-LM when it has no label column at all."""
        if self.meta.get("task"):
            return str(self.meta["task"])
        return "classification" if self.labelled else "mlm"


def inspect(raw: RawData, cfg: RunConfig, rows: int = 20,
            max_train_rows: int | None = None) -> DataView:
    train_name = cfg.train_split if cfg.train_split in raw.splits else next(iter(raw.splits))
    train = raw.splits[train_name]
    guess = guess_columns(train, cfg.task)
    preview = [_shorten(row) for row in train.select(range(min(rows, len(train))))]
    texts = [str(r.get(cfg.text_column or guess.text or "", "")) for r in preview]
    prepared, problem = None, None
    try:
        prepared = prepare(raw, cfg, max_train_rows)
    except DataError as exc:  # shown in the view, next to the pickers that can fix it
        problem = exc.message
    warnings = prepared.report.warnings if prepared else list(raw.warnings)
    return DataView(raw.source, {k: len(v) for k, v in raw.splits.items()},
                    {k: str(getattr(v, "dtype", type(v).__name__)) for k, v in
                     train.features.items()}, preview, guess, prepared, problem,
                    detect_script(texts), warnings, raw.meta, raw.sheets,
                    bool((guess if cfg.task == "classification" else
                          guess_columns(train, "classification")).label))


def _shorten(row: dict[str, Any], limit: int = 300) -> dict[str, Any]:
    return {k: (v[:limit] + "…" if isinstance(v, str) and len(v) > limit else v)
            for k, v in row.items()}


def store_upload(source: Path, uploads: Path) -> Path:
    """Copy an uploaded file into ``<runs>/uploads`` under a content-addressed name, so runs that
    use it stay resumable after the browser's temporary copy is gone."""
    suffix = source.suffix.lower()
    if suffix not in FILE_TYPES:
        raise DataError(f"{source.name}: unsupported file type. Use {FILE_KINDS}.")
    size_mb = source.stat().st_size / 2**20
    if size_mb > max_file_mb():
        raise DataError(f"{source.name} is {size_mb:.0f} MB; the limit is {max_file_mb():.0f} "
                        "MB. Use a smaller file or fewer rows.")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", source.stem)[:40].strip("-.") or "data"
    uploads.mkdir(parents=True, exist_ok=True)
    target = uploads / f"{stem}-{digest}{suffix}"
    if not target.exists():
        shutil.copyfile(source, target)
    return target
