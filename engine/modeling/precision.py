"""Precision and CPU threads for a run, chosen by measuring this machine, not by reading flags.

CPU flags do not say what is fast: with ``ONEDNN_MAX_CPU_ISA=AVX2`` the flags still list
AVX512-BF16, yet a bf16 matrix product runs at 0.3-0.5 GFLOP/s against 17-62 for fp32. And a CPU
with AVX512-BF16 but no AMX gains less from bf16 (about 1.5x) than one with AMX (about 1.7x).
So ``precision: auto`` on a CPU times the real model instead:

1. a screen: one matrix product at the model's width and the batch's token count, fp32 against
   bf16 (milliseconds; it spares a 100x-slower bf16 model pass where bf16 is emulated);
2. if bf16 survives it, a few forward/backward passes of the real model on a real batch, in
   fp32 and in bf16; the faster one wins;
3. where the CPU budget is unclear (affinity, cgroup quota and torch's default disagree, as in
   containers that see more cores than they may use), the same passes at each thread count.

The answer is cached per machine, model and batch shape under the runs folder, so it is paid
once. Parameters are untouched (no optimizer step), gradients are cleared and the random
number generator is restored, so a probed run trains exactly like an unprobed one. On a GPU the
rule stays as before: bf16 where supported, else fp16.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..settings import CPU_CAPS

CACHE_FILE = "precision-probe.json"
SCREEN_RATIO = 0.5  # bf16 GEMM slower than half of fp32: not worth a model pass
PROBE_PASSES = 3  # timed forward/backward passes per arm (after one warm-up pass)


@dataclass(frozen=True)
class Choice:
    precision: str
    reason: str
    threads: int | None = None  # None: leave torch's default alone
    measured: dict[str, float] | None = None  # seconds per pass, by arm


# --- the machine --------------------------------------------------------------------------

def cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine()


def cgroup_cpus() -> int | None:
    """CPUs this container may use by its cgroup quota (v2 ``cpu.max`` or v1 cfs), if set."""
    for quota_file, period_file in (("/sys/fs/cgroup/cpu.max", None),
                                    ("/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
                                     "/sys/fs/cgroup/cpu/cpu.cfs_period_us")):
        try:
            text = Path(quota_file).read_text().split()
            if period_file is None:
                quota, period = text[0], text[1]
            else:
                quota, period = text[0], Path(period_file).read_text().strip()
            if quota in ("max", "-1"):
                return None
            return max(1, -(-int(quota) // int(period)))
        except (OSError, ValueError, IndexError):
            continue
    return None


def cpu_facts(cpu_caps: tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:
    """What a speed number depends on: which CPU, which instructions, how many threads, and
    the caps on what oneDNN/ATen may use (``Settings.cpu_caps``, read from the environment)."""
    import torch

    flags = cpu_flags()
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {"model": _cpu_model(), "amx": "amx_bf16" in flags,
            "avx512_bf16": "avx512_bf16" in flags, "avx512": "avx512f" in flags,
            "avx2": "avx2" in flags, "torch_threads": torch.get_num_threads(),
            "affinity_cpus": affinity, "cgroup_cpus": cgroup_cpus(),
            **{name: dict(cpu_caps).get(name) for name in CPU_CAPS},
            "aten_capability": torch.backends.cpu.get_cpu_capability(),
            "torch": torch.__version__}


def thread_candidates() -> list[int]:
    """Thread counts worth timing: torch's default, the CPUs we are pinned to, the quota."""
    import torch

    facts = cpu_facts()
    found = {torch.get_num_threads(), facts["affinity_cpus"], facts["cgroup_cpus"]}
    return sorted(n for n in found if n)


# --- measuring ----------------------------------------------------------------------------

def gemm_gflops(m: int, k: int, n: int, dtype: Any, min_seconds: float = 0.05,
                max_reps: int = 50) -> float:
    """GFLOP/s of one (m x k) @ (k x n) product in ``dtype``: best of a few timed repeats."""
    import torch

    a = torch.randn(m, k).to(dtype)
    b = torch.randn(k, n).to(dtype)
    torch.matmul(a, b)  # warm-up: kernel selection, caches
    best = float("inf")
    spent, reps = 0.0, 0
    while reps < 3 or (spent < min_seconds and reps < max_reps):
        started = time.perf_counter()
        torch.matmul(a, b)
        took = time.perf_counter() - started
        best, spent, reps = min(best, took), spent + took, reps + 1
    return 2 * m * k * n / best / 1e9


LossFn = Callable[[Any, dict[str, Any]], Any]


def model_loss(model: Any, batch: dict[str, Any]) -> Any:
    return model(**batch).loss


def time_passes(model: Any, batch: dict[str, Any], precision: str,
                passes: int = PROBE_PASSES, loss_fn: LossFn = model_loss) -> float:
    """Median seconds of one forward+backward pass (after a warm-up pass)."""
    import torch

    times = []
    for i in range(passes + 1):
        started = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            loss = loss_fn(model, batch)
        loss.backward()
        if i:
            times.append(time.perf_counter() - started)
        for p in model.parameters():
            p.grad = None
    return statistics.median(times)


