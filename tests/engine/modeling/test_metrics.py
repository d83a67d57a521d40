"""The studio's scores agree with independent implementations (scikit-learn, scipy: allowed here,
never in the package), keep their edge cases finite, and the package stands alone the way the
export uses it: copied as ``metrics/`` and imported with no studio on the path."""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import special, stats
from sklearn import metrics as sk

from engine.modeling import metrics
from engine.modeling.metrics import (
    compute_classification_metrics,
    compute_multilabel_metrics,
    compute_regression_metrics,
    per_class_table,
    per_label_table,
    sigmoid,
)

PACKAGE = Path(metrics.__file__).resolve().parent
ALLOWED_THIRD_PARTY = {"numpy", "evaluate", "datasets"}


def _load(name: str):
    """A module file imported directly, to test its helpers without evaluate in between."""
    spec = importlib.util.spec_from_file_location(f"_test_{name}", PACKAGE / name / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- regression ------------------------------------------------------------------------------

def _reference_regression(pred, ref) -> dict[str, float]:
    return {"mse": sk.mean_squared_error(ref, pred), "mae": sk.mean_absolute_error(ref, pred),
            "pearson": stats.pearsonr(pred, ref).statistic,
            "spearman": stats.spearmanr(pred, ref).statistic}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_regression_matches_sklearn_and_scipy(seed):
    rng = np.random.default_rng(seed)
    ref = rng.normal(size=40)
    pred = ref + rng.normal(scale=0.7, size=40)
    assert compute_regression_metrics(pred, ref) == pytest.approx(
        _reference_regression(pred, ref), rel=1e-9, abs=1e-12)


def test_regression_ties_get_average_ranks_like_scipy():
    rng = np.random.default_rng(3)
    ref = rng.integers(0, 4, size=50).astype(float)  # many ties on both sides
    pred = (ref + rng.integers(-1, 2, size=50)).astype(float)
    got = compute_regression_metrics(pred, ref)
    assert got == pytest.approx(_reference_regression(pred, ref), rel=1e-9)
    ranks = _load("regression")._ranks
    for values in (ref, pred, np.array([2.0, 1.0, 2.0, 2.0, -5.0]), np.array([7.0])):
        np.testing.assert_allclose(ranks(values), stats.rankdata(values, method="average"))


def test_regression_flattens_a_single_output_head_and_spearman_sees_only_order():
    ref = np.arange(1.0, 9.0)
    logits = (ref ** 3).reshape(-1, 1).astype(np.float32)  # what a num_labels=1 head returns
    got = compute_regression_metrics(logits, ref)
    assert got["spearman"] == pytest.approx(1.0)
    assert got["pearson"] < 0.95
    assert got == pytest.approx(_reference_regression(logits.ravel().astype(float), ref))


@pytest.mark.parametrize("pred,ref", [([0.1, 0.1, 0.1, 0.1], [1.0, 2.0, 3.0, 4.0]),
                                      ([1.0, 2.0, 3.0, 4.0], [3.3, 3.3, 3.3, 3.3]),
                                      ([5.0], [4.0])])
def test_regression_constant_or_single_input_correlates_zero_not_nan(pred, ref):
    got = compute_regression_metrics(pred, ref)
    assert got["pearson"] == 0.0 and got["spearman"] == 0.0
    assert got["mse"] == pytest.approx(sk.mean_squared_error(ref, pred))
    assert got["mae"] == pytest.approx(sk.mean_absolute_error(ref, pred))
    assert all(np.isfinite(v) for v in got.values())


# --- multi-label -----------------------------------------------------------------------------

def _reference_multilabel(pred, ref) -> dict[str, float]:
    kw = {"zero_division": 0}
    return {"f1_micro": sk.f1_score(ref, pred, average="micro", **kw),
            "f1_macro": sk.f1_score(ref, pred, average="macro", **kw),
            "precision_micro": sk.precision_score(ref, pred, average="micro", **kw),
            "recall_micro": sk.recall_score(ref, pred, average="micro", **kw),
            "exact_match": sk.accuracy_score(ref, pred)}  # subset accuracy on indicator rows


def _random_multilabel(seed: int, rows: int = 30, labels: int = 5):
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=2.0, size=(rows, labels))
    ref = (rng.random((rows, labels)) < 0.4).astype(int)
    return logits, ref


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7, 0.95])
def test_multilabel_matches_sklearn_at_each_threshold(threshold):
    logits, ref = _random_multilabel(4)
    pred = (special.expit(logits) >= threshold).astype(int)
    got = compute_multilabel_metrics(logits, ref.astype(np.float32), threshold=threshold)
    assert set(got) == {"f1_micro", "f1_macro", "precision_micro", "recall_micro", "exact_match"}
    assert all(isinstance(v, float) for v in got.values())
    assert got == pytest.approx(_reference_multilabel(pred, ref), rel=1e-12)


