"""Tab 3 · Train: settings generated from RunConfig, a measured pre-flight estimate, Start / Stop /
Resume, a progress bar with ETA and live charts.

Live updates follow the trackio pattern: a ``gr.Timer`` tick asks the engine only for events newer
than the last one this page saw (cheap, O(new events)) and stores the newest sequence number in a
``gr.State``; the charts redraw on that state's ``change``, i.e. only when something new arrived.
On page load the page re-attaches to the running run (or shows the latest one) with its full
history, so a reload or a second tab loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from engine.runs import ACTIVE_STATES

from .errors import guarded
from .i18n import lang_of, t, text
from .identity import owner_of
from .plots import empty, training_figures
from .render import progress_html
from .widgets import Form

TERMINAL = ("finished", "failed", "stopped", "interrupted")
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
            for name in ("save_total_limit", "logging_steps", "seed", "precision",
                         "word_embeddings"):
                form.field(name)
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
                    gr.State(0), gr.State(False))


def status_line(studio: Any, run_id: str, lang: str) -> tuple[str, str, str, int]:
    """(status markdown, progress bar html, state, seq) from the run's latest events; ``seq``
    is the last event this status accounts for (what the poller may mark as seen)."""
    seq, latest = studio.runner.log_of(run_id).snapshot()
    state_event = latest.get("status")
    state = state_event.data.get("state", "preparing") if state_event else "preparing"
    if state in ("preparing", "running", "stopping") and \
            studio.runner.active_run_id() != run_id:
        state = studio.run(run_id).status().get("state", state)  # e.g. died: interrupted
    cfg = studio.run(run_id).config
    progress = latest.get("progress")
    data = progress.data if progress else {}
    message = _message(studio, run_id, state, lang, (state_event.data.get("message")
                                                     if state_event else None) or "")
    phase = latest["phase"].data["phase"] if "phase" in latest and state not in TERMINAL else ""
    md = f"**{run_id}** — {text('state.' + state, lang)}"
    position = studio.runner.queue_position(run_id)
    if state == "queued" and position:
        md += " · " + text("train.queue_position", lang, position=position)
    md += f" · {phase}" if phase and state != "running" else ""
    md += (f"  \n`{cfg.dataset}` · `{cfg.checkpoint}` · {text('choice.task.' + cfg.task, lang)}"
           " · " + text("train.settings_steps" if cfg.max_steps else "train.settings_epochs",
                        lang, batch=cfg.batch_size, lr=f"{cfg.learning_rate:g}",
                        n=f"{cfg.max_steps or cfg.epochs:g}"))
    md += f"\n\n{message}" if message else ""
    bar = progress_html(data.get("step", 0), data.get("total_steps"), data.get("eta_s"), state,
                        lang)
    return md, bar, state, seq


def buttons(state: str | None) -> list[Any]:
    """Start / Stop / Resume enabled only when they can do something."""
    active = state is not None and state not in TERMINAL
    resumable = state in ("stopped", "failed", "interrupted")
    return [gr.Button(interactive=not active), gr.Button(interactive=active),
            gr.Button(interactive=resumable)]


@dataclass
class Attach:
    """Lets other tabs show a run here (Runs tab: open / resume)."""

    show: Any
    resume: Any
    outputs: list[Any]
    redraw: Any  # (run, visible) -> guidance and charts; called when the tab is shown


def wire(demo: Any, tab: TrainTab, form: Form, studio: Any, owner: Any) -> Attach:
    """``owner``: the page's BrowserState id; in public mode runs belong to it."""
    def draw(run_id: str | None, lang: str) -> list[Any]:
        if not run_id:
            note = text("train.no_run", lang)
            return [empty(text(k, lang), note) for k in ("plot.loss_title", "plot.quality_title",
                                                         "plot.lr_title", "plot.speed_title")]
        task = studio.run(run_id).config.task
        return list(training_figures(studio.events_since(run_id, 0), task, lang))

    def attached(run_id: str | None, lang: str) -> list[Any]:
        if run_id is None:
            return [None, 0, gr.Timer(active=False), text("train.idle", lang), "", "",
                    *buttons(None), *draw(None, lang)]
        md, bar, state, seq = status_line(studio, run_id, lang)
        return [run_id, seq,
                gr.Timer(active=state not in TERMINAL), md, bar, _guidance(studio, run_id, lang),
                *buttons(state), *draw(run_id, lang)]

    controls = [tab.start, tab.stop, tab.resume]
    attach_outputs = [tab.run, tab.seq, tab.timer, tab.status, tab.progress, tab.guidance,
                      *controls, *tab.plots]

    @guarded
    def on_load(stored: str | None, request: gr.Request) -> list[Any]:
        """A reload (or a second tab) re-attaches to this person's training or waiting run,
        else shows their latest; in local mode any run is theirs."""
        runs = studio.runs(owner_of(stored, request))
        live = [h.run_id for h in runs if h.status().get("state") in ACTIVE_STATES]
        run_id = live[0] if live else (runs[0].run_id if runs else None)
        return attached(run_id, lang_of(request))

    @guarded
    def on_start(data: dict[Any, Any], request: gr.Request) -> list[Any]:
        run_id = studio.start(form.config(data), owner=owner_of(data[owner], request))
        return [*attached(run_id, lang_of(request)), True]  # Start is on this tab: visible

    @guarded
    def on_resume(run_id: str | None, stored: str | None, request: gr.Request) -> list[Any]:
        if not run_id:
            raise gr.Error(text("train.nothing_to_resume", lang_of(request)))
        return attached(studio.resume(run_id, owner_of(stored, request)), lang_of(request))

    @guarded
    def on_show(run_id: str | None, stored: str | None, request: gr.Request) -> list[Any]:
        if not run_id:
            raise gr.Error(text("runs.pick_one", lang_of(request)))
        studio.run(run_id, owner_of(stored, request), check=True)
        return attached(run_id, lang_of(request))

    @guarded
    def on_stop(run_id: str | None, stored: str | None, request: gr.Request) -> str:
        if not studio.stop(run_id, owner_of(stored, request)):
            raise gr.Error(text("train.nothing_to_stop", lang_of(request)))
        return text("train.stopping", lang_of(request))

    @guarded
    def on_tick(run_id: str | None, seq: int, version: int, request: gr.Request) -> list[Any]:
        """Cheap: only events newer than ``seq``; nothing is redrawn when nothing is new."""
        if run_id is None or not studio.runner.log_of(run_id).since(seq):
            return [gr.skip()] * 8
        lang = lang_of(request)
        md, bar, state, last = status_line(studio, run_id, lang)
        active = state not in TERMINAL
        return [last, md, bar, gr.Timer(active=active), version + (0 if active else 1),
                *buttons(state)]

    @guarded
    def on_new_events(run_id: str | None, visible: bool, request: gr.Request) -> list[Any]:
        """Redraw only what is on screen: building and rendering four charts while the tab is
        hidden would take CPU from training for nothing (it is redrawn when shown)."""
        lang = lang_of(request)
        guidance = _guidance(studio, run_id, lang) if run_id else ""
        if not visible:
            return [guidance, *[gr.skip()] * len(tab.plots)]
        return [guidance, *draw(run_id, lang)]

    @guarded
    def on_estimate(data: dict[Any, Any], request: gr.Request) -> str:
        est = studio.estimate(form.config(data))
        return text("train.estimate_note", lang_of(request), steps=est.steps,
                    minutes=est.seconds / 60, per_step=est.seconds_per_step,
                    precision=est.precision, memory=est.peak_mb, params=est.parameters_m)

    demo.load(on_load, owner, attach_outputs, api_name="attach")
    tab.start.click(on_start, form.inputs | {owner}, [*attach_outputs, tab.visible],
                    concurrency_id="train", concurrency_limit=1, api_name="start")
    tab.resume.click(on_resume, [tab.run, owner], attach_outputs, concurrency_id="train",
                     concurrency_limit=1, api_name="resume")
    tab.stop.click(on_stop, [tab.run, owner], tab.status, api_name="stop")
    tab.estimate.click(on_estimate, form.inputs, tab.estimate_note, concurrency_id="train",
                       concurrency_limit=1, api_name="estimate")
    tab.timer.tick(on_tick, [tab.run, tab.seq, tab.runs_version],
                   [tab.seq, tab.status, tab.progress, tab.timer, tab.runs_version, *controls],
                   show_progress="hidden", concurrency_limit=None, api_visibility="private")
    tab.seq.change(on_new_events, [tab.run, tab.visible], [tab.guidance, *tab.plots],
                   show_progress="hidden", concurrency_limit=None, api_visibility="private")
    return Attach(on_show, on_resume, attach_outputs, on_new_events)


