"""The Runner with a tiny local model: life cycle, events, stop, resume, failures, restart."""

from __future__ import annotations

import json

import pytest

from engine.errors import NotResumable, RunConflict
from engine.modeling.checkpoints import load_model
from engine.studio import Studio
from engine.training.runs import RunStore


def factory_with(on_forward):
    """A model-factory seam: the real model, with ``on_forward(model, output, n)`` called after
    every training forward pass (n counts them from 1)."""
    def factory(task, ref, labels):
        model = load_model(task, ref, labels)
        calls = {"n": 0}

        def hook(module, args, output):
            if module.training:
                calls["n"] += 1
                return on_forward(module, output, calls["n"])
            return output

        model.register_forward_hook(hook)
        return model
    return factory


def kinds(events):
    return [e.kind for e in events]


def test_a_short_run_finishes_with_events_and_a_complete_run_folder(studio, tiny_cfg):
    run_id = studio.start(tiny_cfg())
    assert studio.runner.wait(run_id, 120) == "finished"
    events = studio.events_since(run_id, 0)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert {"status", "phase", "progress", "train", "eval", "checkpoint", "note"} <= \
        set(kinds(events))
    assert events[-1].kind == "status" and events[-1].data["state"] == "finished"
    assert studio.events_since(run_id, events[-3].seq) == events[-2:]  # O(new) polling
    folder = studio.run(run_id).folder
    lines = (folder / "events.jsonl").read_text().splitlines()
    on_disk = [json.loads(line)["seq"] for line in lines]
    assert on_disk == [e.seq for e in events]
    config = json.loads((folder / "model" / "config.json").read_text())
    assert config["id2label"] == {"0": "negative", "1": "positive"}
    assert config["label2id"] == {"negative": 0, "positive": 1}
    assert (folder / "model" / "model.safetensors").is_file()
    assert (folder / "model" / "tokenizer.json").is_file()
    assert not (folder / "model" / "training_args.bin").exists()
    metrics = json.loads((folder / "metrics.json").read_text())
    assert 0 <= metrics["test"]["accuracy"] <= 1 and len(metrics["test"]["confusion_matrix"]) == 2
    assert json.loads((folder / "run_config.json").read_text())["checkpoint"].startswith("local:")
    assert studio.run(run_id).status()["state"] == "finished"


def test_a_second_start_is_a_clear_conflict(studio, tiny_cfg):
    run_id = studio.start(tiny_cfg(max_steps=30))
    with pytest.raises(RunConflict, match="already training"):
        studio.start(tiny_cfg())
    studio.stop(run_id)
    studio.runner.wait(run_id, 120)
    second = studio.start(tiny_cfg(max_steps=2))  # the slot is free again
    assert studio.runner.wait(second, 120) == "finished"


def test_stop_is_honoured_within_one_step_and_resume_keeps_the_step_count(runs_dir, tiny_cfg):
    holder = {}

    def stop_at_step_5(model, output, n):
        if n == 5 and not holder.get("stopped"):
            holder["stopped"] = True
            holder["studio"].stop()
        return output

    studio = Studio(root=runs_dir, model_factory=factory_with(stop_at_step_5))
    holder["studio"] = studio
    run_id = studio.start(tiny_cfg(max_steps=12, save_steps=100))
    assert studio.runner.wait(run_id, 120) == "stopped"
    handle = studio.run(run_id)
    assert handle.status()["step"] == 5  # the step running when Stop came, not one more
    assert handle.last_checkpoint().name == "checkpoint-5"  # saved at the stop, complete
    before = studio.events_since(run_id, 0)
    assert any(e.kind == "status" and e.data["state"] == "stopping" for e in before)

    studio.resume(run_id)
    assert studio.runner.wait(run_id, 120) == "finished"
    after = studio.events_since(run_id, before[-1].seq)
    assert after[0].seq == before[-1].seq + 1  # one continuous log
    steps = [e.data["step"] for e in after if e.kind == "progress"]
    assert steps and min(steps) > 5 and max(steps) == 12
    assert handle.status()["step"] == 12
    with pytest.raises(NotResumable, match="is finished"):
        studio.resume(run_id)


def test_out_of_memory_in_the_thread_ends_as_failed_with_advice(runs_dir, tiny_cfg):
    def oom_at_3(model, output, n):
        if n == 3:
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return output

    studio = Studio(root=runs_dir, model_factory=factory_with(oom_at_3))
    run_id = studio.start(tiny_cfg())
    assert studio.runner.wait(run_id, 120) == "failed"
    status = studio.run(run_id).status()
    assert status["kind"] == "oom" and "Lower the batch size or the max length" in status["message"]
    assert "RuntimeError" in (studio.run(run_id).folder / "error.log").read_text()
    last = studio.events_since(run_id, 0)[-1]
    assert last.data == {"state": "failed", "message": status["message"], "kind": "oom"}


def test_nan_loss_ends_as_diverged(runs_dir, tiny_cfg):
    def nan_from_2(model, output, n):
        if n >= 2:
            output.loss = output.loss * float("nan")
        return output

    studio = Studio(root=runs_dir, model_factory=factory_with(nan_from_2))
    run_id = studio.start(tiny_cfg(logging_steps=1))
    assert studio.runner.wait(run_id, 120) == "failed"
    status = studio.run(run_id).status()
    assert status["kind"] == "diverged" and "Lower the learning rate" in status["message"]


