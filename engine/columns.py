"""Guess which columns hold the text (or the sentence pair) and which holds the label.

The guess is only a starting point the user can override; it explains itself in ``reasons`` so the
UI can say *why* a column was picked. Heuristics, in order: a ClassLabel column is the label;
well-known names (``label``, ``sentence1``/``sentence2``, ``premise``/``hypothesis``...) win; then
a low-cardinality column is the label and the longest string column is the text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LABEL_NAMES = ("label", "labels", "target", "class", "category", "sentiment", "topic", "intent",
               "y", "gold_label", "coarse_label", "fine_label")
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
    label = label_candidates[0] if task == "classification" and label_candidates else None
    if label:
        why = ("it is a class-label column" if _is_classlabel(features[label])
               else "of its name" if label.lower() in LABEL_NAMES
               else "it has few distinct values")
        reasons.append(f"Label: '{label}' because {why}.")

    texts = [n for n in strings if n != label]
    text, pair = None, None
    if task == "classification":
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
    return ColumnGuess(text, pair, label, strings, label_candidates, reasons)


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
