"""Dropout as a CPU run draws it (``engine/modeling/dropout.py``). Attention dropout off on the
eager path: the same network (equal outputs in evaluation, where dropout is off anyway), only
the attention-probability dropout gone in training, and a saved model of the checkpoint's own
kind. Packed masks: the same Bernoulli masks as ``nn.Dropout`` (rate, scale, independence,
gradient), reproducible from the seed, and a model that saves and evaluates as before."""

from __future__ import annotations

import json

import pytest
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from engine.modeling.dropout import (
    LEVELS,
    attention_dropouts,
    drop_attention_dropout,
    pack_dropout_masks,
    packed_dropout,
    packed_keep_mask,
)


def _pair(tiny_dir):
    models = []
    for _ in range(2):
        torch.manual_seed(0)
        models.append(AutoModelForSequenceClassification.from_pretrained(tiny_dir, num_labels=2))
    return models


def _batch(tiny_dir):
    tokenizer = AutoTokenizer.from_pretrained(tiny_dir)
    return tokenizer(["the soil needs compost", "water the roots early in the morning"],
                     padding=True, return_tensors="pt")


def test_it_changes_only_the_attention_dropout_and_the_path(tiny_dir):
    _, model = _pair(tiny_dir)
    layers = model.config.num_hidden_layers
    assert [d.p for d in attention_dropouts(model)] == [0.1] * layers
    before = {name: m.p for name, m in model.named_modules() if isinstance(m, torch.nn.Dropout)}

    assert drop_attention_dropout(model) == layers
    after = {name: m.p for name, m in model.named_modules() if isinstance(m, torch.nn.Dropout)}
    changed = {name for name in before if before[name] != after[name]}
    assert changed and all(name.endswith("attention.self.dropout") for name in changed)
    assert len(changed) == layers  # the output dropouts (attention.output.dropout) stay
    assert model.config._attn_implementation == "eager"


def test_the_network_computes_the_same_answers(tiny_dir):
    """Evaluation has no dropout, so the eager path must give the fused path's logits."""
    fused, eager = _pair(tiny_dir)
    drop_attention_dropout(eager)
    fused.eval(), eager.eval()
    batch = _batch(tiny_dir)
    with torch.no_grad():
        assert torch.allclose(fused(**batch).logits, eager(**batch).logits, atol=1e-5)


def test_training_without_attention_dropout_is_deterministic_there(tiny_dir):
    """With the hidden dropouts also off, two training-mode passes agree only if no attention
    dropout is left: a check that the dropout really is gone from the computation."""
    _, model = _pair(tiny_dir)
    drop_attention_dropout(model)
    attention = attention_dropouts(model)
    for module in model.modules():
        if isinstance(module, torch.nn.Dropout) and module not in attention:
            module.p = 0.0  # the output dropouts: off here, so only attention's could differ
    model.train()
    batch = _batch(tiny_dir)
    with torch.no_grad():
        assert torch.equal(model(**batch).logits, model(**batch).logits)


def test_the_saved_model_keeps_the_checkpoints_config(tiny_dir, tmp_path):
    _, model = _pair(tiny_dir)
    drop_attention_dropout(model)
    model.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["attention_probs_dropout_prob"] == 0.1
    fresh = AutoModelForSequenceClassification.from_pretrained(tiny_dir)
    reloaded = AutoModelForSequenceClassification.from_pretrained(tmp_path)
    assert reloaded.config._attn_implementation == fresh.config._attn_implementation
    assert [d.p for d in attention_dropouts(reloaded)] == [0.1] * model.config.num_hidden_layers


# --- packed masks ---------------------------------------------------------------------------

def test_packed_masks_drop_at_the_rate_asked_and_keep_the_expected_value():
    torch.manual_seed(0)
    count = 2_000_000
    for p in (0.1, 0.25, 0.5):
        keep, scale = packed_keep_mask((count,), p)
        dropped = 1 - keep.double().mean().item()
        rounded = round(p * LEVELS) / LEVELS
        assert abs(dropped - rounded) < 5 * (rounded * (1 - rounded) / count) ** 0.5
        assert abs(rounded - p) <= 0.5 / LEVELS
        assert scale == pytest.approx(1 / (1 - rounded))  # E[x * keep * scale] = x


