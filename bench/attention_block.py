"""One attention block's forward and backward at the built-in model's shape, four ways.

    python bench/attention_block.py

16 texts x 12 heads x 72 tokens x 32 dims, bf16 autocast on the CPU, a padding mask: PyTorch's
fused ``scaled_dot_product_attention`` and transformers' plain path (``matmul``, softmax,
``matmul``), each with and without dropout on the attention probabilities. Prints the median
ms for six layers (the model's depth) after five warm-up rounds. It explains the step variants
in BENCHMARKS.md: why attention dropout off pays only on the plain path.
"""

from __future__ import annotations

import statistics
import time

import torch
import torch.nn.functional as F

B, H, L, D = 16, 12, 72, 32
LAYERS = 6


def block_ms(dropout: float, fused: bool) -> float:
    torch.manual_seed(0)
    q, k, v = (torch.randn(B, H, L, D, requires_grad=True) for _ in range(3))
    mask = torch.zeros(B, 1, L, L)
    mask[:, :, :, L - 5:] = torch.finfo(torch.float32).min  # five padded positions
    times = []
    for _ in range(30):
        start = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            if fused:
                out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout)
            else:
                scores = torch.matmul(q, k.transpose(2, 3)) * D ** -0.5 + mask
                probs = F.dropout(torch.softmax(scores, dim=-1), p=dropout)
                out = torch.matmul(probs, v)
        out.float().sum().backward()
        times.append(time.perf_counter() - start)
    return 1000 * LAYERS * statistics.median(times[5:])


def main() -> None:
    for fused in (True, False):
        for dropout in (0.1, 0.0):
            name = "fused (sdpa)" if fused else "plain (eager)"
            print(f"{name:14s} attention dropout {dropout:.1f}: "
                  f"{block_ms(dropout, fused):6.1f} ms per {LAYERS} layers")


if __name__ == "__main__":
    main()
