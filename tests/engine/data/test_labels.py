"""What a label column holds, detected and prepared: several labels per row (lists, JSON
arrays, "a;b"), numbers to predict, imbalanced classes; plain errors where a task cannot work."""

from __future__ import annotations

import json

import pytest

from engine.config import RunConfig
from engine.data.columns import label_kind, label_set, separator_of
from engine.data.inspection import inspect
from engine.data.prepare import prepare
from engine.data.sources import load_path
from engine.errors import DataError
from tests.engine.data.test_prepare import raw, words

TAGS = ["billing;shipping", "account", "returns;billing", "technical", "shipping"] * 8


def test_label_kinds_are_read_from_the_values():
    assert label_kind(["pos", "neg", "pos"]) == "classification"
    assert label_kind(TAGS) == "multilabel"
    assert label_kind([["a"], ["b", "c"]]) == "multilabel"
    assert label_kind(['["a", "b"]', '["c"]', '["a"]']) == "multilabel"
    assert label_kind([1.5, 2.0, 4.5, 3.0]) == "regression"
    assert label_kind(list(range(40))) == "regression"  # many whole numbers: a score
    assert label_kind([1, 2, 3, 4, 5] * 8) == "classification"  # five star values: classes
    assert label_kind([None, "", float("nan")]) is None


def test_a_comma_inside_single_labels_is_not_taken_for_a_separator():
    values = ["yes, definitely", "no", "maybe", "no", "yes, definitely"] * 5
    assert separator_of(values) is None
    assert label_set("a; b ;a", ";") == ["a", "b"]
    assert label_set('["x", "y"]', "json") == ["x", "y"]
    assert label_set("[broken", "json") is None


def test_a_tag_column_is_detected_prepared_multi_hot_and_offered_as_multilabel(tmp_path):
    path = tmp_path / "tickets.csv"
    lines = ["message,tags"] + [f"{w},{t}" for w, t in zip(words(40), TAGS, strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = load_path(str(path))
    cfg = RunConfig(data_source="file", dataset=str(path))
    view = inspect(data, cfg)
    assert view.task_hint == "multilabel" and view.guess.label == "tags"
    prepared = prepare(data, cfg.replace(task="multilabel"))
    assert prepared.label_names == ["account", "billing", "returns", "shipping", "technical"]
    assert prepared.label_separator == ";"
    rows = list(prepared.splits["train"]["label"]) + list(prepared.splits["validation"]["label"])
    assert all(len(r) == 5 and set(r) <= {0.0, 1.0} for r in rows)
    assert sum(sum(r) for r in rows) == sum(len(t.split(";")) for t in TAGS)
    assert any("separated by ';'" in r for r in prepared.report.reasons)


def test_json_list_labels_from_a_jsonl_file(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(json.dumps({"text": w, "labels": t.split(";")})
                              for w, t in zip(words(40), TAGS, strict=True)), encoding="utf-8")
    prepared = prepare(load_path(str(path)), RunConfig(data_source="file", dataset=str(path),
                                                       task="multilabel"))
    assert prepared.label_column == "labels" and len(prepared.label_names) == 5


def test_a_score_column_is_offered_as_regression_and_prepared_as_floats():
    data = raw({"review": words(40), "score": [1.0, 2.5, 3.5, 4.0, 5.0] * 8})
    cfg = RunConfig(data_source="file", dataset="x.csv")
    assert inspect(data, cfg).task_hint == "regression"
    with pytest.raises(DataError, match="Switch the task to regression"):
        prepare(data, cfg)
    prepared = prepare(data, cfg.replace(task="regression"))
    assert prepared.label_names is None
    assert str(prepared.splits["train"].features["label"].dtype) == "float32"
    assert sorted(set(prepared.splits["train"]["label"])) <= [1.0, 2.5, 3.5, 4.0, 5.0]


def test_unusable_scores_are_dropped_and_one_score_is_refused():
    data = raw({"text": words(30), "score": ["3.5", "n/a", "2.0"] * 10})
    prepared = prepare(data, RunConfig(data_source="file", dataset="x", task="regression"))
    assert prepared.report.dropped["train"]["missing label"] == 10
    same = raw({"text": words(20), "score": [4.0] * 20})
    with pytest.raises(DataError, match="same score"):
        prepare(same, RunConfig(data_source="file", dataset="x", task="regression"))


def test_single_labels_under_multilabel_are_accepted_with_advice():
    data = raw({"text": words(20), "label": ["pos", "neg"] * 10})
    prepared = prepare(data, RunConfig(data_source="file", dataset="x", task="multilabel"))
    assert prepared.label_names == ["neg", "pos"]
    assert any("Single-label classification may suit" in w for w in prepared.report.warnings)


def test_imbalanced_classes_are_named_with_their_ratio():
    data = raw({"text": words(44), "label": ["big"] * 40 + ["small"] * 4})
    prepared = prepare(data, RunConfig(data_source="file", dataset="x", test_fraction=0))
    warning = next(w for w in prepared.report.warnings if "imbalanced" in w)
    assert "'big'" in warning and "'small'" in warning and "Class weighting" in warning
    balanced = raw({"text": words(40), "label": ["a"] * 20 + ["b"] * 20})
    report = prepare(balanced, RunConfig(data_source="file", dataset="x")).report
    assert not any("imbalanced" in w for w in report.warnings)
