"""Masked-LM loss that projects only the masked positions onto the vocabulary.

A masked-LM step spends most of its time in the last matrix product: every position's hidden
state (batch x length x hidden) times the vocabulary matrix (hidden x 30,522 for BERT-sized
vocabularies), although the loss only reads the ~15% of positions that were masked. Gathering
those positions right before the decoder (``model.get_output_embeddings()``) gives the same
loss, bit for bit up to float rounding, for a seventh of the decoder's work, forward and backward.

The model itself is not changed: a forward pre-hook on the decoder is attached for one forward
pass and removed again, so the saved model is a standard ``*ForMaskedLM`` and ``fill-mask``
pipelines use it as usual. Where the decoder is not called as a module (an architecture that
multiplies by the weight directly), the hook never fires and the loss is computed from the full
logits, exactly as the model would.

This file imports only torch and transformers: the standalone export copies it next to its
``train.py``, so the exported script trains the same way without the studio.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from transformers import Trainer

IGNORE = -100  # DataCollatorForLanguageModeling's label for positions that are not scored


@contextmanager
def only_masked_positions(model: Any, positions: torch.Tensor) -> Iterator[dict[str, bool]]:
    """While active, the decoder sees only ``hidden[positions]`` (a bool mask of batch x length):
    its output has one row per masked position instead of one per position."""
    inner = getattr(model, "module", model)  # DistributedDataParallel wraps the model
    decoder = inner.get_output_embeddings() if hasattr(inner, "get_output_embeddings") else None
    seen = {"gathered": False}
    if decoder is None:
        yield seen
        return

    def gather(module: Any, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
        hidden = args[0]
        if hidden.dim() != 3 or hidden.shape[:2] != positions.shape:
            return None  # not the shape we expect: leave this call alone
        seen["gathered"] = True
        return (hidden[positions], *args[1:])

    hook = decoder.register_forward_pre_hook(gather)
    try:
        yield seen
    finally:
        hook.remove()


def sparse_mlm_loss(model: Any, inputs: dict[str, Any]) -> tuple[torch.Tensor, Any]:
    """(mean cross-entropy over the masked positions, model outputs). ``inputs`` holds
    ``labels`` with ``-100`` where nothing is scored, as the masked-LM collator makes them."""
    inputs = dict(inputs)
    labels = inputs.pop("labels")
    positions = labels != IGNORE
    with only_masked_positions(model, positions) as seen:
        outputs = model(**inputs)
    logits = outputs["logits"] if isinstance(outputs, dict) else outputs[0]
    targets = labels[positions] if seen["gathered"] else labels.reshape(-1)
    logits = logits.reshape(-1, logits.shape[-1])
    if targets.numel() == 0 or not bool(positions.any()):
        loss = logits.sum() * 0.0  # no masked token in this batch: nothing to learn, no NaN
    else:
        loss = torch.nn.functional.cross_entropy(logits.float(), targets, ignore_index=IGNORE)
    return loss, outputs


class SparseMLMTrainer(Trainer):  # type: ignore[misc]
    """A ``Trainer`` whose loss is :func:`sparse_mlm_loss` (same value, a fraction of the
    work). Evaluation uses it too, so validation perplexity is computed the same way."""

    loss_is_scaled_for_ga = False  # a per-batch mean: the Trainer divides for accumulation
    sparse_mlm = True  # a subclass may turn it off (then this is a plain Trainer)

    def compute_loss(self, model: Any, inputs: dict[str, Any], return_outputs: bool = False,
                     num_items_in_batch: Any = None) -> Any:
        if not self.sparse_mlm or "labels" not in inputs:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        loss, outputs = sparse_mlm_loss(model, inputs)
        return (loss, outputs) if return_outputs else loss