def _rng_kept(fn: Callable[[], Any]) -> Any:
    import random

    import numpy as np
    import torch

    states = torch.get_rng_state(), random.getstate(), np.random.get_state()
    try:
        return fn()
    finally:
        torch.set_rng_state(states[0])
        random.setstate(states[1])
        np.random.set_state(states[2])


def measure(model: Any, batch: dict[str, Any], loss_fn: LossFn = model_loss) -> Choice:
    """Time fp32 against bf16 (and thread counts where unclear) on ``model`` and ``batch``."""
    import torch

    tokens = int(batch["input_ids"].numel())
    width = int(getattr(model.config, "hidden_size", 256))
    threads = thread_candidates()
    was_training = model.training
    model.train()

    def run() -> Choice:
        screen32 = gemm_gflops(tokens, width, width, torch.float32)
        screen16 = gemm_gflops(tokens, width, width, torch.bfloat16)
        measured = {"gemm_fp32_gflops": round(screen32, 2),
                    "gemm_bf16_gflops": round(screen16, 2)}
        fp32 = time_passes(model, batch, "fp32", loss_fn=loss_fn)
        measured["fp32_s"] = round(fp32, 4)
        if screen16 < SCREEN_RATIO * screen32:
            precision, seconds = "fp32", fp32
            why = (f"bf16 matrix products run {screen32 / max(screen16, 1e-9):.0f}x slower than "
                   "fp32 on this CPU")
        else:
            bf16 = time_passes(model, batch, "bf16", loss_fn=loss_fn)
            measured["bf16_s"] = round(bf16, 4)
            precision, seconds = ("bf16", bf16) if bf16 < fp32 else ("fp32", fp32)
            why = (f"bf16 {fp32 / bf16:.2f}x as fast as fp32 on this CPU (measured "
                   f"{bf16 * 1000:.0f} vs {fp32 * 1000:.0f} ms per step)")
        best_threads = None
        if len(threads) > 1:
            default = torch.get_num_threads()
            timed = {default: seconds}
            for n in threads:
                if n != default:
                    torch.set_num_threads(n)
                    timed[n] = time_passes(model, batch, precision, loss_fn=loss_fn)
            torch.set_num_threads(default)
            best_threads = min(timed, key=lambda n: timed[n])
            measured.update({f"threads_{n}_s": round(s, 4) for n, s in timed.items()})
            why += f"; {best_threads} threads fastest of {sorted(timed)}"
        return Choice(precision, why, best_threads, measured)

    try:
        return _rng_kept(run)
    finally:
        model.train(was_training)


# --- choosing -----------------------------------------------------------------------------

def _cache_key(model: Any, batch: dict[str, Any], cpu_caps: tuple[tuple[str, str], ...]) -> str:
    """Machine facts, the model's architecture and size, and the batch shape."""
    facts = cpu_facts(cpu_caps)
    config = model.config.to_dict() if hasattr(model, "config") else {}
    config = {k: v for k, v in config.items()  # not the architecture, or set by a first pass
              if k not in ("id2label", "label2id", "_name_or_path", "transformers_version",
                           "problem_type")}
    model_id = [type(model).__name__, config, sum(p.numel() for p in model.parameters())]
    shape = list(batch["input_ids"].shape)
    shape[-1] = -(-shape[-1] // 16) * 16  # nearby lengths share an answer
    raw = json.dumps({"cpu": facts, "model": model_id, "shape": shape}, sort_keys=True,
                     default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


def _read_cache(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, json.JSONDecodeError):
        return {}  # a missing or damaged cache only costs a new measurement


def choose(choice: str, model: Any, batch: dict[str, Any] | None, cache_dir: Path | None,
           loss_fn: LossFn = model_loss, cpu_caps: tuple[tuple[str, str], ...] = ()) -> Choice:
    """The precision (and threads) a run uses, with the reason shown to the user."""
    import torch

    if torch.cuda.is_available():
        if choice != "auto":
            return Choice(choice, "chosen in the settings")
        return Choice("bf16", "this GPU supports bf16") if torch.cuda.is_bf16_supported() \
            else Choice("fp16", "this GPU has no bf16; fp16 is its fast mode")
    if choice == "fp16":
        raise ConfigError("precision", "config.fp16_needs_gpu")
    if choice != "auto":
        return Choice(choice, "chosen in the settings")
    if model is None or batch is None:
        return Choice("fp32", "not measured (no model to time); fp32 is safe everywhere")
    key = _cache_key(model, batch, cpu_caps)
    path = cache_dir / CACHE_FILE if cache_dir else None
    cached = _read_cache(path).get(key) if path else None
    if isinstance(cached, dict) and cached.get("precision") in ("fp32", "bf16"):
        return Choice(cached["precision"], cached["reason"] + " (measured earlier)",
                      cached.get("threads"), cached.get("measured"))
    result = measure(model, batch, loss_fn)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = _read_cache(path)
        data[key] = {**asdict(result), "measured_at": time.time()}
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(tmp, path)
    return result
