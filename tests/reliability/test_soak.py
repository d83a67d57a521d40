"""Soak test (not in the default run; ``python -m pytest -m soak``): 50 short runs started,
stopped and resumed while two sessions hammer the tokenization and padding previews for two
minutes. No exception may escape, memory must come back to within 10% of its warmed-up
baseline, and the runs folder must hold exactly the runs that were started."""

from __future__ import annotations

import gc
import threading
import time

import psutil
import pytest

from tests.reliability.conftest import run_folders, wait_for_state, wait_for_step

pytestmark = pytest.mark.soak
RUNS = 50
HAMMER_S = 120


def rss_mb() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


def test_fifty_runs_and_two_hammering_sessions(app, tiny):
    studio = app.studio
    errors: list[BaseException] = []
    started: list[str] = []

    def cycle(n: int) -> None:
        session = app.new_session()
        session.call("start", checkpoint=tiny, max_steps=60, batch_size=8, max_length=32,
                     save_strategy="steps", save_steps=5, output_name=f"soak-{n}")
        run_id = studio.runner.active_run_id()
        started.append(run_id)
        wait_for_step(studio, run_id, 3)
        session.call("stop")
        wait_for_state(studio, run_id, ("stopped",))
        session.call("resume")
        assert wait_for_state(studio, run_id, ("finished",)) == "finished"

    cycle(-1)  # warm-up: caches, first model load, first compile of everything
    for name in list(run_folders(studio.store.root)):
        studio.delete(name)
    started.clear()
    baseline = rss_mb()
    stop_hammer = threading.Event()
    calls = {"n": 0}

    def hammer() -> None:
        session = app.new_session()
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
    assert errors == []
    assert calls["n"] > 100
    assert run_folders(studio.store.root) == set(started) and len(started) == RUNS
    for run_id in started:
        handle = studio.run(run_id)
        assert handle.status()["state"] == "finished"
        assert not list(handle.folder.rglob("*.tmp"))
    assert rss_mb() <= baseline * 1.10, (rss_mb(), baseline)
