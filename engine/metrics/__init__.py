"""Classification metrics through `evaluate`, from the local modules in this folder.

`evaluate.load("accuracy")` fetches from the Hub and fails offline, so the studio ships its own
modules and loads them by path. `compute_classification_metrics` is what the Trainer's
`compute_metrics` calls; `confusion_matrix` feeds the Try-it tab.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def _module(name: str) -> Any:
    import evaluate

    return evaluate.load(str(HERE / name))


def compute_classification_metrics(predictions: Any, references: Any,
                                   num_labels: int) -> dict[str, float]:
    """accuracy, f1, precision, recall (binary for 2 classes, else macro) and f1_macro."""
    preds = [int(p) for p in predictions]
    refs = [int(r) for r in references]
    out = dict(_module("accuracy").compute(predictions=preds, references=refs))
    prf = _module("precision_recall_f1")
    average = "binary" if num_labels == 2 else "macro"
    out.update(prf.compute(predictions=preds, references=refs, average=average))
    out["f1_macro"] = prf.compute(predictions=preds, references=refs, average="macro")["f1"]
    return {k: float(v) for k, v in out.items()}


def confusion_matrix(predictions: Any, references: Any, num_labels: int) -> list[list[int]]:
    """matrix[true][predicted] counts."""
    matrix = [[0] * num_labels for _ in range(num_labels)]
    for p, r in zip(predictions, references, strict=True):
        matrix[int(r)][int(p)] += 1
    return matrix


def perplexity(eval_loss: float) -> float:
    """exp(mean cross-entropy of the masked tokens); capped so JSON never sees inf."""
    return math.exp(min(eval_loss, 50.0))
