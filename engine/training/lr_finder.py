"""A learning-rate finder: the "LR range test" of fastai and ktrain, on the run's own data.

A user who does not code cannot know what learning rate suits their data and model. The range
test answers it in about a hundred steps: train a throw-away copy of the model while the
learning rate rises exponentially from tiny to huge, and watch the loss. Where the loss falls
fastest is a good starting rate; where it stops falling the rate is already too high.

The batches are the run's (tokenized like a run, the run's collator, batch size, batch order and
seed, word embeddings frozen, class weights in the loss and a regression head started at the
mean score as a run would), so the curve is about this run. It is a plain torch
loop, not the Trainer: it is faster, and it touches nothing but the model it is given. No run
folder, no checkpoint, no cache file is written.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..config import RunConfig, field_meta
from ..data.prepare import Prepared
from ..errors import ConfigError, TrainingFailed
from ..modeling.task_heads import start_regression_at_mean, weighted_cross_entropy
from ..tokens.padding import collator_from_spec, pad_multiple
from .recipe import collator_spec
from .trainer import (
    adapt_for_training,
    class_weights_for,
    grouped_sampling,
    regression_mean,
    tokenize_splits,
)

BETA = 0.98  # loss smoothing, as in fastai: the raw per-batch loss is too noisy to read
DIVERGE_FACTOR = 4.0  # smoothed loss above 4x its best: the rate is far too high, stop
MIN_POINTS = 10  # fewer recorded steps than this cannot show a slope worth trusting
SKIP_SHARE = 0.1  # the first tenth of the curve is mostly noise of the smoothing start-up
_KEEP = ("input_ids", "attention_mask", "token_type_ids", "label")


@dataclass(frozen=True)
class LRFinderResult:
    lrs: list[float]  # the learning rate of each recorded step
    losses: list[float]  # the raw training loss of each step
    smoothed: list[float]  # exponentially smoothed, bias-corrected loss
    suggestion: float | None  # None only when stopped before MIN_POINTS steps
    min_loss_lr: float | None  # the rate at the lowest smoothed loss
    steps_run: int
    stopped_reason: str  # completed | diverged | stopped
    seconds: float

    @property
    def second_opinion(self) -> float | None:
        """A tenth of the rate at the lowest loss (fastai's other rule), within the allowed
        range: a more careful start when the steepest point looks doubtful."""
        return None if self.min_loss_lr is None else _clamp(self.min_loss_lr / 10)

    @property
    def reason(self) -> str:
        """The suggestion in plain words, for someone who does not code."""
        if self.suggestion is None or self.min_loss_lr is None:
            return (f"Stopped after {self.steps_run} steps: too early to suggest a learning "
                    "rate. Run the finder to the end for a suggestion.")
        steepest, _ = _steepest(self.lrs, self.smoothed)
        low, high = _bounds()
        tail = f" It stopped falling at {self.min_loss_lr:.1e}."
        if self.stopped_reason == "stopped":
            tail += " (Stopped early: the curve is incomplete.)"
        if steepest is None:
            return (f"The loss hardly fell, so a tenth of where it was lowest, "
                    f"{self.suggestion:.1e}, is a careful start.{tail}")
        if steepest > high or steepest < low:
            edge = "highest" if steepest > high else "lowest"
            return (f"The loss fell fastest at {steepest:.1e}, beyond the {edge} learning rate "
                    f"a run allows, so start at {self.suggestion:.1e}.{tail}")
        return (f"The loss fell fastest at {self.suggestion:.1e}: a good starting learning "
                f"rate.{tail}")


def _bounds() -> tuple[float, float]:
    meta = field_meta("learning_rate")
    return float(meta["min"]), float(meta["max"])


def _clamp(lr: float) -> float:
    low, high = _bounds()
    return min(max(lr, low), high)


def _steepest(lrs: list[float], smoothed: list[float]) -> tuple[float | None, float]:
    """(rate of the most negative slope of smoothed loss against log10(rate), or None when it
    never falls; rate at the lowest smoothed loss). The first tenth is skipped for both: the
    smoothed loss of the first few batches is little more than their noise, and a lucky first
    batch would otherwise look like the minimum. Only points before the minimum count: after it
    the loss climbs, and a dip there is noise too."""
    skip = max(1, int(len(lrs) * SKIP_SHARE))
    lowest = min(range(skip, len(smoothed)), key=smoothed.__getitem__)
    x = [math.log10(lr) for lr in lrs]
    best: tuple[float, int] | None = None
    for i in range(skip, min(lowest, len(lrs) - 1)):
        slope = (smoothed[i + 1] - smoothed[i - 1]) / (x[i + 1] - x[i - 1])
        if slope < 0 and (best is None or slope < best[0]):
            best = (slope, i)
    return (None if best is None else lrs[best[1]]), lrs[lowest]


def suggest(lrs: list[float], smoothed: list[float]) -> tuple[float, float]:
    """(suggested learning rate, rate at the lowest smoothed loss). The suggestion is the
    steepest descent before the minimum (a tenth of the minimum's rate when the loss never
    fell), clamped into the learning-rate range a RunConfig accepts."""
    if len(lrs) != len(smoothed):
        raise ValueError("lrs and smoothed must have the same length")
    if len(lrs) < MIN_POINTS:
        raise TrainingFailed("train.lr_finder_too_few", kind="lr_finder", steps=len(lrs),
                             minimum=MIN_POINTS)
    steepest, lowest = _steepest(lrs, smoothed)
    return _clamp(steepest if steepest is not None else lowest / 10), lowest


def _batches(cfg: RunConfig, train: Any, collator: Any, device: Any) -> Iterator[Any]:
    """Training batches in the run's order (length-grouped or shuffled, seeded), epoch after
    epoch for as long as the finder asks, already on the model's device."""
    import torch
    from torch.utils.data import RandomSampler
    from transformers.trainer_pt_utils import LengthGroupedSampler

    rows = train.select_columns([c for c in _KEEP if c in train.column_names]).to_dict()
    lengths = [len(ids) for ids in rows["input_ids"]]
    count = len(lengths)
    generator = torch.Generator().manual_seed(cfg.seed)
    sampler: Any = LengthGroupedSampler(cfg.batch_size, lengths=lengths, generator=generator) \
        if grouped_sampling(cfg, lengths) else RandomSampler(range(count), generator=generator)
    while True:
        order = list(sampler)
        for start in range(0, count, cfg.batch_size):
            picked = [{k: v[i] for k, v in rows.items()}
                      for i in order[start:start + cfg.batch_size]]
            yield {k: v.to(device) for k, v in collator(picked).items()}


def _optimizer(model: Any, weight_decay: float, lr: float, device: Any) -> Any:
    """AdamW as the Trainer builds it: fused, no weight decay on biases and normalization
    weights."""
    import torch
    from transformers import Trainer

    # The Trainer's own rule (its ``self`` is unused), so the finder cannot drift from a run.
    decay = set(Trainer.get_decay_parameter_names(None, model))  # type: ignore[arg-type]
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    groups = [{"params": [p for n, p in named if n in decay], "weight_decay": weight_decay},
              {"params": [p for n, p in named if n not in decay], "weight_decay": 0.0}]
    return torch.optim.AdamW([g for g in groups if g["params"]], lr=lr,
                             fused=device.type in ("cpu", "cuda"))


def find_learning_rate(cfg: RunConfig, prepared: Prepared, tokenizer: Any, model: Any, *,
                       precision: str = "fp32", steps: int = 100, lr_min: float = 1e-7,
                       lr_max: float = 1.0, stop: threading.Event | None = None,
                       progress: Callable[[int, int], None] | None = None) -> LRFinderResult:
    """Run the range test on ``model`` (a freshly loaded, throw-away copy: it is trained, and
    its word embeddings may be frozen) and suggest a learning rate.

    ``progress(step, steps)`` is called after every step; setting ``stop`` ends the test after
    the current step. Same config and model, same curve: it seeds with ``cfg.seed``."""
    import torch
    from transformers import set_seed

    if cfg.task == "mlm":
        raise ConfigError("task", "config.lr_finder_mlm")
    if not 0 < lr_min < lr_max:
        raise ValueError(f"need 0 < lr_min < lr_max (got {lr_min}, {lr_max})")
    if steps < MIN_POINTS:
        raise TrainingFailed("train.lr_finder_needs_steps", kind="lr_finder",
                             minimum=MIN_POINTS, steps=steps)
    started = time.monotonic()
    set_seed(cfg.seed)
    device = next(model.parameters()).device
    train = tokenize_splits(prepared, tokenizer, cfg)["train"]
    spec = collator_spec(cfg.task, cfg.padding, cfg.max_length, cfg.mlm_probability,
                         pad_multiple(device.type, precision))
    batches = _batches(cfg, train, collator_from_spec(tokenizer, spec), device)
    adapt_for_training(cfg, model)  # as the run will train, so the curve is the run's
    optimizer = _optimizer(model, cfg.weight_decay, lr_min, device)
    label_mean = regression_mean(cfg, prepared)
    if label_mean is not None:  # as a run starts its head, so the curve is the run's
        start_regression_at_mean(model, label_mean)
    class_weights = class_weights_for(cfg, prepared)
    weights = None if class_weights is None else torch.tensor(class_weights)
    model.train()
    lrs: list[float] = []
    losses: list[float] = []
    smoothed: list[float] = []
    average, best, reason = 0.0, math.inf, "completed"
    for step in range(steps):
        if stop is not None and stop.is_set():
            reason = "stopped"
            break
        lr = lr_min * (lr_max / lr_min) ** (step / (steps - 1))
        for group in optimizer.param_groups:
            group["lr"] = lr
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16"):
            batch = next(batches)
            loss = (model(**batch).loss if weights is None
                    else weighted_cross_entropy(model, batch, weights)[0])
        value = float(loss.detach())
        if not math.isfinite(value):
            reason = "diverged"
            break
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        average = BETA * average + (1 - BETA) * value
        smooth = average / (1 - BETA ** (step + 1))
        lrs.append(lr)
        losses.append(value)
        smoothed.append(smooth)
        best = min(best, smooth)
        if progress is not None:
            progress(step + 1, steps)
        if smooth > DIVERGE_FACTOR * best:
            reason = "diverged"
            break
    suggestion: float | None = None
    min_loss_lr: float | None = None
    if len(lrs) >= MIN_POINTS:
        suggestion, min_loss_lr = suggest(lrs, smoothed)
    elif reason != "stopped":  # a user's stop is not a failure: the result says "too early"
        raise TrainingFailed("train.lr_finder_blew_up", kind="lr_finder", steps=len(lrs))
    return LRFinderResult(lrs=lrs, losses=losses, smoothed=smoothed, suggestion=suggestion,
                          min_loss_lr=min_loss_lr, steps_run=len(lrs), stopped_reason=reason,
                          seconds=round(time.monotonic() - started, 3))
