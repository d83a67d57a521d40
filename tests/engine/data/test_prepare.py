"""Columns and labels: detection, ClassLabel mapping, drops counted, clear errors, splits."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

from engine.config import RunConfig
from engine.data.prepare import prepare
from engine.data.sources import RawData, load_builtin
from engine.errors import DataError


def raw(train: dict, **splits: dict) -> RawData:
    """Through pandas, as files arrive: NaN cells become nulls."""
    parts = {"train": train, **splits}
    return RawData(DatasetDict({k: Dataset.from_pandas(pd.DataFrame(v), preserve_index=False)
                                for k, v in parts.items()}), source="test data")


def words(n: int) -> list[str]:
    return [f"sentence number {i} with some words" for i in range(n)]


def test_string_labels_become_a_classlabel_with_id2label():
    data = raw({"review": words(20), "sentiment": ["pos", "neg"] * 10})
    prepared = prepare(data, RunConfig(data_source="file", dataset="x.csv"))
    assert prepared.text_column == "review" and prepared.label_column == "sentiment"
    assert prepared.label_names == ["neg", "pos"]
    assert prepared.id2label == {0: "neg", 1: "pos"}
    feature = prepared.splits["train"].features["label"]
    assert isinstance(feature, ClassLabel) and feature.names == ["neg", "pos"]
    assert set(prepared.splits) == {"train", "validation"}
    assert prepared.report.validation_carved


def test_classlabel_is_kept_and_minus_one_rows_dropped():
    features = Features({"text": Value("string"),
                         "label": ClassLabel(names=["bad", "ok", "great"])})
    train = Dataset.from_dict({"text": words(30), "label": [0, 1, 2] * 10}, features=features)
    test = Dataset.from_dict({"text": words(4), "label": [-1, -1, -1, -1]}, features=features)
    prepared = prepare(RawData(DatasetDict(train=train, test=test), "t"),
                       RunConfig(data_source="file", dataset="x"))
    assert prepared.label_names == ["bad", "ok", "great"]
    assert "test" not in prepared.splits  # GLUE-style unlabelled test split
    assert any("no labelled rows" in w for w in prepared.report.warnings)


def test_integer_labels_with_gaps_are_remapped():
    prepared = prepare(raw({"text": words(30), "label": [0, 5, 7] * 10}),
                       RunConfig(data_source="file", dataset="x"))
    assert prepared.label_names == ["0", "5", "7"]
    assert sorted(set(prepared.splits["train"]["label"])) == [0, 1, 2]
    assert any("renumbered" in w for w in prepared.report.warnings)


def test_empty_texts_and_missing_labels_are_dropped_and_counted():
    texts = words(20) + ["", "   ", None, "has no label", "nan label"]
    labels = ["a", "b"] * 10 + ["a", "b", "a", None, math.nan]
    prepared = prepare(raw({"text": texts, "label": labels}),
                       RunConfig(data_source="file", dataset="x", validation_fraction=0.2))
    assert prepared.report.dropped["train"] == {"empty text": 3, "missing label": 2}
    assert sum(prepared.report.rows.values()) == 20
    assert any("dropped 5 of 25 rows" in w for w in prepared.report.warnings)


def test_mixed_case_labels_are_flagged():
    prepared = prepare(raw({"text": words(30), "label": ["Pos", "pos", "neg"] * 10}),
                       RunConfig(data_source="file", dataset="x"))
    assert any("upper/lower case" in w for w in prepared.report.warnings)


def test_a_single_class_is_a_clear_error():
    with pytest.raises(DataError, match="only one class \\('pos'\\)"):
        prepare(raw({"text": words(20), "label": ["pos"] * 20}),
                RunConfig(data_source="file", dataset="x"))


def test_zero_usable_rows_is_a_clear_error():
    with pytest.raises(DataError, match="No usable training rows"):
        prepare(raw({"text": ["", " "] * 5, "label": ["a", "b"] * 5}),
                RunConfig(data_source="file", dataset="x"))


def test_missing_split_lists_the_available_ones():
    with pytest.raises(DataError, match="no split called 'training'. Available splits: train"):
        prepare(raw({"text": words(20), "label": ["a", "b"] * 10}),
                RunConfig(data_source="file", dataset="x", train_split="training"))


def test_numeric_text_column_and_unknown_columns():
    with pytest.raises(DataError, match="holds int64, not text"):
        prepare(raw({"text": list(range(20)), "words": words(20), "label": ["a", "b"] * 10}),
                RunConfig(data_source="file", dataset="x", text_column="text"))
    with pytest.raises(DataError, match="column 'body' is not in the data. Columns: text, label"):
        prepare(raw({"text": words(20), "label": ["a", "b"] * 10}),
                RunConfig(data_source="file", dataset="x", text_column="body"))


def test_decimal_labels_and_free_text_labels_are_refused():
    with pytest.raises(DataError, match="decimal numbers"):
        prepare(raw({"text": words(20), "score": [0.25, 0.5] * 10}),
                RunConfig(data_source="file", dataset="x", label_column="score"))
    with pytest.raises(DataError, match="looks like free text or ids"):
        prepare(raw({"text": words(40), "note": [f"note {i}" for i in range(40)]}),
                RunConfig(data_source="file", dataset="x", label_column="note"))


def test_pairs_are_detected():
    data = raw({"idx": list(range(20)), "sentence1": words(20), "sentence2": words(20)[::-1],
                "label": [0, 1] * 10})
    prepared = prepare(data, RunConfig(data_source="file", dataset="x"))
    assert (prepared.text_column, prepared.text_pair_column) == ("sentence1", "sentence2")
    assert prepared.splits["train"].column_names == ["text", "text_pair", "label"]


def test_user_override_beats_detection():
    data = raw({"title": words(20), "body": [w + " and more" for w in words(20)],
                "label": ["a", "b"] * 10})
    prepared = prepare(data, RunConfig(data_source="file", dataset="x", text_column="title"))
    assert prepared.text_column == "title" and prepared.text_pair_column is None


def test_validation_is_carved_stratified_and_row_cap_applies():
    prepared = prepare(load_builtin("sentiment"), RunConfig(max_rows=200))
    counts = prepared.report.label_counts
    assert prepared.report.rows["train"] + prepared.report.rows["validation"] == 200
    share = counts["validation"]["positive"] / prepared.report.rows["validation"]
    assert 0.4 <= share <= 0.6
    assert set(counts["test"]) == {"negative", "positive"}


def test_existing_validation_split_is_used():
    data = raw({"text": words(20), "label": ["a", "b"] * 10},
               dev={"text": words(6), "label": ["a", "b"] * 3})
    prepared = prepare(data, RunConfig(data_source="file", dataset="x"))
    assert prepared.report.rows["validation"] == 6 and not prepared.report.validation_carved


def test_builtin_pairs_and_multiclass():
    pairs = prepare(load_builtin("paraphrase"), RunConfig(dataset="paraphrase"))
    assert pairs.text_pair_column == "sentence2"
    assert pairs.label_names == ["not_equivalent", "equivalent"]
    support = prepare(load_builtin("support"), RunConfig(dataset="support"))
    assert len(support.label_names) == 5


def test_mlm_keeps_text_only():
    prepared = prepare(load_builtin("corpus"), RunConfig(task="mlm", dataset="corpus"))
    assert prepared.splits["train"].column_names == ["text"]
    assert prepared.label_names is None
