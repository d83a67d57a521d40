"""The model as a run trains it, on this device: which device, whether the vocabulary table is
frozen, whether attention dropout is off. A run (``trainer.py``), the learning-rate finder and the
estimate all go through ``adapt_for_training``, so each times or trains the same network."""

from __future__ import annotations

from typing import Any

from ..config import LABELLED_TASKS, RunConfig
from ..modeling.dropout import drop_attention_dropout, pack_dropout_masks, packed_masks_speedup


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
    per step (``modeling/dropout.py`` says why; the paired accuracy runs are in
    BENCHMARKS.md). On a GPU the fused kernels handle dropout well, so it stays."""
    return cfg.attention_dropout == "off" or (cfg.attention_dropout == "auto"
                                              and device_type() == "cpu")


def packs_dropout_masks(cfg: RunConfig, model: Any) -> tuple[bool, float | None]:
    """Packed masks where the config says so or, on ``auto`` on a CPU, where they measure at
    least 1.1x as fast as PyTorch's at the run's batch size (``modeling/dropout.py`` says why;
    a few milliseconds). Returns the choice and the measured speed-up (None: not measured)."""
    if cfg.dropout_masks != "auto" or device_type() != "cpu":
        return cfg.dropout_masks == "packed", None
    width = int(getattr(model.config, "hidden_size", 256))
    speedup = packed_masks_speedup((cfg.batch_size, 64, width))
    return speedup >= 1.1, round(speedup, 2)


def adapt_for_training(cfg: RunConfig, model: Any) -> dict[str, Any]:
    """The model as the run trains it: the vocabulary table frozen, attention dropout off and
    dropout masks packed where the config (or a measurement) says so. A run, the learning-rate
    finder and the estimate all call this before timing or training, so each measures the
    network the run will have."""
    frozen = freezes_word_embeddings(cfg)
    if frozen:
        model.get_input_embeddings().weight.requires_grad_(False)
    off = drops_attention_dropout(cfg) and drop_attention_dropout(model) > 0
    packed, speedup = packs_dropout_masks(cfg, model)
    packed = packed and pack_dropout_masks(model) > 0
    return {"word_embeddings_frozen": frozen, "attention_dropout_off": off,
            "packed_dropout_masks": packed, "packed_masks_speedup": speedup}
