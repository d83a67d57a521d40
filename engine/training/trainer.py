"""Build the ``Trainer`` for a run: tokenized splits, collator, arguments, precision, sampler.

The recipe is the course's (``map(batched=True)`` → ``DataCollatorWithPadding`` → ``Trainer`` with
``compute_metrics``) with the speed settings a CPU user would not know to set: bf16 autocast where
the hardware runs it fast, dynamic padding, and length-grouped batches when lengths vary a lot.
Masked-LM adaptation concatenates and chunks texts like transformers' ``run_mlm.py``.
"""

from __future__ import annotations

from collections import OrderedDict
from itertools import chain
from pathlib import Path
from typing import Any

from transformers import PrinterCallback, TrainingArguments
from transformers.trainer_pt_utils import LengthGroupedSampler

from ..config import RunConfig
from ..data.prepare import Prepared
from ..errors import DataError
from ..modeling.precision import Choice
from ..modeling.sparse_mlm import SparseMLMTrainer, sparse_mlm_loss
from ..modeling.task_heads import (
    WeightedLossTrainer,
    balanced_class_weights,
    start_regression_at_mean,
)
from ..tokens.padding import collator_from_spec, make_collator, pad_multiple, should_group
from .adapt import adapt_for_training, device_type
from .recipe import collator_spec, training_kwargs

_TOKENIZED: OrderedDict[tuple[Any, ...], Any] = OrderedDict()  # small LRU, by fingerprint


def tokenize_splits(prepared: Prepared, tokenizer: Any, cfg: RunConfig) -> Any:
    """Tokenized splits, cached by (split fingerprints, tokenizer, max_length, task)."""
    from datasets import DatasetDict

    key = (tuple((k, v._fingerprint) for k, v in prepared.splits.items()),
           tokenizer.name_or_path, len(tokenizer), cfg.max_length, cfg.task)
    if key in _TOKENIZED:
        _TOKENIZED.move_to_end(key)
        return _TOKENIZED[key]
    if cfg.task == "mlm":
        out = DatasetDict({k: _mlm_blocks(v, tokenizer, cfg.max_length, k)
                           for k, v in prepared.splits.items()})
    else:
        pair = "text_pair" in prepared.splits["train"].column_names

        def encode(batch: dict[str, list[Any]]) -> Any:
            args = (batch["text"], batch["text_pair"]) if pair else (batch["text"],)
            return tokenizer(*args, truncation=True, max_length=cfg.max_length)

        out = DatasetDict({k: v.map(encode, batched=True, remove_columns=[
            c for c in v.column_names if c != "label"]) for k, v in prepared.splits.items()})
    _TOKENIZED[key] = out
    while len(_TOKENIZED) > 4:
        _TOKENIZED.popitem(last=False)
    return out


