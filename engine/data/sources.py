"""Load raw data from a built-in sample, a local file/folder, or the Hub into a ``DatasetDict``.

Files are parsed with pandas (not ``load_dataset("csv")``) for two reasons: its errors carry line
numbers we can show ("line 7 of reviews.csv has 4 fields, expected 3"), and uploads are small
(size-capped) so reading them in memory is fast and writes nothing to disk. A folder of Parquet
part files, as Spark writes them (``part-0000*.parquet`` plus ``_SUCCESS``/``.crc``), reads as one
table. Whatever comes back is *raw*: column detection and label handling live in ``prepare``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DataError, DataParseError
from ..hub import Hub
from ..settings import MAX_UPLOAD_MB, Settings
from .tables import SPREADSHEETS, TEXT_TABLES, FileReading, Table, decode, read_table

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
FILE_TYPES = (*TEXT_TABLES, *SPREADSHEETS, ".json", ".jsonl", ".parquet")
FILE_KINDS = "CSV, TSV, TXT, Excel (.xlsx/.xls), OpenDocument (.ods), JSON, JSONL or Parquet"
SPLIT_ALIASES = {"train": ("train", "training"),
                 "validation": ("validation", "valid", "val", "dev"),
                 "test": ("test", "testing", "eval")}


@dataclass
class RawData:
    """Splits as loaded, plus facts the UI shows before any processing."""

    splits: Any  # datasets.DatasetDict
    source: str
    warnings: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # built-in sample metadata (label order...)
    sheets: list[str] = field(default_factory=list)  # an uploaded spreadsheet's sheet names


# --- built-in samples -----------------------------------------------------------------------

def builtin_names() -> list[str]:
    return sorted(p.name for p in SAMPLES_DIR.iterdir() if (p / "meta.json").is_file())


def builtin_meta(name: str) -> dict[str, Any]:
    path = SAMPLES_DIR / name / "meta.json"
    if name not in builtin_names():
        raise DataError("data.no_sample", name=name, samples=", ".join(builtin_names()))
    meta: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return meta


def builtin_card(name: str) -> str:
    builtin_meta(name)
    return (SAMPLES_DIR / name / "README.md").read_text(encoding="utf-8")


def load_builtin(name: str) -> RawData:
    from datasets import Dataset, DatasetDict

    meta = builtin_meta(name)
    splits = {}
    for split in ("train", "test"):
        rows = [json.loads(line) for line in
                (SAMPLES_DIR / name / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
                if line.strip()]
        splits[split] = Dataset.from_list(rows)
    return RawData(DatasetDict(splits), source=f"built-in sample '{name}'", meta=meta)


# --- local files ----------------------------------------------------------------------------

def _split_of(stem: str) -> str | None:
    token = re.split(r"[-_.]", stem.lower())[0]
    return next((split for split, names in SPLIT_ALIASES.items() if token in names), None)


def shown_name(path: Path) -> str:
    """The name the user gave the file: an upload's stored copy adds ``-<16 hex digits>``."""
    return re.sub(r"-[0-9a-f]{16}(?=\.[^.]+$)", "", path.name)


def _split_files(path_str: str) -> list[tuple[str, Path]] | None:
    """``train.csv:valid.csv:test.csv`` (``os.pathsep``): the splits by position; an empty slot
    skips one (``train.csv::test.csv``). None for a single path."""
    if os.pathsep not in path_str:
        return None
    parts = [p.strip() for p in path_str.split(os.pathsep)]
    if len(parts) > 3 or not parts[0]:
        raise DataError("data.too_many_files")
    roles = list(SPLIT_ALIASES)[:len(parts)]
    return [(role, Path(p).expanduser()) for role, p in zip(roles, parts, strict=True) if p]


def load_path(path_str: str, reading: FileReading | None = None,
              max_mb: float = MAX_UPLOAD_MB) -> RawData:
    """A file, up to three files (train, validation, test), a folder of split files
    (train.csv/test.csv) or a Spark Parquet folder."""
    from datasets import Dataset, DatasetDict

    reading = reading or FileReading()
    warnings: list[str] = []
    hows: list[str] = []
    sheets: list[str] = []
    listed = _split_files(path_str)
    path = Path(path_str).expanduser() if listed is None else listed[0][1]
    for _, each in listed or [("train", path)]:
        if not each.exists():
            raise DataError("data.file_not_found", file=each.name)

    def read(file: Path) -> Any:
        table = _read_file(file, reading, warnings, max_mb)
        hows.append(f"{shown_name(file)}: {table.how}" if listed and table.how else table.how)
        sheets.extend(s for s in table.sheets if s not in sheets)
        return table.frame

    if listed is not None:
        frames = {role: read(file) for role, file in listed}
    elif path.is_dir():
        files = sorted(p for p in path.iterdir()
                       if p.suffix.lower() in FILE_TYPES and not p.name.startswith(("_", ".")))
        if not files:
            raise DataError("data.folder_no_files", folder=path.name, kinds=FILE_KINDS)
        named = {p: _split_of(p.stem) for p in files}
        if all(p.suffix.lower() == ".parquet" for p in files) and not all(named.values()):
            frames = {"train": _read_parquet(path)}  # Spark-style part files: one table
        elif all(named.values()) and len(set(named.values())) == len(files):
            frames = {named[p]: read(p) for p in files}  # type: ignore[misc]
        else:
            raise DataError("data.folder_mixed", folder=path.name)
    else:
        frames = {"train": read(path)}
    splits = {name: Dataset.from_pandas(_arrow_safe(df, name, warnings), preserve_index=False)
              for name, df in frames.items()}
    names = " + ".join(f"'{shown_name(f)}'" for _, f in listed) if listed else \
        f"'{shown_name(path)}'"
    how = "; ".join(h for h in hows if h)
    return RawData(DatasetDict(splits), source=f"file {names}" + (f" ({how})" if how
                                                                  else ""),
                   warnings=warnings, sheets=sheets)


