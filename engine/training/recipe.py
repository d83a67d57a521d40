"""The training recipe of a run as plain data: the ``TrainingArguments`` keywords and the
collator's settings. The studio builds its Trainer from them, and the export writes them into
``run.json``, where the exported scripts read them, so the script cannot drift from the run it
claims to reproduce (a test compares the studio's real arguments with the exported ones).

Only two keywords are left out, because they belong to the machine the script runs on, not to
the run: ``output_dir`` and ``use_cpu``.
"""

from __future__ import annotations

from typing import Any

from ..config import RunConfig

RUNTIME_KEYS = ("output_dir", "use_cpu")


def checkpoint_cadence(cfg: RunConfig) -> tuple[str, int]:
    """(save strategy, save steps). Keeping the best model needs a checkpoint at every
    validation (the Trainer can only go back to a model it saved): the person's own cadence is
    kept when it already does that, else checkpoints follow the validations."""
    if cfg.best_metric is None or (cfg.save_strategy == cfg.eval_strategy and (
            cfg.eval_strategy == "epoch" or cfg.save_steps % cfg.eval_steps == 0)):
        return cfg.save_strategy, cfg.save_steps
    return cfg.eval_strategy, cfg.eval_steps


def best_model_kwargs(cfg: RunConfig) -> dict[str, Any]:
    metric = cfg.best_metric
    if metric is None:
        return {"load_best_model_at_end": False}
    return {"load_best_model_at_end": True, "metric_for_best_model": metric,
            "greater_is_better": metric != "loss"}


def training_kwargs(cfg: RunConfig, precision: str, grouped: bool) -> dict[str, Any]:
    """Masked-LM evaluation keeps only the loss: the Trainer would otherwise gather every
    batch's logits (blocks x length x vocabulary floats) that nothing reads."""
    save_strategy, save_steps = checkpoint_cadence(cfg)
    return {
        "per_device_train_batch_size": cfg.batch_size,
        "per_device_eval_batch_size": max(cfg.batch_size, 32),
        "learning_rate": cfg.learning_rate, "num_train_epochs": cfg.epochs,
        "max_steps": cfg.max_steps or -1, "warmup_steps": cfg.warmup_ratio,
        "weight_decay": cfg.weight_decay, "eval_strategy": cfg.eval_strategy,
        "eval_steps": cfg.eval_steps, "save_strategy": save_strategy,
        "save_steps": save_steps, "save_total_limit": cfg.save_total_limit,
        **best_model_kwargs(cfg),
        "logging_steps": cfg.logging_steps, "logging_first_step": True,
        "logging_nan_inf_filter": False, "seed": cfg.seed,
        "bf16": precision == "bf16", "fp16": precision == "fp16",
        "train_sampling_strategy": "group_by_length" if grouped else "random",
        "report_to": "none", "disable_tqdm": True, "dataloader_num_workers": 0,
        "prediction_loss_only": cfg.task == "mlm"}


def collator_spec(task: str, padding: str, max_length: int, mlm_probability: float,
                  pad_to_multiple_of: int | None) -> dict[str, Any]:
    """How batches are padded (classification) or masked (masked-LM)."""
    if task == "mlm":
        return {"kind": "mlm", "mlm_probability": mlm_probability,
                "pad_to_multiple_of": pad_to_multiple_of}
    if padding == "max_length":
        return {"kind": "padding", "padding": "max_length", "max_length": max_length,
                "pad_to_multiple_of": None}
    return {"kind": "padding", "padding": "longest", "max_length": None,
            "pad_to_multiple_of": pad_to_multiple_of}
