"""Issue "Train better models": multi-label and regression runs end to end, class weighting,
keeping the best checkpoint and early stopping, on the tiny local model."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

from engine.config import RunConfig
from engine.data.prepare import prepare
from engine.data.sources import load_builtin
from engine.modeling.checkpoints import load_model
from engine.modeling.task_heads import (
    WeightedLossTrainer,
    balanced_class_weights,
    start_regression_at_mean,
)
from engine.protocol import best_point, series
from engine.studio import Studio


def run(studio: Studio, cfg: RunConfig) -> str:
    run_id = studio.start(cfg)
    assert studio.runner.wait(run_id, 600) == "finished", studio.run(run_id).status()
    return run_id


def test_a_multilabel_run_scores_each_label_and_tries_with_sigmoid(studio, tiny_cfg):
    cfg = tiny_cfg(dataset="topics", task="multilabel", max_steps=12, max_rows=None)
    run_id = run(studio, cfg)
    handle = studio.run(run_id)
    metrics = handle.metrics()
    test = metrics["test"]
    assert {"f1_micro", "f1_macro", "precision_micro", "recall_micro", "exact_match"} <= set(test)
    names = ["account", "billing", "returns", "shipping", "technical"]
    assert metrics["label_names"] == names and [r["label"] for r in test["per_class"]] == names
    counts = handle.data_report()["label_counts"]["test"]
    assert {r["label"]: r["support"] for r in test["per_class"]} == counts
    rows = [json.loads(line) for line in handle.predictions_file.read_text().splitlines()]
    assert len(rows) == handle.data_report()["rows"]["test"]
    assert all(isinstance(r["gold"], list) and set(r["scores"]) == set(names) for r in rows)
    config = json.loads((handle.model_dir / "config.json").read_text())
    assert config["problem_type"] == "multi_label_classification"
    [scores] = studio.classify(run_id, ["My parcel never came and I was charged twice."])
    assert {n for n, _ in scores} == set(names)
    assert abs(sum(p for _, p in scores) - 1) > 0.05  # each label's own probability


def test_a_regression_run_predicts_a_number_and_starts_at_the_mean(studio, tiny_cfg):
    cfg = tiny_cfg(dataset="ratings", task="regression", max_steps=12, max_rows=None)
    run_id = run(studio, cfg)
    handle = studio.run(run_id)
    metrics = handle.metrics()
    assert {"mse", "mae", "pearson", "spearman"} <= set(metrics["test"])
    assert "label_names" not in metrics and "per_class" not in metrics["test"]
    train = studio.prepared(cfg).splits["train"]["label"]
    assert metrics["facts"]["label_mean"] == pytest.approx(sum(train) / len(train), abs=1e-4)
    rows = [json.loads(line) for line in handle.predictions_file.read_text().splitlines()]
    assert all(r["error"] == pytest.approx(r["predicted"] - r["gold"], abs=1e-3) for r in rows)
    [[(name, value)]] = studio.classify(run_id, ["Great little cafe, friendly staff."])
    assert name == "score" and 0.0 < value < 6.0  # near the scores' range from the first step


def test_start_regression_at_mean_sets_the_output_bias(tiny_dir):
    from engine.modeling.checkpoints import CheckpointRef, load_model

    ref = CheckpointRef(str(tiny_dir), str(tiny_dir), "folder", "tiny")
    model = load_model("regression", ref)
    assert start_regression_at_mean(model, 3.25)
    assert model.classifier.bias.detach().item() == pytest.approx(3.25)


def test_balanced_class_weights_follow_the_rule():
    weights = balanced_class_weights([98, 60, 30, 16, 10])
    assert weights == pytest.approx([214 / (5 * c) for c in (98, 60, 30, 16, 10)], rel=1e-5)
    assert balanced_class_weights([10, 0, 30]) == pytest.approx([2.0, 0.0, 40 / 60])


def test_the_weighted_loss_is_the_weighted_cross_entropy(tiny_dir, tmp_path):
    from transformers import AutoModelForSequenceClassification, TrainingArguments

    model = AutoModelForSequenceClassification.from_pretrained(tiny_dir, num_labels=3)
    trainer = WeightedLossTrainer(model=model, args=TrainingArguments(
        output_dir=str(tmp_path), use_cpu=True, report_to="none"), class_weights=[1.0, 5.0, 0.5])
    batch = {"input_ids": torch.tensor([[2, 7, 9, 3], [2, 11, 3, 0], [2, 8, 8, 3]]),
             "attention_mask": torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 1, 1]]),
             "labels": torch.tensor([0, 1, 2])}
    loss = trainer.compute_loss(model, dict(batch))
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    expected = torch.nn.functional.cross_entropy(logits, batch["labels"],
                                                 weight=torch.tensor([1.0, 5.0, 0.5]))
    assert loss.detach().item() == pytest.approx(expected.detach().item(), rel=1e-5)
    plain = WeightedLossTrainer(model=model, args=trainer.args)
    assert plain.compute_loss(model, dict(batch)).detach().item() == pytest.approx(
        torch.nn.functional.cross_entropy(logits, batch["labels"]).detach().item(), rel=1e-5)


def test_class_weighting_reaches_the_run(studio, tiny_cfg):
    cfg = tiny_cfg(dataset="support-imbalanced", class_weighting="balanced", max_rows=None)
    prepared = prepare(load_builtin("support-imbalanced"), cfg)
    assert any("imbalanced" in w for w in prepared.report.warnings)
    run_id = run(studio, cfg)
    facts = studio.run(run_id).metrics()["facts"]
    counts = prepared.report.label_counts["train"]
    assert facts["class_weights"] == balanced_class_weights(
        [counts[n] for n in prepared.label_names])


def decided_model(task, ref, label_names=None):
    """The tiny classifier with a head that always answers the first class by a margin of 100:
    at a learning rate of 1e-7 no answer can change, on any CPU, so macro-F1 is constant."""
    model = load_model(task, ref, label_names)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor([50.0, -50.0]))
    return model


def test_early_stopping_keeps_the_best_checkpoint_as_the_final_model(runs_dir, tiny_cfg):
    """Macro-F1 never improves on the first validation (the seam above fixes every answer):
    with a patience of 2 the run stops two validations later, and the final model is the first
    validation's checkpoint."""
    studio = Studio(root=runs_dir, model_factory=decided_model)
    cfg = tiny_cfg(max_steps=60, eval_steps=5, save_steps=5, learning_rate=1e-7,
                   early_stopping_patience=2)
    run_id = run(studio, cfg)
    handle = studio.run(run_id)
    facts = handle.metrics()["facts"]
    assert handle.status()["step"] == 15 < 60
    assert facts["best_step"] == 5 and facts["best_checkpoint"] == "checkpoint-5"
    curve = series(studio.events_since(run_id, 0), "eval", "f1_macro")
    assert [s for s, _ in curve] == [5, 10, 15]
    assert best_point(curve, "f1_macro")[0] == facts["best_step"]  # the chart's mark
    best = load_file(handle.checkpoints_dir / "checkpoint-5" / "model.safetensors")
    final = load_file(handle.model_dir / "model.safetensors")
    assert all(torch.equal(best[k], final[k]) for k in final)