def test_the_sixteen_bit_quarters_are_independent_of_each_other():
    """Four masks come from one 64-bit draw: neighbours must not be correlated, and each of
    the four positions in a draw must drop at the same rate."""
    torch.manual_seed(1)
    keep, _ = packed_keep_mask((4_000_000,), 0.5)
    quarters = keep.view(-1, 4).double()
    assert torch.allclose(quarters.mean(0), torch.full((4,), 0.5, dtype=torch.float64),
                          atol=0.003)
    centred = quarters - 0.5
    for a in range(4):
        for b in range(a + 1, 4):
            assert abs((centred[:, a] * centred[:, b]).mean().item()) < 0.002


def test_odd_sizes_and_the_edges_of_the_rate():
    x = torch.randn(3, 7, 5)  # 105 values: not a multiple of four
    y = packed_dropout(x, 0.3)
    assert y.shape == x.shape and ((y == 0) | torch.isclose(y, x / (1 - 19661 / LEVELS))).all()
    assert torch.equal(packed_dropout(x, 0.0), x)
    assert torch.equal(packed_dropout(x, 0.3, training=False), x)
    assert not packed_dropout(x, 1.0).any()


def test_the_gradient_passes_exactly_where_the_forward_kept():
    x = torch.randn(16, 9, 32, requires_grad=True)
    y = packed_dropout(x, 0.1)
    y.backward(torch.ones_like(y))
    kept = y.detach() != 0
    assert torch.equal(x.grad != 0, kept)
    assert torch.allclose(x.grad[kept], torch.full_like(x.grad[kept], LEVELS / (LEVELS - 6554)))


def test_bf16_activations_stay_bf16():
    x = torch.randn(4, 8, 16).to(torch.bfloat16).requires_grad_()
    y = packed_dropout(x, 0.1)
    y.float().sum().backward()
    assert y.dtype == torch.bfloat16 and x.grad.dtype == torch.bfloat16


def test_a_packed_model_evaluates_and_saves_as_before(tiny_dir, tmp_path):
    native, packed = _pair(tiny_dir)
    count = sum(isinstance(m, torch.nn.Dropout) for m in native.modules())
    rates = [m.p for m in native.modules() if isinstance(m, torch.nn.Dropout)]
    assert pack_dropout_masks(packed) == count > 0
    assert [type(m).__name__ for m in packed.modules()
            if isinstance(m, torch.nn.Dropout)] == ["PackedDropout"] * count
    assert [m.p for m in packed.modules() if isinstance(m, torch.nn.Dropout)] == rates
    native.eval(), packed.eval()
    batch = _batch(tiny_dir)
    with torch.no_grad():
        assert torch.equal(native(**batch).logits, packed(**batch).logits)
    packed.save_pretrained(tmp_path)
    reloaded = AutoModelForSequenceClassification.from_pretrained(tmp_path)
    assert all(type(m) is torch.nn.Dropout for m in reloaded.modules()
               if isinstance(m, torch.nn.Dropout))
    with torch.no_grad():
        assert torch.equal(reloaded.eval()(**batch).logits, packed(**batch).logits)


def test_packed_training_is_random_and_reproducible_from_the_seed(tiny_dir):
    _, model = _pair(tiny_dir)
    pack_dropout_masks(model)
    model.train()
    batch = _batch(tiny_dir)
    with torch.no_grad():
        torch.manual_seed(5)
        first = model(**batch).logits
        second = model(**batch).logits
        torch.manual_seed(5)
        again = model(**batch).logits
    assert not torch.equal(first, second)  # the masks are really drawn
    assert torch.equal(first, again)  # from torch's generator, so a seed repeats a run
