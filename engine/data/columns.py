"""Guess which columns hold the text (or the sentence pair) and which holds the label, and what
kind of label it is.

The guess is only a starting point the user can override; it explains itself in ``reasons`` so the
UI can say *why* a column was picked. Heuristics, in order: a ClassLabel column is the label;
well-known names (``label``, ``sentence1``/``sentence2``, ``premise``/``hypothesis``...) win; then
a low-cardinality column, a column of label lists, or a column of many numbers is the label, and
the longest string column is the text. ``label_kind`` reads a label column's values: one class
per row, several (a list, or "billing;shipping"), or a number to predict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

LABEL_NAMES = ("label", "labels", "target", "class", "category", "sentiment", "topic", "intent",
               "y", "gold_label", "coarse_label", "fine_label", "tags", "topics", "categories",
               "score", "rating", "stars")
SEPARATORS = (";", "|", ",")  # between the labels of one row, in order of preference
MIN_REGRESSION_VALUES = 30  # more distinct whole numbers than this: a score, not categories
TEXT_NAMES = ("text", "sentence", "review", "content", "body", "message", "document", "tweet",
              "comment", "utterance", "question", "title", "abstract", "description")
PAIRS = (("sentence1", "sentence2"), ("question1", "question2"), ("premise", "hypothesis"),
         ("question", "sentence"), ("text_a", "text_b"), ("sentence_a", "sentence_b"),
         ("text1", "text2"), ("query", "passage"), ("question", "passage"),
         ("sentence", "sentence2"), ("anchor", "positive"))
ID_NAMES = ("id", "idx", "index", "uuid", "guid", "_id", "row_id")


@dataclass
class ColumnGuess:
    text: str | None
    text_pair: str | None
    label: str | None
    string_columns: list[str] = field(default_factory=list)
    label_candidates: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    label_kind: str | None = None  # the guessed label's kind: classification, multilabel...


def _is_string(feature: Any) -> bool:
    return getattr(feature, "dtype", None) in ("string", "large_string")


def _is_classlabel(feature: Any) -> bool:
    return type(feature).__name__ == "ClassLabel"


def _is_int(feature: Any) -> bool:
    return str(getattr(feature, "dtype", "")).startswith(("int", "uint", "bool"))


def guess_columns(dataset: Any, task: str = "classification", sample: int = 500) -> ColumnGuess:
    """Look at the features and up to ``sample`` rows of one split and guess the roles."""
    features = dataset.features
    rows = dataset.select(range(min(sample, len(dataset))))
    lowered = {name.lower(): name for name in features}
    strings = [n for n, f in features.items() if _is_string(f) and n.lower() not in ID_NAMES]
    reasons: list[str] = []

    label_candidates = [n for n, f in features.items() if _is_classlabel(f)]
    label_candidates += [lowered[n] for n in LABEL_NAMES
                         if n in lowered and lowered[n] not in label_candidates]
    for name, feature in features.items():
        if name in label_candidates or name.lower() in ID_NAMES:
            continue
        if (_is_int(feature) or _is_string(feature)) and _low_cardinality(rows[name]):
            label_candidates.append(name)
        elif label_kind(rows[name]) in ("multilabel", "regression"):
            label_candidates.append(name)
    label = label_candidates[0] if task != "mlm" and label_candidates else None
    kind = None
    if label:
        kind = "classification" if _is_classlabel(features[label]) else label_kind(rows[label])
        why = ("it is a class-label column" if _is_classlabel(features[label])
               else "of its name" if label.lower() in LABEL_NAMES
               else "it holds lists of labels" if kind == "multilabel"
               else "it holds many different numbers" if kind == "regression"
               else "it has few distinct values")
        reasons.append(f"Label: '{label}' because {why}.")

    texts = [n for n in strings if n != label]
    text, pair = None, None
    if task != "mlm":
        for first, second in PAIRS:
            if first in lowered and second in lowered and lowered[first] in texts \
                    and lowered[second] in texts:
                text, pair = lowered[first], lowered[second]
                reasons.append(f"Text pair: '{text}' + '{pair}' (a known sentence-pair layout).")
                break
    if text is None and texts:
        named = [lowered[n] for n in TEXT_NAMES if n in lowered and lowered[n] in texts]
        text = named[0] if named else max(texts, key=lambda n: _mean_length(rows[n]))
        reasons.append(f"Text: '{text}' because " + ("of its name." if named else
                                                      "it has the longest texts."))
    return ColumnGuess(text, pair, label, strings, label_candidates, reasons, kind)


def label_kind(values: Any) -> str | None:
    """What a label column's values ask for: ``multilabel`` (lists, JSON arrays, or labels
    joined by ';', '|' or ','), ``regression`` (numbers with decimals, or more than
    ``MIN_REGRESSION_VALUES`` different whole numbers), else ``classification``. ``None`` for
    an empty column."""
    present = [v for v in values if not is_missing(v)]
    if not present:
        return None
    if any(isinstance(v, list | tuple) for v in present) or separator_of(present) is not None:
        return "multilabel"
    numbers = [_number(v) for v in present]
    if all(n is not None for n in numbers):
        if any(not float(n).is_integer() for n in numbers if n is not None):
            return "regression"
        if len(set(numbers)) > MIN_REGRESSION_VALUES:
            return "regression"
    return "classification"


def separator_of(values: list[Any]) -> str | None:
    """How one row's labels are joined, when they are: JSON arrays ("json"), or the first
    separator in ``SEPARATORS`` that appears in at least a tenth of the rows and splits them
    into a small vocabulary (so "yes, definitely" among single labels is not taken apart)."""
    strings = [v.strip() for v in values if isinstance(v, str) and v.strip()]
    if not strings:
        return None
    if sum(s.startswith("[") and s.endswith("]") for s in strings) >= len(strings) * 0.9:
        return "json"
    for sep in SEPARATORS:
        joined = [s for s in strings if sep in s]
        if len(joined) < max(2, len(strings) // 10):
            continue
        parts = {p.strip() for s in joined for p in s.split(sep) if p.strip()}
        whole = set(strings) - set(joined)
        vocabulary = parts | whole
        # a real label list reuses names that also stand alone ("billing;shipping" next to
        # "shipping"), or names fewer things than the joined strings do
        if len(vocabulary) <= 50 and all(len(p) <= 40 for p in parts) and (
                parts & whole or len(parts) < len(set(joined))):
            return sep
    return None


def label_set(value: Any, separator: str | None) -> list[str] | None:
    """One row's labels as a list of names (``None`` when the value cannot be read)."""
    if is_missing(value):
        return None
    if isinstance(value, list | tuple):
        items = list(value)
    elif separator == "json" and isinstance(value, str):
        try:
            items = json.loads(value)
        except json.JSONDecodeError:
            return None
        if not isinstance(items, list):
            return None
    elif separator is not None and isinstance(value, str):
        items = value.split(separator)
    else:
        items = [value]
    names = sorted({str(i).strip() for i in items if not is_missing(i) and str(i).strip()})
    return names


def is_missing(value: Any) -> bool:
    """None, NaN, or only whitespace: no value at all."""
    return value is None or (isinstance(value, float) and value != value) or \
        (isinstance(value, str) and not value.strip())


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _low_cardinality(values: Any) -> bool:
    """Few distinct short values: a category (a constant column counts, so that one-class data
    is reported as such instead of being mistaken for unlabelled text)."""
    present = [v for v in values if v is not None and v == v and v != ""]
    if len(present) < 2:
        return False
    distinct = {str(v) for v in present}
    short = all(len(str(v)) <= 40 for v in list(distinct)[:200])
    return short and len(distinct) <= max(2, min(100, len(present) // 3))


def _mean_length(values: Any) -> float:
    items = [len(v) for v in values if isinstance(v, str)]
    return sum(items) / len(items) if items else 0.0
