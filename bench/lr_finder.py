"""How long the learning-rate finder takes on the defaults a user starts from: the built-in
sentiment sample and the built-in MiniLM-L6, 100 steps, in fp32 and in bf16 (goal: < 60 s each
on a 2-core CPU).

The data is prepared and tokenized first and timed apart (``tokenize_s``), so both finder
timings are of the finder alone; each precision gets a freshly loaded model with the same seed.
The studio root is a temporary folder: the finder writes nothing, and neither does this script
outside that folder.

    HF_HUB_OFFLINE=1 python bench/lr_finder.py      # prints one JSON line
    HF_HUB_OFFLINE=1 python bench/lr_finder.py bf16 # one precision only

Each arm also reports ``cpu_s`` (this process's CPU time) and the 1-minute load average after
it: on a shared machine a wall time far above ``cpu_s / threads`` means other work took the
cores, and the number should be measured again when the machine is quiet.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def main() -> None:
    import torch
    from transformers import set_seed

    from engine.config import RunConfig
    from engine.modeling.checkpoints import load_model, load_tokenizer, resolve
    from engine.studio import Studio
    from engine.training.lr_finder import find_learning_rate
    from engine.training.trainer import tokenize_splits

    with tempfile.TemporaryDirectory(prefix="lr-finder-bench-") as root:
        studio = Studio(root=Path(root))
        cfg = RunConfig()
        started = time.perf_counter()
        prepared = studio.prepared(cfg)
        ref = resolve(cfg.checkpoint, studio.settings)
        tokenizer = load_tokenizer(ref)
        tokenize_splits(prepared, tokenizer, cfg)  # cached: the finder reuses it
        out: dict[str, object] = {
            "cpu": cpu_name(), "cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "load_average_before": os.getloadavg()[0], "train_rows": len(prepared.splits["train"]),
            "batch_size": cfg.batch_size, "prepare_tokenize_s": round(time.perf_counter()
                                                                      - started, 2)}
        for precision in sys.argv[1:] or ("fp32", "bf16"):
            set_seed(cfg.seed)
            model = load_model(cfg.task, ref, prepared.label_names)  # as run_body loads it
            began, cpu = time.perf_counter(), time.process_time()
            result = find_learning_rate(cfg, prepared, tokenizer, model, precision=precision)
            out[precision] = {
                "seconds": round(time.perf_counter() - began, 2),
                "cpu_s": round(time.process_time() - cpu, 2),
                "load_average_after": os.getloadavg()[0], "steps_run": result.steps_run,
                "stopped_reason": result.stopped_reason, "suggestion": result.suggestion,
                "min_loss_lr": result.min_loss_lr, "second_opinion": result.second_opinion,
                "reason": result.reason}
            del model
    print(json.dumps(out))


if __name__ == "__main__":
    main()
