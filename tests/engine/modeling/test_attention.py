"""Attention dropout off on the eager path (``engine/modeling/attention.py``): the same network
(equal outputs in evaluation, where dropout is off anyway), only the attention-probability
dropout gone in training, and a saved model that is the checkpoint's own kind."""

from __future__ import annotations

import json

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from engine.modeling.attention import attention_dropouts, drop_attention_dropout


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
