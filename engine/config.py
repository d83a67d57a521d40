"""``RunConfig``: the one typed description of a training run.

It is the single source of defaults, ranges, choices and help text for everything that reads a
run's settings: the UI builds its widgets from ``fields(RunConfig)`` metadata, the CLI builds its
flags from it (``add_cli_arguments``), a run folder saves it as ``run_config.json`` and the export
writes it next to the standalone script. Nothing else may repeat a default.

Validation lives here too, so the same checks guard the UI, the public API and the CLI: a value
sent straight to the server (NaN, 1e9, a path as a run name) gets the same plain-language error as
one typed in a widget.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import re
import typing
from dataclasses import dataclass, field
from typing import Any

from .data.tables import DELIMITERS, ENCODINGS
from .errors import ConfigError

TASKS = ("classification", "multilabel", "regression", "mlm")
LABELLED_TASKS = ("classification", "multilabel", "regression")  # learn from a label column
CLASS_TASKS = ("classification", "multilabel")  # labels are names from a fixed set
SOURCES = ("builtin", "file", "hub")
BUILTIN_CHECKPOINT = "builtin:minilm-l6"


def _meta(label: str, help: str, *, group: str, choices: tuple[Any, ...] | None = None,
          lo: float | None = None, hi: float | None = None, step: float | None = None,
          optional: bool = False, advanced: bool = False) -> dict[str, Any]:
    """Widget/CLI metadata for one field. ``lo``/``hi`` are inclusive bounds."""
    return {"label": label, "help": help, "group": group, "choices": choices, "min": lo,
            "max": hi, "step": step, "optional": optional, "advanced": advanced}


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a run. Defaults finish in a few minutes on a laptop CPU."""

    # --- what to learn -------------------------------------------------------------------
    task: str = field(default="classification", metadata=_meta(
        "Task", "classification: put each text (or pair of texts) into one of your labels. "
        "multilabel: give each text every label that applies (a label column like "
        "'billing;shipping'). regression: predict a number (a score or rating column). "
        "mlm: adapt the model to your kind of text by filling in hidden words (for fill-mask).",
        group="task", choices=TASKS))
    # --- data ----------------------------------------------------------------------------
    data_source: str = field(default="builtin", metadata=_meta(
        "Data source", "Where the data comes from: a built-in sample, a file you upload, or a "
        "dataset on the Hugging Face Hub.", group="data", choices=SOURCES))
    dataset: str = field(default="sentiment", metadata=_meta(
        "Dataset", "Built-in sample name; a file, a folder of train/validation/test files, or "
        "up to three files as train:validation:test (leave a slot empty to skip it); or a Hub "
        "id such as 'nyu-mll/glue'.",
        group="data"))
    dataset_config: str | None = field(default=None, metadata=_meta(
        "Hub configuration", "For Hub datasets with several configurations (e.g. 'mrpc').",
        group="data", optional=True))
    train_split: str = field(default="train", metadata=_meta(
        "Training split", "The part of the dataset used for training.", group="data"))
    eval_split: str | None = field(default=None, metadata=_meta(
        "Validation split", "Checked during training. Empty: use 'validation' if the dataset has "
        "one, otherwise set aside part of the training rows.", group="data", optional=True,
        advanced=True))
    test_split: str | None = field(default=None, metadata=_meta(
        "Test split", "Scored once at the end. Empty: use 'test' when it has labels.",
        group="data", optional=True, advanced=True))
    text_column: str | None = field(default=None, metadata=_meta(
        "Text column", "Column with the text. Empty: detected automatically.", group="data",
        optional=True))
    text_pair_column: str | None = field(default=None, metadata=_meta(
        "Second text column", "For sentence pairs (e.g. paraphrase): the second sentence. "
        "Empty: detected automatically.", group="data", optional=True))
    label_column: str | None = field(default=None, metadata=_meta(
        "Label column", "Column with the answer to learn. Empty: detected automatically.",
        group="data", optional=True))
    max_rows: int | None = field(default=None, metadata=_meta(
        "Row limit", "Use at most this many training rows (quick demos). Empty: all rows.",
        group="data", lo=10, hi=10_000_000, optional=True, advanced=True))
    validation_fraction: float = field(default=0.1, metadata=_meta(
        "Validation share", "Share of training rows set aside for validation when the dataset "
        "has no validation split (stratified by label).", group="data", lo=0.02, hi=0.5,
        step=0.01, advanced=True))
    test_fraction: float = field(default=0.1, metadata=_meta(
        "Test share", "Share of training rows held out as a test split when the dataset has "
        "none (stratified by label), so the final score is on rows never used to pick the "
        "model. 0: no test split.", group="data", lo=0.0, hi=0.5, step=0.01, advanced=True))
    delimiter: str = field(default="auto", metadata=_meta(
        "Column separator", "How an uploaded CSV/TSV/TXT file separates its columns. auto: "
        "detected from the first lines (shown next to the file name).", group="data",
        choices=("auto", *DELIMITERS), advanced=True))
    encoding: str = field(default="auto", metadata=_meta(
        "File encoding", "How an uploaded text file stores its letters. auto: UTF-8, or the "
        "likeliest older encoding (Korean cp949, Western Windows-1252). Change it when the "
        "preview shows wrong letters.", group="data", choices=("auto", *ENCODINGS),
        advanced=True))
    sheet: str | None = field(default=None, metadata=_meta(
        "Sheet", "Which sheet of an uploaded spreadsheet to use (empty: the first with data).",
        group="data", optional=True, advanced=True))
    # --- model ---------------------------------------------------------------------------
    checkpoint: str = field(default=BUILTIN_CHECKPOINT, metadata=_meta(
        "Checkpoint", "The pretrained model to start from: the built-in MiniLM-L6 (works "
        "offline), a Hub id like 'google-bert/bert-base-uncased', or 'run:<id>' to continue "
        "from one of your finished runs.", group="model"))
    max_length: int = field(default=128, metadata=_meta(
        "Max length (tokens)", "Longer texts are cut to this many tokens. Shorter is faster; "
        "too short loses information.", group="model", lo=8, hi=512, step=8))
    # --- speed ---------------------------------------------------------------------------
    padding: str = field(default="dynamic", metadata=_meta(
        "Padding", "dynamic: pad each batch only to its longest text (fast). max_length: pad "
        "every text to the max length (wasteful; shown for comparison).", group="speed",
        choices=("dynamic", "max_length"), advanced=True))
    sampling: str = field(default="auto", metadata=_meta(
        "Batching order", "group_by_length: put texts of similar length together so batches "
        "need little padding. random: plain shuffling. auto: group when lengths vary a lot.",
        group="speed", choices=("auto", "random", "group_by_length"), advanced=True))
    precision: str = field(default="auto", metadata=_meta(
        "Precision", "auto: bf16 where this computer runs it fast (modern CPUs and GPUs), "
        "fp16 on older GPUs, fp32 otherwise.", group="speed",
        choices=("auto", "fp32", "bf16", "fp16"), advanced=True))
    word_embeddings: str = field(default="auto", metadata=_meta(
        "Word embeddings", "freeze: keep the pretrained vocabulary table (about 30,000 rows) "
        "as it is and train the rest; each step skips the largest gradient and update (about "
        "1.2x faster on a CPU, accuracy about the same). train: update it too. auto: freeze "
        "for classification, train for masked-LM (which must learn your words).",
        group="speed", choices=("auto", "train", "freeze"), advanced=True))
    attention_dropout: str = field(default="auto", metadata=_meta(
        "Attention dropout", "off: no dropout inside attention, so a CPU can use its faster "
        "attention path (about 1.2x per step on a CPU; MRPC accuracy not lower over three "
        "seeds). keep: the checkpoint's own dropout. auto: off on a CPU, kept on a GPU. The "
        "saved model is the same kind either way.", group="speed",
        choices=("auto", "keep", "off"), advanced=True))
    dropout_masks: str = field(default="auto", metadata=_meta(
        "Dropout masks", "How the random on/off masks of dropout are drawn. native: PyTorch's "
        "own, one random number per value (on many CPUs drawn one at a time). packed: one "
        "64-bit random number makes four masks; the same 10% drop rate (to 1 in 65,536) with "
        "a quarter of the draws. auto: on a CPU, time both at the start and keep the faster; "
        "native on a GPU.", group="speed", choices=("auto", "native", "packed"), advanced=True))
    # --- optimisation --------------------------------------------------------------------
    batch_size: int = field(default=16, metadata=_meta(
        "Batch size", "Texts per training step. Larger uses more memory.", group="train",
        lo=1, hi=256, step=1))
    learning_rate: float = field(default=1e-4, metadata=_meta(
        "Learning rate", "How big each update is. Too high: the loss jumps or becomes NaN. "
        "Too low: nothing is learned.", group="train", lo=1e-7, hi=1e-2))
    epochs: float = field(default=3.0, metadata=_meta(
        "Epochs", "How many times training goes over all training rows.", group="train",
        lo=0.05, hi=50.0, step=0.5))
    max_steps: int = field(default=0, metadata=_meta(
        "Max steps", "Stop after this many steps (0: use epochs instead).", group="train",
        lo=0, hi=1_000_000, advanced=True))
    warmup_ratio: float = field(default=0.06, metadata=_meta(
        "Warm-up share", "Share of steps at the start during which the learning rate ramps up.",
        group="train", lo=0.0, hi=0.5, step=0.01, advanced=True))
    weight_decay: float = field(default=0.01, metadata=_meta(
        "Weight decay", "A small pull of the weights towards zero; helps against overfitting.",
        group="train", lo=0.0, hi=0.5, step=0.01, advanced=True))
    class_weighting: str = field(default="none", metadata=_meta(
        "Class weighting", "balanced: mistakes on rare classes count more in the loss (each "
        "class weighs rows / (classes x its rows)), so the model cannot ignore a small class. "
        "Use it when the Data tab says the classes are imbalanced. none: every row counts the "
        "same. Single-label classification only.", group="train",
        choices=("none", "balanced"), advanced=True))
    multilabel_threshold: float = field(default=0.5, metadata=_meta(
        "Label threshold", "Multi-label only: a label is given when its probability reaches "
        "this. Lower finds more labels (and more wrong ones).", group="train", lo=0.05,
        hi=0.95, step=0.05, advanced=True))
    mlm_probability: float = field(default=0.15, metadata=_meta(
        "Masked share", "Masked-LM only: share of tokens hidden for the model to guess.",
        group="train", lo=0.05, hi=0.5, step=0.01, advanced=True))
    eval_strategy: str = field(default="epoch", metadata=_meta(
        "Validate every", "When to score the validation split: after each epoch or every "
        "'eval steps' steps.", group="cadence", choices=("epoch", "steps"), advanced=True))
    eval_steps: int = field(default=50, metadata=_meta(
        "Eval steps", "Steps between validations when 'Validate every' is steps.",
        group="cadence", lo=1, hi=100_000, advanced=True))
    save_strategy: str = field(default="epoch", metadata=_meta(
        "Save a checkpoint every", "Checkpoints let a stopped or crashed run resume.",
        group="cadence", choices=("epoch", "steps"), advanced=True))
    save_steps: int = field(default=50, metadata=_meta(
        "Save steps", "Steps between checkpoints when saving every few steps.",
        group="cadence", lo=1, hi=100_000, advanced=True))
    best_model_metric: str = field(default="auto", metadata=_meta(
        "Keep the model with the best", "Which checkpoint becomes the final model (and what Try "
        "it and the export use), judged on the validation split. auto: macro-F1 for "
        "classification, validation loss for regression and masked-LM. last: the model after "
        "the last step. Checkpoints are then saved whenever the model is validated.",
        group="cadence", choices=("auto", "f1_macro", "loss", "last"), advanced=True))
    early_stopping_patience: int = field(default=0, metadata=_meta(
        "Early stopping", "Stop when the validation score has not improved for this many "
        "validations in a row; the best model is kept. 0: never stop early.",
        group="cadence", lo=0, hi=50, advanced=True))
    save_total_limit: int = field(default=2, metadata=_meta(
        "Checkpoints kept", "Older checkpoints are deleted to save disk.", group="cadence",
        lo=1, hi=20, advanced=True))
    logging_steps: int = field(default=5, metadata=_meta(
        "Log every (steps)", "How often the training loss is recorded for the chart.",
        group="cadence", lo=1, hi=10_000, advanced=True))
    seed: int = field(default=42, metadata=_meta(
        "Seed", "Same seed, same data and settings: the same result.", group="train",
        lo=0, hi=2**31 - 1, advanced=True))
    output_name: str | None = field(default=None, metadata=_meta(
        "Run name", "A name for this run's folder (letters, digits, '-', '_', '.'). Empty: "
        "made from the dataset and task.", group="output", optional=True))

    # --- behaviour -----------------------------------------------------------------------
    def __post_init__(self) -> None:
        validate(self)

    def replace(self, **changes: Any) -> RunConfig:
        return from_dict({**self.to_dict(), **changes})

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False)

    @property
    def is_pair(self) -> bool:
        return self.task in LABELLED_TASKS and self.text_pair_column is not None

    @property
    def best_metric(self) -> str | None:
        """The validation metric that picks the final model (``None``: the last model)."""
        if self.best_model_metric == "last":
            return None
        if self.best_model_metric == "auto":
            return "f1_macro" if self.task in CLASS_TASKS else "loss"
        return self.best_model_metric

    def run_name(self) -> str:
        """The folder-name stem: the user's output name or one made from dataset and task."""
        if self.output_name:
            return self.output_name
        stem = re.sub(r"[^A-Za-z0-9._-]+", "-", self.dataset.rsplit("/", 1)[-1]).strip("-.")
        return f"{stem[:40] or 'data'}-{self.task}"


