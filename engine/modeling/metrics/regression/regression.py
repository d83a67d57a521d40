"""Regression scores (MSE, MAE, Pearson, Spearman) as a local `evaluate` module.

Why it exists: the Hub's `mse`, `pearsonr` and `spearmanr` modules cannot be loaded offline, and
the correlation ones need scipy, which neither the studio nor the exported scripts may require.
Everything here is numpy.

Spearman is the Pearson correlation of the ranks, ties sharing their average rank (as scipy
does). A constant input has no variance, so its correlation is undefined; it is reported as 0.0
rather than NaN, because NaN cannot be charted, compared as "best", or written to strict JSON.
"""

import datasets
import evaluate
import numpy as np


def _ranks(values):
    """1-based ranks; each run of equal values gets the mean of the ranks it spans."""
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    counts = np.diff(np.r_[starts, len(values)])
    average = starts + (counts + 1) / 2.0  # mean of ranks starts+1 .. starts+counts
    ranks = np.empty(len(values), dtype=float)
    ranks[order] = np.repeat(average, counts)
    return ranks


def _pearson(x, y):
    """Pearson's r; 0.0 when either side is constant (or has fewer than two values)."""
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return 0.0
    dx, dy = x - x.mean(), y - y.mean()
    r = (dx * dy).sum() / np.sqrt((dx * dx).sum() * (dy * dy).sum())
    return float(np.clip(r, -1.0, 1.0))  # rounding can step just past +-1


class Regression(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description="Mean squared error, mean absolute error, Pearson and Spearman "
            "correlation of a regressor.",
            citation="",
            inputs_description="predictions and references: lists of floats of equal length.",
            features=datasets.Features({"predictions": datasets.Value("float64"),
                                        "references": datasets.Value("float64")}),
        )

    def _compute(self, predictions, references):
        pred = np.asarray(predictions, dtype=float)
        ref = np.asarray(references, dtype=float)
        if len(ref) == 0:
            return {"mse": 0.0, "mae": 0.0, "pearson": 0.0, "spearman": 0.0}
        error = pred - ref
        return {"mse": float((error * error).mean()), "mae": float(np.abs(error).mean()),
                "pearson": _pearson(pred, ref), "spearman": _pearson(_ranks(pred), _ranks(ref))}
