"""Multi-label classification scores as a local `evaluate` module (Hub metrics cannot load
offline, and the Hub's `f1` needs scikit-learn, which the exported scripts do not ship).

Each row is a multi-hot vector: column j is 1 when label j applies. Every label is its own
yes/no question, so the counts (true positives, false positives, false negatives) are kept per
label; "micro" scores pool those counts over all labels (frequent labels weigh more), "macro" F1
averages the per-label F1 with equal weight (rare labels count as much as common ones).

A ratio with a zero denominator is 0, never NaN: in particular a label with no positives in the
references and none predicted scores precision, recall and F1 0 (scikit-learn's
``zero_division=0``), and still counts in the macro average, pulling it down. That is deliberate:
the label set is fixed by the task, and a label the evaluation split never exercises should not
silently vanish from the average of one split but not another.

``exact_match`` is subset accuracy: the share of rows whose whole vector is right.
"""

import datasets
import evaluate
import numpy as np


def _ratio(num, den):
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def _matrix(rows, name):
    """The rows as a boolean (n, labels) matrix; 0/1 only, all rows the same length."""
    lengths = {len(row) for row in rows}
    if len(lengths) > 1:
        raise ValueError(f"{name}: every row needs the same number of labels, got {lengths}")
    matrix = np.asarray(rows, dtype=np.int64).reshape(len(rows), lengths.pop() if rows else 0)
    if not np.isin(matrix, (0, 1)).all():
        raise ValueError(f"{name}: multi-hot rows hold only 0 and 1")
    return matrix.astype(bool)


class Multilabel(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description="Micro/macro F1, micro precision and recall, subset accuracy and "
            "per-label scores of a multi-label classifier.",
            citation="",
            inputs_description="predictions and references: lists of multi-hot rows "
            "(0/1 per label), all of the same length.",
            features=datasets.Features({
                "predictions": datasets.Sequence(datasets.Value("int64")),
                "references": datasets.Sequence(datasets.Value("int64"))}),
        )

    def _compute(self, predictions, references):
        pred = _matrix(predictions, "predictions")
        ref = _matrix(references, "references")
        if pred.shape != ref.shape:
            raise ValueError(f"predictions {pred.shape} and references {ref.shape} differ")
        tp = (pred & ref).sum(0).astype(float)
        fp = (pred & ~ref).sum(0).astype(float)
        fn = (~pred & ref).sum(0).astype(float)
        f1 = _ratio(2 * tp, 2 * tp + fp + fn)
        all_tp, all_fp, all_fn = tp.sum(), fp.sum(), fn.sum()
        micro = np.array([all_tp, all_tp, 2 * all_tp])
        precision_m, recall_m, f1_m = _ratio(
            micro, np.array([all_tp + all_fp, all_tp + all_fn, 2 * all_tp + all_fp + all_fn]))
        return {
            "f1_micro": float(f1_m), "f1_macro": float(f1.mean()) if len(f1) else 0.0,
            "precision_micro": float(precision_m), "recall_micro": float(recall_m),
            "exact_match": float((pred == ref).all(1).mean()) if len(ref) else 0.0,
            "per_label_precision": _ratio(tp, tp + fp).tolist(),
            "per_label_recall": _ratio(tp, tp + fn).tolist(),
            "per_label_f1": f1.tolist(),
            "per_label_support": [int(s) for s in ref.sum(0)],
        }
