"""Fine-Tune Studio benchmarks: the engine against the seed recipe, side by side on one machine.

    python bench/run.py --quick --json     # < 10 min on 2 cores; last line: one JSON object
    python bench/run.py --json             # the full set (adds a 3-epoch MRPC accuracy run)

Throughput arms run as separate processes, interleaved round by round (A, B, C, D, A, B, ...)
so drifts in machine speed hit every arm alike; results are medians, compared as ratios.

* ``seed``: ``bench/seed_recipe.py``, fp32, the course code;
* ``engine_as_seed``: the engine with the seed's settings (fp32, random order, dynamic padding);
* ``engine_defaults``: the engine with its default speed settings (precision and batching auto);
* ``engine_static``: ``engine_as_seed`` but padding every text to max_length;
* ``mlm_seed`` / ``mlm_engine``: masked-LM on the MRPC sentences as a text corpus, the course's
  recipe (``bench/seed_mlm.py``: fp32, full vocabulary head) against the engine's masked-LM
  defaults (precision auto, sparse head), same checkpoint, blocks, batch and steps.

The result also records the CPU (``cpu``: model, AMX / AVX512-BF16 / AVX2, threads, and any
``ONEDNN_MAX_CPU_ISA`` / ``ATEN_CPU_CAPABILITY`` in force) and ``gemm_fraction``: the training
FLOP rate of the defaults arm (6 x non-embedding parameters x processed tokens per second,
steady) over the GEMM rate this CPU reaches at the model's shapes in the precision the arm
used (``bench/gemm.py``). ``errors`` times how fast an unreachable Hub, offline mode and a
huge cell are reported (``bench/error_latency.py``).

All arms: same checkpoint (built-in MiniLM-L6), data, batch size, learning rate, warm-up, weight
decay, seed and step count. Speed is measured twice per run: steady-state samples/s from the end
of step 5 to the last step (the same per-step clock in both programs; what a long run converges
to) and the Trainer's own end-to-end ``train_samples_per_second`` (which also counts the warm-up
and the one checkpoint both programs write at the end). Ratios use the steady numbers; the
end-to-end ratios are reported next to them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.mrpc import prepare  # noqa: E402

HYPER = {"batch_size": 16, "learning_rate": 1e-4, "warmup_ratio": 0.06, "weight_decay": 0.01,
         "seed": 42}
AS_SEED = {"precision": "fp32", "sampling": "random", "padding": "dynamic",
           "word_embeddings": "train", "attention_dropout": "keep",
           "dropout_masks": "native"}


def _env(work: Path) -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "FTS_RUNS_DIR": str(work / "runs"),
            "HF_HOME": str(work / "hf"), "TOKENIZERS_PARALLELISM": "false"}


def _last_json(cmd: list[str], env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def engine_arm(work: Path, data: str, steps: int | None, speed: dict[str, Any],
               full: bool = False) -> dict[str, Any]:
    cfg = {"data_source": "file", "dataset": data, **HYPER, **speed}
    if full:
        cfg.update({"epochs": 3.0})
    else:  # no evaluation or checkpoint inside the measured window, except the final save
        cfg.update({"max_steps": steps, "eval_strategy": "steps", "eval_steps": 100_000,
                    "save_strategy": "steps", "save_steps": 100_000, "logging_steps": 10})
    path = work / f"engine-{time.monotonic_ns()}.json"
    path.write_text(json.dumps(cfg))
    summary = _last_json([sys.executable, "-m", "engine.train", "--config", str(path)],
                         _env(work))
    metrics = summary["metrics"]
    test = metrics.get("test", metrics.get("validation", {}))
    facts = metrics["facts"]
    return {"samples_per_s": metrics["train"]["train_samples_per_second"],
            "steady_samples_per_s": facts["steady_samples_per_s"],
            "pad_fraction": facts["pad_fraction"],
            "precision": facts["precision"], "precision_reason": facts["precision_reason"],
            "tokens_per_batch": facts.get("tokens_per_batch"),
            "parameters_nonembedding": facts.get("parameters_nonembedding"),
            "grouped": metrics["facts"]["grouped_by_length"],
            "peak_rss_mb": summary["peak_rss_mb"], "accuracy": test.get("accuracy")}


def seed_arm(work: Path, data: str, steps: int | None, evaluate: bool = False,
             seed: int = HYPER["seed"]) -> dict[str, Any]:
    from engine.modeling.checkpoints import builtin_path

    cmd = [sys.executable, "bench/seed_recipe.py", "--data", data, "--checkpoint",
           str(builtin_path("minilm-l6")), "--precision", "fp32",
           "--batch-size", str(HYPER["batch_size"]), "--learning-rate",
           str(HYPER["learning_rate"]), "--warmup", str(HYPER["warmup_ratio"]),
           "--weight-decay", str(HYPER["weight_decay"]), "--seed", str(seed),
           "--output-dir", str(work / "seed-out")]
    cmd += ["--max-steps", str(steps)] if steps else ["--epochs", "3"]
    cmd += ["--evaluate"] if evaluate else []
    result = _last_json(cmd, _env(work))
    result["accuracy"] = result.get("test_accuracy")
    return result


def mlm_seed_arm(work: Path, data: str, steps: int) -> dict[str, Any]:
    from engine.modeling.checkpoints import builtin_path

    return _last_json([sys.executable, "bench/seed_mlm.py", "--data", data, "--checkpoint",
                       str(builtin_path("minilm-l6")), "--batch-size", str(HYPER["batch_size"]),
                       "--learning-rate", str(HYPER["learning_rate"]), "--max-steps", str(steps),
                       "--output-dir", str(work / "seed-mlm")], _env(work))


def mlm_engine_arm(work: Path, data: str, steps: int) -> dict[str, Any]:
    return engine_arm(work, data, steps, {"task": "mlm", "max_length": 128})


def training_flops(arm: dict[str, Any]) -> float:
    """The Trainer's FLOP convention: 6 x non-embedding parameters x processed tokens."""
    batches_per_s = arm["steady_samples_per_s"] / HYPER["batch_size"]
    return 6.0 * arm["parameters_nonembedding"] * arm["tokens_per_batch"] * batches_per_s


