"""The Data, Model, Runs and Share tabs' handlers called directly, without a server: each tab's
handler object on a real ``Studio``, its widgets built in a ``gr.Blocks`` (never launched), a
plain object standing in for the page's ``gr.Request``. The same handlers ``wire`` connects."""

from __future__ import annotations

import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr
import pytest
from gradio.helpers import special_args

from ui import data_tab, model_tab
from ui.data_tab import DataHandlers
from ui.model_tab import ModelHandlers
from ui.runs_tab import RunsHandlers
from ui.share_tab import ShareHandlers
from ui.widgets import Form

PAGE = SimpleNamespace(headers={"accept-language": "en"}, session_hash="page-1")


def page_values(inputs: set[Any]) -> dict[Any, Any]:
    """What the page sends before anyone touches it: each widget's initial value."""
    return {widget: widget.value for widget in inputs}


@pytest.fixture
def data_handlers(studio) -> DataHandlers:
    form = Form()
    with gr.Blocks():
        tab = data_tab.build(form)
        task = form.field("task")  # the Model tab's task widget, which the data can switch
    return DataHandlers(studio, form, tab, task)


@pytest.fixture
def model_handlers(studio) -> ModelHandlers:
    form = Form()
    with gr.Blocks():
        tab = model_tab.build(form, studio)
        owner = gr.State(None)
    return ModelHandlers(studio, form, tab, owner)


@pytest.fixture
def finished(studio, tiny_cfg) -> str:
    """A finished tiny run on the test's studio."""
    run_id = studio.start(tiny_cfg(output_name="handlers"))
    assert studio.runner.wait(run_id, 600) == "finished"
    return run_id


def test_a_built_in_sample_loads_with_its_columns(data_handlers):
    on = data_handlers
    data = page_values(on.inputs) | {on.tab.sample: "paraphrase"}
    out = on.sample(data, PAGE)
    assert len(out) == len(on.outputs)
    dataset, source, summary = out[:3]
    text, pair, label = (update.value for update in out[5:8])
    assert (dataset, source) == ("paraphrase", "builtin")
    assert "Ready to train" in summary and "validation 38" in summary
    assert (text, pair, label, out[8]) == ("sentence1", "sentence2", "label", "classification")
    assert out[-1] == data[on.tab.version] + 1  # the other tabs hear about new data
    corpus = on.sample(page_values(on.inputs) | {on.tab.sample: "corpus"}, PAGE)
    assert corpus[8] == "mlm"  # unlabelled data switches the task to masked-LM
    assert "paraphrase" in on.card("paraphrase").lower()


def test_data_handlers_without_a_file_or_a_source_change_nothing(data_handlers):
    on = data_handlers
    assert on.uploaded(page_values(on.inputs), PAGE) == [gr.skip()] * len(on.outputs)
    assert on.reading(page_values(on.inputs), PAGE) == [gr.skip()] * len(on.outputs)
    builtin, file, hub = on.switch_source("file")
    assert (builtin.visible, file.visible, hub.visible) == (False, True, False)
    with pytest.raises(gr.Error, match="has no namespace"):
        on.hub_load(page_values(on.inputs) | {on.tab.results: "glue"}, PAGE)


def test_gradio_still_passes_the_request_and_progress_to_guarded_methods(data_handlers):
    """``@guarded`` keeps the signature (``functools.wraps``), so Gradio still sees what to
    inject into a bound method: the request, and a progress tracker where one is asked for."""
    request = object()
    inputs, progress, _, _ = special_args(data_handlers.uploaded, [{}], request=request)
    assert inputs[1] is request and progress == 2
    inputs, progress, _, _ = special_args(data_handlers.sample, [{}], request=request)
    assert inputs[1] is request and progress is None
    inputs, _, _, _ = special_args(RunsHandlers(data_handlers.studio).delete,
                                   ["run", True, None], request=request)
    assert inputs[3] is request


def test_the_token_view_of_a_sentence(model_handlers):
    on = model_handlers
    data = page_values(on.inputs) | {on.tab.sentence: "The cat sat.", on.tab.sentence2: ""}
    html = on.tokens(data, PAGE)
    assert "[CLS]" in html and "[SEP]" in html and "type 0" in html
    with pytest.raises(gr.Error, match="Type a sentence"):
        on.tokens(data | {on.tab.sentence: "   "}, PAGE)


def test_the_runs_table_and_delete_refusals(studio, finished):
    on = RunsHandlers(studio)
    table, pick, chosen = on.lists(None, PAGE)
    assert list(table["run"]) == [finished] and table["state"][0] == "finished"
    assert finished in [c[0] for c in pick.choices] and pick.choices == chosen.choices
    assert "handlers" in on.details(finished, None, PAGE) and on.details(None, None, PAGE) == ""
    with pytest.raises(gr.Error, match="tick the confirmation box"):
        on.delete(finished, False, None, PAGE)
    with pytest.raises(gr.Error, match="There is no run called 'no-such-run'"):
        on.delete("no-such-run", True, None, PAGE)
    table, _, _, details, confirm = on.delete(finished, True, None, PAGE)
    assert table.empty and (details, confirm) == ("", False)
    assert studio.runs() == []


def test_the_model_card_preview_and_the_export_of_a_finished_run(studio, finished, tmp_path,
                                                                monkeypatch):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    on = ShareHandlers(studio)
    card = on.card(finished, None, PAGE)
    assert card.startswith("```yaml\n") and "fine-tune-studio" in card
    assert on.card(None, None, PAGE) == ""
    archive, script = on.export(finished, "trainer", None, PAGE)
    assert Path(archive).parent == tmp_path / "gradio" / "exports"
    assert "train.py" in zipfile.ZipFile(archive).namelist() and "Trainer" in script
    with pytest.raises(gr.Error, match="No finished run yet"):
        on.export(None, "trainer", None, PAGE)
    runs, known = on.refresh(None, None, [], PAGE)
    assert runs.value == finished and known == [finished]  # it just finished: picked
