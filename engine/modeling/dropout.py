"""Dropout the way a CPU trains fastest: attention dropout off on the plain (eager) path, and
the other dropout masks drawn four to a 64-bit random number.

Attention (``bench/step_variants.py``, 2-core AMD EPYC without AMX, MiniLM-L6, batches of 16
MRPC pairs): with attention dropout, PyTorch's fused attention falls back to its unfused math
path and draws a dropout mask over every 16 x 12 x L x L score tensor; without dropout it picks
its fused CPU kernel, which at these short lengths is *slower* than the three plain operations
(bf16 step 346 ms against 307 ms with dropout). The plain path without dropout is the fast one:
256 ms (bf16) and 397 against 480 ms (fp32), 1.2x per step. The dropout after each layer's
output stays; only the one on the attention probabilities goes.

Masks: PyTorch's CPU dropout draws one random number per value, one at a time (its vectorised
MKL path is taken on Intel CPUs only), so on the EPYC above the masks were 10% of a bf16 step
(``bench/profile_step.py``). ``PackedDropout`` draws 64 random bits and cuts them into four
16-bit numbers, one per value: the same Bernoulli masks (the drop rate rounded to a multiple of
1/65,536: 0.1 becomes 0.100006), a quarter of the draws. Whether that is faster is measured on
the machine (``packed_masks_speedup``), not assumed.

The exported scripts copy this file, so a standalone run trains the same model the studio did.
It needs torch and transformers only.
"""

from __future__ import annotations

import functools
import math
import time
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


# --- packed dropout masks -----------------------------------------------------------------

LEVELS = 65536  # a mask value is one 16-bit quarter of a 64-bit random number


def packed_keep_mask(shape: Any, p: float, generator: Any = None,
                     device: Any = None) -> tuple[Any, float]:
    """A boolean keep-mask (True with probability 1 - p, p rounded to 1/65,536) and the scale
    that keeps the expected value, from a quarter as many random draws as values. ``device``:
    where the values live (an exported script may run on a GPU)."""
    import torch

    count = math.prod(shape)
    dropped = round(p * LEVELS)
    words = torch.empty((count + 3) // 4, dtype=torch.int64, device=device).random_(
        -2**63, None, generator=generator)  # all 64 bits random
    quarters = words.view(torch.int16)[:count].view(shape)  # uniform over -32768..32767
    keep = quarters >= dropped - LEVELS // 2
    return keep, LEVELS / (LEVELS - dropped) if dropped < LEVELS else 0.0


@functools.cache
def _packed() -> tuple[Any, Any]:
    """The autograd function and the module, built on first use (torch loads lazily)."""
    import torch

    class PackedDropoutFn(torch.autograd.Function):
        """The backward pass reuses the forward's mask, kept as one byte per value."""

        @staticmethod
        def forward(ctx: Any, x: Any, p: float) -> Any:  # type: ignore[override]
            keep, scale = packed_keep_mask(x.shape, p, device=x.device)
            ctx.save_for_backward(keep)
            ctx.scale = scale
            return torch.where(keep, x * scale, 0)  # one pass fewer than x * keep * scale

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:  # type: ignore[override]
            (keep,) = ctx.saved_tensors
            return torch.where(keep, grad * ctx.scale, 0), None

    class PackedDropout(torch.nn.Dropout):
        """An ``nn.Dropout`` (same ``p``, same place) whose masks are packed: a drop-in swap."""

        def forward(self, x: Any) -> Any:
            return packed_dropout(x, self.p, self.training)

    return PackedDropoutFn, PackedDropout


def packed_dropout(x: Any, p: float, training: bool = True) -> Any:
    """``torch.nn.functional.dropout`` with packed masks."""
    if not training or p <= 0.0:
        return x
    return _packed()[0].apply(x, p)


def pack_dropout_masks(model: Any) -> int:
    """Swap every ``nn.Dropout`` of ``model`` for a ``PackedDropout`` with the same ``p``;
    returns how many. The saved model is unchanged (dropout has no weights, the config keeps
    its rates), and evaluation, where dropout does nothing, computes the same answers."""
    import torch

    module = _packed()[1]
    swapped = 0
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if type(child) is torch.nn.Dropout:
                packed = module(child.p)
                packed.train(child.training)
                setattr(parent, name, packed)
                swapped += 1
    return swapped


def packed_masks_speedup(shape: Any, p: float = 0.1, repeats: int = 7) -> float:
    """How many times faster packed masks are than PyTorch's own here: both drawn at ``shape``
    (a run's batch x length x width) with private generators, so the run's random numbers are
    untouched; median of ``repeats`` interleaved rounds."""
    import torch

    native_gen, packed_gen = torch.Generator().manual_seed(0), torch.Generator().manual_seed(0)
    scratch = torch.empty(shape)
    ratios = []
    for _ in range(repeats + 1):
        started = time.perf_counter()
        scratch.bernoulli_(1 - p, generator=native_gen)  # what nn.Dropout draws per value
        native = time.perf_counter() - started
        started = time.perf_counter()
        packed_keep_mask(shape, p, packed_gen)
        packed = time.perf_counter() - started
        ratios.append(native / max(packed, 1e-9))
    ratios = sorted(ratios[1:])  # the first round warms both up
    return ratios[len(ratios) // 2]