def test_checkpoints_follow_validation_when_the_best_model_is_kept():
    from engine.training.recipe import checkpoint_cadence, training_kwargs

    cfg = RunConfig(eval_strategy="steps", eval_steps=10, save_strategy="epoch")
    assert checkpoint_cadence(cfg) == ("steps", 10)
    assert checkpoint_cadence(cfg.replace(save_strategy="steps", save_steps=30)) == ("steps", 30)
    assert checkpoint_cadence(cfg.replace(best_model_metric="last")) == ("epoch", 50)
    args = training_kwargs(cfg, "fp32", False)
    assert args["load_best_model_at_end"] and args["metric_for_best_model"] == "f1_macro"
    assert training_kwargs(cfg.replace(task="regression"), "fp32", False)[
        "greater_is_better"] is False


@pytest.mark.parametrize("changes, field", [
    ({"task": "regression", "class_weighting": "balanced"}, "class_weighting"),
    ({"task": "regression", "best_model_metric": "f1_macro"}, "best_model_metric"),
    ({"best_model_metric": "last", "early_stopping_patience": 3}, "early_stopping_patience"),
])
def test_settings_that_cannot_work_together_name_the_field(changes, field):
    from engine.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        RunConfig(**changes)
    assert info.value.field == field


def test_each_prediction_row_holds_that_texts_own_answer(studio, tiny_cfg):
    """With length-grouped batches the stock Trainer also groups evaluation batches, and the
    answers of ``predict`` come back in another order than the rows: each row here must carry
    the answer the final model gives to that very text. The tiny model's confidences differ
    from text to text only in the fourth or fifth decimal, about as much as batching changes
    them, so the check is the rank correlation over many rows (about 1 when each row holds its
    own answer, about 0 when the answers are shuffled), not each value."""
    import numpy as np

    run_id = run(studio, tiny_cfg(sampling="group_by_length", max_steps=8))
    rows = [json.loads(line) for line in
            studio.run(run_id).predictions_file.read_text().splitlines()]
    answers = studio.classify(run_id, [r["text"] for r in rows])
    assert [r["predicted"] for r in rows] == [a[0][0] for a in answers]
    ranks = [np.argsort(np.argsort(values)) for values in (
        [r["confidence"] for r in rows], [a[0][1] for a in answers])]
    assert np.corrcoef(*ranks)[0, 1] > 0.9, np.corrcoef(*ranks)[0, 1]
