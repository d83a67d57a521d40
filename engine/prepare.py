"""Turn raw splits into clean ``train``/``validation``/``test`` splits with standard columns.

Output columns are always ``text`` (+ ``text_pair`` for pairs) and, for classification, a
``label`` ClassLabel whose names become the model's ``id2label``. Every row dropped is counted and
every silent-looking decision is written to ``report.warnings`` in plain words, because a user who
cannot read code can only trust what the studio tells them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .columns import guess_columns
from .config import RunConfig
from .data import SPLIT_ALIASES, RawData
from .errors import DataError

MAX_CHARS = 20_000  # longer cells are cut before tokenizing (a 1M-character cell would stall it)
MIN_TRAIN_ROWS = 8
MIN_ROWS_FOR_TEST = 100  # below this a held-out test split would be a handful of rows


@dataclass
class DataReport:
    source: str
    rows: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, dict[str, int]] = field(default_factory=dict)
    label_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    validation_carved: bool = False
    test_carved: bool = False


@dataclass
class Prepared:
    splits: Any  # datasets.DatasetDict with train, validation and maybe test
    task: str
    text_column: str
    text_pair_column: str | None
    label_column: str | None
    label_names: list[str] | None
    report: DataReport

    @property
    def id2label(self) -> dict[int, str]:
        return dict(enumerate(self.label_names or []))


def _find_split(splits: Any, wanted: str | None, role: str) -> str | None:
    if wanted is not None:
        if wanted not in splits:
            raise DataError(f"The data has no split called '{wanted}'. Available splits: "
                            f"{', '.join(splits)}.")
        return wanted
    return next((name for name in splits if name.lower() in SPLIT_ALIASES[role]), None)


def prepare(raw: RawData, cfg: RunConfig, max_train_rows: int | None = None) -> Prepared:
    """``max_train_rows``: the server's quota (public mode); applied like a row limit."""
    splits = raw.splits
    report = DataReport(source=raw.source, warnings=list(raw.warnings))
    train_name = _find_split(splits, cfg.train_split, "train")
    assert train_name is not None
    eval_name = _find_split(splits, cfg.eval_split, "validation")
    test_name = _find_split(splits, cfg.test_split, "test")
    if test_name == train_name or test_name == eval_name:
        test_name = None

    text, pair, label = _resolve_columns(raw, splits[train_name], cfg, report)
    names = _label_names(splits, [train_name, eval_name, test_name], label, raw.meta, report) \
        if cfg.task == "classification" else None
    cleaned = {}
    for role, name in (("train", train_name), ("validation", eval_name), ("test", test_name)):
        if name is not None:
            cleaned[role] = _clean(splits[name], role, text, pair, label, names, report)
    if cleaned["train"] is None or len(cleaned["train"]) == 0:
        raise DataError("No usable training rows: every row has an empty text or a missing "
                        "label. Check the column choice.")
    if len(cleaned["train"]) < MIN_TRAIN_ROWS:
        raise DataError(_too_few(len(cleaned["train"])))
    if names is not None:
        present = {n for n, c in _counts(cleaned["train"], names).items() if c > 0}
        if len(present) < 2:
            only = next(iter(present), "?")
            raise DataError(f"The training data has only one class ('{only}'). A classifier "
                            "needs examples of at least two different labels.")
    limits = [n for n in (cfg.max_rows, max_train_rows) if n is not None]
    if limits and len(cleaned["train"]) > min(limits):
        cap = min(limits)
        cleaned["train"] = cleaned["train"].shuffle(seed=cfg.seed).select(range(cap))
        why = "row limit" if cap == cfg.max_rows else "this shared server's quota"
        report.warnings.append(f"Using {cap:,} of the training rows ({why}).")
    if cleaned.get("test") is not None and len(cleaned["test"]) == 0:
        report.warnings.append("The test split has no labelled rows (as in GLUE's test set), "
                               "so it is not used.")
        cleaned.pop("test")
    if cleaned.get("test") is None:
        if len(cleaned["train"]) >= MIN_ROWS_FOR_TEST and cfg.test_fraction > 0:
            cleaned["train"], cleaned["test"] = _carve(cleaned["train"], cfg, report, "test")
        else:
            report.warnings.append(f"No test split, and {len(cleaned['train'])} training rows "
                                   f"are too few to hold one out (it takes {MIN_ROWS_FOR_TEST})"
                                   ": the final score is on the validation split.")
    if cleaned.get("validation") is None or len(cleaned["validation"]) == 0:
        cleaned["train"], cleaned["validation"] = _carve(cleaned["train"], cfg, report,
                                                         "validation")
    if len(cleaned["train"]) < MIN_TRAIN_ROWS:
        raise DataError(_too_few(len(cleaned["train"])))
    from datasets import DatasetDict

    final = DatasetDict({k: v for k, v in cleaned.items() if v is not None})
    report.rows = {k: len(v) for k, v in final.items()}
    if names is not None:
        report.label_counts = {k: _counts(v, names) for k, v in final.items()}
        unseen = [n for n in names if report.label_counts["train"][n] == 0 and any(
            counts[n] for split, counts in report.label_counts.items() if split != "train")]
        if unseen:
            report.warnings.append(f"Labels {_short(unseen)} appear in the evaluation data "
                                   "but never in training: the model cannot learn them.")
    return Prepared(final, cfg.task, text, pair, label, names, report)


