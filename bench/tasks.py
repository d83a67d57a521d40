"""Quality of the labelled tasks on the built-in samples, with the studio's defaults.

    HF_HUB_OFFLINE=1 python bench/tasks.py [--only imbalance|multilabel|regression]
                                           [--seeds 42,43,44] [--epochs 3]

* ``imbalance``: the support-imbalanced sample (98/60/30/16/10 training rows per class, a
  balanced test split) trained with ``class_weighting`` none and balanced, each pair from the
  same seed; reported: test macro-F1 and the rarest class's recall per arm, and the median of
  the paired macro-F1 differences.
* ``multilabel``: the topics sample; test micro-/macro-F1 and exact match.
* ``regression``: the ratings sample; test Pearson, Spearman, MAE.

Every run is a real studio run (built-in MiniLM-L6, the defaults, ``auto`` precision) in a
throw-away runs folder. The last line is one JSON object with the CPU it ran on.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.config import RunConfig  # noqa: E402
from engine.modeling.precision import cpu_facts  # noqa: E402
from engine.studio import Studio  # noqa: E402


def train(studio: Studio, **changes: Any) -> dict[str, Any]:
    started = time.perf_counter()
    run_id = studio.start(RunConfig(**changes))
    state = studio.runner.wait(run_id, 3600)
    if state != "finished":
        raise RuntimeError(f"{run_id} ended {state}: {studio.run(run_id).status()}")
    metrics = studio.run(run_id).metrics()
    return {"test": metrics["test"], "best_step": metrics["facts"].get("best_step"),
            "seconds": round(time.perf_counter() - started, 1)}


def imbalance(studio: Studio, seeds: list[int], epochs: float) -> dict[str, Any]:
    arms: dict[str, list[dict[str, Any]]] = {"none": [], "balanced": []}
    for seed in seeds:
        for weighting in arms:
            out = train(studio, dataset="support-imbalanced", class_weighting=weighting,
                        seed=seed, epochs=epochs)
            per_class = {r["label"]: r for r in out["test"]["per_class"]}
            arms[weighting].append({"seed": seed, "f1_macro": out["test"]["f1_macro"],
                                    "accuracy": out["test"]["accuracy"],
                                    "returns_recall": per_class["returns"]["recall"],
                                    "seconds": out["seconds"]})
    gains = [b["f1_macro"] - n["f1_macro"] for n, b in zip(arms["none"], arms["balanced"],
                                                            strict=True)]
    return {"runs": arms, "f1_macro_gain_median": round(statistics.median(gains), 4),
            "f1_macro_gains": [round(g, 4) for g in gains]}


def single(studio: Studio, dataset: str, task: str, keys: tuple[str, ...], seeds: list[int],
           epochs: float) -> dict[str, Any]:
    runs = []
    for seed in seeds:
        out = train(studio, dataset=dataset, task=task, seed=seed, epochs=epochs)
        runs.append({"seed": seed, **{k: round(out["test"][k], 4) for k in keys},
                     "seconds": out["seconds"]})
    return {"runs": runs, **{f"{k}_median": round(statistics.median(r[k] for r in runs), 4)
                             for k in keys}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append",
                        choices=("imbalance", "multilabel", "regression"))
    parser.add_argument("--seeds", default="42,43,44")
    parser.add_argument("--epochs", type=float, default=RunConfig().epochs)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    parts = args.only or ["imbalance", "multilabel", "regression"]
    studio = Studio(root=Path(tempfile.mkdtemp(prefix="bench-tasks-")))
    out: dict[str, Any] = {"cpu": cpu_facts(), "seeds": seeds, "epochs": args.epochs}
    if "imbalance" in parts:
        out["imbalance"] = imbalance(studio, seeds, args.epochs)
    if "multilabel" in parts:
        out["multilabel"] = single(studio, "topics", "multilabel",
                                   ("f1_micro", "f1_macro", "exact_match"), seeds, args.epochs)
    if "regression" in parts:
        out["regression"] = single(studio, "ratings", "regression",
                                   ("pearson", "spearman", "mae"), seeds, args.epochs)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
