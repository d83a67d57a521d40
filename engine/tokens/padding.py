"""Dynamic padding, shown with the very collator training uses.

``make_collator`` is the single place the training collator is built; the padding views call it
too, so what the user sees is what the model gets. ``epoch_padding`` replays a whole epoch's
batching order with the real samplers (``RandomSampler`` and transformers'
``LengthGroupedSampler``) and counts padding for static, dynamic and length-grouped batches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def pad_multiple(device_type: str, precision: str) -> int | None:
    """Tensor cores want multiples of 8 under fp16/bf16; CPUs gain nothing from extra padding."""
    return 8 if device_type == "cuda" and precision in ("bf16", "fp16") else None


def make_collator(tokenizer: Any, task: str, padding: str, max_length: int,
                  pad_to_multiple_of: int | None = None, mlm_probability: float = 0.15,
                  seed: int | None = None) -> Any:
    from ..training.recipe import collator_spec

    spec = collator_spec(task, padding, max_length, mlm_probability, pad_to_multiple_of)
    return collator_from_spec(tokenizer, spec, seed)


def collator_from_spec(tokenizer: Any, spec: dict[str, Any], seed: int | None = None) -> Any:
    """The collator ``recipe.collator_spec`` describes; the exported scripts build theirs from
    the same spec in ``run.json``, with the same two calls."""
    from transformers import DataCollatorForLanguageModeling, DataCollatorWithPadding

    if spec["kind"] == "mlm":
        return DataCollatorForLanguageModeling(tokenizer, mlm=True,
                                               mlm_probability=spec["mlm_probability"],
                                               pad_to_multiple_of=spec["pad_to_multiple_of"],
                                               seed=seed)
    return DataCollatorWithPadding(tokenizer, padding=spec["padding"],
                                   max_length=spec["max_length"],
                                   pad_to_multiple_of=spec["pad_to_multiple_of"])


@dataclass
class BatchDemo:
    lengths: list[int]  # real length of each row, in tokens
    shape: list[int]  # padded shape of input_ids, e.g. [8, 67]
    tokens: list[list[str]]  # per row, padded with the pad token
    attention_mask: list[list[int]]
    token_type_ids: list[list[int]] | None
    pad_tokens: int
    real_tokens: int

    @property
    def pad_share(self) -> float:
        total = self.pad_tokens + self.real_tokens
        return self.pad_tokens / total if total else 0.0


def batch_demo(tokenizer: Any, features: list[dict[str, Any]], collator: Any) -> BatchDemo:
    """Run ``collator`` on tokenized rows (dicts of input_ids, ...) and describe the batch."""
    lengths = [len(f["input_ids"]) for f in features]
    keep = ("input_ids", "attention_mask", "token_type_ids")
    batch = collator([{k: v for k, v in f.items() if k in keep} for f in features])
    ids = batch["input_ids"].tolist()
    mask = batch["attention_mask"].tolist()
    real = sum(lengths)
    total = len(ids) * (len(ids[0]) if ids else 0)
    return BatchDemo(
        lengths=lengths, shape=list(batch["input_ids"].shape),
        tokens=[tokenizer.convert_ids_to_tokens(row) for row in ids], attention_mask=mask,
        token_type_ids=batch["token_type_ids"].tolist() if "token_type_ids" in batch else None,
        pad_tokens=total - real, real_tokens=real)


@dataclass
class PadStats:
    strategy: str
    batches: int
    real_tokens: int
    padded_tokens: int  # total processed tokens, padding included
    batch_widths: list[int]

    @property
    def pad_tokens(self) -> int:
        return self.padded_tokens - self.real_tokens

    @property
    def pad_share(self) -> float:
        return self.pad_tokens / self.padded_tokens if self.padded_tokens else 0.0


def _round_up(n: int, multiple: int | None) -> int:
    return n if not multiple else -(-n // multiple) * multiple


def _replay(strategy: str, order: list[int], lengths: list[int], batch_size: int,
            width_of: Any) -> PadStats:
    widths, real, total = [], 0, 0
    for start in range(0, len(order), batch_size):
        rows = [lengths[i] for i in order[start:start + batch_size]]
        width = width_of(rows)
        widths.append(width)
        real += sum(rows)
        total += width * len(rows)
    return PadStats(strategy, len(widths), real, total, widths)


def epoch_padding(lengths: list[int], batch_size: int, max_length: int, seed: int = 42,
                  multiple: int | None = None) -> dict[str, PadStats]:
    """Padding over one epoch for static, dynamic (random order) and length-grouped batches.

    ``lengths`` are token lengths before truncation; they are capped at ``max_length`` here as
    the tokenizer would. The batch order comes from the samplers training uses, seeded.
    """
    import torch
    from torch.utils.data import RandomSampler
    from transformers.trainer_pt_utils import LengthGroupedSampler

    capped = [min(n, max_length) for n in lengths]
    generator = torch.Generator().manual_seed(seed)
    random_order = list(RandomSampler(range(len(capped)), generator=generator))
    grouped = list(LengthGroupedSampler(batch_size, lengths=capped,
                                        generator=torch.Generator().manual_seed(seed)))
    return {
        "static": _replay("static", random_order, capped, batch_size, lambda rows: max_length),
        "dynamic": _replay("dynamic", random_order, capped, batch_size,
                           lambda rows: _round_up(max(rows), multiple)),
        "grouped": _replay("grouped", grouped, capped, batch_size,
                           lambda rows: _round_up(max(rows), multiple)),
    }


def should_group(lengths: list[int], batch_size: int, max_length: int, seed: int = 42) -> bool:
    """'auto' sampling: group by length when it removes a meaningful share of padding."""
    if len(lengths) < batch_size * 4:
        return False
    stats = epoch_padding(lengths, batch_size, max_length, seed)
    return stats["dynamic"].pad_share - stats["grouped"].pad_share > 0.05