def _too_few(rows: int) -> str:
    return (f"Only {rows} usable training row{'s' if rows != 1 else ''}; at least "
            f"{MIN_TRAIN_ROWS} are needed.")


def _resolve_columns(raw: RawData, train: Any, cfg: RunConfig,
                     report: DataReport) -> tuple[str, str | None, str | None]:
    meta = raw.meta
    guess = guess_columns(train, cfg.task)
    text = cfg.text_column or meta.get("text_column") or guess.text
    pair = cfg.text_pair_column or (meta.get("text_pair_column") or guess.text_pair
                                    if cfg.text_column is None and cfg.task != "mlm" else None)
    label = (cfg.label_column or meta.get("label_column") or guess.label
             if cfg.task == "classification" else None)
    if not cfg.text_column and not meta:
        report.reasons.extend(r for r in guess.reasons if cfg.task == "classification"
                              or r.startswith("Text:"))
    columns = list(train.features)
    for role, column in (("text", text), ("second text", pair), ("label", label)):
        if column is not None and column not in columns:
            raise DataError(f"The {role} column '{column}' is not in the data. Columns: "
                            f"{', '.join(columns)}.")
    if text is None:
        raise DataError("No text column found: no column holds text. Columns: "
                        f"{', '.join(columns)}. Choose the text column by hand.")
    for role, column in (("text", text), ("second text", pair)):
        if column is not None and getattr(train.features[column], "dtype", "") not in (
                "string", "large_string"):
            raise DataError(f"The {role} column '{column}' holds "
                            f"{getattr(train.features[column], 'dtype', 'non-text values')}, "
                            "not text. Choose a column with sentences.")
    if cfg.task == "classification" and label is None:
        raise DataError("No label column found. Choose the column with the answers to learn, "
                        "or use the masked-LM task for unlabelled text.")
    if label is not None and label in (text, pair):
        raise DataError(f"'{label}' cannot be both the text and the label column.")
    return text, pair, label


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or \
        (isinstance(value, str) and value.strip() == "")


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _label_names(splits: Any, names: list[str | None], column: str | None,
                 meta: dict[str, Any], report: DataReport) -> list[str]:
    assert column is not None
    feature = splits[names[0]].features[column]
    if type(feature).__name__ == "ClassLabel":
        return list(feature.names)
    if meta.get("labels"):
        return list(meta["labels"])
    values = [v for n in names if n is not None for v in splits[n][column] if not _is_missing(v)]
    ints = [_as_int(v) for v in values]
    if values and all(i is not None for i in ints):
        distinct = sorted(set(ints))  # type: ignore[type-var]
        if distinct != list(range(len(distinct))):
            report.warnings.append(f"Label values {_short(distinct)} were renumbered "
                                   f"0..{len(distinct) - 1} (models need consecutive numbers); "
                                   "the original values are kept as label names.")
        labels = [str(i) for i in distinct]
    elif any(isinstance(v, float) for v in values) and not any(isinstance(v, str) for v in values):
        raise DataError(f"The label column '{column}' holds decimal numbers (e.g. "
                        f"{next(v for v in values if isinstance(v, float))}): that is a score, "
                        "not a category. Choose a column of categories.")
    else:
        strings = {str(v).strip() for v in values}
        if any(not isinstance(v, str) for v in values):
            report.warnings.append(f"The label column '{column}' mixes numbers and text; every "
                                   "label was read as text.")
        folded = Counter(s.lower() for s in strings)
        clashes = sorted(s for s in strings if folded[s.lower()] > 1)
        if clashes:
            report.warnings.append(f"Labels {_short(clashes)} differ only in upper/lower case "
                                   "and count as different classes. Fix the data if they are "
                                   "the same.")
        labels = sorted(strings)
    rows = len(values)
    if len(labels) > 200 or (rows >= 20 and len(labels) > rows // 2):
        raise DataError(f"The label column '{column}' has {len(labels)} different values in "
                        f"{rows} rows: it looks like free text or ids, not categories. Choose "
                        "another label column.")
    return labels


def _short(items: list[Any]) -> str:
    shown = ", ".join(repr(i) if isinstance(i, str) else str(i) for i in items[:8])
    return shown + (", ..." if len(items) > 8 else "")


def _clean(split: Any, role: str, text: str, pair: str | None, label: str | None,
           names: list[str] | None, report: DataReport) -> Any:
    from datasets import ClassLabel, Dataset, Features, Value

    feature = split.features[label] if label else None
    by_name = {n: i for i, n in enumerate(names or [])}
    columns = {c: split[c] for c in (text, pair, label) if c}
    out: dict[str, list[Any]] = {"text": [], "text_pair": [], "label": []}
    empty = missing = cut = 0
    for i in range(len(split)):
        first = columns[text][i]
        second = columns[pair][i] if pair else ""
        if _is_missing(first) or (pair and _is_missing(second)):
            empty += 1
            continue
        if label:
            value = columns[label][i]
            if type(feature).__name__ == "ClassLabel":
                label_id = value if isinstance(value, int) and value >= 0 else None
            elif _is_missing(value):
                label_id = None
            else:
                key = str(_as_int(value)) if _as_int(value) is not None else str(value).strip()
                label_id = by_name.get(key)
            if label_id is None:
                missing += 1
                continue
            out["label"].append(label_id)
        cut += len(first) > MAX_CHARS or (pair is not None and len(second) > MAX_CHARS)
        out["text"].append(first.strip()[:MAX_CHARS])
        out["text_pair"].append(second.strip()[:MAX_CHARS] if pair else None)
    report.dropped[role] = {"empty text": empty, "missing label": missing}
    if empty or missing:
        report.warnings.append(f"{role}: dropped {empty + missing} of {len(split)} rows "
                               f"({empty} with empty text, {missing} without a usable label).")
    if cut:
        report.warnings.append(f"{role}: {cut} very long texts were cut to {MAX_CHARS:,} "
                               "characters.")
    spec: dict[str, Any] = {"text": Value("string")}
    if pair:
        spec["text_pair"] = Value("string")
    else:
        out.pop("text_pair")
    if names is not None:
        spec["label"] = ClassLabel(names=names)
    else:
        out.pop("label")
    return Dataset.from_dict(out, features=Features(spec))


def _counts(split: Any, names: list[str]) -> dict[str, int]:
    counts = Counter(split["label"])
    return {name: counts.get(i, 0) for i, name in enumerate(names)}


def _carve(train: Any, cfg: RunConfig, report: DataReport, role: str) -> tuple[Any, Any]:
    """A held-out split from the training rows: seeded, and stratified by label so a rare
    class is in both parts. A test split is carved first, so validation never overlaps it."""
    fraction = cfg.test_fraction if role == "test" else cfg.validation_fraction
    setattr(report, f"{role}_carved", True)
    size = max(1, round(len(train) * fraction))
    if len(train) - size < MIN_TRAIN_ROWS:
        raise DataError(f"Only {len(train)} usable rows: too few to set some aside for "
                        f"{role}. At least {MIN_TRAIN_ROWS + 2} are needed.")
    stratify = "label" if cfg.task == "classification" else None
    try:
        parts = train.train_test_split(test_size=size, seed=cfg.seed, stratify_by_column=stratify)
    except ValueError:  # a class with a single row cannot be split in proportion
        parts = train.train_test_split(test_size=size, seed=cfg.seed)
        report.warnings.append(f"Some classes are too rare to split evenly; the {role} rows "
                               "were picked at random.")
    report.warnings.append(f"No {role} split: {size} training rows ({fraction:.0%}) were set "
                           f"aside for {role} (seed {cfg.seed}"
                           + (", keeping the label proportions)." if stratify else ")."))
    return parts["train"], parts["test"]
