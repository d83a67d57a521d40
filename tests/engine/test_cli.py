"""``python -m engine.train``: the last stdout line is JSON; kill -9 then restart resumes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def cli(args: list[str], runs: Path, **kwargs):
    env = {**os.environ, "FTS_RUNS_DIR": str(runs)}
    return subprocess.Popen([sys.executable, "-m", "engine.train", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def write_config(tmp_path: Path, **settings) -> Path:
    path = tmp_path / "run.json"
    path.write_text(json.dumps(settings))
    return path


def last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def test_cli_runs_and_prints_a_json_summary_last(tmp_path, tiny_checkpoint):
    config = write_config(tmp_path, checkpoint=tiny_checkpoint, dataset="paraphrase",
                          max_steps=6, batch_size=8, max_length=64, output_name="cli-run")
    proc = cli(["--config", str(config), "--learning-rate", "0.002"], tmp_path / "runs")
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    summary = last_json(out)
    assert summary["status"] == "finished"
    assert Path(summary["run_dir"]).name.startswith("cli-run-")
    assert "accuracy" in summary["metrics"]["test"]
    saved = json.loads((Path(summary["run_dir"]) / "run_config.json").read_text())
    assert saved["learning_rate"] == 0.002 and saved["dataset"] == "paraphrase"
    assert "step 6/6" in err  # the progress line


def test_cli_rejects_a_bad_config_with_exit_2(tmp_path):
    config = write_config(tmp_path, learning_rate=7)
    proc = cli(["--config", str(config)], tmp_path / "runs")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "Learning rate must be between" in last_json(out)["error"]


def test_kill_9_mid_run_then_restart_marks_interrupted_and_resume_completes(tmp_path,
                                                                              tiny_checkpoint):
    runs = tmp_path / "runs"
    config = write_config(tmp_path, checkpoint=tiny_checkpoint, dataset="sentiment",
                          max_steps=400, batch_size=8, max_length=64, save_strategy="steps",
                          save_steps=10, eval_strategy="steps", eval_steps=200,
                          output_name="killed")
    proc = cli(["--config", str(config)], runs)
    deadline = time.monotonic() + 120
    marker = None
    while time.monotonic() < deadline and marker is None:
        marker = next(runs.glob("killed-*/checkpoints/checkpoint-*/.complete"), None)
        time.sleep(0.05)
    assert marker is not None, "no checkpoint before the deadline"
    os.kill(proc.pid, signal.SIGKILL)  # no clean-up code runs
    proc.communicate(timeout=30)
    run_dir = next(runs.glob("killed-*"))
    assert json.loads((run_dir / "status.json").read_text())["state"] in ("running", "preparing")

    from engine.studio import Studio

    studio = Studio(root=runs)  # "start-up": the dead run is found
    assert studio.runner.interrupted == [run_dir.name]
    assert studio.run(run_dir.name).status()["state"] == "interrupted"
    resumed = cli(["--resume", str(run_dir)], runs)
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    assert last_json(out)["status"] == "finished"
    status = json.loads((run_dir / "status.json").read_text())
    assert status["step"] == 400
    events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    resumed_from = [e["data"]["resumed_from"] for e in events
                    if e["kind"] == "status" and e["data"].get("resumed_from")]
    assert resumed_from and resumed_from[0].startswith("checkpoint-")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_stops_after_a_step_with_a_checkpoint(tmp_path, tiny_checkpoint, signum):
    runs = tmp_path / "runs"
    config = write_config(tmp_path, checkpoint=tiny_checkpoint, dataset="sentiment",
                          max_steps=5000, batch_size=8, max_length=64, output_name="ctrlc")
    proc = cli(["--config", str(config)], runs)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = next(runs.glob("ctrlc-*/status.json"), None)
        if status and json.loads(status.read_text()).get("state") == "running":
            break
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 3, err
    summary = last_json(out)
    assert summary["status"] == "stopped" and "Resume continues from checkpoint-" in \
        summary["message"]
