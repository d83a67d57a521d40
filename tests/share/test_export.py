"""The standalone export: ``python -m engine.export`` writes a script that runs without the
studio, reproduces the run's test accuracy within 0.02, and runs under
``accelerate launch --multi_gpu --num_processes 2`` (two CPU processes, gloo) to the
single-process result. (``--cpu`` makes accelerate 1.15 start one process unless mpirun is set
up, so the two-process CPU route is torchrun's, which the scripts steer to gloo.)"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.config import RunConfig
from engine.studio import Studio
from tests.reliability.conftest import wait_for_state

ROOT = Path(__file__).resolve().parents[2]


def outside_env(tmp: Path) -> dict[str, str]:
    """No PYTHONPATH, a fresh cache: the studio's code cannot be imported from here."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FTS_RUNS_DIR")}
    env.update({"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp / "hf-export")})
    return env


def run_script(args: list[str], folder: Path, env: dict[str, str]) -> dict:
    out = subprocess.run(args, cwd=folder, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A short run on the built-in MiniLM and sentiment sample, and its exports."""
    root = tmp_path_factory.mktemp("export-runs")
    studio = Studio(root=root)
    run_id = studio.start(RunConfig(max_steps=60, eval_strategy="steps", eval_steps=60,
                                    save_strategy="steps", save_steps=60))
    assert wait_for_state(studio, run_id, ("finished",), timeout=600) == "finished"
    exports = {}
    for style in ("trainer", "accelerate"):
        out = root.parent / f"export-{style}"
        result = subprocess.run([sys.executable, "-m", "engine.export", str(root / run_id),
                                 str(out), "--style", style], cwd=ROOT, capture_output=True,
                                text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        exports[style] = (out, json.loads(result.stdout.strip().splitlines()[-1]))
    return studio.run(run_id), exports


def test_the_export_holds_a_script_its_settings_data_and_requirements(finished):
    handle, exports = finished
    folder, listing = exports["trainer"]
    assert {"train.py", "run.json", "requirements.txt", "data/train.jsonl",
            "data/validation.jsonl", "data/test.jsonl"} <= set(listing["files"])
    tree = ast.parse((folder / "train.py").read_text())
    imported = {n.names[0].name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree)
                 if isinstance(n, ast.ImportFrom) and n.module}
    assert "engine" not in imported and "ui" not in imported
    assert "torch==2.13.0" in (folder / "requirements.txt").read_text()
    run = json.loads((folder / "run.json").read_text())
    assert run["config"] == handle.config.to_dict() and run["labels"] == ["negative", "positive"]
    assert run["freeze_word_embeddings"] is handle.metrics()["facts"]["word_embeddings_frozen"]
    assert run["freeze_word_embeddings"] is True  # the classification default
    rows = (folder / "data" / "test.jsonl").read_text().splitlines()
    assert len(rows) == handle.data_report()["rows"]["test"]


def test_the_script_reproduces_the_run_without_the_studio(finished, tmp_path):
    handle, exports = finished
    folder = exports["trainer"][0]
    env = outside_env(tmp_path)
    probe = subprocess.run([sys.executable, "-c", "import engine"], cwd=folder, env=env,
                           capture_output=True, text=True)
    assert probe.returncode != 0 and "No module named 'engine'" in probe.stderr
    result = run_script([sys.executable, "train.py"], folder, env)
    studio_accuracy = handle.metrics()["test"]["accuracy"]
    assert result["split"] == "test" and result["processes"] == 1
    assert abs(result["accuracy"] - studio_accuracy) <= 0.02, (result, studio_accuracy)


def test_the_same_script_under_accelerate_launch_on_two_processes(finished, tmp_path):
    handle, exports = finished
    folder = exports["trainer"][0]
    env = outside_env(tmp_path)
    single = handle.metrics()["test"]["accuracy"]
    launcher = Path(sys.executable).with_name("accelerate")
    result = run_script([str(launcher), "launch", "--multi_gpu", "--num_processes", "2",
                         "train.py"], folder, env)
    assert result["processes"] == 2 and result["backend"] == "gloo", result
    assert abs(result["accuracy"] - single) <= 0.05, (result, single)


def test_the_accelerate_loop_export_trains_too(finished, tmp_path):
    handle, exports = finished
    folder = exports["accelerate"][0]
    result = run_script([sys.executable, "train.py"], folder, outside_env(tmp_path))
    assert result["split"] == "test" and result["accuracy"] >= 0.7


def test_the_masked_lm_export_trains_with_the_sparse_head_and_saves_a_fill_mask_model(
        tiny_dir, tmp_path):
    """The MLM script imports ``sparse_mlm.py`` from its own folder: it must be there, run
    without the studio, lower perplexity, and save a model that ``fill-mask`` loads."""
    root = tmp_path / "runs"
    studio = Studio(root=root)
    run_id = studio.start(RunConfig(task="mlm", dataset="corpus", checkpoint=f"local:{tiny_dir}",
                                    max_steps=20, batch_size=8, max_length=64,
                                    learning_rate=1e-3, precision="fp32"))
    assert wait_for_state(studio, run_id, ("finished",), timeout=600) == "finished"
    out = tmp_path / "export-mlm"
    result = subprocess.run([sys.executable, "-m", "engine.export", str(root / run_id), str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (out / "sparse_mlm.py").exists()
    metrics = run_script([sys.executable, "train.py"], out, outside_env(tmp_path))
    before = studio.run(run_id).metrics()["test_before"]["perplexity"]
    assert metrics["split"] == "test" and metrics["perplexity"] < before, (metrics, before)
    probe = ("from transformers import pipeline; f = pipeline('fill-mask', model='output/model', "
             "device='cpu'); print(len(f('the garden [MASK] green')))")
    shown = subprocess.run([sys.executable, "-c", probe], cwd=out, env=outside_env(tmp_path),
                           capture_output=True, text=True, timeout=300)
    assert shown.returncode == 0 and shown.stdout.strip().splitlines()[-1] == "5", shown.stderr