def _message(studio: Any, run_id: str, state: str, lang: str, engine_text: str) -> str:
    """The run's message in the page's language, built from structured facts where the engine
    gives them (metrics, step, failure kind); the engine's English sentence otherwise."""
    handle = studio.run(run_id)
    status = handle.status()
    if state == "finished":
        metrics = handle.metrics()
        split = "test" if "test" in metrics else "validation"
        scores = metrics.get(split, {})
        if "perplexity" in scores:
            before = metrics.get(split + "_before", {}).get("perplexity")
            return text("msg.finished_mlm", lang, split=text("split." + split, lang),
                        ppl=scores["perplexity"], before=before or float("nan"))
        if "accuracy" in scores:
            return text("msg.finished_cls", lang, split=text("split." + split, lang),
                        accuracy=scores["accuracy"], f1=scores.get("f1", 0.0))
    if state == "stopped" and status.get("checkpoint"):
        return text("msg.stopped", lang, step=status.get("step", 0),
                    checkpoint=status["checkpoint"])
    if state == "failed" and status.get("kind") in ("oom", "diverged", "disk_full"):
        return text(f"msg.failed_{status['kind']}", lang)
    if state == "interrupted":
        return text("msg.interrupted", lang)
    return engine_text


def _guidance(studio: Any, run_id: str, lang: str) -> str:
    notes = studio.guidance(run_id)
    return "\n".join(f"- {'⚠️' if n['level'] == 'warning' else 'ℹ️'} "
                     f"{text('guide.' + n['key'], lang, **n.get('params', {}))}" for n in notes)
