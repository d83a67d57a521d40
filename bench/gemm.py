"""The GEMM rate a training step of the model could reach at best, on this CPU.

A linear layer's training step is three matrix products: the forward ``X @ W.T``, the input
gradient ``dY @ W`` and the weight gradient ``dY.T @ X``. This times each of the three, with
the memory layouts training uses, for every distinct linear shape of the model (attention
projections and the feed-forward pair) at a given number of tokens per batch, in fp32 and in
bf16, and reports the combined rate (total FLOPs over total best-of-N time). ``gemm_fraction``
in ``run.py`` divides the training FLOP rate (6 x non-embedding parameters x tokens per second,
the Trainer's own FLOP count) by the rate of the precision the run used.
"""

from __future__ import annotations

import time
from typing import Any


def _best_seconds(fn: Any, repeats: int = 20) -> float:
    fn()
    fn()  # warm-up: kernel choice, caches
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def linear_shapes(model: Any) -> list[tuple[int, int]]:
    """Distinct (in_features, out_features) of the encoder's linear layers."""
    import torch

    shapes = {(m.in_features, m.out_features) for name, m in model.named_modules()
              if isinstance(m, torch.nn.Linear) and ".layer." in name}
    return sorted(shapes)


def training_gemm_rate(shapes: list[tuple[int, int]], tokens: int, dtype: Any) -> float:
    """GFLOP/s of forward, input-gradient and weight-gradient products at these shapes."""
    import torch

    flops = seconds = 0.0
    for k, n in shapes:
        x = torch.randn(tokens, k).to(dtype)
        w = torch.randn(n, k).to(dtype)
        dy = torch.randn(tokens, n).to(dtype)
        for a, b in ((x, w.t()), (dy, w), (dy.t(), x)):  # forward, input grad, weight grad
            flops += 2.0 * tokens * k * n
            seconds += _best_seconds(lambda a=a, b=b: torch.matmul(a, b))
    return flops / seconds / 1e9


def gemm_rates(checkpoint: str, tokens: int) -> dict[str, Any]:
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(checkpoint)
    shapes = linear_shapes(model)
    return {"tokens": tokens, "shapes": shapes,
            "fp32_gflops": round(training_gemm_rate(shapes, tokens, torch.float32), 1),
            "bf16_gflops": round(training_gemm_rate(shapes, tokens, torch.bfloat16), 1)}
