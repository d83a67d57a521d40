"""What the labelled tasks add to the course's recipe: class weighting for imbalanced
classes, and a regression head that starts at the mean score.

Class weighting: "balanced" weights and the weighted cross-entropy a ``Trainer`` computes with
them.
With 98 billing messages and 10 returns, a model that never answers "returns" loses little:
plain cross-entropy averages over rows, so the big class dominates the gradient. Balanced
weights (``rows / (classes x rows of the class)``, scikit-learn's rule) make each class count as
much in total as every other; macro-F1, which averages the classes, is what this improves.

Regression: a new head outputs about 0 while the scores are, say, 1 to 5. With the small
learning rates fine-tuning uses, the head's bias would need thousands of steps just to reach
the average, and the loss would be spent on that instead of on the differences between texts.
Starting the bias at the training mean removes that offset; the model stays a standard one
(no rescaling to undo at prediction time).

This file imports only torch and transformers: the standalone export copies it next to its
``train.py``, so the exported script weighs the classes and starts its head as the studio did.
"""

from __future__ import annotations

from typing import Any

import torch
from transformers import Trainer


def head_kwargs(task: str, label_names: list[str] | None) -> dict[str, Any]:
    """The head a labelled task puts on the checkpoint, as ``from_pretrained`` keywords. The
    ``problem_type`` picks the loss (cross-entropy, per-label binary cross-entropy, mean squared
    error) and is saved in the model's config, so Try it and the Hub read the model right."""
    if task == "regression":
        return {"num_labels": 1, "problem_type": "regression"}
    names = label_names or []
    return {"num_labels": len(names), "id2label": dict(enumerate(names)),
            "label2id": {n: i for i, n in enumerate(names)},
            "problem_type": "multi_label_classification" if task == "multilabel"
            else "single_label_classification"}


def balanced_class_weights(counts: list[int]) -> list[float]:
    """One weight per class id from the training rows per class. A class with no training
    rows gets 0 (nothing to learn from, and no division by zero)."""
    present = [c for c in counts if c > 0]
    total = sum(present)
    return [round(total / (len(present) * c), 6) if c > 0 else 0.0 for c in counts]


def start_regression_at_mean(model: Any, mean: float) -> bool:
    """Set the bias of the model's output layer (the last linear layer with one output) to
    ``mean``. False when the model has no such layer (then it is left as it is)."""
    heads = [m for m in model.modules()
             if isinstance(m, torch.nn.Linear) and m.out_features == 1 and m.bias is not None]
    if not heads:
        return False
    with torch.no_grad():
        heads[-1].bias.fill_(float(mean))
    return True


def weighted_cross_entropy(model: Any, inputs: dict[str, Any],
                           weights: torch.Tensor) -> tuple[torch.Tensor, Any]:
    """(weighted mean cross-entropy of the batch, model outputs). The mean divides by the
    weights of the batch's rows, as ``torch.nn.functional.cross_entropy`` does, so the loss
    stays on the usual scale and the learning rate means the same."""
    inputs = dict(inputs)
    labels = inputs.pop("labels")
    outputs = model(**inputs)
    logits = outputs["logits"] if isinstance(outputs, dict) else outputs[0]
    loss = torch.nn.functional.cross_entropy(logits.float(), labels,
                                             weight=weights.to(logits.device))
    return loss, outputs


class WeightedLossTrainer(Trainer):  # type: ignore[misc]
    """A ``Trainer`` whose classification loss is weighted per class when ``class_weights`` is
    set (a list, one weight per class id); otherwise the model's own loss, unchanged.
    Evaluation uses the same loss, so the validation loss is comparable with training's."""

    def __init__(self, *args: Any, class_weights: list[float] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.class_weights = None if class_weights is None else torch.tensor(
            class_weights, dtype=torch.float32)
        if class_weights is not None:
            self.loss_is_scaled_for_ga = False  # a per-batch mean: the Trainer divides it

    def compute_loss(self, model: Any, inputs: dict[str, Any], return_outputs: bool = False,
                     num_items_in_batch: Any = None) -> Any:
        if self.class_weights is None or "labels" not in inputs:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        loss, outputs = weighted_cross_entropy(model, inputs, self.class_weights)
        return (loss, outputs) if return_outputs else loss
