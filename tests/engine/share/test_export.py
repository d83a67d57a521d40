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

ROOT = Path(__file__).resolve().parents[3]


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
    assert run["attention_dropout_off"] is True  # the CPU default
    assert (folder / "dropout.py").exists()
    rows = (folder / "data" / "test.jsonl").read_text().splitlines()
    assert len(rows) == handle.data_report()["rows"]["test"]


def test_the_exported_training_arguments_are_the_studios(finished):
    """The scripts do ``TrainingArguments(output_dir=..., use_cpu=..., **run["training_args"])``;
    built that way, they equal the arguments the studio's Trainer really had."""
    from transformers import TrainingArguments

    handle, exports = finished
    studio_args = json.loads((handle.folder / "training_args.json").read_text())
    for style in ("trainer", "accelerate"):
        run = json.loads((exports[style][0] / "run.json").read_text())
        rebuilt = TrainingArguments(output_dir=studio_args["output_dir"], use_cpu=True,
                                    **run["training_args"]).to_dict()
        assert json.loads(json.dumps(rebuilt, default=str)) == studio_args, style
        assert run["collator"] == handle.metrics()["facts"]["collator"]
    assert run["collator"]["padding"] == "longest"  # the default: dynamic padding
    shared = (exports["trainer"][0] / "run_files.py").read_text()
    assert 'TrainingArguments(output_dir=str(HERE / "output")' in shared
    for name in ("train.py", "run_files.py"):  # no mapping restated in the templates
        assert "learning_rate=" not in (exports["trainer"][0] / name).read_text()


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
    assert abs(result["accuracy"] - handle.metrics()["test"]["accuracy"]) <= 0.05
    launcher = Path(sys.executable).with_name("accelerate")
    two = run_script([str(launcher), "launch", "--multi_gpu", "--num_processes", "2",
                      "train.py"], folder, outside_env(tmp_path))
    assert two["processes"] == 2 and two["backend"] == "gloo", two
    assert abs(two["accuracy"] - result["accuracy"]) <= 0.05, (two, result)


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


def tiny_run_and_export(tmp_path: Path, tiny_dir: Path, style: str, **changes) -> tuple:
    """A short run on the tiny model, exported in ``style``: (studio metrics, export folder)."""
    root = tmp_path / "runs"
    studio = Studio(root=root)
    cfg = dict(checkpoint=f"local:{tiny_dir}", max_steps=16, batch_size=8, max_length=64,
               learning_rate=1e-3, precision="fp32", eval_strategy="steps", eval_steps=8,
               save_strategy="steps", save_steps=8)
    run_id = studio.start(RunConfig(**{**cfg, **changes}))
    assert wait_for_state(studio, run_id, ("finished",), timeout=600) == "finished"
    out = tmp_path / f"export-{style}"
    result = subprocess.run([sys.executable, "-m", "engine.export", str(root / run_id), str(out),
                             "--style", style], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    return studio.run(run_id).metrics(), out


@pytest.mark.parametrize("style", ["trainer", "accelerate"])
@pytest.mark.parametrize("task, dataset, score", [("multilabel", "topics", "f1_micro"),
                                                  ("regression", "ratings", "mse")])
def test_multilabel_and_regression_runs_export_and_reproduce(tiny_dir, tmp_path, style, task,
                                                             dataset, score):
    """The scripts read the task from run.json: the head (problem type), the labels as lists
    or numbers, the scores; the regression head starts at the run's mean score. The Trainer
    script repeats the run's numbers; the Accelerate loop draws its random numbers in another
    order, and a tiny model's answers sit on the 0.5 threshold, so there the scores are checked
    for kind, not value (its numbers are compared on the real model above)."""
    metrics, out = tiny_run_and_export(tmp_path, tiny_dir, style, task=task, dataset=dataset)
    run = json.loads((out / "run.json").read_text())
    assert run["label_mean"] == metrics["facts"]["label_mean"]
    result = run_script([sys.executable, "train.py"], out, outside_env(tmp_path))
    studio_score = metrics["test"][score]
    assert result["split"] == "test" and set(metrics["test"]) - {"per_class"} <= set(result)
    if style == "trainer":
        assert abs(result[score] - studio_score) <= 0.05 * max(1.0, abs(studio_score)), (
            result, studio_score)
    config = json.loads((out / "output" / "model" / "config.json").read_text())
    assert config["problem_type"] == {"multilabel": "multi_label_classification",
                                      "regression": "regression"}[task]


@pytest.mark.parametrize("style", ["trainer", "accelerate"])
def test_class_weights_and_early_stopping_travel_with_the_export(tiny_dir, tmp_path, style):
    """At a learning rate of 1e-7 macro-F1 never improves on the first validation: the studio
    and the script both stop early and keep that first checkpoint's model."""
    metrics, out = tiny_run_and_export(
        tmp_path, tiny_dir, style, dataset="support-imbalanced", class_weighting="balanced",
        learning_rate=1e-7, max_steps=64, eval_steps=4, save_steps=4, early_stopping_patience=2)
    run = json.loads((out / "run.json").read_text())
    assert run["class_weights"] == metrics["facts"]["class_weights"]
    assert metrics["facts"]["best_step"] == 4
    result = run_script([sys.executable, "train.py"], out, outside_env(tmp_path))
    assert abs(result["accuracy"] - metrics["test"]["accuracy"]) <= 0.02, (result, metrics)
    if style == "trainer":
        state = json.loads(max((out / "output").glob("checkpoint-*/trainer_state.json"),
                               key=lambda p: int(p.parent.name.split("-")[1])).read_text())
        assert state["global_step"] == 12 and state["best_global_step"] == 4
