"""The run protocol in types: states, the headline split, and the curves read off events."""

from __future__ import annotations

import pytest

from engine.protocol import ACTIVE_STATES, NOISE, RunMetrics, RunState, clean_metrics, series
from engine.training.events import Event


def test_every_state_is_active_or_terminal_and_only_ended_unfinished_runs_resume():
    for state in RunState:
        assert state.is_active != state.is_terminal
    assert set(ACTIVE_STATES) == {"queued", "preparing", "running", "stopping"}
    assert [s for s in RunState if s.is_resumable] == ["stopped", "interrupted", "failed"]
    assert not RunState.FINISHED.is_resumable and RunState.FINISHED.is_terminal


def test_a_state_is_read_from_a_status_and_an_unknown_one_is_refused():
    assert RunState.of({"state": "running"}) is RunState.RUNNING
    assert RunState.of({}) is RunState.PREPARING  # nothing written yet
    assert RunState.of("finished") == "finished"  # still the JSON string
    with pytest.raises(ValueError):
        RunState.of({"state": "exploded"})


def test_the_headline_split_is_test_when_there_is_one():
    both = RunMetrics({"validation": {"accuracy": 0.7}, "test": {"accuracy": 0.8,
                                                                  "confusion_matrix": [[1]]}})
    assert both.split == "test" and both.numbers == {"accuracy": 0.8}
    mlm = RunMetrics({"validation": {"perplexity": 9.0}, "validation_before": {"perplexity": 30}})
    assert mlm.split == "validation" and mlm.before == {"perplexity": 30}
    assert RunMetrics({}).scores == {}


def test_series_reads_train_progress_and_eval_events_alike():
    events = [Event(1, 0, "train", {"step": 5, "loss": 0.9}),
              Event(2, 0, "eval", {"step": 5, "metrics": {"loss": 0.8, "accuracy": 0.6}}),
              Event(3, 0, "progress", {"step": 6, "samples_per_s": 12.5}),
              Event(4, 0, "train", {"step": 10, "loss": "nan"}),  # a diverged loss, kept as text
              Event(5, 0, "eval", {"step": 10, "metrics": {"loss": True}})]
    assert series(events, "train", "loss") == [(5, 0.9)]
    assert series(events, "eval", "loss") == [(5, 0.8)]
    assert series(events, "eval", "accuracy") == [(5, 0.6)]
    assert series(events, "progress", "samples_per_s") == [(6, 12.5)]


def test_bookkeeping_keys_are_dropped_once_for_every_reader():
    raw = {"eval_loss": 0.5, "eval_runtime": 3.0, "eval_samples_per_second": 9.0,
           "eval_model_preparation_time": 0.1, "test_accuracy": 1.0}
    assert clean_metrics(raw, "eval_") == {"loss": 0.5}
    assert all(key.endswith(NOISE) for key in raw if key.startswith("eval_") and key != "eval_loss")


def test_a_damaged_status_file_is_a_failed_run_not_an_interrupted_one(tmp_path):
    from engine import RunConfig
    from engine.training.runs import RunStore

    store = RunStore(tmp_path)
    handle = store.create(RunConfig(dataset="sentiment"))
    assert handle.state is RunState.PREPARING and not handle.finished
    (handle.folder / "status.json").write_text("{ half a file", encoding="utf-8")
    assert handle.state is RunState.FAILED and handle.status()["kind"] == "damaged"
    assert handle.state.is_resumable and "damaged" in handle.status()["message"]
    (handle.folder / "status.json").write_text('{"state": "exploded"}', encoding="utf-8")
    assert handle.status()["kind"] == "damaged"
    (handle.folder / "status.json").unlink()
    assert handle.state is RunState.INTERRUPTED


def test_finished_means_ended_well_with_a_saved_model(tmp_path):
    from engine import RunConfig
    from engine.training.runs import RunStore

    handle = RunStore(tmp_path).create(RunConfig(dataset="sentiment"))
    handle.update_status(state="finished")
    assert not handle.finished  # no final model on disk
    handle.model_dir.mkdir()
    (handle.model_dir / "config.json").write_text("{}")
    assert handle.finished
    handle.update_status(state="stopped")
    assert not handle.finished
