"""Attention without dropout, computed on the plain (eager) path: the faster way to train on a CPU.

Why (``bench/step_variants.py``, 2-core AMD EPYC without AMX, MiniLM-L6, batches of 16 MRPC
pairs): with attention dropout, PyTorch's fused attention falls back to its unfused math path
and draws a dropout mask over every 16 x 12 x L x L score tensor; without dropout it picks its
fused CPU kernel, which at these short lengths is *slower* than the three plain operations
(bf16 step 346 ms against 307 ms with dropout). The plain path without dropout is the fast one:
256 ms (bf16) and 397 against 480 ms (fp32), 1.2x per step. The dropout after each layer's
output stays; only the one on the attention probabilities goes.

The exported scripts copy this file, so a standalone run trains the same model the studio did.
It needs torch and transformers only.
"""

from __future__ import annotations

from typing import Any


def attention_dropouts(model: Any) -> list[Any]:
    """The dropout modules applied to attention probabilities: the ``dropout`` of each
    self-attention block (BERT, MiniLM, RoBERTa, ELECTRA: ``*SelfAttention``; DistilBERT:
    ``MultiHeadSelfAttention``). Output dropouts (``*SelfOutput``) are not among them."""
    import torch

    found = []
    for module in model.modules():
        name = type(module).__name__
        dropout = getattr(module, "dropout", None)
        if name.endswith("SelfAttention") and isinstance(dropout, torch.nn.Dropout):
            found.append(dropout)
    return found


def drop_attention_dropout(model: Any) -> int:
    """Turn attention dropout off and use the eager attention path; returns how many attention
    blocks changed (0: this architecture has none this recognises, and nothing changed)."""
    dropouts = attention_dropouts(model)
    if not dropouts:
        return 0
    for dropout in dropouts:
        dropout.p = 0.0
    model.set_attn_implementation("eager")
    return len(dropouts)
