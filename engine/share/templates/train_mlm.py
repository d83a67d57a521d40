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

from itertools import chain

import run_files
from dropout import drop_attention_dropout, pack_dropout_masks
from metrics import perplexity
from sparse_mlm import SparseMLMTrainer
from transformers import (
    AutoModelForMaskedLM,
    AutoTokenizer,
    DataCollatorForLanguageModeling,
    set_seed,
)

run, checkpoint = run_files.load_run()
cfg = run["config"]
block_size = cfg["max_length"]

raw_datasets = run_files.load_rows(run)
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
spec = run["collator"]
data_collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=spec["mlm_probability"],
                                                pad_to_multiple_of=spec["pad_to_multiple_of"])

set_seed(cfg["seed"])
model = AutoModelForMaskedLM.from_pretrained(checkpoint, use_safetensors=True)
if run.get("freeze_word_embeddings"):  # as the studio trained: the vocabulary table stays as is
    model.get_input_embeddings().weight.requires_grad_(False)
if run.get("attention_dropout_off"):  # as the studio trained (dropout.py says why)
    drop_attention_dropout(model)
if run.get("packed_dropout_masks"):  # the same masks, drawn faster (dropout.py)
    pack_dropout_masks(model)
# The very arguments the studio's Trainer had (run.json's training_args; evaluation keeps only
# the loss).
trainer = SparseMLMTrainer(model=model, args=run_files.training_arguments(run),
                           train_dataset=lm_datasets["train"],
                           eval_dataset=lm_datasets["validation"], data_collator=data_collator,
                           processing_class=tokenizer)
trainer.train()
split = "test" if "test" in lm_datasets else "validation"
loss = trainer.evaluate(lm_datasets[split], metric_key_prefix=split)[f"{split}_loss"]
run_files.report(trainer.accelerator, trainer.save_model, split,
                 {"loss": loss, "perplexity": perplexity(loss)})
