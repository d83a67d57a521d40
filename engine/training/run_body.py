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

from ..errors import Stopped
from ..modeling.analysis import breakdown, prediction_rows, write_rows
from ..modeling.checkpoints import load_tokenizer, max_positions, resolve
from ..modeling.metrics import perplexity
from ..protocol import RunMetrics, clean_metrics, format_score
from .callbacks import StudioCallback
from .events import finite
from .runs import write_json_atomic
from .trainer import build_trainer

if TYPE_CHECKING:
    from .runner import Runner, _Active


def _phase(runner: Runner, active: _Active, name: str) -> None:
    if active.stop.is_set():
        raise Stopped()
    active.log.append("phase", phase=name)
    active.handle.update_status(phase=name)
    if runner.phase_hook is not None:
        runner.phase_hook(name, active.stop)


def _masks_note(facts: dict[str, Any]) -> str:
    """'packed (measured 3.1x as fast)', 'native (packed measured 0.9x)' or the plain choice."""
    speedup = facts.get("packed_masks_speedup")
    if facts.get("packed_dropout_masks"):
        return f"packed (measured {speedup}x as fast)" if speedup else "packed"
    return f"native (packed measured {speedup}x)" if speedup else "native"


def _clean(metrics: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {k: finite(v) for k, v in clean_metrics(metrics, prefix).items()}


def run_training(runner: Runner, active: _Active, checkpoint: Path | None) -> dict[str, Any]:
    from ..errors import CheckpointError, ConfigError

    handle, log = active.handle, active.log
    cfg = handle.config
    _phase(runner, active, "loading data")
    runner.raw_data(cfg)
    _phase(runner, active, "preparing data")
    prepared = runner.prepared(cfg)
    write_json_atomic(handle.folder / "data_report.json", {
        **prepared.report.__dict__, "label_names": prepared.label_names,
        "columns": {"text": prepared.text_column, "text_pair": prepared.text_pair_column,
                    "label": prepared.label_column}})
    for warning in prepared.report.warnings:
        log.append("note", level="info", text=warning)
    _phase(runner, active, "loading model")
    from transformers import set_seed

    set_seed(cfg.seed)  # new heads (classifier, MLM) start the same way for the same seed
    ref = resolve(cfg.checkpoint, runner.settings)
    tokenizer = load_tokenizer(ref)
    model = runner.model_factory(cfg.task, ref, prepared.label_names)
    limit = max_positions(model, tokenizer)
    if cfg.max_length > limit:
        raise ConfigError("max_length", "config.max_length_too_long", limit=limit)
    if model is None:
        raise CheckpointError("checkpoint.not_created")
    _phase(runner, active, "tokenizing")
    samples_per_step = cfg.batch_size
    callback = StudioCallback(active, samples_per_step, runner.policy, runner.disk_free)
    trainer, facts = build_trainer(cfg, prepared, tokenizer, model,
                                   str(handle.checkpoints_dir), [callback],
                                   cache_dir=runner.store.root / ".cache",
                                   cpu_caps=runner.settings.cpu_caps)
    # The arguments the Trainer really has, for the record (the export's are compared to it).
    write_json_atomic(handle.folder / "training_args.json", trainer.args.to_dict())
    log.append("note", level="info", text=f"Precision: {facts['precision']} "
               f"({facts['precision_reason']}); length-grouped batches: "
               f"{'yes' if facts['grouped_by_length'] else 'no'}; word embeddings: "
               f"{'frozen' if facts['word_embeddings_frozen'] else 'trained'}; attention dropout: "
               f"{'off' if facts['attention_dropout_off'] else 'kept'}; dropout masks: "
               f"{_masks_note(facts)}.", facts=facts)
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
    headline_split = "test" if "test" in trainer.studio_eval_sets else "validation"
    for name, split in trainer.studio_eval_sets.items():
        if cfg.task == "mlm":
            metrics[name] = _evaluate(trainer, name, split, publish=False)
            metrics[name]["perplexity"] = perplexity(metrics[name]["loss"])
            if name in before:
                before[name]["perplexity"] = perplexity(before[name]["loss"])
                metrics[name + "_before"] = before[name]
        else:
            output = trainer.predict(split, metric_key_prefix=name)
            metrics[name] = {**_clean(output.metrics, name + "_"), **breakdown(
                cfg.task, output.predictions, output.label_ids, prepared.label_names,
                cfg.multilabel_threshold)}
            if name == headline_split:
                write_rows(handle.predictions_file, prediction_rows(
                    cfg.task, prepared.splits[name], output.predictions, prepared.label_names,
                    cfg.multilabel_threshold))
    if prepared.label_names:
        metrics["label_names"] = prepared.label_names
    facts.update(_best(trainer))
    _phase(runner, active, "saving")
    callback.ensure_disk()
    _save_final(trainer, handle.model_dir)
    write_json_atomic(handle.folder / "metrics.json", metrics)
    headline = _headline(cfg.task, metrics)
    log.append("note", level="success", text=headline)
    return {"state": "finished", "step": step, "message": headline, "phase": None}


def _best(trainer: Any) -> dict[str, Any]:
    """Which checkpoint became the final model, when the run keeps the best one."""
    state = trainer.state
    if not trainer.args.load_best_model_at_end or state.best_model_checkpoint is None:
        return {"best_step": None}
    return {"best_step": state.best_global_step, "best_value": finite(state.best_metric),
            "best_checkpoint": Path(state.best_model_checkpoint).name}


def _evaluate(trainer: Any, name: str, split: Any, publish: bool = True) -> dict[str, Any]:
    """Evaluate one split; only validation scores become chart events (prefix 'eval')."""
    prefix = "eval" if publish and name == "validation" else name
    return _clean(trainer.evaluate(split, metric_key_prefix=prefix), prefix + "_")


def _duration(seconds: float) -> str:
    return f"{seconds / 60:.0f} minutes" if seconds >= 120 else f"{seconds:.0f} seconds"


def _save_final(trainer: Any, target: Path) -> None:
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    trainer.save_model(str(tmp))  # weights (safetensors), config with id2label, tokenizer
    for name in ("training_args.bin",):
        (tmp / name).unlink(missing_ok=True)  # a pickle; nothing needs it to use the model
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)


def _headline(task: str, metrics: dict[str, Any]) -> str:
    read = RunMetrics(metrics)
    scores = ", ".join(f"{name} {format_score(name, value)}"
                       for name, value in read.headline(task))
    before = read.before.get("perplexity")
    tail = f" (before training: {before:.1f})" if before else ""
    return f"Finished. {read.split.capitalize()} {scores}{tail}."
