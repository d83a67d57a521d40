"""Build a tiny BERT checkpoint locally (no downloads): a WordPiece tokenizer trained with
``tokenizers`` on the built-in samples, and a 2-layer, 32-wide ``BertForMaskedLM``.

Saved as a masked-LM so it has an MLM head (fill-mask works after training) and can also be
loaded for classification (a fresh classifier head is added). Trains at ~100 steps/s on a CPU,
which is what makes runner, stop/resume and kill -9 tests take seconds, not minutes.

    python tests/tiny.py OUT_DIR      # used by subprocess tests
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "engine" / "data" / "samples"


def sample_texts() -> list[str]:
    texts = []
    for path in sorted(SAMPLES.glob("*/*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            texts.extend(v for k, v in row.items() if k != "label" and isinstance(v, str))
    return texts


def build_tiny_bert(out: Path, vocab_size: int = 600, max_positions: int = 128) -> Path:
    from tokenizers import (
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
        trainers,
    )
    from transformers import BertConfig, BertForMaskedLM, PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.train_from_iterator(sample_texts(), trainers.WordPieceTrainer(
        vocab_size=vocab_size, special_tokens=specials))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    tok.decoder = decoders.WordPiece(prefix="##")
    hf_tok = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                     cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                                     model_max_length=max_positions)
    config = BertConfig(vocab_size=len(hf_tok), hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64,
                        max_position_embeddings=max_positions, pad_token_id=hf_tok.pad_token_id)
    out.mkdir(parents=True, exist_ok=True)
    BertForMaskedLM(config).save_pretrained(out)
    hf_tok.save_pretrained(out)
    return out


if __name__ == "__main__":
    print(build_tiny_bert(Path(sys.argv[1])))
