"""Precision, recall and F1 in one local `evaluate` module (Hub metrics cannot load offline).

One module rather than three because they share the per-class counts (true positives, false
positives, false negatives); an evaluate module is loaded as a standalone file, so three modules
would each repeat that counting.

`average`: "binary" scores class `pos_label` only; "macro" averages the per-class scores with
equal weight; "weighted" weights them by how often each class occurs in the references; None
returns the per-class lists themselves plus each class's `support` (its count in the references),
for the per-class table of a run.

The classes scored are those seen in the predictions or references, unless `num_classes` is
given: then they are exactly 0 .. num_classes-1, so that a class absent from this split still
gets its row (scores 0, support 0) and list index == class id. With `average=None` and no
`num_classes` the lists run over 0 .. the largest id seen, for the same reason.
"""

import datasets
import evaluate
import numpy as np


def _ratio(num, den):
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


class PrecisionRecallF1(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description="Precision, recall and F1 of a classifier.",
            citation="",
            inputs_description="predictions and references: lists of integer class ids; "
            "average: binary | macro | weighted | None (per-class lists); pos_label: the class "
            "scored by binary; num_classes: score classes 0..num_classes-1.",
            features=datasets.Features({"predictions": datasets.Value("int64"),
                                        "references": datasets.Value("int64")}),
        )

    def _compute(self, predictions, references, average="binary", pos_label=1, num_classes=None):
        pred, ref = np.asarray(predictions, dtype=np.int64), np.asarray(references, dtype=np.int64)
        classes = np.union1d(pred, ref)
        if average is None and num_classes is None:
            num_classes = int(classes.max()) + 1 if len(classes) else 0
        if num_classes is not None:
            outside = classes[(classes < 0) | (classes >= num_classes)]
            if len(outside):
                raise ValueError(f"class ids {outside.tolist()} are outside 0..{num_classes - 1}")
            classes = np.arange(num_classes)
        hit = pred[:, None] == classes[None, :]
        true = ref[:, None] == classes[None, :]
        tp = (hit & true).sum(0).astype(float)
        fp = (hit & ~true).sum(0).astype(float)
        fn = (~hit & true).sum(0).astype(float)
        scores = {"precision": _ratio(tp, tp + fp), "recall": _ratio(tp, tp + fn),
                  "f1": _ratio(2 * tp, 2 * tp + fp + fn)}
        if average == "binary":
            return {k: float(v[classes == pos_label].sum()) for k, v in scores.items()}
        if average is None:
            return {**{k: v.tolist() for k, v in scores.items()},
                    "support": [int(s) for s in true.sum(0)]}
        support = true.sum(0).astype(float)
        if average == "weighted" and support.sum() > 0:
            return {k: float((v * support).sum() / support.sum()) for k, v in scores.items()}
        return {k: float(v.mean()) if len(v) else 0.0 for k, v in scores.items()}
