"""The shipped examples, run exactly as the README says, on the real built-in MiniLM-L6.

These are the issue's acceptance runs, so they run in CI (about 4 minutes together): the
sentiment example must reach >= 0.85 test accuracy, the masked-LM example must lower held-out
perplexity.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_example(name: str, runs: Path) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "FTS_RUNS_DIR": str(runs)}
    out = subprocess.run([sys.executable, "-m", "engine.train", "--config",
                          f"examples/{name}.json"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    print(name, json.dumps(summary["metrics"], indent=1))  # shown with -s / on failure
    return summary


def test_sentiment_example_reaches_85_percent(tmp_path):
    summary = run_example("sentiment", tmp_path)
    assert summary["status"] == "finished"
    assert summary["metrics"]["test"]["accuracy"] >= 0.85


def test_mlm_example_lowers_held_out_perplexity(tmp_path):
    summary = run_example("mlm", tmp_path)
    metrics = summary["metrics"]
    assert metrics["test"]["perplexity"] < metrics["test_before"]["perplexity"] / 10
