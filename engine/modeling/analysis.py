"""Error analysis: every scored row of a finished run with what the model said, and the ways to
look at its mistakes.

A single accuracy number does not say what to fix. At the end of a labelled run the studio
keeps, for the split it was scored on (test, else validation), one row per text: the gold
answer, the model's answer, and how sure it was (``predictions.jsonl`` in the run folder). From
it the Try-it tab filters the mistakes by a confusion-matrix cell and sorts them by confidence:
the most confident mistakes are where the data or the labels are most often wrong.

Row shapes by task (``gold``/``predicted`` are label names, lists of names, or numbers):
classification ``confidence`` = probability of the predicted class; multi-label ``scores`` =
each label's probability and ``confidence`` = how far from the threshold the most certain wrong
label was (a right row: the least certain label); regression ``error`` = predicted - gold.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .metrics import confusion_matrix, per_class_table, per_label_table, sigmoid

COLUMNS = ("text", "text_pair", "gold", "predicted", "confidence", "error", "correct")


@dataclass(frozen=True)
class ErrorAnalysis:
    """What the Try-it tab shows about a finished run's mistakes, read once."""

    task: str
    split: str  # the split the rows come from: test, else validation
    label_names: list[str]
    per_class: list[dict[str, Any]]  # precision / recall / F1 / support per class or label
    confusion: list[list[int]] | None  # [gold][predicted] counts; one class per row only
    rows: int
    wrong: int

    @classmethod
    def of(cls, task: str, metrics: dict[str, Any], rows: list[dict[str, Any]]) -> ErrorAnalysis:
        split = "test" if "test" in metrics else "validation"
        scores = metrics.get(split, {})
        return cls(task, split, list(metrics.get("label_names") or []),
                   list(scores.get("per_class") or []), scores.get("confusion_matrix"),
                   len(rows), sum(not r["correct"] for r in rows))


def prediction_rows(task: str, split: Any, logits: Any, label_names: list[str] | None,
                    threshold: float = 0.5) -> list[dict[str, Any]]:
    """One row per text of ``split`` (a prepared split: text, text_pair, label)."""
    logits = np.asarray(logits, dtype=np.float64)
    texts = split["text"]
    pairs = split["text_pair"] if "text_pair" in split.column_names else [None] * len(texts)
    golds = split["label"]
    names = label_names or []
    rows = []
    for i, (text, pair, gold) in enumerate(zip(texts, pairs, golds, strict=True)):
        row: dict[str, Any] = {"row": i, "text": text, "text_pair": pair}
        if task == "regression":
            predicted = float(logits[i].reshape(-1)[0])
            row.update(gold=round(float(gold), 4), predicted=round(predicted, 4),
                       error=round(predicted - float(gold), 4))
            row["correct"] = abs(row["error"]) <= 0.5
        elif task == "multilabel":
            probs = sigmoid(logits[i])
            chosen = [n for n, p in zip(names, probs, strict=True) if p >= threshold]
            wanted = [n for n, g in zip(names, gold, strict=True) if g >= 0.5]
            margins = np.abs(probs - threshold)
            wrong = [j for j, n in enumerate(names) if (n in chosen) != (n in wanted)]
            row.update(gold=wanted, predicted=chosen, correct=not wrong,
                       scores={n: round(float(p), 4) for n, p in zip(names, probs, strict=True)},
                       confidence=round(float(margins[wrong].max() if wrong
                                              else margins.min()), 4))
        else:
            shifted = np.exp(logits[i] - logits[i].max())
            probs = shifted / shifted.sum()
            best = int(probs.argmax())
            row.update(gold=names[int(gold)], predicted=names[best],
                       confidence=round(float(probs[best]), 6), correct=best == int(gold))
        rows.append(row)
    return rows


def breakdown(task: str, logits: Any, references: Any, label_names: list[str] | None,
              threshold: float = 0.5) -> dict[str, Any]:
    """A split's per-label table (precision, recall, F1, support per class or label) and, for
    one class per row, its confusion matrix. Regression has neither."""
    names = label_names or []
    logits = np.asarray(logits)
    if task == "classification":
        predicted = logits.argmax(-1)
        return {"per_class": per_class_table(predicted, references, names),
                "confusion_matrix": confusion_matrix(predicted, references, len(names))}
    if task == "multilabel":
        chosen = (sigmoid(logits) >= threshold).astype(int)
        return {"per_class": per_label_table(chosen, np.rint(references).astype(int), names)}
    return {}


def write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    tmp.replace(path)


def read_rows(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def mistakes(rows: list[dict[str, Any]], gold: str | None = None,
             predicted: str | None = None) -> list[dict[str, Any]]:
    """The wrong rows, most confident first (regression: largest error first). ``gold`` and
    ``predicted`` pick one confusion-matrix cell (classification) or one label (multi-label:
    rows where that label was missed (``gold``) or wrongly given (``predicted``))."""
    wrong = [r for r in rows if not r["correct"]]
    if gold is not None:
        wrong = [r for r in wrong if _has(r["gold"], gold) and not (
            isinstance(r["gold"], list) and _has(r["predicted"], gold))]
    if predicted is not None:
        wrong = [r for r in wrong if _has(r["predicted"], predicted) and not (
            isinstance(r["predicted"], list) and _has(r["gold"], predicted))]
    if wrong and "error" in wrong[0]:
        return sorted(wrong, key=lambda r: -abs(r["error"]))
    return sorted(wrong, key=lambda r: -r["confidence"])


def _has(value: Any, name: str) -> bool:
    return name in value if isinstance(value, list) else value == name


def to_csv(rows: list[dict[str, Any]], path: Path) -> Path:
    """The rows as CSV (a spreadsheet opens it): lists joined by ';'."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([";".join(v) if isinstance(v, list) else "" if v is None else v
                             for v in (row.get(c) for c in COLUMNS)])
    return path
