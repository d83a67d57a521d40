"""The sparse masked-LM head: the same loss and gradients as the full computation, on a tiny
BERT, and a saved model that is still a standard fill-mask model."""

from __future__ import annotations

import torch
from transformers import AutoModelForMaskedLM, AutoTokenizer, DataCollatorForLanguageModeling

from engine.modeling.sparse_mlm import only_masked_positions, sparse_mlm_loss


def _batch(tiny_dir, seed=0):
    tokenizer = AutoTokenizer.from_pretrained(tiny_dir)
    texts = ["the soil needs compost before planting tomatoes in spring",
             "water the roots early in the morning", "prune roses after they flower"]
    rows = [{"input_ids": ids} for ids in tokenizer(texts)["input_ids"]]
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.3, seed=seed)
    return collator(rows)


def _model(tiny_dir):
    torch.manual_seed(0)
    model = AutoModelForMaskedLM.from_pretrained(tiny_dir)
    model.eval()  # no dropout: both computations see the same network
    return model


def test_the_sparse_loss_equals_the_full_loss_and_its_gradients(tiny_dir):
    batch = _batch(tiny_dir)
    assert (batch["labels"] != -100).sum() > 0
    full_model, sparse_model = _model(tiny_dir), _model(tiny_dir)

    full = full_model(**batch).loss
    full.backward()
    sparse, outputs = sparse_mlm_loss(sparse_model, batch)
    sparse.backward()

    assert abs(full.item() - sparse.item()) < 1e-5
    masked = int((batch["labels"] != -100).sum())
    assert outputs.logits.shape == (masked, full_model.config.vocab_size)  # only masked rows
    for (name, a), (_, b) in zip(full_model.named_parameters(), sparse_model.named_parameters(),
                                 strict=True):
        if a.grad is not None:
            assert torch.allclose(a.grad, b.grad, atol=1e-6), name


def test_the_hook_is_gone_after_the_pass_and_the_model_saves_as_a_standard_one(tiny_dir, tmp_path):
    model = _model(tiny_dir)
    batch = _batch(tiny_dir)
    sparse_mlm_loss(model, batch)
    assert not model.get_output_embeddings()._forward_pre_hooks
    plain = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
    assert plain.logits.shape[:2] == batch["input_ids"].shape  # every position again

    from transformers import pipeline

    model.save_pretrained(tmp_path / "m")
    AutoTokenizer.from_pretrained(tiny_dir).save_pretrained(tmp_path / "m")
    fill = pipeline("fill-mask", model=str(tmp_path / "m"), device="cpu")
    assert len(fill("water the [MASK] early")) == 5


def test_a_batch_without_masked_tokens_gives_zero_loss_not_nan(tiny_dir):
    model = _model(tiny_dir)
    batch = _batch(tiny_dir)
    batch["labels"] = torch.full_like(batch["labels"], -100)
    loss, _ = sparse_mlm_loss(model, batch)
    assert loss.item() == 0.0


def test_a_decoder_that_is_never_called_falls_back_to_the_full_logits(tiny_dir):
    model = _model(tiny_dir)
    batch = _batch(tiny_dir)
    positions = batch["labels"] != -100
    with only_masked_positions(model, positions[:, :-1]) as seen:  # a shape that does not fit
        out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
    assert not seen["gathered"] and out.logits.shape[:2] == batch["input_ids"].shape
