"""Reading tables the way people have them: delimited text in any separator and encoding, and
spreadsheets (``.xlsx`` / ``.xls`` / ``.ods``) with title rows, blank rows and messy headers.

Every guess is said out loud (``Table.how``: "semicolon-separated, UTF-8") and can be overridden
(``FileReading``, from the run config's ``delimiter``, ``encoding`` and ``sheet``), because a
wrong guess a user cannot see or change is worse than no guess. Header cells that are blank,
repeated or missing altogether are renamed visibly (``text``, ``text (2)``, ``column 3``) with
a warning, instead of pandas' silent ``text.1`` / ``Unnamed: 2``.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DataError, DataParseError
from ..messages import Phrase

DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|"}
ENCODINGS = ("utf-8", "cp949", "cp1252", "latin-1", "shift_jis", "gb18030")
TEXT_TABLES = (".csv", ".tsv", ".txt")
SPREADSHEETS = (".xlsx", ".xls", ".ods")
_ENGINES = {".xlsx": "openpyxl", ".xls": "xlrd", ".ods": "odf"}
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_WORDS = {",": "word.comma", ";": "word.semicolon", "\t": "word.tab", "|": "word.pipe"}
_SAMPLE_LINES = 50


@dataclass(frozen=True)
class FileReading:
    """How to read an uploaded table; ``auto`` everywhere means "detect and say so"."""

    delimiter: str = "auto"  # auto | comma | semicolon | tab | pipe
    encoding: str = "auto"  # auto | one of ENCODINGS
    sheet: str | None = None  # a spreadsheet's sheet name; None: the first with data


@dataclass
class Table:
    frame: Any  # pandas.DataFrame
    how: str  # what was detected, shown next to the file name
    sheets: list[str] = field(default_factory=list)


def read_table(path: Path, reading: FileReading, warnings: list[str]) -> Table:
    if path.suffix.lower() in SPREADSHEETS:
        return _read_spreadsheet(path, reading, warnings)
    return _read_delimited(path, reading, warnings)


# --- delimited text -----------------------------------------------------------------------

def decode(path: Path, choice: str, warnings: list[str]) -> tuple[str, str]:
    """The text and the encoding's name. ``auto``: UTF-8, else Korean cp949 when the result is
    mostly Hangul, else Windows-1252 (Western European), else Latin-1 (never fails)."""
    raw = path.read_bytes()
    if choice != "auto":
        try:
            return raw.decode("utf-8-sig" if choice == "utf-8" else choice), choice
        except UnicodeDecodeError as exc:
            raise DataParseError("data.bad_encoding", str(path), file=path.name,
                                 encoding=choice, byte=exc.start) from None
    try:
        return raw.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    text, name = _legacy(raw)
    warnings.append(f"{path.name} is not UTF-8; it was read as {name}. If letters look wrong in "
                    "the preview, choose the file's encoding under 'File reading'.")
    return text, name


def _legacy(raw: bytes) -> tuple[str, str]:
    try:
        korean = raw.decode("cp949")
        wide = [c for c in korean if ord(c) > 127]
        if wide and sum("\uac00" <= c <= "\ud7a3" for c in wide) >= 0.5 * len(wide):
            return korean, "cp949 (Korean)"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "Windows-1252 (Western European)"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "Latin-1"


def sniff_delimiter(text: str, fallback: str) -> str:
    """The separator that splits the first lines into the same number (>1) of fields most often;
    ``fallback`` (the extension's) for a one-column file. Counts fields with the csv module, so
    commas inside quoted sentences do not vote."""
    lines = [line for line in text.splitlines()[:_SAMPLE_LINES] if line.strip()]
    best, best_score = fallback, (0.0, 0)
    for sep in DELIMITERS.values():
        counts = [len(row) for row in csv.reader(lines, delimiter=sep)]
        if not counts:
            continue
        mode, hits = Counter(counts).most_common(1)[0]
        score = (hits / len(counts), mode)
        if mode > 1 and score > best_score:
            best, best_score = sep, score
    return best


def _read_delimited(path: Path, reading: FileReading, warnings: list[str]) -> Table:
    import pandas as pd

    text, encoding = decode(path, reading.encoding, warnings)
    if not text.strip():
        raise DataParseError("data.file_empty", str(path), file=path.name)
    fallback = "\t" if path.suffix.lower() == ".tsv" else ","
    sep = DELIMITERS[reading.delimiter] if reading.delimiter != "auto" else \
        sniff_delimiter(text, fallback)
    sample = [row for row in csv.reader(text.splitlines()[:_SAMPLE_LINES], delimiter=sep) if row]
    if path.suffix.lower() == ".txt" and reading.delimiter == "auto" and not _tabular(sample):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return Table(pd.DataFrame({"text": lines}), f"read as one text per line, {encoding}")
    has_header = looks_like_header(sample[0], sample[1:]) if sample else True
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, engine="c",
                            header=0 if has_header else None)
    except pd.errors.EmptyDataError:
        raise DataParseError("data.file_empty", str(path), file=path.name) from None
    except pd.errors.ParserError as exc:
        line = _line_from(str(exc))
        where = Phrase("data.csv_error.line", line=line, file=path.name) if line else path.name
        reason = (Phrase("data.csv_error.quote") if "EOF inside string" in str(exc) else
                  Phrase("data.csv_error.fields", sep=Phrase(_WORDS[sep]))
                  if "Expected" in str(exc) else Phrase("data.csv_error.unreadable"))
        raise DataParseError("data.csv_error", str(path), line, where=where,
                             reason=reason) from None
    header = [str(c) for c in sample[0]] if has_header and sample else None
    frame.columns = name_columns(header, len(frame.columns), path.name, warnings)
    return Table(frame, f"read as {_NAMES[sep]}-separated, {encoding}")


def _tabular(rows: list[list[str]]) -> bool:
    """Plain text has no columns: a .txt is a table only when nearly every line splits into the
    same number (>1) of fields."""
    if not rows:
        return False
    width, hits = Counter(map(len, rows)).most_common(1)[0]
    return width > 1 and hits >= 0.9 * len(rows)


def _line_from(message: str) -> int | None:
    match = re.search(r"(?:line|row) (\d+)", message)
    return int(match.group(1)) if match else None


# --- headers ------------------------------------------------------------------------------

def _is_number(cell: Any) -> bool:
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return True
    return bool(re.fullmatch(r"\s*-?\d+([.,]\d+)?\s*", str(cell)))


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, float) and cell != cell) or str(cell).strip() == ""


def looks_like_header(first: list[Any], rest: list[list[Any]]) -> bool:
    """A first row is data, not names, when a cell is a number over a numeric column, repeats
    further down its column (a label such as 'positive'), or is a sentence (over 6 words)."""
    for i, cell in enumerate(first):
        if _blank(cell):
            continue
        below = [row[i] for row in rest if i < len(row) and not _blank(row[i])]
        if _is_number(cell) and below and sum(map(_is_number, below)) >= 0.8 * len(below):
            return False
        if str(cell).strip() in {str(v).strip() for v in below}:
            return False
        if len(str(cell).split()) > 6:
            return False
    return True


def name_columns(header: Sequence[str | None] | None, width: int, file: str,
                 warnings: list[str]) -> list[str]:
    """Unique, visible names: blank or unnamed cells become ``column N``, repeats ``name (2)``."""
    if header is None:
        warnings.append(f"{file} has no header row (its first row looks like data); the columns "
                        f"were named column 1 to column {width}. Choose the text and label "
                        "columns below.")
        return [f"column {i + 1}" for i in range(width)]
    cells = [str(c).strip() for c in header[:width]] + [""] * (width - len(header))
    names: list[str] = []
    blank, repeated = [], []
    for i, cell in enumerate(cells):
        name = cell if cell and cell.lower() not in ("nan", "none") else f"column {i + 1}"
        if name != cell:
            blank.append(name)
        base, n = name, 2
        while name in names:
            name, n = f"{base} ({n})", n + 1
        if name != base:
            repeated.append((base, name))
        names.append(name)
    if blank:
        warnings.append(f"{file}: {len(blank)} column(s) had no name and are shown as "
                        f"{', '.join(repr(b) for b in blank)}.")
    for base, name in repeated:
        warnings.append(f"{file}: two columns are named {base!r}; the first keeps the name and "
                        f"the other is shown as {name!r}. Check which one is used below.")
    return names


# --- spreadsheets -------------------------------------------------------------------------

def _read_spreadsheet(path: Path, reading: FileReading, warnings: list[str]) -> Table:
    import pandas as pd

    engine = _ENGINES[path.suffix.lower()]
    try:
        book = pd.ExcelFile(path, engine=engine)
    except ImportError as exc:
        raise DataError("data.needs_package", suffix=path.suffix, package=exc.name) from None
    except Exception as exc:  # each engine raises its own types for a damaged file
        raise DataParseError("data.bad_spreadsheet", str(path), file=path.name,
                             error=type(exc).__name__) from None
    sheets = [str(s) for s in book.sheet_names]
    with book:
        frames = {}
        if reading.sheet is not None:
            if reading.sheet not in sheets:
                raise DataError("data.no_sheet", file=path.name, sheet=reading.sheet,
                                sheets=", ".join(sheets))
            frames[reading.sheet] = pd.read_excel(book, sheet_name=reading.sheet, header=None)
        else:
            for name in sheets:
                frames[name] = pd.read_excel(book, sheet_name=name, header=None)
                if frames[name].dropna(how="all").size:
                    break
    sheet, raw = next(reversed(frames.items()))
    frame, how = _tidy_sheet(raw, path.name, sheet, warnings)
    if len(sheets) > 1:
        how = f"sheet {sheet!r} of {len(sheets)} ({', '.join(sheets)}), {how}"
        warnings.append(f"{path.name} has {len(sheets)} sheets; using {sheet!r}. Choose another "
                        "sheet under 'File reading'.")
    return Table(frame, how, sheets)


def _tidy_sheet(raw: Any, file: str, sheet: str, warnings: list[str]) -> tuple[Any, str]:
    """Blank rows and columns out; title rows above the header (a merged title cell leaves one
    filled cell in a wide row) out; the header found; the rest typed as pandas would."""
    where = f"{file}, sheet {sheet!r}"
    blank_rows = int(raw.isna().all(axis=1).sum())
    frame = raw.dropna(how="all").dropna(axis=1, how="all")
    if frame.empty:
        raise DataError("data.sheet_empty", file=file, sheet=sheet)
    filled = frame.notna().sum(axis=1).tolist()
    rows = frame.astype(object).where(frame.notna(), None).values.tolist()
    width = max(filled[:20])
    start = next(i for i, n in enumerate(filled) if n == width)
    has_header = looks_like_header(rows[start], rows[start + 1:start + _SAMPLE_LINES])
    header = [None if _blank(c) else str(c) for c in rows[start]] if has_header else None
    body = frame.iloc[start + has_header:].reset_index(drop=True).infer_objects()
    body.columns = name_columns(header, frame.shape[1], where, warnings)
    dropped = []
    if blank_rows:
        dropped.append(f"{blank_rows} blank")
    if start:
        dropped.append(f"{start} above the header (titles or merged cells)")
    if dropped:
        warnings.append(f"{where}: dropped {' and '.join(dropped)} row(s).")
    row = int(frame.index[start]) + 1  # as the spreadsheet numbers it
    return body, (f"header in row {row}" if has_header else "no header row")
