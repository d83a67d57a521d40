"""The UI's handlers through gradio_client: data loading (and its errors), tokens and padding
views, start / conflict / stop / resume, server-side validation, and inference."""

from __future__ import annotations

import time

import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError


def wait_state(app, run_id: str, states: tuple[str, ...], timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = app.studio.run(run_id).status().get("state")
        if state in states and app.studio.runner.active_run_id() != run_id:
            return state
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} did not reach {states}")


def test_builtin_samples_load_with_detected_columns(app):
    out = app.call("load_sample", sample="paraphrase")
    dataset, source, summary = out[0], out[1], out[2]
    text, pair, label, task = out[5]["value"], out[6]["value"], out[7]["value"], out[8]
    assert (dataset, source) == ("paraphrase", "builtin")
    assert "Ready to train" in summary and "validation 38" in summary
    assert (text, pair, label, task) == ("sentence1", "sentence2", "label", "classification")
    corpus = app.call("load_sample", sample="corpus")
    assert corpus[8] == "mlm"  # unlabelled data switches the task to masked-LM


def test_uploaded_file_errors_are_plain_messages(app, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\nfine,pos\nthis, has, too many,neg\n")
    session = app.new_session()
    session.client.predict(handle_file(str(bad)), api_name="/store_upload")
    with pytest.raises(AppError, match="line 3 of bad-[0-9a-f]+.csv has a different number"):
        session.call("load_upload")


def test_one_class_file_shows_the_problem_next_to_the_pickers(app, tmp_path):
    data = tmp_path / "one_class.csv"
    data.write_text("review,verdict\n" + "".join(f"text number {i},good\n" for i in range(30)))
    session = app.new_session()
    session.client.predict(handle_file(str(data)), api_name="/store_upload")
    out = session.call("load_upload")
    assert out[1] == "file" and "only one class ('good')" in out[2]
    assert out[5]["value"] == "review" and out[7]["value"] == "verdict"


def test_hub_ids_that_are_not_namespace_name_are_refused(app):
    with pytest.raises(AppError, match="has no namespace"):
        app.call("load_hub", **{"hub-results": "glue"})


def test_tokens_and_padding_views(app):
    html = app.call("tokens", sentence="The cat sat.", sentence2="")
    assert "[CLS]" in html and "[SEP]" in html and "type 0" in html
    note, batch, lengths, waste = app.call("batch", dataset="paraphrase", batch_size=8)
    assert "padded to shape" in note and "[8," in note
    assert batch.count('class="brow"') == 8 and "pad" in batch
    assert lengths["type"] == "plotly" and waste["type"] == "plotly"


def test_settings_are_validated_on_the_server(app, tiny):
    for field, value, message in (("learning_rate", 1e9, "Learning rate must be between"),
                                  ("epochs", -1, "Epochs must be between 0.05 and 50"),
                                  ("output_name", "../../etc/passwd", "letters, digits"),
                                  ("batch_size", 0, "less than minimum value 1")):  # slider
        with pytest.raises(AppError, match=message):
            app.call("start", checkpoint=tiny, **{field: value})
    assert app.studio.runner.active_run_id() is None


def test_start_conflict_stop_and_resume(app, tiny):
    first = app.new_session()
    out = first.call("start", checkpoint=tiny, max_steps=4000, batch_size=8, max_length=64,
                     save_strategy="steps", save_steps=50, output_name="ui-stop")
    run_id = app.studio.runner.active_run_id()
    assert run_id and run_id.startswith("ui-stop-") and run_id in out[1]
    second = app.new_session()
    with pytest.raises(AppError, match="already training"):
        second.call("start", checkpoint=tiny)
    deadline = time.monotonic() + 60
    while app.studio.run(run_id).status().get("step", 0) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "Stopping after the current step" in first.call("stop")
    assert wait_state(app, run_id, ("stopped",)) == "stopped"
    stopped_at = app.studio.run(run_id).status()["step"]
    assert app.studio.run(run_id).last_checkpoint().name == f"checkpoint-{stopped_at}"
    out = first.call("resume")
    assert run_id in out[1]
    assert app.studio.runner.active_run_id() == run_id
    deadline = time.monotonic() + 60  # the resumed run continues from the checkpoint's step
    while time.monotonic() < deadline:
        progress = app.studio.runner.log_of(run_id).latest.get("progress")
        if progress and progress.data["step"] > stopped_at:
            break
        time.sleep(0.05)
    app.studio.stop(run_id)
    wait_state(app, run_id, ("stopped",))
    assert app.studio.run(run_id).status()["step"] > stopped_at
    with pytest.raises(AppError, match="No run is training"):
        first.call("stop")


def test_classify_and_fill_mask_next_to_the_base(app, tiny):
    session = app.new_session()
    session.call("start", checkpoint=tiny, max_steps=6, batch_size=8, max_length=64,
                 output_name="ui-cls")
    run_id = app.studio.runner.active_run_id()
    assert wait_state(app, run_id, ("finished",)) == "finished"
    about = session.client.predict(run_id, None, api_name="/try_run")
    assert run_id in about[0]
    mine, base = session.client.predict(run_id, "A wonderful film.", "", None,
                                        api_name="/classify")
    assert {c["label"] for c in mine["confidences"]} == {"negative", "positive"}
    assert {c["label"] for c in base["confidences"]} == {"negative", "positive"}
    with pytest.raises(AppError, match="Type a sentence"):
        session.client.predict(run_id, "   ", "", None, api_name="/classify")
    session.call("start", checkpoint=tiny, task="mlm", dataset="corpus", max_steps=4,
                 batch_size=8, max_length=32, output_name="ui-mlm")
    mlm_id = app.studio.runner.active_run_id()
    assert wait_state(app, mlm_id, ("finished",)) == "finished"
    mine, base, note = session.client.predict(mlm_id, "Water the [MASK] often.", None,
                                              api_name="/fill_mask")
    assert len(mine["confidences"]) == 5 and base is not None and note == ""


def test_runs_list_details_and_delete(app, tiny):
    session = app.new_session()
    session.call("start", checkpoint=tiny, max_steps=2, batch_size=8, max_length=32,
                 output_name="ui-del")
    run_id = app.studio.runner.active_run_id()
    wait_state(app, run_id, ("finished",))
    table = session.client.predict(None, api_name="/list_runs")[0]
    assert run_id in [row[0] for row in table["data"]]
    assert "ui-del" in session.client.predict(run_id, None, api_name="/run_details")
    with pytest.raises(AppError, match="tick the confirmation box"):
        session.client.predict(run_id, False, None, api_name="/delete_run")
    session.client.predict(run_id, True, None, api_name="/delete_run")
    assert run_id not in [h.run_id for h in app.studio.runs()]


def test_a_new_page_reattaches_to_the_running_run(app, tiny):
    starter = app.new_session()
    starter.call("start", checkpoint=tiny, max_steps=3000, batch_size=8, max_length=64,
                 output_name="ui-attach")
    run_id = app.studio.runner.active_run_id()
    time.sleep(1.0)
    out = app.new_session().call("attach")  # what a reload or a second tab does
    assert run_id in out[1] and out[0] == {"active": True, "__type__": "update"}
    loss_plot = out[4]["plot"]
    assert '"y":[' in loss_plot  # the full history so far is drawn
    app.studio.stop(run_id)
    wait_state(app, run_id, ("stopped",))
