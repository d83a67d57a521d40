"""Plan §6b, concurrency and isolation (cases 26-31), plus the public-mode queue and quotas."""

from __future__ import annotations

import threading
import time

import pytest
from gradio_client.exceptions import AppError

from engine.policy import Policy
from engine.studio import Studio
from tests.reliability.conftest import run_folders, wait_for_state, wait_for_step


def test_case_26_no_child_process_holds_a_token(studio, tiny_cfg, monkeypatch):
    """Adapted: training runs in a thread of the app (design card), so there is no child whose
    environment or command line could carry a token. Checked: no child process is started,
    and a token in the server's environment ends up in no run file."""
    import psutil

    monkeypatch.setenv("HF_TOKEN", "hf_SERVERSECRET0123456789")
    run_id = studio.start(tiny_cfg(max_steps=40))
    wait_for_step(studio, run_id, 2)
    assert psutil.Process().children(recursive=True) == []
    wait_for_state(studio, run_id, ("finished",))
    folder = studio.run(run_id).folder
    for path in folder.rglob("*"):
        if path.is_file():
            assert b"SERVERSECRET" not in path.read_bytes(), path


def test_case_27_two_sessions_starting_within_10_ms_get_exactly_one_run(app, tiny):
    barrier = threading.Barrier(2)
    results: list[object] = []

    def click(session) -> None:
        barrier.wait()
        try:
            results.append(session.call("start", checkpoint=tiny, max_steps=300, batch_size=8,
                                        max_length=32, output_name="race"))
        except AppError as exc:
            results.append(exc)

    sessions = [app.new_session(), app.new_session()]
    args = [s.args("start", checkpoint=tiny) for s in sessions]  # warm the clients first
    assert args[0] == args[1]
    threads = [threading.Thread(target=click, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    errors = [r for r in results if isinstance(r, AppError)]
    assert len(results) == 2 and len(errors) == 1 and "already training" in str(errors[0])
    run_id = app.studio.runner.active_run_id()
    assert [r for r in run_folders(app.studio.store.root) if r.startswith("race-")] == [run_id]
    app.studio.stop(run_id)
    wait_for_state(app.studio, run_id, ("stopped", "finished"))


def test_case_28_the_same_person_cannot_start_twice(public_app):
    me = public_app.new_session()
    me.call("start", max_steps=300, batch_size=8, max_length=32, output_name="twice")
    run_id = public_app.studio.runner.active_run_id()
    with pytest.raises(AppError, match="You already have a run training or waiting"):
        me.call("start", max_steps=5, batch_size=8, max_length=32)
    me.call("stop")
    wait_for_state(public_app.studio, run_id, ("stopped", "finished"))


def test_case_29_others_cannot_watch_or_control_my_run_and_wait_in_a_queue(public_app):
    """Public mode: B cannot see, poll or stop A's run; B's own start waits, with a visible
    queue position, and starts by itself when A's run ends."""
    studio = public_app.studio
    a, b = public_app.new_session(), public_app.new_session()
    a.call("start", max_steps=400, batch_size=8, max_length=32, output_name="alice")
    first = studio.runner.active_run_id()
    wait_for_step(studio, first, 1)
    attached = b.call("attach")  # what B's page shows on load: nothing of A's
    assert first not in str(attached)
    out = b.call("start", max_steps=3, batch_size=8, max_length=32, output_name="bob")
    second = next(r for r in run_folders(studio.store.root) if r.startswith("bob-"))
    assert studio.runner.queue_position(second) == 1
    assert studio.run(second).status()["state"] == "queued"
    assert "position 1 in the queue" in out[1]
    with pytest.raises(AppError, match="Only the person who started"):
        b.client.predict(first, None, api_name="/show_run")
    a.call("stop")
    assert wait_for_state(studio, first, ("stopped",)) == "stopped"
    assert wait_for_state(studio, second, ("finished",)) == "finished"  # started by itself


def test_case_30_a_reload_reattaches_with_the_whole_history(app, tiny):
    app.new_session().call("start", checkpoint=tiny, max_steps=3000, batch_size=8,
                           max_length=32, output_name="reload")
    run_id = app.studio.runner.active_run_id()
    wait_for_step(app.studio, run_id, 20)
    out = app.new_session().call("attach")
    assert run_id in out[1] and out[0]["active"] is True
    assert out[4]["plot"].count('"x":[') >= 1 and '"y":[' in out[4]["plot"]
    app.studio.stop(run_id)
    wait_for_state(app.studio, run_id, ("stopped",))


def test_case_31_closing_the_page_does_not_stop_training(app, tiny):
    page = app.new_session()
    page.call("start", checkpoint=tiny, max_steps=3000, batch_size=8, max_length=32,
              output_name="closed")
    run_id = app.studio.runner.active_run_id()
    wait_for_step(app.studio, run_id, 5)
    page.client.close()  # the tab is gone (10 minutes in the plan; the mechanism is the same)
    before = app.studio.runner.log_of(run_id).latest["progress"].data["step"]
    time.sleep(2.0)
    after = app.studio.runner.log_of(run_id).latest["progress"].data["step"]
    assert after > before
    app.studio.stop(run_id)
    wait_for_state(app.studio, run_id, ("stopped",))


def test_quota_steps_and_rows_are_enforced_with_clear_messages(tmp_path, tiny_cfg):
    policy = Policy(public=False, max_train_rows=100, max_steps=10)
    studio = Studio(root=tmp_path / "runs", policy=policy)
    prepared = studio.prepared(tiny_cfg(max_rows=None))
    assert prepared.report.rows["train"] + prepared.report.rows["validation"] == 100
    assert any("quota" in w for w in prepared.report.warnings)
    run_id = studio.start(tiny_cfg(max_steps=50))
    assert wait_for_state(studio, run_id, ("failed",)) == "failed"
    status = studio.run(run_id).status()
    assert status["kind"] == "quota" and "allows 10 per run" in status["message"]
    second = studio.start(tiny_cfg(max_steps=5))  # the slot is free again
    assert wait_for_state(studio, second, ("finished",)) == "finished"
