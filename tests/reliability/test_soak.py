"""Soak test (not in the default run; ``python -m pytest -m soak -s``): 50 short runs started,
stopped and resumed while two sessions hammer the tokenization and padding previews for two
minutes. No exception may escape, the server's memory must come back to within 10% of its
warmed-up baseline, and the runs folder must hold exactly the runs that were started.

The app runs as its own process (``python app.py``, as a user starts it) and is driven through
its HTTP API only, so the memory measured is the server's alone: API clients kept in the test's
own process grew it by about 1 MB per client session and would be counted as the app's leak.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from engine.training.runs import RunStore
from tests.apptools import App, free_port
from tests.reliability.conftest import run_folders

pytestmark = pytest.mark.soak
RUNS = 50
HAMMER_S = 120
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server(tmp_path: Path):
    """``python app.py`` on a free port with its own runs folder: (process, url, runs root)."""
    root, port = tmp_path / "runs", free_port()
    env = {**os.environ, "FTS_RUNS_DIR": str(root), "PORT": str(port)}
    with open(tmp_path / "server.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("the app did not start:\n" + (tmp_path / "server.log").read_text())
            time.sleep(0.5)
    yield proc, url, root
    proc.terminate()
    proc.wait(30)


def server_rss_mb(proc: subprocess.Popen) -> float:
    return psutil.Process(proc.pid).memory_info().rss / 2**20


def wait_for(condition, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_fifty_runs_and_two_hammering_sessions(server, tiny, tmp_path):
    from engine.studio import Studio
    from ui.app import build_app

    proc, url, root = server
    demo = build_app(Studio(root=tmp_path / "shadow"))  # maps API arguments; never launched
    store = RunStore(root)
    errors: list[BaseException] = []
    started: list[str] = []

    def run_named(prefix: str) -> str | None:
        return next((name for name in run_folders(root) if name.startswith(prefix)), None)

    def state(run_id: str) -> str:
        return str(store.get(run_id).status().get("state"))

    def last_step(run_id: str) -> int:
        progress = store.get(run_id).events().latest.get("progress")
        return int(progress.data["step"]) if progress else 0

    def cycle(n: int) -> None:
        session = App(demo, url, None)
        session.call("start", checkpoint=tiny, max_steps=60, batch_size=8, max_length=32,
                     save_strategy="steps", save_steps=5, output_name=f"soak-{n}")
        wait_for(lambda: run_named(f"soak-{n}-") is not None, f"run soak-{n} to appear")
        run_id = str(run_named(f"soak-{n}-"))
        started.append(run_id)
        wait_for(lambda: last_step(run_id) >= 3, f"{run_id} to reach step 3")
        session.call("stop")
        wait_for(lambda: state(run_id) == "stopped", f"{run_id} to stop")
        session.call("resume")
        wait_for(lambda: state(run_id) in ("finished", "failed"), f"{run_id} to finish")
        assert state(run_id) == "finished", store.get(run_id).status()

    cycle(-1)  # warm-up: first model load, imports, caches
    baseline = server_rss_mb(proc)
    started.clear()
    stop_hammer = threading.Event()
    calls = {"n": 0}

    def hammer() -> None:
        session = App(demo, url, None)
        try:
            while not stop_hammer.is_set():
                session.call("tokens", sentence="Soak testing the previews, again.",
                             sentence2="", checkpoint=tiny, max_length=32)
                session.call("batch", checkpoint=tiny, max_length=32, batch_size=8)
                calls["n"] += 2
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    hammers = [threading.Thread(target=hammer) for _ in range(2)]
    for thread in hammers:
        thread.start()
    began = time.monotonic()
    try:
        for n in range(RUNS):
            cycle(n)
        while time.monotonic() - began < HAMMER_S:
            time.sleep(1)
    except BaseException as exc:  # noqa: BLE001
        errors.append(exc)
    finally:
        stop_hammer.set()
        for thread in hammers:
            thread.join(60)
    log = (tmp_path / "server.log").read_text(errors="replace")
    assert errors == []
    assert proc.poll() is None and "Traceback" not in log, log[-3000:]
    assert calls["n"] > 100
    warm_up = run_named("soak--1-")
    assert run_folders(root) == set(started) | {warm_up} and len(started) == RUNS
    for run_id in started:
        assert state(run_id) == "finished"
        assert not list(store.get(run_id).folder.rglob("*.tmp"))
    final = server_rss_mb(proc)
    print(f"\nsoak: {RUNS} runs, {calls['n']} preview calls in {time.monotonic() - began:.0f} s;"
          f" server RSS {baseline:.0f} MB after warm-up, {final:.0f} MB at the end "
          f"({100 * (final / baseline - 1):+.1f}%)")
    assert final <= baseline * 1.10, (final, baseline)
