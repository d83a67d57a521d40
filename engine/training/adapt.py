"""The model as a run trains it, on this device: which device, whether the vocabulary table is
frozen, whether attention dropout is off. A run (``trainer.py``), the learning-rate finder and the
estimate all go through ``adapt_for_training``, so each times or trains the same network."""

from __future__ import annotations

from typing import Any

from ..config import LABELLED_TASKS, RunConfig
from ..modeling.attention import drop_attention_dropout


def device_type() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def freezes_word_embeddings(cfg: RunConfig) -> bool:
    """Why freeze by default for classification: a batch touches a few hundred of the 30,522
    vocabulary rows, yet a dense step zeroes, fills and AdamW-updates all of them (8% + 3% of a
    CPU step in ``bench/profile_step.py``; ``bench/step_variants.py``: 1.19x per step).
    Masked-LM keeps training them: its decoder is tied to the same table."""
    return cfg.word_embeddings == "freeze" or (cfg.word_embeddings == "auto"
                                               and cfg.task in LABELLED_TASKS)


def drops_attention_dropout(cfg: RunConfig) -> bool:
    """Off on a CPU by default: there the plain attention path without dropout is 1.2x faster
    per step (``modeling/attention.py`` says why; the paired accuracy runs are in
    BENCHMARKS.md). On a GPU the fused kernels handle dropout well, so it stays."""
    return cfg.attention_dropout == "off" or (cfg.attention_dropout == "auto"
                                              and device_type() == "cpu")


def adapt_for_training(cfg: RunConfig, model: Any) -> dict[str, bool]:
    """The model as the run trains it: the vocabulary table frozen and attention dropout off
    where the config says so. A run, the learning-rate finder and the estimate all call this
    before timing or training, so each measures the network the run will have."""
    frozen = freezes_word_embeddings(cfg)
    if frozen:
        model.get_input_embeddings().weight.requires_grad_(False)
    off = drops_attention_dropout(cfg) and drop_attention_dropout(model) > 0
    return {"word_embeddings_frozen": frozen, "attention_dropout_off": off}
