"""Tokenization view and dynamic padding, with the built-in checkpoint's real tokenizer."""

from __future__ import annotations

import pytest

from engine.config import RunConfig
from engine.modeling.checkpoints import BUILTIN, builtin_path
from engine.tokens.padding import batch_demo, epoch_padding, make_collator, should_group
from engine.tokens.view import detect_script, length_stats, suggest_checkpoints, tokenize_rows


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(builtin_path("minilm-l6")))


def test_builtin_checkpoint_is_a_real_pretrained_model():
    folder = builtin_path("minilm-l6")
    assert (folder / "model.safetensors").stat().st_size > 80_000_000
    assert "MiniLM" in BUILTIN["minilm-l6"][1]


def test_pair_layout_token_type_ids_and_special_tokens(tokenizer):
    row = tokenize_rows(tokenizer, ["The cat sat."], ["A cat was sitting."], 64)[0]
    assert row.tokens[0] == "[CLS]" and row.tokens.count("[SEP]") == 2
    first_sep = row.tokens.index("[SEP]")
    assert row.token_type_ids == [0] * (first_sep + 1) + [1] * (len(row.tokens) - first_sep - 1)
    assert row.attention_mask == [1] * len(row.tokens)
    assert [t for t, s in zip(row.tokens, row.special, strict=True) if s] == \
        ["[CLS]", "[SEP]", "[SEP]"]
    assert row.input_ids[0] == tokenizer.cls_token_id and not row.truncated


def test_truncation_is_reported(tokenizer):
    row = tokenize_rows(tokenizer, ["word " * 100], None, 16)[0]
    assert row.truncated and len(row.input_ids) == 16 and row.full_length == 102


def test_length_stats_count_truncation_and_histogram(tokenizer):
    texts = ["short one"] * 5 + ["a much longer sentence " * 10] * 3
    stats = length_stats(tokenizer, texts, None, max_length=20, languages=("en",))
    assert stats.rows == 8 and stats.truncated == 3 and stats.max == 42
    edges, counts = stats.histogram(bins=10)
    assert sum(counts) == 8 and len(edges) == 11
    assert any("longer than 20 tokens" in w for w in stats.warnings)


def test_unknown_language_warning(tokenizer):
    korean = ["오늘 날씨가 정말 좋네요", "이 영화는 정말 재미있었어요"] * 5
    stats = length_stats(tokenizer, korean, None, 64, languages=("en",))
    assert stats.script == "Korean (Hangul)"
    assert any("Korean" in w and "checkpoint" in w for w in stats.warnings)
    amharic = ["ሰላም ለዓለም ቋንቋ", "🙂🙃🦜 ⛵🛸"] * 4  # not in the English vocabulary
    unknown = length_stats(tokenizer, amharic, None, 64, languages=("en",))
    assert unknown.unk_share == 1.0 and any("[UNK]" in w for w in unknown.warnings)
    assert "klue/bert-base" in suggest_checkpoints(detect_script(korean))


def test_collator_pads_to_the_longest_row(tokenizer):
    """The seed's lengths [50, 59, 47, 67, 59, 50, 62, 32] give a padded batch [8, 67]."""
    lengths = [50, 59, 47, 67, 59, 50, 62, 32]
    features = [{"input_ids": [tokenizer.cls_token_id] + [1000] * (n - 2) + [
        tokenizer.sep_token_id], "attention_mask": [1] * n} for n in lengths]
    demo = batch_demo(tokenizer, features, make_collator(tokenizer, "classification",
                                                         "dynamic", 128))
    assert demo.lengths == lengths and demo.shape == [8, 67]
    assert demo.pad_tokens == 8 * 67 - sum(lengths)
    assert demo.tokens[7][32:] == ["[PAD]"] * 35 and demo.attention_mask[7][31:33] == [1, 0]
    static = batch_demo(tokenizer, features, make_collator(tokenizer, "classification",
                                                           "max_length", 128))
    assert static.shape == [8, 128]


def test_epoch_padding_static_vs_dynamic_vs_grouped():
    import random

    rng = random.Random(0)
    lengths = [rng.randint(20, 110) for _ in range(800)]
    stats = epoch_padding(lengths, batch_size=16, max_length=128, seed=1)
    assert stats["static"].real_tokens == stats["dynamic"].real_tokens == sum(lengths)
    assert stats["static"].pad_share > stats["dynamic"].pad_share > stats["grouped"].pad_share
    assert stats["grouped"].pad_share < 0.1 and stats["dynamic"].batches == 50
    assert stats["static"].padded_tokens == 800 * 128
    assert should_group(lengths, 16, 128)
    assert not should_group([40] * 800, 16, 128)


def test_studio_views_on_builtin_pairs(studio):
    cfg = RunConfig(dataset="paraphrase", max_length=128, batch_size=8)
    demo = studio.batch_demo(cfg)
    assert demo.shape == [8, max(demo.lengths)] and demo.token_type_ids is not None
    stats = studio.length_stats(cfg)
    assert stats.rows > 300 and stats.unk_share < 0.01 and stats.truncated == 0
    padding = studio.epoch_padding(cfg)
    assert padding["grouped"].pad_share < padding["dynamic"].pad_share