def _mlm_blocks(split: Any, tokenizer: Any, block: int, name: str) -> Any:
    def encode(batch: dict[str, list[Any]]) -> Any:
        return tokenizer(batch["text"], return_special_tokens_mask=True)

    def group(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
        joined = {k: list(chain(*batch[k])) for k in batch}
        total = (len(joined["input_ids"]) // block) * block
        return {k: [t[i:i + block] for i in range(0, total, block)] for k, t in joined.items()}

    tokens = split.map(encode, batched=True, remove_columns=split.column_names)
    blocks = tokens.map(group, batched=True, batch_size=1000)
    if len(blocks) == 0:
        raise DataError("data.too_little_text", split=name, block=block)
    return blocks


class CountingCollator:
    """Wraps the training collator and counts real vs padded tokens of every batch the model
    really sees, so the run reports its actual padding share (not an estimate)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.real = 0
        self.total = 0
        self.batches = 0

    def __call__(self, features: list[dict[str, Any]]) -> Any:
        batch = self.inner(features)
        mask = batch.get("attention_mask")
        if mask is not None:
            self.real += int(mask.sum())
            self.total += mask.numel()
            self.batches += 1
        return batch

    @property
    def tokens_per_batch(self) -> float | None:
        """Processed tokens (padding included) per training batch, on average."""
        return round(self.total / self.batches, 1) if self.batches else None

    @property
    def pad_fraction(self) -> float | None:
        return round(1 - self.real / self.total, 5) if self.total else None


class MaskOnceCollator:
    """MLM collator that masks training batches afresh but leaves pre-masked rows alone, so the
    validation/test perplexity is measured on the same masks every time (comparable curves)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, features: list[dict[str, Any]]) -> Any:
        from transformers import default_data_collator

        if "labels" in features[0]:
            return default_data_collator(features)
        return self.inner(features)


def premask(blocks: Any, tokenizer: Any, cfg: RunConfig) -> Any:
    """Mask an evaluation split once, with a fixed seed."""
    collator = make_collator(tokenizer, "mlm", "dynamic", cfg.max_length, None,
                             cfg.mlm_probability, seed=cfg.seed)

    def mask(batch: dict[str, list[Any]]) -> dict[str, Any]:
        rows = [{"input_ids": ids, "special_tokens_mask": sm}
                for ids, sm in zip(batch["input_ids"], batch["special_tokens_mask"], strict=True)]
        out = collator(rows)
        return {"input_ids": out["input_ids"].tolist(), "labels": out["labels"].tolist(),
                "attention_mask": [[1] * len(ids) for ids in batch["input_ids"]]}

    return blocks.map(mask, batched=True, remove_columns=["special_tokens_mask"])


def grouped_sampling(cfg: RunConfig, lengths: list[int]) -> bool:
    if cfg.task == "mlm" or cfg.padding == "max_length":
        return False  # equal-length blocks / static padding: grouping changes nothing
    if cfg.sampling != "auto":
        return cfg.sampling == "group_by_length"
    return should_group(lengths, cfg.batch_size, cfg.max_length, cfg.seed)


def training_arguments(cfg: RunConfig, output_dir: str, precision: str, grouped: bool) -> Any:
    """The keywords come from ``recipe.training_kwargs``, which the export writes too."""
    return TrainingArguments(output_dir=output_dir, use_cpu=device_type() == "cpu",
                             **training_kwargs(cfg, precision, grouped))


def probe_batch(train: Any, lengths: list[int], collator: Any, batch_size: int) -> Any:
    """A training batch of typical shape: the ``batch_size`` rows nearest the median length."""
    median = sorted(lengths)[len(lengths) // 2]
    rows = sorted(range(len(lengths)), key=lambda i: abs(lengths[i] - median))[:batch_size]
    keep = ("input_ids", "attention_mask", "token_type_ids", "special_tokens_mask", "label")
    return collator([{k: v for k, v in train[i].items() if k in keep} for i in rows])


def choose_precision(cfg: RunConfig, model: Any, train: Any, lengths: list[int],
                     tokenizer: Any, cache_dir: Path | None,
                     cpu_caps: tuple[tuple[str, str], ...] = ()) -> Choice:
    """``precision: auto`` times the real model on a real batch (see ``precision.py``)."""
    from ..modeling.precision import choose

    if cfg.precision != "auto" or device_type() != "cpu":
        return choose(cfg.precision, None, None, None)
    collator = make_collator(tokenizer, cfg.task, cfg.padding, cfg.max_length, None,
                             cfg.mlm_probability, seed=cfg.seed)
    batch = probe_batch(train, lengths, collator, cfg.batch_size)
    return choose("auto", model, batch, cache_dir, loss_function(cfg.task), cpu_caps)


def loss_function(task: str) -> Any:
    """The loss a training step computes, as (model, batch) -> loss, for probes and estimates."""
    from ..modeling.precision import model_loss

    return (lambda model, batch: sparse_mlm_loss(model, batch)[0]) if task == "mlm" \
        else model_loss


def build_trainer(cfg: RunConfig, prepared: Prepared, tokenizer: Any, model: Any,
                  output_dir: str, callbacks: list[Any],
                  cache_dir: Path | None = None,
                  cpu_caps: tuple[tuple[str, str], ...] = ()) -> tuple[Any, dict[str, Any]]:
    """The Trainer plus facts for the run log (precision used and why, grouping, sizes).
    ``cache_dir`` keeps the precision measurement for the next run on this machine."""
    from transformers import EarlyStoppingCallback

    from ..modeling.metrics import compute_metrics_for

    tokenized = tokenize_splits(prepared, tokenizer, cfg)
    lengths = [len(x) for x in tokenized["train"]["input_ids"]]
    grouped = grouped_sampling(cfg, lengths)
    adapted = adapt_for_training(cfg, model)  # before the precision probe times the model
    choice = choose_precision(cfg, model, tokenized["train"], lengths, tokenizer, cache_dir,
                              cpu_caps)
    precision = choice.precision
    if choice.threads:
        import torch

        torch.set_num_threads(choice.threads)
    multiple = pad_multiple(device_type(), precision)
    spec = collator_spec(cfg.task, cfg.padding, cfg.max_length, cfg.mlm_probability, multiple)
    collator = collator_from_spec(tokenizer, spec)
    evals = {k: v for k, v in tokenized.items() if k != "train"}
    compute = None
    if cfg.task == "mlm":
        collator = MaskOnceCollator(collator)
        evals = {k: premask(v, tokenizer, cfg) for k, v in evals.items()}
    else:
        compute = compute_metrics_for(cfg.task, len(prepared.label_names or []),
                                      cfg.multilabel_threshold)
    weights = class_weights_for(cfg, prepared)
    if cfg.early_stopping_patience:
        callbacks = [*callbacks, EarlyStoppingCallback(cfg.early_stopping_patience)]

    label_mean = regression_mean(cfg, prepared)
    if label_mean is not None:
        start_regression_at_mean(model, label_mean)
    train = tokenized["train"].remove_columns(
        [c for c in ("special_tokens_mask",) if c in tokenized["train"].column_names])
    trainer = StudioTrainer(
        lengths=lengths if grouped else None, sparse_mlm=cfg.task == "mlm", model=model,
        class_weights=weights,
        args=training_arguments(cfg, output_dir, precision, grouped), train_dataset=train,
        eval_dataset=evals["validation"], processing_class=tokenizer, data_collator=collator,
        compute_metrics=compute, callbacks=callbacks)
    trainer.studio_eval_sets = evals
    trainer.remove_callback(PrinterCallback)  # disable_tqdm adds it; our events replace it
    facts = {"precision": precision, "precision_reason": choice.reason,
             "precision_measured": choice.measured, "threads": choice.threads,
             "sparse_mlm_head": cfg.task == "mlm", "grouped_by_length": grouped,
             "pad_to_multiple_of": multiple, "train_rows": len(train),
             **adapted,
             "parameters_nonembedding": _nonembedding_parameters(model),
             "training_args": training_kwargs(cfg, precision, grouped), "collator": spec,
             "class_weights": weights, "label_mean": label_mean, "best_metric": cfg.best_metric,
             "early_stopping_patience": cfg.early_stopping_patience, "device": device_type()}
    return trainer, facts


def regression_mean(cfg: RunConfig, prepared: Prepared) -> float | None:
    """The mean training score a regression head starts at (``task_heads.py`` says why)."""
    if cfg.task != "regression":
        return None
    values = prepared.splits["train"]["label"]
    return round(float(sum(values) / len(values)), 6)


def class_weights_for(cfg: RunConfig, prepared: Prepared) -> list[float] | None:
    """Balanced weights from the training rows per class, when the run asks for them."""
    if cfg.class_weighting != "balanced" or not prepared.label_names:
        return None
    counts = prepared.report.label_counts.get("train") or {}
    return balanced_class_weights([counts.get(name, 0) for name in prepared.label_names])


def _nonembedding_parameters(model: Any) -> int | None:
    """What the Trainer's FLOP count (6 x parameters x tokens) multiplies by."""
    count = getattr(model, "num_parameters", None)
    return int(count(exclude_embeddings=True)) if callable(count) else None


class StudioTrainer(WeightedLossTrainer, SparseMLMTrainer):
    """Uses the token lengths computed at tokenization for length grouping (the stock Trainer
    drops the lengths column before building its sampler and would re-measure every row), for
    masked-LM the sparse head's loss (``sparse_mlm.py``: only masked positions reach the
    vocabulary projection), and balanced class weights when the run asks for them
    (``class_weights.py``)."""

    def __init__(self, *args: Any, lengths: list[int] | None = None, sparse_mlm: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.studio_lengths = lengths
        self.sparse_mlm = sparse_mlm
        if not sparse_mlm and self.class_weights is None:
            # None: the Trainer's own rule for its own loss (the attribute is typed bool there)
            self.loss_is_scaled_for_ga = None  # type: ignore[assignment]
        self.studio_eval_sets: dict[str, Any] = {}
        self.counting = CountingCollator(self.data_collator)

    def get_train_dataloader(self) -> Any:
        """Training batches go through the counting collator (evaluation batches do not)."""
        plain, self.data_collator = self.data_collator, self.counting
        try:
            return super().get_train_dataloader()
        finally:
            self.data_collator = plain

    def evaluate(self, *args: Any, **kwargs: Any) -> dict[str, float]:
        from .callbacks import EvaluationStopped

        try:
            result: dict[str, float] = super().evaluate(*args, **kwargs)
            return result
        except EvaluationStopped:  # Stop pressed: skip the rest; the checkpoint comes next
            return {}

    def _determine_best_metric(self, metrics: dict[str, float], trial: Any) -> bool:
        """An evaluation that Stop cut short returns no scores (see ``evaluate``): it cannot be
        the best one, and the Trainer's own check would fail on the missing metric."""
        if not metrics:
            return False
        return bool(super()._determine_best_metric(metrics, trial))

    def _get_eval_sampler(self, eval_dataset: Any) -> Any:
        """Evaluation in row order: with length grouping on, the stock Trainer groups evaluation
        batches too, and ``predict`` then returns the answers in another order than the rows,
        so ``predictions.jsonl`` would pair texts with other texts' answers."""
        from torch.utils.data import SequentialSampler

        return SequentialSampler(eval_dataset)

    def _get_train_sampler(self, train_dataset: Any = None) -> Any:
        if self.studio_lengths is None:
            return super()._get_train_sampler(train_dataset)
        return LengthGroupedSampler(self.args.train_batch_size, lengths=self.studio_lengths)
