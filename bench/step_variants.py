"""Step time of training variants the profile pointed at, side by side (issue 10, item 3).

    HF_HUB_OFFLINE=1 python bench/step_variants.py [--rounds 2]

A plain loop (forward, backward, fused AdamW) of the built-in MiniLM-L6 on 40 batches of 16
MRPC pairs (``bench/mrpc.py``'s data), padded per batch after sorting by length, the way the
defaults group. Each variant runs in its own process, rounds interleaved, and prints the median
ms per step after five warm-up steps. It answers "does removing this non-GEMM cost pay" before
anything in the engine changes what is trained.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
VARIANTS = ("fp32", "fp32-eager", "bf16", "bf16-freeze", "bf16-nodrop", "bf16-freeze-nodrop",
            "bf16-freeze-eager", "bf16-freeze-eager-noattndrop", "bf16-freeze-noattndrop",
            "fp32-freeze", "fp32-freeze-eager-noattndrop", "bf16-freeze-eager-noattndrop-packed",
            "fp32-freeze-eager-noattndrop-packed")


def one(variant: str) -> float:
    import torch
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
    )

    from bench.mrpc import prepare
    from engine.modeling.checkpoints import resolve
    from engine.settings import Settings

    folder = Path(tempfile.mkdtemp(prefix="fts-variants-"))
    lines = (Path(str(prepare(folder)["full"])) / "train.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines]
    random.Random(0).shuffle(rows)
    location = resolve("builtin:minilm-l6", Settings(runs_root=folder)).location
    tokenizer = AutoTokenizer.from_pretrained(location)
    feats = sorted((dict(tokenizer(r["sentence1"], r["sentence2"], truncation=True,
                                   max_length=128), labels=r["label"]) for r in rows[:640]),
                   key=lambda f: len(f["input_ids"]))
    collate = DataCollatorWithPadding(tokenizer)
    batches = [collate(feats[i:i + 16]) for i in range(0, len(feats), 16)]
    random.Random(1).shuffle(batches)
    torch.manual_seed(0)
    attention = "eager" if "eager" in variant else "sdpa"
    model = AutoModelForSequenceClassification.from_pretrained(location, num_labels=2,
                                                               attn_implementation=attention)
    if "noattndrop" in variant:  # attention dropout off, the rest kept
        for layer in model.bert.encoder.layer:
            layer.attention.self.dropout.p = 0.0
    if "nodrop" in variant:
        for module in model.modules():
            if isinstance(module, torch.nn.Dropout):
                module.p = 0.0
    if "packed" in variant:  # dropout masks four to a 64-bit draw (engine/modeling/dropout.py)
        from engine.modeling.dropout import pack_dropout_masks

        pack_dropout_masks(model)
    if "freeze" in variant:
        model.get_input_embeddings().weight.requires_grad_(False)
    model.train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4,
                            fused=True)
    times = []
    for batch in batches:
        start = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled="bf16" in variant):
            loss = model(**batch).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times[5:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only", action="append", choices=VARIANTS,
                        help="run only these variants (repeatable; bf16 is always run)")
    parser.add_argument("--variant", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.variant:
        print(json.dumps({"variant": args.variant, "ms": one(args.variant)}))
        return
    chosen = [v for v in VARIANTS if not args.only or v in args.only or v == "bf16"]
    results: dict[str, list[float]] = {v: [] for v in chosen}
    for _ in range(args.rounds):
        for variant in chosen:
            out = subprocess.run([sys.executable, __file__, "--variant", variant],
                                 capture_output=True, text=True, check=True).stdout
            results[variant].append(json.loads(out.strip().splitlines()[-1])["ms"])
    base = statistics.median(results["bf16"])
    for variant, values in results.items():
        ms = statistics.median(values)
        print(f"{variant:20s} {ms:7.1f} ms/step  {base / ms:5.2f}x bf16")


if __name__ == "__main__":
    main()
