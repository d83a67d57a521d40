"""The course's masked-LM recipe (Hugging Face course, chapter 7.3), as people copy it: tokenize,
concatenate and cut into 128-token chunks (``group_texts``), ``DataCollatorForLanguageModeling``
masking 15%, ``AutoModelForMaskedLM`` and a ``Trainer``: fp32, the full vocabulary head on every
position. Plain transformers code; it does not import the studio. The benchmark runs it against
the engine's masked-LM defaults on the same data, checkpoint, batch size and steps.

    python bench/seed_mlm.py --data DIR --checkpoint PATH --max-steps 20

Prints one JSON line: samples/s (the Trainer's own measure), steady samples/s, steps.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
from pathlib import Path

from datasets import load_dataset
from transformers import (
    AutoModelForMaskedLM,
    AutoTokenizer,
    DataCollatorForLanguageModeling,
    Trainer,
    TrainingArguments,
    set_seed,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seed_recipe import StepClock  # noqa: E402  (benchmark instrumentation, not the recipe)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True, help="folder with train.jsonl (a text column)")
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--max-steps", type=int, default=20)
    parser.add_argument("--chunk-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--output-dir", default=os.environ.get("TMPDIR", "/tmp") + "/seed-mlm")
    args = parser.parse_args()

    raw = load_dataset("json", data_files={"train": os.path.join(args.data, "train.jsonl")})
    tokenizer = AutoTokenizer.from_pretrained(args.checkpoint)

    def tokenize_function(examples):
        result = tokenizer(examples["text"])
        if tokenizer.is_fast:
            result["word_ids"] = [result.word_ids(i) for i in range(len(result["input_ids"]))]
        return result

    tokenized = raw.map(tokenize_function, batched=True, remove_columns=["text"])

    def group_texts(examples):
        concatenated = {k: sum(examples[k], []) for k in examples.keys()}
        total_length = len(concatenated[list(examples.keys())[0]])
        total_length = (total_length // args.chunk_size) * args.chunk_size
        result = {k: [t[i: i + args.chunk_size] for i in range(0, total_length, args.chunk_size)]
                  for k, t in concatenated.items()}
        result["labels"] = result["input_ids"].copy()
        return result

    lm_datasets = tokenized.map(group_texts, batched=True).remove_columns(["word_ids"])
    data_collator = DataCollatorForLanguageModeling(tokenizer=tokenizer, mlm_probability=0.15)
    set_seed(args.seed)
    model = AutoModelForMaskedLM.from_pretrained(args.checkpoint)
    training_args = TrainingArguments(
        args.output_dir, per_device_train_batch_size=args.batch_size,
        learning_rate=args.learning_rate, max_steps=args.max_steps, weight_decay=0.01,
        seed=args.seed, use_cpu=True, report_to="none", disable_tqdm=True, logging_steps=50,
        save_strategy="no")
    clock = StepClock()
    trainer = Trainer(model=model, args=training_args, train_dataset=lm_datasets["train"],
                      data_collator=data_collator, processing_class=tokenizer,
                      callbacks=[clock])
    result = trainer.train()
    print(json.dumps({"samples_per_s": result.metrics["train_samples_per_second"],
                      "steady_samples_per_s": clock.samples_per_s(args.batch_size),
                      "steps": trainer.state.global_step, "blocks": len(lm_datasets["train"]),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
