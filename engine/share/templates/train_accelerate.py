"""Fine-tune a text classifier (one label, several labels, or a score) with a plain training
loop and Accelerate, exported from Fine-Tune Studio. Runs without the studio, on one CPU,
several processes, GPUs or machines.

    pip install -r requirements.txt
    python train.py                                          # one process
    accelerate launch --multi_gpu --num_processes 2 train.py # two processes: GPUs, or CPU
                                                             # (gloo) when there is none
    accelerate launch --multi_gpu --num_processes 4 train.py # four GPUs

This is the loop from the Hugging Face course (Accelerator, AdamW, get_scheduler), with the
settings of run.json and the run's exact rows in data/. The Trainer version of the same run is
what the studio itself does; this one shows every step: validation at the run's cadence,
keeping the best model (and stopping early) as the run did, class weights in the loss.
"""

import math

import numpy as np
import run_files
import torch
from accelerate import Accelerator
from metrics import compute_metrics_for
from task_heads import weighted_cross_entropy
from torch.utils.data import DataLoader
from transformers import AutoTokenizer, get_scheduler, set_seed
from transformers.trainer_pt_utils import LengthGroupedSampler

run, checkpoint = run_files.load_run()
cfg = run["config"]
labels = run["labels"]

# Precision, padding and batch order as the studio trained (run.json): bf16 or fp16 autocast,
# the run's collator, and length-grouped batches when the run grouped them.
accelerator = Accelerator(mixed_precision=run["precision"] if run["precision"] in ("bf16", "fp16")
                          else "no", cpu=not torch.cuda.is_available())
set_seed(cfg["seed"])

raw_datasets = run_files.load_rows(run)
tokenizer = AutoTokenizer.from_pretrained(checkpoint)
tokenized_datasets = run_files.tokenize_for_classification(raw_datasets, tokenizer,
                                                           cfg["max_length"])
tokenized_datasets = tokenized_datasets.rename_column("label", "labels")
data_collator = run_files.padding_collator(tokenizer, run)
per_device = max(1, cfg["batch_size"] // accelerator.num_processes)
if run["grouped_by_length"]:  # batches of similar lengths, in a random order of batches
    sampler = LengthGroupedSampler(per_device * accelerator.num_processes, lengths=[
        len(ids) for ids in tokenized_datasets["train"]["input_ids"]])
    train_dataloader = DataLoader(tokenized_datasets["train"], sampler=sampler,
                                  batch_size=per_device, collate_fn=data_collator)
else:
    train_dataloader = DataLoader(tokenized_datasets["train"], shuffle=True,
                                  batch_size=per_device, collate_fn=data_collator)
split = "test" if "test" in tokenized_datasets else "validation"
eval_dataloaders = {name: DataLoader(tokenized_datasets[name], batch_size=32,
                                     collate_fn=data_collator)
                    for name in {"validation", split}}

model = run_files.classification_model(run, checkpoint)
optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad],
                              lr=cfg["learning_rate"],
                              weight_decay=cfg["weight_decay"])
model, optimizer, train_dataloader = accelerator.prepare(model, optimizer, train_dataloader)
eval_dataloaders = {name: accelerator.prepare(d) for name, d in eval_dataloaders.items()}
class_weights = torch.tensor(run["class_weights"]) if run.get("class_weights") else None
compute_metrics = compute_metrics_for(cfg["task"], len(labels or []), cfg["multilabel_threshold"])

num_training_steps = cfg["max_steps"] or math.ceil(cfg["epochs"] * len(train_dataloader))
lr_scheduler = get_scheduler("linear", optimizer=optimizer,
                             num_warmup_steps=int(cfg["warmup_ratio"] * num_training_steps),
                             num_training_steps=num_training_steps)



def evaluate(name):
    """Scores on one split, gathered from every process (each sees a part of it)."""
    model.eval()
    logits, references = [], []
    for batch in eval_dataloaders[name]:
        with torch.no_grad():
            out = model(**batch).logits.float()
        gathered = accelerator.gather_for_metrics((out, batch["labels"]))
        logits.append(gathered[0].cpu().numpy())
        references.append(gathered[1].cpu().numpy())
    model.train()
    logits, references = np.concatenate(logits), np.concatenate(references)
    return {**compute_metrics((logits, references)),
            "loss": float(validation_loss(torch.from_numpy(logits), torch.from_numpy(references)))}


def validation_loss(logits, references):
    """The loss the Trainer would report: the model's own (by task), with the class weights."""
    functional = torch.nn.functional
    if cfg["task"] == "regression":
        return functional.mse_loss(logits.squeeze(-1), references.float())
    if cfg["task"] == "multilabel":
        return functional.binary_cross_entropy_with_logits(logits, references.float())
    return functional.cross_entropy(logits, references.long(), weight=class_weights)


# Keeping the best model, as the run did: validate at its cadence, remember the best weights
# by its metric, stop after `patience` validations without improvement.
args = run["training_args"]
metric = args.get("metric_for_best_model") if args.get("load_best_model_at_end") else None
validate_every = args["eval_steps"] if args["eval_strategy"] == "steps" else len(train_dataloader)
patience = cfg.get("early_stopping_patience") or 0
best, best_state, waited = None, None, 0

model.train()
step = 0
while step < num_training_steps and (not patience or waited < patience):
    for batch in train_dataloader:
        if class_weights is None:
            loss = model(**batch).loss
        else:
            loss = weighted_cross_entropy(model, batch, class_weights)[0]
        accelerator.backward(loss)
        optimizer.step()
        lr_scheduler.step()
        optimizer.zero_grad()
        step += 1
        if step % cfg["logging_steps"] == 0:
            accelerator.print(f"step {step}/{num_training_steps} loss {loss.item():.4f}")
        if metric and step % validate_every == 0:
            value = evaluate("validation")[metric]
            if best is None or (value > best if args["greater_is_better"] else value < best):
                best, waited = value, 0
                best_state = {k: v.detach().cpu().clone()
                              for k, v in accelerator.unwrap_model(model).state_dict().items()}
            else:
                waited += 1
            accelerator.print(f"step {step}: validation {metric} {value:.4f} (best {best:.4f})")
        if step >= num_training_steps or (patience and waited >= patience):
            break

if best_state is not None:  # the final model is the best one seen, as in the studio
    accelerator.unwrap_model(model).load_state_dict(best_state)


def save_model(folder):
    accelerator.unwrap_model(model).save_pretrained(folder)
    tokenizer.save_pretrained(folder)


scores = evaluate(split)
run_files.report(accelerator, save_model, split, scores)
