"""Plan §6b, fault injection (cases 32-42): whatever breaks, the run ends in a clear state
(stopped, failed with a reason, or interrupted and resumable from its last *complete*
checkpoint) and the next run starts cleanly. Faults come in through seams: the model factory,
the data loader, the disk-space function and the policy."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from engine.modeling.checkpoints import load_model
from engine.policy import Policy
from engine.studio import Studio
from engine.training.runs import COMPLETE_MARKER, RunStore
from tests.fakehub import child
from tests.reliability.conftest import wait_for_phase, wait_for_state, wait_for_step

ROOT = Path(__file__).resolve().parents[2]


def factory_with(on_forward):
    """The real model; ``on_forward(module, output, n_train, n_eval)`` runs after each forward."""
    def factory(task, ref, labels):
        model = load_model(task, ref, labels)
        counts = {"train": 0, "eval": 0}

        def hook(module, args, output):
            counts["train" if module.training else "eval"] += 1
            return on_forward(module, output, counts["train"], counts["eval"])

        model.register_forward_hook(hook)
        return model
    return factory


def cli(args: list[str], runs: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "engine.train", *args], cwd=ROOT,
                            env={**os.environ, "FTS_RUNS_DIR": str(runs)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_case_32_kill_9_during_checkpoint_writes_then_resume_matches_a_clean_run(
        tmp_path, tiny_checkpoint):
    settings = {"checkpoint": tiny_checkpoint, "dataset": "sentiment", "max_steps": 120,
                "batch_size": 8, "max_length": 64, "save_strategy": "steps", "save_steps": 1,
                "save_total_limit": 3, "eval_strategy": "steps", "eval_steps": 120,
                "learning_rate": 1e-3}
    config = tmp_path / "run.json"
    config.write_text(json.dumps(settings))
    clean = cli(["--config", str(config)], tmp_path / "clean")
    reference = json.loads(clean.communicate(timeout=300)[0].strip().splitlines()[-1])
    runs = tmp_path / "killed"
    rng = random.Random(7)
    proc = cli(["--config", str(config)], runs)
    while not list(runs.glob("*/checkpoints/checkpoint-*/" + COMPLETE_MARKER)):
        time.sleep(0.01)
    time.sleep(rng.uniform(0.05, 0.6))  # saving every step: most moments are mid-write
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    run_dir = next(runs.glob("*-*"))
    studio = Studio(root=runs)
    assert studio.runner.interrupted == [run_dir.name]
    resumed = cli(["--resume", str(run_dir)], runs)
    summary = json.loads(resumed.communicate(timeout=300)[0].strip().splitlines()[-1])
    assert summary["status"] == "finished"
    for folder in (run_dir / "checkpoints").glob("checkpoint-*"):
        assert (folder / COMPLETE_MARKER).is_file()  # torn ones were removed, never resumed
    ours, theirs = summary["metrics"]["validation"], reference["metrics"]["validation"]
    assert abs(ours["loss"] - theirs["loss"]) < 0.05
    assert abs(ours["accuracy"] - theirs["accuracy"]) <= 0.05


def test_case_33_a_torn_checkpoint_is_ignored_and_removed(runs_dir, tiny_cfg):
    studio = Studio(root=runs_dir)
    holder = {}

    def stop_at_6(module, output, n, _):
        if n == 6 and not holder.get("done"):
            holder["done"] = True
            studio.stop()
        return output

    studio.runner.model_factory = factory_with(stop_at_6)
    run_id = studio.start(tiny_cfg(max_steps=20, save_steps=100))
    wait_for_state(studio, run_id, ("stopped",))
    handle = studio.run(run_id)
    torn = handle.checkpoints_dir / "checkpoint-9"  # what kill -9 mid-save leaves behind
    torn.mkdir()
    (torn / "model.safetensors").write_bytes(b"\x00" * 100)
    handle.update_status(state="running", process="999999:1.000")
    restarted = Studio(root=runs_dir)
    assert restarted.runner.interrupted == [run_id]
    assert handle.last_checkpoint().name == "checkpoint-6"
    restarted.resume(run_id)
    assert not torn.exists()
    assert wait_for_state(restarted, run_id, ("finished",)) == "finished"
    resumed_from = [e.data.get("resumed_from") for e in restarted.events_since(run_id)
                    if e.kind == "status" and e.data.get("resumed_from")]
    assert resumed_from == ["checkpoint-6"]


def test_case_34_stop_while_data_loads_or_during_a_step(runs_dir, tiny_cfg):
    """Stop during a push does not apply: publishing is a single upload started by the user,
    not part of a training run, and it either completes or fails with a message. The thread
    is held as it enters "loading data" (the phase seam) until Stop is pressed."""
    studio = Studio(root=runs_dir)
    studio.runner.phase_hook = lambda phase, stop: stop.wait() if phase == "loading data" \
        else None
    first = studio.start(tiny_cfg())
    wait_for_phase(studio, first, "loading data")
    assert studio.stop(first)
    assert wait_for_state(studio, first, ("stopped",)) == "stopped"
    studio.runner.phase_hook = None
    second = studio.start(tiny_cfg(max_steps=2000, save_steps=100_000))
    wait_for_step(studio, second, 3)
    studio.stop(second)
    assert wait_for_state(studio, second, ("stopped",)) == "stopped"
    step = studio.run(second).status()["step"]
    assert studio.run(second).last_checkpoint().name == f"checkpoint-{step}"


def test_case_34a_stop_while_tokenizing(runs_dir, tiny_cfg):
    """The run is held inside the tokenizing phase (the runner's phase seam) until Stop is
    pressed, so the stop lands there every time, however fast the machine."""
    studio = Studio(root=runs_dir)
    studio.runner.phase_hook = lambda phase, stop: stop.wait() if phase == "tokenizing" else None
    run_id = studio.start(tiny_cfg())
    wait_for_phase(studio, run_id, "tokenizing")
    assert studio.stop(run_id)
    assert wait_for_state(studio, run_id, ("stopped",)) == "stopped"
    events = studio.events_since(run_id)
    assert not any(e.kind == "progress" for e in events)
    assert events[-1].data["message"] == "Stopped before training began."


def test_case_34b_stop_during_evaluation_skips_the_rest_of_it(runs_dir, tiny_cfg):
    studio = Studio(root=runs_dir)
    seen = {}

    def stop_in_eval(module, output, n_train, n_eval):
        if n_eval == 1:
            studio.stop()
        seen["eval"] = n_eval
        return output

    studio.runner.model_factory = factory_with(stop_in_eval)
    run_id = studio.start(tiny_cfg(max_steps=50, eval_steps=4, batch_size=4,
                                   validation_fraction=0.5, max_rows=400))
    assert wait_for_state(studio, run_id, ("stopped",)) == "stopped"
    assert seen["eval"] <= 2  # 200 validation rows = 7 batches: the rest was skipped
    handle = studio.run(run_id)
    assert handle.last_checkpoint() is not None
    assert handle.status()["step"] <= 5


def test_case_34c_stop_during_a_save_keeps_that_checkpoint(runs_dir, tiny_cfg):
    holder = {}

    def disk_free(path: Path) -> int:
        holder["studio"].stop()  # Stop arrives as the first checkpoint (step 8) is written
        return 10**12

    studio = Studio(root=runs_dir, disk_free=disk_free)
    holder["studio"] = studio
    # the last model, so checkpoints keep their own cadence (keeping the best would save at
    # every validation instead: recipe.checkpoint_cadence)
    run_id = studio.start(tiny_cfg(max_steps=60, save_steps=8, best_model_metric="last"))
    assert wait_for_state(studio, run_id, ("stopped",)) == "stopped"
    handle = studio.run(run_id)
    assert handle.status()["step"] == 9  # the save finished, then one more step, then stop
    assert [c.name for c in handle.complete_checkpoints()] == ["checkpoint-8", "checkpoint-9"]


def test_case_35_an_exception_at_step_3_fails_clearly_and_the_next_run_is_clean(runs_dir,
                                                                               tiny_cfg):
    def oom(module, output, n, _):
        if n == 3:
            raise RuntimeError("CUDA out of memory. Tried to allocate 9 GiB")
        return output

    studio = Studio(root=runs_dir, model_factory=factory_with(oom))
    run_id = studio.start(tiny_cfg())
    assert wait_for_state(studio, run_id, ("failed",)) == "failed"
    assert "Lower the batch size or the max length" in studio.run(run_id).status()["message"]
    studio.runner.model_factory = load_model
    assert wait_for_state(studio, studio.start(tiny_cfg()), ("finished",)) == "finished"


def test_case_36_nan_loss_stops_with_a_diverged_message(runs_dir, tiny_cfg):
    def nan(module, output, n, _):
        if n >= 2:
            output.loss = output.loss * float("nan")
        return output

    studio = Studio(root=runs_dir, model_factory=factory_with(nan))
    run_id = studio.start(tiny_cfg(logging_steps=1))
    assert wait_for_state(studio, run_id, ("failed",)) == "failed"
    status = studio.run(run_id).status()
    assert status["kind"] == "diverged" and "Lower the learning rate" in status["message"]


def test_case_37_a_hung_step_is_caught_by_the_watchdog(runs_dir, tiny_cfg):
    release = threading.Event()

    def hang(module, output, n, _):
        if n == 3:
            release.wait(30)  # a step that never finishes (until the test lets it go)
        return output

    studio = Studio(root=runs_dir, model_factory=factory_with(hang),
                    policy=Policy(step_timeout_s=1.0))
    run_id = studio.start(tiny_cfg(max_steps=20))
    assert wait_for_state(studio, run_id, ("failed",), timeout=30) == "failed"  # before release
    status = studio.run(run_id).status()
    assert status["kind"] == "hung" and "stopped responding" in status["message"]
    studio.runner.model_factory = load_model
    second = studio.start(tiny_cfg(max_steps=4))  # the slot is free while the zombie sleeps
    assert wait_for_state(studio, second, ("finished",)) == "finished"
    release.set()
    time.sleep(1.0)
    assert studio.run(run_id).status()["kind"] == "hung"  # the zombie did not overwrite it


def test_case_38_the_wall_clock_limit_stops_with_a_checkpoint(runs_dir, tiny_cfg):
    studio = Studio(root=runs_dir, policy=Policy(max_wall_s=2.0))
    run_id = studio.start(tiny_cfg(max_steps=100_000, save_steps=100_000))
    assert wait_for_state(studio, run_id, ("stopped",), timeout=60) == "stopped"
    status = studio.run(run_id).status()
    assert status["reason"] == "time_limit" and "2 seconds per run" in status["message"]
    assert studio.run(run_id).last_checkpoint() is not None


def test_case_39_a_nearly_full_disk_fails_before_writing_anything(runs_dir, tiny_cfg):
    space = {"calls": 0, "full": True}

    def disk_free(path: Path) -> int:
        space["calls"] += 1  # asked before each save: the first fits, then 10 kB are left
        return 10**12 if space["calls"] == 1 or not space["full"] else 10 * 1024

    studio = Studio(root=runs_dir, disk_free=disk_free)
    run_id = studio.start(tiny_cfg(max_steps=30, save_steps=10, best_model_metric="last"))
    assert wait_for_state(studio, run_id, ("failed",)) == "failed"
    handle = studio.run(run_id)
    assert handle.status()["kind"] == "disk_full"
    assert "Not enough free disk space" in handle.status()["message"]
    assert [p.name for p in handle.checkpoints_dir.iterdir()] == ["checkpoint-10"]
    space["full"] = False
    studio.resume(run_id)
    assert wait_for_state(studio, run_id, ("finished",)) == "finished"


def test_case_40_a_download_that_breaks_off_is_explained(fake_hub, tmp_path):
    _, endpoint = fake_hub
    out = child(endpoint, tmp_path, """
        import json
        from engine import RunConfig
        from engine.studio import Studio
        studio = Studio.from_env(__import__("os").environ)
        run_id = studio.start(RunConfig(checkpoint="acme/flaky-bert", max_steps=2,
                                        batch_size=8, max_length=32))
        state = studio.runner.wait(run_id, 120)
        print(json.dumps({"state": state, "status": studio.run(run_id).status()}))
    """)
    assert out["state"] == "failed"
    message = out["status"]["message"]
    assert "acme/flaky-bert" in message and ("download" in message or "network" in message)


def test_case_41_a_restart_marks_dead_runs_interrupted(runs_dir, tiny_cfg):
    store = RunStore(runs_dir)
    dead = store.create(tiny_cfg())
    dead.update_status(state="running", process="999999:1.000")
    studio = Studio(root=runs_dir)
    assert studio.runner.interrupted == [dead.run_id]
    assert dead.status()["state"] == "interrupted"
    assert "last complete checkpoint" in dead.status()["message"]


def test_case_42_the_cleaner_keeps_the_runs_folder_under_budget(runs_dir, tiny_cfg):
    studio = Studio(root=runs_dir, policy=Policy(runs_budget_mb=1.5))
    finished = []
    for n in range(3):
        run_id = studio.start(tiny_cfg(max_steps=2, save_steps=100, output_name=f"keep-{n}"))
        wait_for_state(studio, run_id, ("finished",))
        finished.append(run_id)
    remaining = {h.run_id for h in studio.runs()}
    size_mb = sum(f.stat().st_size for f in runs_dir.rglob("*") if f.is_file()) / 2**20
    assert finished[-1] in remaining and finished[0] not in remaining
    assert size_mb <= 1.5 + 1.0  # the newest run may sit above the budget on its own
    from ui.app import build_app

    assert build_app(studio).delete_cache == (3600, 86400)  # Gradio's upload cache is cleaned