def test_multilabel_threshold_changes_the_scores():
    rng = np.random.default_rng(5)
    ref = (rng.random((60, 4)) < 0.4).astype(int)
    logits = 1.5 * (2 * ref - 1) + rng.normal(scale=1.5, size=ref.shape)  # informative scores
    low, high = (compute_multilabel_metrics(logits, ref, threshold=t) for t in (0.2, 0.8))
    assert low["recall_micro"] > high["recall_micro"]
    assert low["precision_micro"] < high["precision_micro"]


def test_a_label_never_present_nor_predicted_scores_zero_and_counts_in_macro():
    pred = np.array([[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 0]])
    ref = np.array([[1, 0, 0], [1, 1, 0], [1, 0, 0], [0, 0, 0]])
    got = compute_multilabel_metrics(np.where(pred == 1, 4.0, -4.0), ref)
    assert got == pytest.approx(_reference_multilabel(pred, ref))
    rows = per_label_table(pred, ref, ["a", "b", "unused"])
    assert rows[2] == {"label": "unused", "precision": 0.0, "recall": 0.0, "f1": 0.0,
                       "support": 0}
    assert got["f1_macro"] == pytest.approx(sum(r["f1"] for r in rows) / 3)


def test_a_label_present_but_never_predicted():
    pred = np.array([[1, 0], [1, 0], [0, 0]])
    ref = np.array([[1, 1], [0, 1], [0, 1]])
    p, r, f, s = sk.precision_recall_fscore_support(ref, pred, average=None, zero_division=0)
    rows = per_label_table(pred, ref, ["x", "y"])
    assert [row["support"] for row in rows] == s.tolist() == [1, 3]
    for row, *want in zip(rows, p, r, f, strict=True):
        assert [row["precision"], row["recall"], row["f1"]] == pytest.approx(want)
    assert rows[1]["recall"] == 0.0


@pytest.mark.parametrize("seed", [6, 7])
def test_per_label_table_matches_sklearn(seed):
    logits, ref = _random_multilabel(seed, rows=25, labels=6)
    pred = (special.expit(logits) >= 0.5).astype(int)
    names = [f"tag{i}" for i in range(6)]
    p, r, f, s = sk.precision_recall_fscore_support(ref, pred, average=None, zero_division=0)
    rows = per_label_table(pred, ref, names)
    assert [row["label"] for row in rows] == names
    assert [row["support"] for row in rows] == s.tolist()
    assert [row["precision"] for row in rows] == pytest.approx(p.tolist())
    assert [row["recall"] for row in rows] == pytest.approx(r.tolist())
    assert [row["f1"] for row in rows] == pytest.approx(f.tolist())


def test_multilabel_module_rejects_bad_rows():
    module = metrics._module("multilabel")
    with pytest.raises(ValueError, match="differ"):
        module.compute(predictions=[[1, 0, 1]], references=[[1, 0]])
    with pytest.raises(ValueError, match="only 0 and 1"):
        module.compute(predictions=[[2, 0]], references=[[1, 0]])
    with pytest.raises(ValueError, match="label names"):
        per_label_table([[1, 0]], [[1, 0]], ["only one"])