def _read_file(path: Path, reading: FileReading, warnings: list[str], max_mb: float) -> Table:
    size_mb = path.stat().st_size / 2**20
    if size_mb > max_mb:
        raise DataError("data.too_large", file=path.name, size_mb=size_mb, max_mb=max_mb)
    if path.stat().st_size == 0:
        raise DataParseError("data.file_empty", str(path), file=path.name)
    suffix = path.suffix.lower()
    if suffix not in FILE_TYPES:
        raise DataError("data.unsupported_type", file=path.name, kinds=FILE_KINDS)
    if suffix == ".parquet":
        table = Table(_read_parquet(path), "")
    elif suffix in (".json", ".jsonl"):
        table = Table(_read_json(path, warnings), "")
    else:
        table = read_table(path, reading, warnings)
    if len(table.frame.columns) == 0:
        raise DataParseError("data.no_columns", str(path), file=path.name)
    if len(table.frame) == 0:
        raise DataError("data.no_rows", file=path.name)
    return table


def _read_json(path: Path, warnings: list[str]) -> Any:
    """A JSON array of rows, an object holding one list of rows, or JSON lines."""
    import pandas as pd

    text = decode(path, "auto", warnings)[0]
    if not text.strip():
        raise DataParseError("data.file_empty", str(path), file=path.name)
    rows: Any
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        if text.lstrip().startswith("["):
            raise DataParseError("data.json_line", str(path), exc.lineno, file=path.name,
                                 reason=exc.msg) from None
        rows = _json_lines(text, path)
    if isinstance(rows, dict):
        lists = [v for v in rows.values() if isinstance(v, list)]
        rows = lists[0] if len(rows) == 1 and len(lists) == 1 else [rows]
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise DataParseError("data.json_not_objects", str(path), file=path.name,
                             example='{"text": "...", "label": "..."}')
    return pd.DataFrame(rows)


def _json_lines(text: str, path: Path) -> list[Any]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise DataParseError("data.jsonl_line", str(path), number, file=path.name,
                                 reason=exc.msg) from None
    return rows


def _read_parquet(path: Path) -> Any:
    import pandas as pd

    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several unrelated types for a bad file
        raise DataParseError("data.parquet_unreadable", str(path), file=path.name,
                             error=type(exc).__name__) from None


def _arrow_safe(df: Any, split: str, warnings: list[str]) -> Any:
    """Columns that mix numbers and text become text, so Arrow accepts them (and we say so)."""
    df = df.rename(columns=lambda c: str(c).strip())
    for column in df.columns:
        if df[column].dtype != object:
            continue
        kinds = {type(v) for v in df[column].dropna()}
        if len(kinds) > 1 or kinds & {dict, list}:
            df[column] = df[column].map(lambda v: v if v is None or v != v else
                                        json.dumps(v) if isinstance(v, dict | list) else str(v))
            warnings.append(f"Column '{column}' ({split}) mixes kinds of values (for example "
                            "numbers and text); all its values were read as text.")
    return df


# --- dispatch -------------------------------------------------------------------------------

Loader = Callable[[str, str, "str | None", FileReading], RawData]


def load_raw(source: str, dataset: str, config: str | None = None,
             reading: FileReading | None = None, *, hub: Hub | None = None,
             max_mb: float = MAX_UPLOAD_MB) -> RawData:
    """The default loader: ``(data_source, dataset, dataset_config, reading) -> RawData``;
    ``reading`` (separator, encoding, sheet) matters for uploaded files only. Hub datasets need
    the studio's ``hub`` (its settings decide the token); ``loader_for`` binds both."""
    if source == "builtin":
        return load_builtin(dataset)
    if source == "file":
        return load_path(dataset, reading, max_mb)
    if source == "hub":
        if hub is None:
            raise DataError("data.hub_through_studio")
        splits = hub.load_dataset_splits(dataset, config)
        return RawData(splits, source=f"Hub dataset '{dataset}'" + (f" ({config})" if config
                                                                    else ""))
    raise DataError("data.unknown_source", source=source)


def loader_for(settings: Settings) -> Loader:
    """The loader seam's default for these settings: their Hub access and file-size cap."""
    from functools import partial

    return partial(load_raw, hub=Hub(settings), max_mb=settings.max_upload_mb)


def reading_of(cfg: Any) -> FileReading:
    """The run config's file-reading choices (``delimiter``, ``encoding``, ``sheet``)."""
    return FileReading(cfg.delimiter, cfg.encoding, cfg.sheet or None)


def raw_key(cfg: Any) -> tuple[str, str, str | None, FileReading]:
    """The loader's arguments for a run config; also the cache key for its data."""
    return (cfg.data_source, cfg.dataset, cfg.dataset_config, reading_of(cfg))
