"""Precision, recall and F1 in one local `evaluate` module (Hub metrics cannot load offline).

One module rather than three because they share the per-class counts (true positives, false
positives, false negatives); an evaluate module is loaded as a standalone file, so three modules
would each repeat that counting.

`average`: "binary" scores class `pos_label` only; "macro" averages the per-class scores with
equal weight; "weighted" weights them by how often each class occurs in the references.
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
            "average: binary | macro | weighted; pos_label: the class scored by binary.",
            features=datasets.Features({"predictions": datasets.Value("int64"),
                                        "references": datasets.Value("int64")}),
        )

    def _compute(self, predictions, references, average="binary", pos_label=1):
        pred, ref = np.asarray(predictions), np.asarray(references)
        classes = np.union1d(pred, ref)
        hit = pred[:, None] == classes[None, :]
        true = ref[:, None] == classes[None, :]
        tp = (hit & true).sum(0).astype(float)
        fp = (hit & ~true).sum(0).astype(float)
        fn = (~hit & true).sum(0).astype(float)
        scores = {"precision": _ratio(tp, tp + fp), "recall": _ratio(tp, tp + fn),
                  "f1": _ratio(2 * tp, 2 * tp + fp + fn)}
        if average == "binary":
            return {k: float(v[classes == pos_label].sum()) for k, v in scores.items()}
        support = true.sum(0).astype(float)
        if average == "weighted" and support.sum() > 0:
            return {k: float((v * support).sum() / support.sum()) for k, v in scores.items()}
        return {k: float(v.mean()) if len(v) else 0.0 for k, v in scores.items()}
