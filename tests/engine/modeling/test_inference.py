"""Try it: classification with every label's score, fill-mask top-k, base vs run, refusals."""

from __future__ import annotations

import pytest

from engine.errors import InferenceError, NoFinalModel, NoMlmHead


@pytest.fixture
def classifier_run(studio, tiny_cfg):
    run_id = studio.start(tiny_cfg(dataset="support", max_steps=6))
    assert studio.runner.wait(run_id, 120) == "finished"
    return run_id


def test_classification_returns_every_label_sorted_by_score(studio, classifier_run):
    [scores] = studio.classify(classifier_run, ["My parcel never arrived, where is it?"])
    labels = [label for label, _ in scores]
    assert sorted(labels) == ["account", "billing", "returns", "shipping", "technical"]
    values = [p for _, p in scores]
    assert values == sorted(values, reverse=True) and abs(sum(values) - 1) < 1e-4
    [base] = studio.classify(classifier_run, ["My parcel never arrived"], base=True)
    assert sorted(label for label, _ in base) == sorted(labels)  # same labels, untrained head


def test_pairs_need_both_sentences(studio, tiny_cfg):
    run_id = studio.start(tiny_cfg(dataset="paraphrase", max_steps=4))
    assert studio.runner.wait(run_id, 120) == "finished"
    [scores] = studio.classify(run_id, ["Prices rose."], ["Prices went up."])
    assert {label for label, _ in scores} == {"equivalent", "not_equivalent"}
    with pytest.raises(InferenceError, match="fill in both boxes"):
        studio.classify(run_id, ["Prices rose."], [""])


def test_fill_mask_after_mlm_adaptation_and_refusals(studio, tiny_cfg):
    run_id = studio.start(tiny_cfg(task="mlm", dataset="corpus", max_steps=6, max_length=32))
    assert studio.runner.wait(run_id, 120) == "finished"
    top = studio.fill_mask(run_id, "Water the plants at the [MASK] of the stem.", top_k=4)
    assert len(top) == 4 and all(0 <= p <= 1 for _, p in top)
    assert [p for _, p in top] == sorted((p for _, p in top), reverse=True)
    with pytest.raises(InferenceError, match="where a word is missing"):
        studio.fill_mask(run_id, "no blank here")
    metrics = studio.run(run_id).metrics()
    assert metrics["test"]["perplexity"] > 0 and "test_before" in metrics


def test_builtin_checkpoint_without_mlm_head_is_explained_not_guessed(studio):
    with pytest.raises(NoMlmHead, match="never trained to fill in blanks"):
        studio.fill_mask_checkpoint("builtin:minilm-l6", "The [MASK] is green.")


def test_a_classifier_run_is_not_a_fill_mask_model(studio, classifier_run):
    with pytest.raises(NoMlmHead):
        studio.fill_mask(classifier_run, "The [MASK] is green.")


def test_unfinished_runs_have_no_model(studio, tiny_cfg):
    from engine.training.runs import RunStore

    handle = RunStore(studio.store.root).create(tiny_cfg())
    with pytest.raises(NoFinalModel, match="no final model yet"):
        studio.classify(handle.run_id, ["hello"])
