"""The body of one training run, phase by phase, as the runner's thread executes it.

Phases: loading data → preparing → loading model → tokenizing → training → evaluating → saving.
A stop request is checked between phases (``Stopped``) and, once training runs, at the end of
every optimizer step by ``StudioCallback``. The final model is written to ``model.tmp`` and
renamed to ``model`` only when complete, so a crash never leaves a half-written final model.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .callbacks import StudioCallback
from .data import raw_key
from .events import finite
from .metrics import confusion_matrix
from .models import load_tokenizer, max_positions, resolve
from .prepare import prepare
from .runs import write_json_atomic
from .training import build_trainer

if TYPE_CHECKING:
    from .runner import Runner, _Active


_NOISE = ("_runtime", "_per_second", "model_preparation_time", "total_flos")


def _phase(runner: Runner, active: _Active, name: str) -> None:
    from .runner import Stopped

    if active.stop.is_set():
        raise Stopped()
    active.log.append("phase", phase=name)
    active.handle.update_status(phase=name)
    if runner.phase_hook is not None:
        runner.phase_hook(name, active.stop)


def _clean(metrics: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {k.removeprefix(prefix): finite(v) for k, v in metrics.items()
            if k.startswith(prefix) and not k.endswith(_NOISE)}


def run_training(runner: Runner, active: _Active, checkpoint: Path | None) -> dict[str, Any]:
    from .errors import CheckpointError, ConfigError

    handle, log = active.handle, active.log
    cfg = handle.config
    _phase(runner, active, "loading data")
    raw = runner.loader(*raw_key(cfg))
    _phase(runner, active, "preparing data")
    prepared = prepare(raw, cfg, max_train_rows=runner.policy.max_train_rows)
    write_json_atomic(handle.folder / "data_report.json", {
        **prepared.report.__dict__, "label_names": prepared.label_names,
        "columns": {"text": prepared.text_column, "text_pair": prepared.text_pair_column,
                    "label": prepared.label_column}})
    for warning in prepared.report.warnings:
        log.append("note", level="info", text=warning)
    _phase(runner, active, "loading model")
    from transformers import set_seed

    set_seed(cfg.seed)  # new heads (classifier, MLM) start the same way for the same seed
    ref = resolve(cfg.checkpoint, runner.store.root)
    tokenizer = load_tokenizer(ref)
    model = runner.model_factory(cfg.task, ref, prepared.label_names)
    limit = max_positions(model, tokenizer)
    if cfg.max_length > limit:
        raise ConfigError("max_length", f"This checkpoint reads at most {limit} tokens; set "
                          f"max length to {limit} or less.")
    if model is None:
        raise CheckpointError("The model could not be created.")
    _phase(runner, active, "tokenizing")
    samples_per_step = cfg.batch_size
    callback = StudioCallback(active, samples_per_step, runner.policy, runner.disk_free)
    trainer, facts = build_trainer(cfg, prepared, tokenizer, model,
                                   str(handle.checkpoints_dir), [callback],
                                   cache_dir=runner.store.root / ".cache")
    log.append("note", level="info", text=f"Precision: {facts['precision']} "
               f"({facts['precision_reason']}); length-grouped batches: "
               f"{'yes' if facts['grouped_by_length'] else 'no'}; word embeddings: "
               f"{'frozen' if facts['word_embeddings_frozen'] else 'trained'}.", facts=facts)
    before: dict[str, Any] = {}
    if cfg.task == "mlm" and checkpoint is None:
        _phase(runner, active, "evaluating the starting model")
        before = {name: _evaluate(trainer, name, split)
                  for name, split in trainer.studio_eval_sets.items()}
    _phase(runner, active, "training")
    started = time.monotonic()
    result = trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    step = trainer.state.global_step
    if active.stop.is_set():
        last = handle.last_checkpoint()
        why = (f"This server allows {_duration(runner.policy.max_wall_s)} per run. "
               if active.stop_reason == "time_limit" and runner.policy.max_wall_s else "")
        return {"state": "stopped", "step": step, "reason": active.stop_reason,
                "message": f"{why}Stopped at step {step}. " + (
                    f"Resume continues from {last.name}." if last else "Resume starts again.")}
    _phase(runner, active, "evaluating")
    facts["pad_fraction"] = trainer.counting.pad_fraction
    facts["tokens_per_batch"] = trainer.counting.tokens_per_batch
    facts["steady_samples_per_s"] = callback.steady_samples_per_s()
    metrics: dict[str, Any] = {"train": {k: finite(v) for k, v in result.metrics.items()},
                               "facts": facts,
                               "train_seconds": round(time.monotonic() - started, 2)}
    for name, split in trainer.studio_eval_sets.items():
        if cfg.task == "mlm":
            metrics[name] = _evaluate(trainer, name, split, publish=False)
            metrics[name]["perplexity"] = _ppl(metrics[name]["loss"])
            if name in before:
                before[name]["perplexity"] = _ppl(before[name]["loss"])
                metrics[name + "_before"] = before[name]
        else:
            output = trainer.predict(split, metric_key_prefix=name)
            metrics[name] = _clean(output.metrics, name + "_")
            metrics[name]["confusion_matrix"] = confusion_matrix(
                output.predictions.argmax(-1), output.label_ids, len(prepared.label_names or []))
    if cfg.task == "classification":
        metrics["label_names"] = prepared.label_names
    _phase(runner, active, "saving")
    callback.ensure_disk()
    _save_final(trainer, handle.model_dir)
    write_json_atomic(handle.folder / "metrics.json", metrics)
    headline = _headline(cfg.task, metrics)
    log.append("note", level="success", text=headline)
    return {"state": "finished", "step": step, "message": headline, "phase": None}


def _evaluate(trainer: Any, name: str, split: Any, publish: bool = True) -> dict[str, Any]:
    """Evaluate one split; only validation scores become chart events (prefix 'eval')."""
    prefix = "eval" if publish and name == "validation" else name
    return _clean(trainer.evaluate(split, metric_key_prefix=prefix), prefix + "_")


def _duration(seconds: float) -> str:
    return f"{seconds / 60:.0f} minutes" if seconds >= 120 else f"{seconds:.0f} seconds"


def _ppl(loss: Any) -> float:
    import math

    return math.exp(min(float(loss), 50.0))


def _save_final(trainer: Any, target: Path) -> None:
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    trainer.save_model(str(tmp))  # weights (safetensors), config with id2label, tokenizer
    for name in ("training_args.bin",):
        (tmp / name).unlink(missing_ok=True)  # a pickle; nothing needs it to use the model
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)


def _headline(task: str, metrics: dict[str, Any]) -> str:
    split = "test" if "test" in metrics else "validation"
    scores = metrics[split]
    if task == "mlm":
        before = metrics.get(split + "_before", {}).get("perplexity")
        tail = f" (before training: {before:.1f})" if before else ""
        return f"Finished. {split.capitalize()} perplexity {scores['perplexity']:.2f}{tail}."
    return (f"Finished. {split.capitalize()} accuracy {scores.get('accuracy', 0):.1%}, "
            f"F1 {scores.get('f1', 0):.3f}.")
