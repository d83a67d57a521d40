"""Tab 3 · Train: settings generated from RunConfig, a measured pre-flight estimate, Start / Stop /
Resume, a progress bar with ETA and live charts.

Live updates follow the trackio pattern: a ``gr.Timer`` tick asks the engine only for events newer
than the last one this page saw (cheap, O(new events)) and stores the newest sequence number in a
``gr.State``; the charts redraw on that state's ``change``, i.e. only when something new arrived.
On page load the page re-attaches to the running run (or shows the latest one) with its full
history, so a reload or a second tab loses nothing. The handlers are in ``train_handlers.py``;
this module builds the widgets and connects them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr

from . import lr_finder_view
from .i18n import t
from .train_handlers import TrainHandlers
from .widgets import Form

if TYPE_CHECKING:
    from engine.studio import Studio

POLL_S = 1.0  # a chart point appears within ~1 s; polling faster slows training (BENCHMARKS.md)


@dataclass
class TrainTab:
    estimate: Any
    estimate_note: Any
    start: Any
    stop: Any
    resume: Any
    status: Any
    progress: Any
    guidance: Any
    plots: list[Any]
    run: Any  # gr.State: the run this page shows
    seq: Any  # gr.State: newest event number drawn
    timer: Any
    runs_version: Any  # gr.State bumped when a run ends (Try it / Runs refresh their lists)
    visible: Any  # gr.State: is this tab on screen? Charts are redrawn only while it is
    lr_finder: lr_finder_view.LRFinderView


def build(form: Form) -> TrainTab:
    gr.Markdown(t("train.intro"))
    with gr.Row():
        for name in ("batch_size", "learning_rate", "epochs"):
            form.field(name)
    with gr.Accordion(t("train.more"), open=False, elem_id="train-more"):
        with gr.Row():
            for name in ("max_steps", "warmup_ratio", "weight_decay", "mlm_probability"):
                form.field(name)
        with gr.Row():
            for name in ("eval_strategy", "eval_steps", "save_strategy", "save_steps"):
                form.field(name)
        with gr.Row():
            for name in ("best_model_metric", "early_stopping_patience", "class_weighting",
                         "multilabel_threshold"):
                form.field(name)
        with gr.Row():
            for name in ("save_total_limit", "logging_steps", "seed", "precision",
                         "word_embeddings", "attention_dropout", "dropout_masks"):
                form.field(name)
    lr_view = lr_finder_view.build()
    form.field("output_name")
    with gr.Row():
        estimate = gr.Button(t("train.estimate"), elem_id="estimate")
        start = gr.Button(t("train.start"), variant="primary", elem_id="start")
        stop = gr.Button(t("train.stop"), variant="stop", elem_id="stop", interactive=False)
        resume = gr.Button(t("train.resume"), elem_id="resume", interactive=False)
    estimate_note = gr.Markdown(elem_id="estimate-note")
    status = gr.Markdown(elem_id="run-status")
    progress = gr.HTML(elem_id="progress")
    guidance = gr.Markdown(elem_id="guidance")
    with gr.Row():
        plots = [gr.Plot(show_label=False, elem_id="plot-loss"),
                 gr.Plot(show_label=False, elem_id="plot-quality")]
    with gr.Row():
        plots += [gr.Plot(show_label=False, elem_id="plot-lr"),
                  gr.Plot(show_label=False, elem_id="plot-speed")]
    return TrainTab(estimate, estimate_note, start, stop, resume, status, progress, guidance,
                    plots, gr.State(None), gr.State(0), gr.Timer(POLL_S, active=False),
                    gr.State(0), gr.State(False), lr_view)


@dataclass
class Attach:
    """Lets other tabs show a run here (Runs tab: open / resume)."""

    show: Any
    resume: Any
    outputs: list[Any]
    redraw: Any  # (run, visible) -> guidance and charts; called when the tab is shown


def wire(demo: Any, tab: TrainTab, form: Form, studio: Studio, owner: Any) -> Attach:
    """``owner``: the page's BrowserState id; in public mode runs belong to it."""
    h = TrainHandlers(studio, form, tab, owner)
    redraw, show, resume = h.on_new_events, h.on_show, h.on_resume  # bound once: Gradio queues
    # events together by function object, and each attribute access makes a new bound method
    controls = [tab.start, tab.stop, tab.resume]
    attach_outputs = [tab.run, tab.seq, tab.timer, tab.status, tab.progress, tab.guidance,
                      *controls, *tab.plots]
    lr_finder_view.wire(tab.lr_finder, studio, form, owner)
    demo.load(h.on_load, owner, attach_outputs, api_name="attach")
    tab.start.click(h.on_start, form.inputs | {owner}, [*attach_outputs, tab.visible],
                    concurrency_id="train", concurrency_limit=1, api_name="start")
    tab.resume.click(resume, [tab.run, owner], attach_outputs, concurrency_id="train",
                     concurrency_limit=1, api_name="resume")
    tab.stop.click(h.on_stop, [tab.run, owner], tab.status, api_name="stop")
    tab.estimate.click(h.on_estimate, form.inputs, tab.estimate_note, concurrency_id="train",
                       concurrency_limit=1, api_name="estimate")
    tab.timer.tick(h.on_tick, [tab.run, tab.seq, tab.runs_version],
                   [tab.seq, tab.status, tab.progress, tab.timer, tab.runs_version, *controls],
                   show_progress="hidden", concurrency_limit=None, api_visibility="private")
    tab.seq.change(redraw, [tab.run, tab.visible], [tab.guidance, *tab.plots],
                   show_progress="hidden", concurrency_limit=None, api_visibility="private")
    return Attach(show, resume, attach_outputs, redraw)