def field_meta(name: str) -> dict[str, Any]:
    return dict(_FIELDS[name].metadata)


def field_names() -> list[str]:
    return list(_FIELDS)


def default_of(name: str) -> Any:
    return _FIELDS[name].default


def field_type(name: str) -> type:
    """The base type of a field: int, float or str (``X | None`` unwrapped)."""
    hint = _HINTS[name]
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return args[0] if args else hint


_FIELDS = {f.name: f for f in dataclasses.fields(RunConfig)}
_HINTS = typing.get_type_hints(RunConfig)
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$")


def _coerce(name: str, value: Any) -> Any:
    """Turn a JSON/CLI/widget value into the field's type, or raise a ConfigError naming it."""
    meta = _FIELDS[name].metadata
    label = meta["label"]
    if value is None or (isinstance(value, str) and value.strip() == "" and meta["optional"]):
        if meta["optional"]:
            return None
        raise ConfigError(name, "config.required", label=label)
    kind = field_type(name)
    if kind is str:
        if not isinstance(value, str):
            raise ConfigError(name, "config.not_text", label=label, value=value)
        return value.strip()
    if isinstance(value, bool):
        raise ConfigError(name, "config.not_number", label=label, value=value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(name, "config.not_number", label=label, value=value) from None
    if not math.isfinite(number):
        raise ConfigError(name, "config.not_finite", label=label, value=value)
    if kind is int:
        if number != int(number):
            raise ConfigError(name, "config.not_whole", label=label, value=value)
        return int(number)
    return number


def _check_range(name: str, value: Any) -> None:
    meta = _FIELDS[name].metadata
    if value is None:
        return
    if meta["choices"] is not None and value not in meta["choices"]:
        allowed = ", ".join(str(c) for c in meta["choices"])
        raise ConfigError(name, "config.not_a_choice", label=meta["label"], allowed=allowed,
                          value=value)
    lo, hi = meta["min"], meta["max"]
    if lo is not None and hi is not None and not lo <= value <= hi:
        raise ConfigError(name, "config.out_of_range", label=meta["label"], lo=lo, hi=hi,
                          value=value)


def validate(cfg: RunConfig) -> None:
    """Check every field and the cross-field rules; raise ConfigError on the first problem."""
    for name in _FIELDS:
        value = _coerce(name, getattr(cfg, name))
        object.__setattr__(cfg, name, value)
        _check_range(name, value)
    if not cfg.dataset:
        raise ConfigError("dataset", "config.no_dataset")
    if not cfg.checkpoint:
        raise ConfigError("checkpoint", "config.no_checkpoint")
    if cfg.output_name is not None and (not _NAME_RE.match(cfg.output_name)
                                        or ".." in cfg.output_name):
        raise ConfigError("output_name", "config.bad_run_name", name=cfg.output_name[:80])
    for split_field in ("train_split", "eval_split", "test_split"):
        split = getattr(cfg, split_field)
        if split is not None and not re.fullmatch(r"[A-Za-z0-9_.\-\[\]:%]{1,64}", split):
            raise ConfigError(split_field, "config.bad_split",
                              label=_FIELDS[split_field].metadata["label"], split=split[:80])
    if cfg.task == "mlm" and cfg.text_pair_column is not None:
        raise ConfigError("text_pair_column", "config.mlm_pair")
    if cfg.class_weighting != "none" and cfg.task != "classification":
        raise ConfigError("class_weighting", "config.class_weighting_task")
    if cfg.best_model_metric == "f1_macro" and cfg.task not in CLASS_TASKS:
        raise ConfigError("best_model_metric", "config.f1_needs_classes")
    if cfg.early_stopping_patience and cfg.best_metric is None:
        raise ConfigError("early_stopping_patience", "config.early_stopping_needs_best")
    if cfg.text_pair_column is not None and cfg.text_pair_column == cfg.text_column:
        raise ConfigError("text_pair_column", "config.same_pair_column")


def from_dict(data: dict[str, Any]) -> RunConfig:
    """Build a RunConfig from a plain dict (JSON, widgets); unknown keys are an error."""
    if not isinstance(data, dict):
        raise ConfigError("config", "config.not_an_object")
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise ConfigError(unknown[0], "config.unknown_settings", unknown=", ".join(unknown),
                          known=", ".join(_FIELDS))
    return RunConfig(**data)


def from_json(text: str) -> RunConfig:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError("config", "config.bad_json", line=exc.lineno,
                          reason=exc.msg) from None
    return from_dict(data)


def add_cli_arguments(parser: argparse.ArgumentParser) -> None:
    """One ``--flag`` per field (``--learning-rate``), typed, with the field's help and choices.

    Defaults are left as ``None`` so that only flags the user typed override the config file.
    """
    for name, f in _FIELDS.items():
        meta = f.metadata
        kind = field_type(name)
        parser.add_argument("--" + name.replace("_", "-"), dest=name, default=None,
                            type=str if kind is str else float if kind is float else int,
                            choices=meta["choices"],
                            help=f"{meta['help']} (default: {f.default!r})")


def cli_overrides(namespace: argparse.Namespace) -> dict[str, Any]:
    return {name: getattr(namespace, name) for name in _FIELDS
            if getattr(namespace, name, None) is not None}
