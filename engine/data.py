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

from .errors import DataError, DataParseError

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
FILE_TYPES = (".csv", ".tsv", ".json", ".jsonl", ".parquet")
SPLIT_ALIASES = {"train": ("train", "training"),
                 "validation": ("validation", "valid", "val", "dev"),
                 "test": ("test", "testing", "eval")}


def max_file_mb() -> float:
    return float(os.environ.get("FTS_MAX_UPLOAD_MB", "100"))


@dataclass
class RawData:
    """Splits as loaded, plus facts the UI shows before any processing."""

    splits: Any  # datasets.DatasetDict
    source: str
    warnings: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # built-in sample metadata (label order...)


# --- built-in samples -----------------------------------------------------------------------

def builtin_names() -> list[str]:
    return sorted(p.name for p in SAMPLES_DIR.iterdir() if (p / "meta.json").is_file())


def builtin_meta(name: str) -> dict[str, Any]:
    path = SAMPLES_DIR / name / "meta.json"
    if name not in builtin_names():
        raise DataError(f"There is no built-in sample called {name!r}. Samples: "
                        f"{', '.join(builtin_names())}.")
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


def load_path(path_str: str) -> RawData:
    """A file, a folder of split files (train.csv/test.csv) or a Spark Parquet folder."""
    from datasets import Dataset, DatasetDict

    path = Path(path_str).expanduser()
    if not path.exists():
        raise DataError(f"The file {path.name!r} was not found. Upload it again or check the path.")
    warnings: list[str] = []
    if path.is_dir():
        files = sorted(p for p in path.iterdir()
                       if p.suffix.lower() in FILE_TYPES and not p.name.startswith(("_", ".")))
        if not files:
            raise DataError(f"The folder {path.name!r} holds no CSV, TSV, JSON, JSONL or Parquet "
                            "files.")
        named = {p: _split_of(p.stem) for p in files}
        if all(p.suffix.lower() == ".parquet" for p in files) and not all(named.values()):
            frames = {"train": _read_parquet(path)}  # Spark-style part files: one table
        elif all(named.values()) and len(set(named.values())) == len(files):
            frames = {named[p]: _read_file(p, warnings) for p in files}  # type: ignore[misc]
        else:
            raise DataError(f"The folder {path.name!r} mixes files; name them train.*, "
                            "validation.* and test.*, or upload one file.")
    else:
        frames = {"train": _read_file(path, warnings)}
    splits = {name: Dataset.from_pandas(_arrow_safe(df, name, warnings), preserve_index=False)
              for name, df in frames.items()}
    return RawData(DatasetDict(splits), source=f"file '{path.name}'", warnings=warnings)


def _read_file(path: Path, warnings: list[str]) -> Any:
    size_mb = path.stat().st_size / 2**20
    if size_mb > max_file_mb():
        raise DataError(f"{path.name} is {size_mb:.0f} MB; the limit is {max_file_mb():.0f} MB. "
                        "Use a smaller file or fewer rows.")
    if path.stat().st_size == 0:
        raise DataParseError(f"{path.name} is empty.", str(path))
    suffix = path.suffix.lower()
    if suffix not in FILE_TYPES:
        raise DataError(f"{path.name}: unsupported file type. Use CSV, TSV, JSON, JSONL or "
                        "Parquet.")
    if suffix == ".parquet":
        df = _read_parquet(path)
    elif suffix in (".json", ".jsonl"):
        df = _read_json(path, warnings)
    else:
        df = _read_csv(path, "\t" if suffix == ".tsv" else ",", warnings)
    if len(df.columns) == 0:
        raise DataParseError(f"{path.name} has no columns.", str(path))
    if len(df) == 0:
        raise DataError(f"{path.name} has column names but no rows.")
    return df


def _decode(path: Path, warnings: list[str]) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        warnings.append(f"{path.name} is not UTF-8; it was read as Latin-1 (Windows-1252). "
                        "Check that accented letters look right in the preview.")
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return raw.decode("latin-1")


def _read_csv(path: Path, sep: str, warnings: list[str]) -> Any:
    import io

    import pandas as pd

    text = _decode(path, warnings)
    if not text.strip():
        raise DataParseError(f"{path.name} is empty.", str(path))
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, engine="c")
        other = _sniff_separator(text, sep)
        if len(frame.columns) == 1 and other:  # e.g. ';' from a European spreadsheet
            warnings.append(f"{path.name} separates columns with {other!r}, not {sep!r}; it "
                            "was read that way.")
            frame = pd.read_csv(io.StringIO(text), sep=other, engine="c")
        return frame
    except pd.errors.EmptyDataError:
        raise DataParseError(f"{path.name} is empty.", str(path)) from None
    except pd.errors.ParserError as exc:
        line = _line_from(str(exc))
        where = f"line {line} of {path.name}" if line else path.name
        reason = ("has a quote that is never closed" if "EOF inside string" in str(exc)
                  else "has a different number of fields than the header"
                  if "Expected" in str(exc) else "could not be read")
        raise DataParseError(f"{where} {reason}. Fix that line (check commas and quotes) and "
                             "upload again.", str(path), line) from None


def _sniff_separator(text: str, current: str) -> str | None:
    import csv

    try:
        found = csv.Sniffer().sniff(text[:5000], delimiters=",;\t|").delimiter
    except csv.Error:
        return None
    return found if found != current else None


def _line_from(message: str) -> int | None:
    match = re.search(r"(?:line|row) (\d+)", message)
    return int(match.group(1)) if match else None


def _read_json(path: Path, warnings: list[str]) -> Any:
    """A JSON array of rows, an object holding one list of rows, or JSON lines."""
    import pandas as pd

    text = _decode(path, warnings)
    if not text.strip():
        raise DataParseError(f"{path.name} is empty.", str(path))
    rows: Any
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        if text.lstrip().startswith("["):
            raise DataParseError(f"Line {exc.lineno} of {path.name} is not valid JSON "
                                 f"({exc.msg}).", str(path), exc.lineno) from None
        rows = _json_lines(text, path)
    if isinstance(rows, dict):
        lists = [v for v in rows.values() if isinstance(v, list)]
        rows = lists[0] if len(rows) == 1 and len(lists) == 1 else [rows]
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise DataParseError(f"{path.name} must hold JSON objects (one per row), like "
                             '{"text": "...", "label": "..."}.', str(path))
    return pd.DataFrame(rows)


def _json_lines(text: str, path: Path) -> list[Any]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise DataParseError(f"Line {number} of {path.name} is not valid JSON ({exc.msg}). "
                                 "Each line must hold one JSON object.", str(path),
                                 number) from None
    return rows


def _read_parquet(path: Path) -> Any:
    import pandas as pd

    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several unrelated types for a bad file
        raise DataParseError(f"{path.name} is not a readable Parquet file or folder "
                             f"({type(exc).__name__}).", str(path)) from None


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

Loader = Callable[[str, str, "str | None"], RawData]


def load_raw(source: str, dataset: str, config: str | None = None) -> RawData:
    """The default loader seam: ``(data_source, dataset, dataset_config) -> RawData``."""
    if source == "builtin":
        return load_builtin(dataset)
    if source == "file":
        return load_path(dataset)
    if source == "hub":
        from . import hub

        return hub.load_dataset_splits(dataset, config)
    raise DataError(f"Unknown data source {source!r}; use builtin, file or hub.")
