"""The studio's scores (classification, multi-label, regression) through `evaluate`, from the local
modules in this folder.

`evaluate.load("accuracy")` fetches from the Hub and fails offline, so the studio ships its own
modules and loads them by path. `compute_classification_metrics`, `compute_regression_metrics`
and `compute_multilabel_metrics` are what the Trainer's `compute_metrics` calls (scalars only);
`per_class_table` and `per_label_table` are the per-label rows a run report shows;
`confusion_matrix` feeds the Try-it tab; `perplexity` is the masked-LM score. This package is the
one definition of these scores: the export copies it next to the standalone scripts, which
import it, so it must never import the studio and needs only numpy, evaluate and datasets.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypedDict

import numpy as np

HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def _module(name: str) -> Any:
    import evaluate

    return evaluate.load(str(HERE / name))


class ScoreRow(TypedDict):
    """One label's row of a per-class (or per-label) table."""

    label: str
    precision: float
    recall: float
    f1: float
    support: int


def sigmoid(x: Any) -> np.ndarray:
    """1 / (1 + e^-x), computed from e^-|x| so large logits neither overflow nor warn, and
    very negative ones keep their relative precision."""
    x = np.asarray(x, dtype=np.float64)
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


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


def compute_regression_metrics(predictions: Any, references: Any) -> dict[str, float]:
    """mse, mae, pearson, spearman. A regression head outputs shape (n, 1): it is flattened."""
    preds = np.asarray(predictions, dtype=np.float64).reshape(-1).tolist()
    refs = np.asarray(references, dtype=np.float64).reshape(-1).tolist()
    out = _module("regression").compute(predictions=preds, references=refs)
    return {k: float(v) for k, v in out.items()}


def _multi_hot(rows: Any) -> list[list[int]]:
    return np.rint(np.asarray(rows, dtype=np.float64)).astype(np.int64).tolist()


def compute_multilabel_metrics(logits: Any, references: Any,
                               threshold: float = 0.5) -> dict[str, float]:
    """f1_micro, f1_macro, precision_micro, recall_micro, exact_match: the scalars a Trainer
    logs. Each label is on when sigmoid(logit) >= threshold; references may be the float 0/1
    rows a BCE loss trains on."""
    predicted = (sigmoid(logits) >= threshold).astype(np.int64).tolist()
    out = _module("multilabel").compute(predictions=predicted, references=_multi_hot(references))
    return {k: float(v) for k, v in out.items() if not k.startswith("per_label_")}


def _rows(scores: dict[str, Any], label_names: list[str]) -> list[ScoreRow]:
    if len(scores["support"]) != len(label_names):
        raise ValueError(f"{len(label_names)} label names for {len(scores['support'])} labels")
    return [ScoreRow(label=name, precision=float(p), recall=float(r), f1=float(f),
                     support=int(s))
            for name, p, r, f, s in zip(label_names, scores["precision"], scores["recall"],
                                        scores["f1"], scores["support"], strict=True)]


def per_class_table(predictions: Any, references: Any, label_names: list[str]) -> list[ScoreRow]:
    """Single-label classification: one row per label, in label-id order, including labels
    this split never shows (scores 0, support 0), so tables of different runs line up."""
    scores = _module("precision_recall_f1").compute(
        predictions=[int(p) for p in predictions], references=[int(r) for r in references],
        average=None, num_classes=len(label_names))
    return _rows(scores, label_names)


def per_label_table(predicted_multi_hot: Any, references_multi_hot: Any,
                    label_names: list[str]) -> list[ScoreRow]:
    """Multi-label classification: one row per label (column), in column order."""
    out = _module("multilabel").compute(predictions=_multi_hot(predicted_multi_hot),
                                        references=_multi_hot(references_multi_hot))
    scores = {k.removeprefix("per_label_"): v for k, v in out.items()
              if k.startswith("per_label_")}
    return _rows(scores, label_names)


def compute_metrics_for(task: str, num_labels: int,
                        threshold: float = 0.5) -> Callable[[Any], dict[str, float]]:
    """The Trainer's ``compute_metrics`` for a labelled task, from (logits, references): the
    studio's Trainer and the exported scripts both take it from here."""
    def compute(eval_pred: Any) -> dict[str, float]:
        logits, references = eval_pred[0], eval_pred[1]
        if task == "regression":
            return compute_regression_metrics(logits, references)
        if task == "multilabel":
            return compute_multilabel_metrics(logits, references, threshold)
        return compute_classification_metrics(np.asarray(logits).argmax(-1), references,
                                              num_labels)
    return compute


def confusion_matrix(predictions: Any, references: Any, num_labels: int) -> list[list[int]]:
    """matrix[true][predicted] counts."""
    matrix = [[0] * num_labels for _ in range(num_labels)]
    for p, r in zip(predictions, references, strict=True):
        matrix[int(r)][int(p)] += 1
    return matrix


def perplexity(eval_loss: float) -> float:
    """exp(mean cross-entropy of the masked tokens); capped so JSON never sees inf."""
    return math.exp(min(eval_loss, 50.0))
