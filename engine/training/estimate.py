"""A pre-flight estimate, measured rather than guessed: a few real training steps on real batches.

Before a run starts, ``preflight`` builds the model and the collator the run would use, times
three optimizer steps on batches drawn from the training data (with the run's precision), and
watches the process memory. From the median step it projects the whole run, evaluations
included. It takes a few seconds and is honest about what it measured.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..config import RunConfig
from ..errors import RunConflict

if TYPE_CHECKING:
    from ..studio import Studio


@dataclass
class Estimate:
    steps: int
    seconds: float
    seconds_per_step: float
    peak_mb: float
    parameters_m: float
    precision: str
    train_rows: int


def _rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / 2**20


def preflight(studio: Studio, cfg: RunConfig, probe_steps: int = 3) -> Estimate:
    import torch

    from ..modeling.checkpoints import resolve
    from ..tokens.padding import make_collator
    from .trainer import (
        adapt_for_training,
        choose_precision,
        grouped_sampling,
        loss_function,
        tokenize_splits,
    )

    if studio.runner.active_run_id() is not None:
        raise RunConflict("run.busy_for_estimate")
    before = _rss_mb()
    prepared = studio.prepared(cfg)
    tokenizer = studio.tokenizer(cfg.checkpoint)
    model = studio.runner.model_factory(cfg.task, resolve(cfg.checkpoint, studio.settings),
                                        prepared.label_names)
    train = tokenize_splits(prepared, tokenizer, cfg)["train"]
    lengths = [len(x) for x in train["input_ids"]]
    adapt_for_training(cfg, model)  # time the network the run will train
    precision = choose_precision(cfg, model, train, lengths, tokenizer,
                                 studio.store.root / ".cache", studio.settings.cpu_caps).precision
    collator = make_collator(tokenizer, cfg.task, cfg.padding, cfg.max_length,
                             mlm_probability=cfg.mlm_probability)
    keep = {"input_ids", "attention_mask", "token_type_ids", "label"}
    generator = torch.Generator().manual_seed(cfg.seed)
    order = list(range(len(train)))
    if grouped_sampling(cfg, lengths):  # time the batches the run will really see
        from transformers.trainer_pt_utils import LengthGroupedSampler

        order = list(LengthGroupedSampler(cfg.batch_size, lengths=lengths, generator=generator))
    size = min(cfg.batch_size, len(train))
    compute_loss = loss_function(cfg.task)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad],
                                  lr=cfg.learning_rate)
    model.train()
    times = []
    peak = _rss_mb()
    for _ in range(probe_steps + 1):
        start = int(torch.randint(max(1, len(order) - size + 1), (1,), generator=generator))
        index = order[start:start + size]
        batch = collator([{k: v for k, v in train[i].items() if k in keep} for i in index])
        started = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            loss = compute_loss(model, batch)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        times.append(time.perf_counter() - started)
        peak = max(peak, _rss_mb())
    per_step = statistics.median(times[1:])  # the first step warms caches up
    steps_per_epoch = math.ceil(len(train) / cfg.batch_size)
    steps = cfg.max_steps or math.ceil(steps_per_epoch * cfg.epochs)
    evals = max(1, steps // cfg.eval_steps if cfg.eval_strategy == "steps" else
                math.ceil(steps / steps_per_epoch))
    eval_rows = sum(len(v) for k, v in prepared.splits.items() if k != "train")
    eval_seconds = evals * eval_rows / max(cfg.batch_size, 32) * per_step / 3
    params = sum(p.numel() for p in model.parameters()) / 1e6
    del model, optimizer
    return Estimate(steps=steps, seconds=steps * per_step + eval_seconds,
                    seconds_per_step=per_step, peak_mb=max(peak, before), parameters_m=params,
                    precision=precision, train_rows=len(train))