def test_stop_during_data_loading_leaves_a_clean_stopped_run(runs_dir, tiny_cfg):
    """Start prepares the data before the run exists (and the thread reuses it), so Stop is
    pressed through the phase seam, as the thread enters "loading data"."""
    studio = Studio(root=runs_dir)

    def stop_while_loading(phase, stop):
        if phase == "loading data":
            studio.stop()

    studio.runner.phase_hook = stop_while_loading
    run_id = studio.start(tiny_cfg())
    assert studio.runner.wait(run_id, 60) == "stopped"
    assert "before training began" in studio.run(run_id).status()["message"]


def test_runs_left_running_by_a_dead_process_are_marked_interrupted(runs_dir, tiny_cfg):
    store = RunStore(runs_dir)
    handle = store.create(tiny_cfg())
    handle.update_status(state="running", process="999999:1.000")  # no such process
    live = store.create(tiny_cfg(output_name="still-mine"))
    live.update_status(state="running")  # owned by this (live) process
    studio = Studio(root=runs_dir)
    assert studio.runner.interrupted == [handle.run_id]
    assert handle.status()["state"] == "interrupted"
    assert live.status()["state"] == "running"
    assert {h.run_id for h in studio.runs()} == {handle.run_id, live.run_id}


def test_ended_runs_logs_are_kept_for_a_few_runs_and_read_back_after(runs_dir, tiny_cfg):
    """A long-lived server is watched for many runs: their logs must not pile up in memory,
    and a log dropped from memory still reads back whole from disk."""
    studio = Studio(root=runs_dir)
    handles = [studio.runner.store.create(tiny_cfg(output_name=f"ended-{n}")) for n in range(5)]
    for n, handle in enumerate(handles):
        log = handle.events()
        for step in range(n + 1):
            log.append("progress", step=step)
        log.close()
    studio.runner.LOGS_KEPT = 2
    for handle in handles:
        studio.runner.log_of(handle.run_id)
    assert len(studio.runner._logs) == 2
    first = studio.runner.events_since(handles[0].run_id)
    assert [e.data["step"] for e in first] == [0]
    assert [e.data["step"] for e in studio.runner.events_since(handles[4].run_id)] == \
        list(range(5))


def _word_embeddings(folder):
    from safetensors.torch import load_file

    weights = load_file(str(folder / "model.safetensors"))
    return next(v for k, v in weights.items() if k.endswith("word_embeddings.weight"))


@pytest.mark.parametrize("choice, frozen", [("auto", True), ("train", False)])
def test_classification_freezes_the_vocabulary_table_unless_told_to_train_it(
        studio, tiny_cfg, tiny_dir, choice, frozen):
    run_id = studio.start(tiny_cfg(word_embeddings=choice))
    assert studio.runner.wait(run_id, 120) == "finished"
    handle = studio.run(run_id)
    assert handle.metrics()["facts"]["word_embeddings_frozen"] is frozen
    before, after = _word_embeddings(tiny_dir), _word_embeddings(handle.folder / "model")
    assert before.shape == after.shape
    assert bool((before == after).all()) is frozen
    notes = [e.data["text"] for e in studio.events_since(run_id, 0) if e.kind == "note"]
    assert any(f"word embeddings: {'frozen' if frozen else 'trained'}" in n for n in notes)


@pytest.mark.parametrize("choice, off", [("auto", True), ("keep", False)])
def test_attention_dropout_is_off_on_a_cpu_unless_kept(studio, tiny_cfg, choice, off):
    run_id = studio.start(tiny_cfg(attention_dropout=choice, max_steps=4, eval_steps=4))
    assert studio.runner.wait(run_id, 120) == "finished"
    assert studio.run(run_id).metrics()["facts"]["attention_dropout_off"] is off
    notes = [e.data["text"] for e in studio.events_since(run_id, 0) if e.kind == "note"]
    assert any(f"attention dropout: {'off' if off else 'kept'}" in n for n in notes)


@pytest.mark.parametrize("choice", ["native", "packed", "auto"])
def test_dropout_masks_follow_the_setting_or_the_measurement(studio, tiny_cfg, choice):
    run_id = studio.start(tiny_cfg(dropout_masks=choice, max_steps=4, eval_steps=4))
    assert studio.runner.wait(run_id, 120) == "finished"
    facts = studio.run(run_id).metrics()["facts"]
    notes = " ".join(e.data["text"] for e in studio.events_since(run_id, 0) if e.kind == "note")
    if choice == "auto":  # measured on this CPU: the choice follows the number it shows
        assert facts["packed_dropout_masks"] is (facts["packed_masks_speedup"] >= 1.1)
        assert f"measured {facts['packed_masks_speedup']}x" in notes
    else:
        assert facts["packed_dropout_masks"] is (choice == "packed")
        assert facts["packed_masks_speedup"] is None
        assert f"dropout masks: {choice}." in notes


def test_masked_lm_trains_the_vocabulary_table_on_auto(studio, tiny_cfg):
    run_id = studio.start(tiny_cfg(task="mlm", dataset="corpus", eval_steps=12))
    assert studio.runner.wait(run_id, 300) == "finished"
    assert studio.run(run_id).metrics()["facts"]["word_embeddings_frozen"] is False
