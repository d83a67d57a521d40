"""Fixtures for the reliability suite: studios and live apps in local and public mode."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from engine.policy import Policy


@pytest.fixture
def public_policy() -> Policy:
    return Policy(public=True, max_train_rows=400, max_steps=500, max_wall_s=None,
                  max_model_gb=0.5, runs_budget_mb=None, step_timeout_s=900)


@pytest.fixture
def public_app(tmp_path_factory, public_policy):
    """A launched app in public mode (ownership, queue, quotas)."""
    from engine.studio import Studio
    from tests.apptools import launch

    studio = Studio(root=tmp_path_factory.mktemp("public-runs"), policy=public_policy)
    live = launch(studio)
    yield live
    run_id = studio.runner.active_run_id()
    if run_id:
        studio.runner.stop(run_id, studio.run(run_id).status().get("owner"))
    live.demo.close()


def wait_for_state(studio, run_id: str, states: tuple[str, ...], timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = studio.run(run_id).status().get("state")
        if state in states and studio.runner.active_run_id() != run_id:
            return str(state)
        time.sleep(0.05)
    raise AssertionError(f"{run_id} never reached {states}: {studio.run(run_id).status()}")


def _wait_for_latest(studio, run_id: str, kind: str, reached, what: str,
                     timeout: float) -> None:
    """Poll the run's newest ``kind`` event until ``reached(event.data)``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        event = studio.runner.log_of(run_id).latest.get(kind)
        if event and reached(event.data):
            return
        time.sleep(0.02)
    raise AssertionError(f"{run_id} never reached {what}")


def wait_for_step(studio, run_id: str, step: int, timeout: float = 120) -> None:
    _wait_for_latest(studio, run_id, "progress", lambda data: data["step"] >= step,
                     f"step {step}", timeout)


def wait_for_phase(studio, run_id: str, phase: str, timeout: float = 120) -> None:
    _wait_for_latest(studio, run_id, "phase", lambda data: data["phase"] == phase,
                     f"the {phase!r} phase", timeout)


def run_folders(root: Path) -> set[str]:
    return {p.name for p in root.iterdir() if (p / "run_config.json").is_file()}