def test_sigmoid_matches_expit_without_overflow():
    x = np.array([-1000.0, -30.0, -1.5, 0.0, 0.2, 30.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = sigmoid(x)
    np.testing.assert_allclose(got, special.expit(x), rtol=1e-12, atol=1e-300)


# --- single-label classification ---------------------------------------------------------------

def test_per_class_table_covers_every_class_in_id_order():
    names = ["neg", "neutral", "pos", "never seen"]
    pred = [0, 2, 2, 1, 0, 2, 0]
    ref = [0, 2, 1, 1, 2, 2, 0]
    rows = per_class_table(pred, ref, names)
    p, r, f, s = sk.precision_recall_fscore_support(ref, pred, labels=range(4), average=None,
                                                    zero_division=0)
    assert [row["label"] for row in rows] == names
    assert [row["support"] for row in rows] == s.tolist() == [2, 2, 3, 0]
    assert [row["precision"] for row in rows] == pytest.approx(p.tolist())
    assert [row["recall"] for row in rows] == pytest.approx(r.tolist())
    assert [row["f1"] for row in rows] == pytest.approx(f.tolist())
    assert rows[3] == {"label": "never seen", "precision": 0.0, "recall": 0.0, "f1": 0.0,
                       "support": 0}


def test_per_class_table_on_random_predictions_and_numpy_input():
    rng = np.random.default_rng(8)
    ref = rng.integers(0, 5, size=60)
    pred = np.where(rng.random(60) < 0.6, ref, rng.integers(0, 5, size=60))
    names = list("abcde")
    p, r, f, s = sk.precision_recall_fscore_support(ref, pred, labels=range(5), average=None,
                                                    zero_division=0)
    rows = per_class_table(pred, ref, names)
    assert [(row["precision"], row["recall"], row["f1"]) for row in rows] == [
        pytest.approx(t) for t in zip(p, r, f, strict=True)]
    assert [row["support"] for row in rows] == s.tolist()


def test_average_none_without_num_classes_indexes_by_class_id():
    module = metrics._module("precision_recall_f1")
    out = module.compute(predictions=[0, 2], references=[0, 2], average=None)
    assert out == {"precision": [1.0, 0.0, 1.0], "recall": [1.0, 0.0, 1.0],
                   "f1": [1.0, 0.0, 1.0], "support": [1, 0, 1]}
    with pytest.raises(ValueError, match="outside 0..1"):
        module.compute(predictions=[0, 2], references=[0, 1], average=None, num_classes=2)


@pytest.mark.parametrize("num_labels", [2, 3])
def test_classification_metrics_unchanged_and_match_sklearn(num_labels):
    rng = np.random.default_rng(num_labels)
    ref = rng.integers(0, num_labels, size=50)
    pred = np.where(rng.random(50) < 0.5, ref, rng.integers(0, num_labels, size=50))
    average = "binary" if num_labels == 2 else "macro"
    kw = {"average": average, "zero_division": 0}
    want = {"accuracy": sk.accuracy_score(ref, pred),
            "precision": sk.precision_score(ref, pred, **kw),
            "recall": sk.recall_score(ref, pred, **kw), "f1": sk.f1_score(ref, pred, **kw),
            "f1_macro": sk.f1_score(ref, pred, average="macro", zero_division=0)}
    assert compute_classification_metrics(pred, ref, num_labels) == pytest.approx(want)
    weighted = metrics._module("precision_recall_f1").compute(
        predictions=pred.tolist(), references=ref.tolist(), average="weighted")
    assert weighted["f1"] == pytest.approx(sk.f1_score(ref, pred, average="weighted"))


# --- standing alone ----------------------------------------------------------------------------

def _imports(path: Path) -> list[tuple[str, int]]:
    """(module, relative level) of every import in a file, lazy ones included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, 0) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module or "", node.level))
    return found


def test_package_imports_nothing_from_the_studio_nor_beyond_numpy_evaluate_datasets():
    files = sorted(PACKAGE.rglob("*.py"))
    assert {f.parent.name for f in files} >= {"metrics", "accuracy", "precision_recall_f1",
                                              "regression", "multilabel"}
    for path in files:
        for module, level in _imports(path):
            where = f"{path.relative_to(PACKAGE)} imports {'.' * level}{module}"
            if level:  # only __init__ may import relatively, and only inside the package
                assert path.name == "__init__.py" and level == 1, where
                continue
            top = module.split(".")[0]
            assert top != "engine", where
            assert top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY, where


STANDALONE = """
import json, sys
import numpy as np
from metrics import (compute_classification_metrics, compute_multilabel_metrics,
                     compute_regression_metrics, per_class_table, per_label_table)
print(json.dumps({
    "engine_loaded": any(m == "engine" or m.startswith("engine.") for m in sys.modules),
    "classification": compute_classification_metrics([0, 1, 1, 2], [0, 1, 2, 2], 3),
    "regression": compute_regression_metrics([[1.0], [2.0], [2.0], [5.0]], [1.0, 3.0, 2.0, 2.0]),
    "multilabel": compute_multilabel_metrics([[3.0, -2.0], [0.5, 1.0]], [[1, 0], [0, 1]]),
    "per_class": per_class_table([0, 1, 1], [0, 1, 0], ["a", "b", "c"]),
    "per_label": per_label_table([[1, 0], [1, 1]], [[1, 0], [0, 1]], ["x", "y"]),
}))
"""


def test_package_works_copied_and_imported_as_metrics(tmp_path):
    shutil.copytree(PACKAGE, tmp_path / "metrics", ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["HF_HUB_OFFLINE"] = "1"
    out = subprocess.run([sys.executable, "-c", STANDALONE], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["engine_loaded"] is False
    assert got["classification"] == pytest.approx(
        compute_classification_metrics([0, 1, 1, 2], [0, 1, 2, 2], 3))
    assert got["regression"] == pytest.approx(
        compute_regression_metrics([[1.0], [2.0], [2.0], [5.0]], [1.0, 3.0, 2.0, 2.0]))
    assert got["multilabel"] == pytest.approx(
        compute_multilabel_metrics([[3.0, -2.0], [0.5, 1.0]], [[1, 0], [0, 1]]))
    assert got["per_class"] == per_class_table([0, 1, 1], [0, 1, 0], ["a", "b", "c"])
    assert got["per_label"] == per_label_table([[1, 0], [1, 1]], [[1, 0], [0, 1]], ["x", "y"])