def gemm_fraction(defaults_runs: list[dict[str, Any]]) -> dict[str, Any]:
    from bench.gemm import gemm_rates
    from engine.modeling.checkpoints import builtin_path

    tokens = int(statistics.median(r["tokens_per_batch"] for r in defaults_runs))
    rates = gemm_rates(str(builtin_path("minilm-l6")), tokens)
    precision = defaults_runs[0]["precision"]
    flops = statistics.median(training_flops(r) for r in defaults_runs)
    return {"gemm_fraction": flops / 1e9 / rates[f"{precision}_gflops"],
            "gemm": {**rates, "training_gflops": round(flops / 1e9, 1),
                     "precision": precision}}


def throughput(work: Path, data: str, rounds: int, steps: int) -> dict[str, Any]:
    arms = {"seed": lambda: seed_arm(work, data, steps),
            "engine_as_seed": lambda: engine_arm(work, data, steps, AS_SEED),
            "engine_defaults": lambda: engine_arm(work, data, steps, {}),
            "engine_static": lambda: engine_arm(work, data, steps,
                                                {**AS_SEED, "padding": "max_length"})}
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in arms}
    for round_ in range(rounds):
        for name, arm in arms.items():
            runs[name].append(arm())
            last = runs[name][-1]
            print(f"round {round_ + 1}/{rounds} {name}: {last['steady_samples_per_s']:.1f} "
                  f"samples/s steady, {last['samples_per_s']:.1f} end to end", file=sys.stderr)

    def median(arm: str, key: str = "steady_samples_per_s") -> float:
        return statistics.median(r[key] for r in runs[arm])

    def ratios(key: str) -> dict[str, float]:
        return {"engine_vs_seed": median("engine_as_seed", key) / median("seed", key),
                "defaults_vs_seed": median("engine_defaults", key) / median("seed", key),
                "dynamic_vs_static": median("engine_as_seed", key) / median("engine_static", key)}

    return {"runs": runs, **ratios("steady_samples_per_s"),
            "end_to_end": {k: round(v, 3) for k, v in ratios("samples_per_s").items()},
            "median_samples_per_s": {a: round(median(a), 2) for a in arms},
            "pad_fraction": statistics.median(r["pad_fraction"] for r in runs["engine_defaults"]),
            "pad_fraction_as_seed": statistics.median(r["pad_fraction"]
                                                      for r in runs["engine_as_seed"]),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in runs["engine_defaults"])}


