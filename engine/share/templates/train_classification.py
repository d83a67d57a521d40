"""Fine-tune a text classifier (one label, several labels, or a score), exported from
Fine-Tune Studio. Runs without the studio.

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
is split between them, so the effective batch size stays the one in run.json. What the task
adds is in task_heads.py: the head (problem type), balanced class weights, a regression head
started at the mean score.
"""

import run_files
from metrics import compute_metrics_for
from task_heads import WeightedLossTrainer
from transformers import AutoTokenizer, set_seed

run, checkpoint = run_files.load_run()
cfg = run["config"]
labels = run["labels"]

# 1. Data: the run's own train / validation / test rows; labels as the task reads them.
raw_datasets = run_files.load_rows(run)

# 2. Tokenization (map(batched=True), truncating to max_length); padding is the collator's:
#    dynamic ("longest") or fixed ("max_length"), as the run had.
tokenizer = AutoTokenizer.from_pretrained(checkpoint)
tokenized_datasets = run_files.tokenize_for_classification(raw_datasets, tokenizer,
                                                           cfg["max_length"])
data_collator = run_files.padding_collator(tokenizer, run)

# 3. Model: the pretrained checkpoint with a new head for these labels (or the score).
set_seed(cfg["seed"])
model = run_files.classification_model(run, checkpoint)


# The studio's own scores (metrics/, local evaluate modules): accuracy and F1 for classes,
# micro/macro F1 for several labels, MSE/MAE/Pearson/Spearman for a score.
compute_metrics = compute_metrics_for(cfg["task"], len(labels or []), cfg["multilabel_threshold"])

# 4. Training, with the very arguments the studio's Trainer had (run.json's training_args:
#    keeping the best checkpoint included), its class weights and early stopping.
training_args = run_files.training_arguments(run)
trainer = WeightedLossTrainer(
    model=model,
    args=training_args,
    train_dataset=tokenized_datasets["train"],
    eval_dataset=tokenized_datasets["validation"],
    data_collator=data_collator,
    processing_class=tokenizer,
    compute_metrics=compute_metrics,
    callbacks=run_files.callbacks(run),
    class_weights=run.get("class_weights"),
)
trainer.train()

# 5. Scores on the held-out split, and the model saved for pipeline("text-classification").
split = "test" if "test" in tokenized_datasets else "validation"
scores = trainer.evaluate(tokenized_datasets[split], metric_key_prefix=split)
run_files.report(trainer.accelerator, trainer.save_model, split,
                 {k.removeprefix(split + "_"): v for k, v in scores.items()})
