"""Labels: what a label column holds and how each value becomes the stored label.

One class per row (a ``ClassLabel``), several per row (a multi-hot row of floats; the names
come from lists, JSON arrays or "a;b" strings), or a number (regression). Also the checks that
make data unlearnable (one class, one score) and the counts the Data tab and the imbalance
warning read. ``prepare`` calls these; they never decide which column is the label.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import DataError
from .columns import is_missing, label_set, separator_of

if TYPE_CHECKING:
    from .prepare import DataReport

IMBALANCE = 3.0  # largest class at least this many times the smallest: say so


def check_learnable(task: str, train: Any, names: list[str] | None) -> None:
    """Refuse data a model of this task cannot learn anything from."""
    if task == "regression":
        values = set(column_values(train, "label"))
        if len(values) < 2:
            raise DataError("data.one_score", value=next(iter(values)))
        return
    if names is None:
        return
    present = {n for n, c in class_counts(train, names).items() if c > 0}
    if task == "multilabel" and len(present) < 2:
        raise DataError("data.multilabel_one_label" if len(present) == 1 else
                        "data.multilabel_no_labels", count=len(present),
                        labels=short(sorted(present)))
    if len(present) < 2:
        only = next(iter(present), "?")
        raise DataError("data.one_class", label=only)


def warn_imbalance(counts: dict[str, int], report: DataReport) -> None:
    present = {n: c for n, c in counts.items() if c > 0}
    big, small = max(present, key=present.__getitem__), min(present, key=present.__getitem__)
    ratio = present[big] / present[small]
    if ratio >= IMBALANCE:
        report.warnings.append(
            f"The classes are imbalanced: '{big}' has {present[big]} training rows, '{small}' "
            f"only {present[small]} ({ratio:.1f}x). A model may learn to ignore the small "
            "classes; set Class weighting to balanced (Train tab, more settings) and judge it "
            "by macro-F1.")


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def class_names(splits: Any, names: list[str], column: str | None,
                meta: dict[str, Any], report: DataReport) -> list[str]:
    if column is None:
        raise DataError("data.no_label_column")
    feature = splits[names[0]].features[column]
    if type(feature).__name__ == "ClassLabel":
        return list(feature.names)
    if meta.get("labels"):
        return list(meta["labels"])
    values = [v for n in names if n is not None for v in column_values(splits[n], column)
              if not is_missing(v)]
    ints = [as_int(v) for v in values]
    if values and all(i is not None for i in ints):
        distinct = sorted(set(ints))  # type: ignore[type-var]
        if distinct != list(range(len(distinct))):
            report.warnings.append(f"Label values {short(distinct)} were renumbered "
                                   f"0..{len(distinct) - 1} (models need consecutive numbers); "
                                   "the original values are kept as label names.")
        labels = [str(i) for i in distinct]
    elif any(isinstance(v, float) for v in values) and not any(isinstance(v, str) for v in values):
        raise DataError("data.decimal_labels", column=column,
                        example=next(v for v in values if isinstance(v, float)))
    else:
        strings = {str(v).strip() for v in values}
        if any(not isinstance(v, str) for v in values):
            report.warnings.append(f"The label column '{column}' mixes numbers and text; every "
                                   "label was read as text.")
        folded = Counter(s.lower() for s in strings)
        clashes = sorted(s for s in strings if folded[s.lower()] > 1)
        if clashes:
            report.warnings.append(f"Labels {short(clashes)} differ only in upper/lower case "
                                   "and count as different classes. Fix the data if they are "
                                   "the same.")
        labels = sorted(strings)
    rows = len(values)
    if len(labels) > 200 or (rows >= 20 and len(labels) > rows // 2):
        raise DataError("data.too_many_classes_numbers" if all(i is not None for i in ints)
                        else "data.too_many_classes", column=column, count=len(labels),
                        rows=rows)
    return labels


def label_sets(splits: Any, names: list[str], column: str | None, meta: dict[str, Any],
                report: DataReport) -> tuple[str | None, list[str]]:
    """Multi-label: (how each row's labels are joined, every label name, sorted)."""
    if column is None:
        raise DataError("data.multilabel_no_column")
    values = [v for n in names for v in column_values(splits[n], column) if not is_missing(v)]
    separator = separator_of(values)
    sets = [label_set(v, separator) for v in values]
    found = sorted({name for labels in sets if labels for name in labels})
    if separator is None and not any(isinstance(v, list | tuple) for v in values):
        report.warnings.append(f"No row of '{column}' lists several labels (joined by ';', "
                               "'|' or ',', or as a JSON list): every text has exactly one. "
                               "Single-label classification may suit this data better.")
    elif separator not in (None, "json"):
        report.reasons.append(f"Labels: each row of '{column}' lists its labels separated by "
                              f"'{separator}'.")
    labels = list(meta.get("labels") or found)
    if len(labels) > 200:
        raise DataError("data.too_many_labels", column=column, count=len(labels))
    return separator, labels


@dataclass(frozen=True)
class LabelReader:
    """How a raw label value becomes the stored label, and the stored label's type."""

    read: Callable[[Any], Any]  # value -> class id, multi-hot row or float; None: unusable
    feature: Any  # datasets feature of the cleaned ``label`` column


def label_reader(task: str, feature: Any, names: list[str] | None,
                  separator: str | None) -> LabelReader:
    from datasets import ClassLabel, Sequence, Value

    by_name = {n: i for i, n in enumerate(names or [])}

    def classify(value: Any) -> int | None:
        if type(feature).__name__ == "ClassLabel":
            return value if isinstance(value, int) and value >= 0 else None
        if is_missing(value):
            return None
        key = str(as_int(value)) if as_int(value) is not None else str(value).strip()
        return by_name.get(key)

    def multi(value: Any) -> list[float] | None:
        found = label_set(value, separator)
        if found is None or any(n not in by_name for n in found):
            return None
        row = [0.0] * len(by_name)
        for n in found:
            row[by_name[n]] = 1.0
        return row

    def number(value: Any) -> float | None:
        if is_missing(value) or isinstance(value, bool):
            return None
        try:
            out = float(value.strip() if isinstance(value, str) else value)
        except (TypeError, ValueError):
            return None
        return out if out == out and abs(out) != float("inf") else None

    if task == "multilabel":
        return LabelReader(multi, Sequence(Value("float32"), length=len(by_name)))
    if task == "regression":
        return LabelReader(number, Value("float32"))
    return LabelReader(classify, ClassLabel(names=list(names or [])))


def column_values(split: Any, name: str) -> list[Any]:
    """A column as a Python list in one Arrow conversion. ``split[name]`` is a lazy column in
    datasets 4+, and iterating it converts row by row: on 100,000 rows that cost 15 s of a
    21 s preparation (bench/upload.py)."""
    values: list[Any] = split.select_columns([name]).to_dict()[name]
    return values


def short(items: list[Any]) -> str:
    shown = ", ".join(repr(i) if isinstance(i, str) else str(i) for i in items[:8])
    return shown + (", ..." if len(items) > 8 else "")


def class_counts(split: Any, names: list[str]) -> dict[str, int]:
    """Rows per class; for multi-label, rows carrying each label."""
    values = column_values(split, "label")
    if values and isinstance(values[0], list):
        return {name: int(sum(row[i] for row in values)) for i, name in enumerate(names)}
    counts = Counter(values)
    return {name: counts.get(i, 0) for i, name in enumerate(names)}