def accuracy(work: Path, data: str, quick: bool, seeds: list[int]) -> dict[str, Any]:
    """Test accuracy of the engine's defaults minus the fp32 seed recipe, same training.

    One pair of runs per seed, interleaved (seed recipe, engine, next seed, ...). Within a pair
    the new classifier head starts from the same random numbers, so the paired difference
    measures the settings, not the luck of the initialisation; the result is the median of
    the paired differences over the seeds.
    """
    steps = 150 if quick else None
    pairs = []
    for seed in seeds:
        base = seed_arm(work, data, steps, evaluate=True, seed=seed)
        engine = engine_arm(work, data, steps, {"seed": seed}, full=not quick)
        pairs.append({"seed": seed, "seed_accuracy": base["accuracy"],
                      "engine_accuracy": engine["accuracy"],
                      "delta": engine["accuracy"] - base["accuracy"],
                      "engine_peak_rss_mb": engine["peak_rss_mb"]})
        print(f"accuracy, seed {seed}: seed recipe {base['accuracy']:.4f}, engine defaults "
              f"{engine['accuracy']:.4f}", file=sys.stderr)
    return {"accuracy_delta": statistics.median(p["delta"] for p in pairs),
            "engine_accuracy": statistics.median(p["engine_accuracy"] for p in pairs),
            "seed_accuracy": statistics.median(p["seed_accuracy"] for p in pairs),
            "accuracy_pairs": pairs,
            "accuracy_basis": (f"{steps} steps each (quick mode)" if quick else
                               "3 epochs each (MRPC train, scored on the MRPC test split)")
            + f"; median over seeds {seeds}",
            "peak_rss_mb_accuracy_run": max(p["engine_peak_rss_mb"] for p in pairs)}


def mlm_throughput(work: Path, data: str, rounds: int, steps: int) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {"mlm_seed": [], "mlm_engine": []}
    for round_ in range(rounds):
        runs["mlm_seed"].append(mlm_seed_arm(work, data, steps))
        runs["mlm_engine"].append(mlm_engine_arm(work, data, steps))
        print(f"round {round_ + 1}/{rounds} mlm: seed "
              f"{runs['mlm_seed'][-1]['steady_samples_per_s']:.2f}, engine "
              f"{runs['mlm_engine'][-1]['steady_samples_per_s']:.2f} samples/s steady",
              file=sys.stderr)

    def median(arm: str, key: str = "steady_samples_per_s") -> float:
        return statistics.median(r[key] for r in runs[arm])

    return {"mlm_vs_seed": median("mlm_engine") / median("mlm_seed"),
            "mlm_end_to_end": round(median("mlm_engine", "samples_per_s")
                                    / median("mlm_seed", "samples_per_s"), 3),
            "mlm_median_samples_per_s": {a: round(median(a), 2) for a in runs},
            "mlm_precision": runs["mlm_engine"][0]["precision"]}


PARTS = ("speed", "mlm", "accuracy", "errors", "ui")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    parser.add_argument("--skip-ui", action="store_true")
    parser.add_argument("--seeds", default=None,
                        help="comma-separated seeds for the accuracy pairs "
                        "(default: 42 quick, 42,43,44 full)")
    parser.add_argument("--only", choices=PARTS, action="append", default=None,
                        help="run only these parts (repeatable; their keys only)")
    args = parser.parse_args()
    parts = set(args.only or PARTS) - ({"ui"} if args.skip_ui else set())
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="fts-bench-"))
    data = prepare(work / "data")
    print(f"data: {data['source']}: train {data['train']}, validation {data['validation']}, "
          f"test {data['test']}", file=sys.stderr)
    rounds, steps = (3, 40) if args.quick else (5, 80)
    seeds = ([int(s) for s in args.seeds.split(",")] if args.seeds else
             [42] if args.quick else [42, 43, 44])
    from engine.modeling.precision import cpu_facts
    from engine.settings import Settings

    result: dict[str, Any] = {"mode": "quick" if args.quick else "full",
                              "data": data["source"],
                              "cpu": cpu_facts(Settings.from_env(os.environ).cpu_caps)}

    def checkpoint() -> None:  # a later crash loses nothing
        print("so far: " + json.dumps(result), file=sys.stderr)

    if "speed" in parts:
        speed = throughput(work, str(data["throughput"]), rounds, steps)
        (work / "runs.json").write_text(json.dumps(speed["runs"], indent=1))
        result.update({k: v for k, v in speed.items() if k != "runs"})
        result.update(gemm_fraction(speed["runs"]["engine_defaults"]))
        result["precision_reason"] = speed["runs"]["engine_defaults"][0]["precision_reason"]
        checkpoint()
    if "mlm" in parts:
        result.update(mlm_throughput(work, str(data["mlm"]), rounds, 12 if args.quick else 30))
        checkpoint()
    if "accuracy" in parts:
        result.update(accuracy(work, str(data["full"]), args.quick, seeds))
        checkpoint()
    if "errors" in parts:  # bench/error_latency.py: how fast bad news arrives
        from bench.error_latency import measure as error_latency

        result.update(error_latency())
        checkpoint()
    if "ui" in parts:
        from bench.ui_probe import measure

        result.update(measure(work, str(data["full"]), quick=args.quick))
    result["bench_seconds"] = round(time.monotonic() - started, 1)
    for key, value in result.items():
        print(f"{key:>24}: {value:.3f}" if isinstance(value, float) else f"{key:>24}: {value}",
              file=sys.stderr)
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
