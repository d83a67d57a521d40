"""Where a training step of the engine's defaults spends its time (``torch.profiler``).

    HF_HUB_OFFLINE=1 python bench/profile_step.py [--data mrpc.csv] [--task mlm] [--steps 5]

Builds the Trainer exactly as a run does (``engine.data.prepare`` +
``engine.training.trainer.build_trainer`` on the built-in MiniLM-L6), trains a few warm-up
steps, profiles ``--steps`` optimizer steps and prints the operators by self CPU time, with
the share spent in matrix products against the rest.
It answers issue 10's "what is not GEMM"; BENCHMARKS.md quotes its output.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WARMUP = 5
GEMM = ("mm", "addmm", "bmm", "baddbmm", "linear", "matmul")  # op names, any namespace


def is_gemm(name: str) -> bool:
    return name.split("::")[-1].lstrip("_").replace("mkldnn_", "") in GEMM


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="a CSV/JSONL file (default: the built-in sample)")
    parser.add_argument("--task", default="classification", choices=("classification", "mlm"))
    parser.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16"))
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--shapes", type=int, default=3, help="input shapes shown per op")
    args = parser.parse_args()

    from torch.profiler import ProfilerActivity, profile
    from transformers import TrainerCallback

    from engine.config import RunConfig
    from engine.data.prepare import prepare
    from engine.data.sources import load_raw, raw_key
    from engine.modeling.checkpoints import load_model, load_tokenizer, resolve
    from engine.settings import Settings
    from engine.training.trainer import build_trainer

    source = ("file", args.data) if args.data else \
        ("builtin", "corpus" if args.task == "mlm" else "sentiment")
    cfg = RunConfig(task=args.task, data_source=source[0], dataset=source[1],
                    precision=args.precision, max_steps=WARMUP + args.steps,
                    logging_steps=1000, eval_strategy="steps", eval_steps=100_000,
                    save_strategy="steps", save_steps=100_000)
    work = Path(tempfile.mkdtemp(prefix="fts-profile-"))
    prepared = prepare(load_raw(*raw_key(cfg)), cfg)
    ref = resolve(cfg.checkpoint, Settings(runs_root=work))
    model = load_model(cfg.task, ref, prepared.label_names)

    class Profiled(TrainerCallback):  # type: ignore[misc]
        """Profiles the steps after the warm-up, from the first one's start to the last one's end
        (the end-of-training save and clean-up are not per-step work, so they stay outside)."""

        prof: Any = None

        def on_step_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if state.global_step == WARMUP:
                self.prof = profile(activities=[ProfilerActivity.CPU], record_shapes=True)
                self.prof.__enter__()

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if self.prof is not None and state.global_step == WARMUP + args_steps:
                self.prof.__exit__(None, None, None)

    args_steps = args.steps
    probe = Profiled()
    trainer, facts = build_trainer(cfg, prepared, load_tokenizer(ref), model, str(work / "out"),
                                   [probe], cache_dir=work / ".cache")
    trainer.train()
    events = probe.prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    gemm = sum(e.self_cpu_time_total for e in events if is_gemm(e.key))
    rows = sorted(events, key=lambda e: e.self_cpu_time_total, reverse=True)[:args.top]
    for e in rows:
        print(f"{e.self_cpu_time_total / total:7.1%}  {e.count:6d}  {e.key}", file=sys.stderr)
    for op in ("aten::fill_", "aten::copy_"):  # which tensors the biggest non-GEMM ops touch
        by_shape = sorted((e for e in probe.prof.key_averages(group_by_input_shape=True)
                           if e.key == op), key=lambda e: e.self_cpu_time_total, reverse=True)
        for e in by_shape[:args.shapes]:
            print(f"{e.self_cpu_time_total / total:7.1%}  {e.count:6d}  {op} {e.input_shapes}",
                  file=sys.stderr)
    print(json.dumps({"precision": facts["precision"], "steps": args.steps,
                      "ms_per_step": round(total / 1000 / args.steps, 1),
                      "gemm_share": round(gemm / total, 3),
                      "top": {e.key: round(e.self_cpu_time_total / total, 3) for e in rows}}))


if __name__ == "__main__":
    main()
