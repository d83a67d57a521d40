"""The Train tab's handlers: named, typed methods of one ``TrainHandlers`` per page build,
callable without a server (tests call them with a fake request); ``train_tab.wire`` only
connects them to the widgets.

Live updates follow the trackio pattern: ``on_tick`` asks the engine only for events newer than
the last one the page saw and reports the newest sequence number; the charts redraw on that
number's change (``on_new_events``), i.e. only when something new arrived.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import gradio as gr

from engine.protocol import RunMetrics, RunState, format_score

from .errors import guarded
from .i18n import lang_of, text
from .identity import owner_of
from .plots import empty, training_figures
from .render import progress_html
from .widgets import Form

if TYPE_CHECKING:
    from engine.studio import Studio

    from .train_tab import TrainTab


def status_line(studio: Studio, run_id: str, lang: str) -> tuple[str, str, RunState, int]:
    """(status markdown, progress bar html, state, seq) from the run's latest events; ``seq``
    is the last event this status accounts for (what the poller may mark as seen)."""
    seq, latest = studio.runner.log_of(run_id).snapshot()
    state_event = latest.get("status")
    state = RunState.of(state_event.data if state_event else None)
    if state.is_active and state is not RunState.QUEUED and \
            studio.runner.active_run_id() != run_id:
        state = studio.run(run_id).state  # e.g. the process died: interrupted
    cfg = studio.run(run_id).config
    progress = latest.get("progress")
    data = progress.data if progress else {}
    message = _message(studio, run_id, state, lang, (state_event.data.get("message")
                                                     if state_event else None) or "")
    phase = latest["phase"].data["phase"] if "phase" in latest and state.is_active else ""
    md = f"**{run_id}** — {text('state.' + state, lang)}"
    position = studio.runner.queue_position(run_id)
    if state is RunState.QUEUED and position:
        md += " · " + text("train.queue_position", lang, position=position)
    md += f" · {phase}" if phase and state is not RunState.RUNNING else ""
    md += (f"  \n`{cfg.dataset}` · `{cfg.checkpoint}` · {text('choice.task.' + cfg.task, lang)}"
           " · " + text("train.settings_steps" if cfg.max_steps else "train.settings_epochs",
                        lang, batch=cfg.batch_size, lr=f"{cfg.learning_rate:g}",
                        n=f"{cfg.max_steps or cfg.epochs:g}"))
    md += f"\n\n{message}" if message else ""
    bar = progress_html(data.get("step", 0), data.get("total_steps"), data.get("eta_s"), state,
                        lang)
    return md, bar, state, seq


def buttons(state: RunState | None) -> list[Any]:
    """Start / Stop / Resume enabled only when they can do something."""
    active = state is not None and state.is_active
    resumable = state is not None and state.is_resumable
    return [gr.Button(interactive=not active), gr.Button(interactive=active),
            gr.Button(interactive=resumable)]



class TrainHandlers:
    """What the Train tab does. ``owner`` is the page's BrowserState id (in public mode runs
    belong to it); outputs are listed in the order ``train_tab.wire`` connects them."""

    def __init__(self, studio: Studio, form: Form, tab: TrainTab, owner: Any) -> None:
        self.studio, self.form, self.tab, self.owner = studio, form, tab, owner

    def draw(self, run_id: str | None, lang: str) -> list[Any]:
        """The four charts of a run (empty charts with a note when there is none)."""
        if not run_id:
            note = text("train.no_run", lang)
            return [empty(text(k, lang), note) for k in ("plot.loss_title", "plot.quality_title",
                                                         "plot.lr_title", "plot.speed_title")]
        cfg = self.studio.run(run_id).config
        return list(training_figures(self.studio.events_since(run_id, 0), cfg.task, lang,
                                     cfg.best_metric))

    def attached(self, run_id: str | None, lang: str) -> list[Any]:
        """Everything the tab shows about ``run_id``: run, seq, timer, status, bar, guidance,
        the three buttons and the charts."""
        if run_id is None:
            return [None, 0, gr.Timer(active=False), text("train.idle", lang), "", "",
                    *buttons(None), *self.draw(None, lang)]
        md, bar, state, seq = status_line(self.studio, run_id, lang)
        return [run_id, seq, gr.Timer(active=state.is_active), md, bar,
                _guidance(self.studio, run_id, lang), *buttons(state), *self.draw(run_id, lang)]

    @guarded
    def on_load(self, stored: str | None, request: gr.Request) -> list[Any]:
        """A reload (or a second tab) re-attaches to this person's training or waiting run,
        else shows their latest; in local mode any run is theirs."""
        runs = self.studio.runs(owner_of(stored, request))
        live = [h.run_id for h in runs if h.state.is_active]
        run_id = live[0] if live else (runs[0].run_id if runs else None)
        return self.attached(run_id, lang_of(request))

    @guarded
    def on_start(self, data: dict[Any, Any], request: gr.Request) -> list[Any]:
        """Start a run with the form's settings and show it (Start is on this tab: visible)."""
        run_id = self.studio.start(self.form.config(data),
                                   owner=owner_of(data[self.owner], request))
        return [*self.attached(run_id, lang_of(request)), True]

    @guarded
    def on_resume(self, run_id: str | None, stored: str | None,
                  request: gr.Request) -> list[Any]:
        """Continue a stopped, failed or interrupted run from its last complete checkpoint."""
        if not run_id:
            raise gr.Error(text("train.nothing_to_resume", lang_of(request)))
        return self.attached(self.studio.resume(run_id, owner_of(stored, request)),
                             lang_of(request))

    @guarded
    def on_show(self, run_id: str | None, stored: str | None, request: gr.Request) -> list[Any]:
        """Show a run picked elsewhere (the Runs tab), if this person may see it."""
        if not run_id:
            raise gr.Error(text("runs.pick_one", lang_of(request)))
        self.studio.run(run_id, owner_of(stored, request), check=True)
        return self.attached(run_id, lang_of(request))

    @guarded
    def on_stop(self, run_id: str | None, stored: str | None, request: gr.Request) -> str:
        """Ask the run to stop after its current step (a checkpoint is saved there)."""
        if not self.studio.stop(run_id, owner_of(stored, request)):
            raise gr.Error(text("train.nothing_to_stop", lang_of(request)))
        return text("train.stopping", lang_of(request))

    @guarded
    def on_tick(self, run_id: str | None, seq: int, version: int,
                request: gr.Request) -> list[Any]:
        """Cheap: only events newer than ``seq``; nothing is redrawn when nothing is new."""
        if run_id is None or not self.studio.runner.log_of(run_id).since(seq):
            return [gr.skip()] * 8
        md, bar, state, last = status_line(self.studio, run_id, lang_of(request))
        active = state.is_active
        return [last, md, bar, gr.Timer(active=active), version + (0 if active else 1),
                *buttons(state)]

    @guarded
    def on_new_events(self, run_id: str | None, visible: bool,
                      request: gr.Request) -> list[Any]:
        """Redraw only what is on screen: building and rendering four charts while the tab is
        hidden would take CPU from training for nothing (it is redrawn when shown)."""
        lang = lang_of(request)
        guidance = _guidance(self.studio, run_id, lang) if run_id else ""
        if not visible:
            return [guidance, *[gr.skip()] * len(self.tab.plots)]
        return [guidance, *self.draw(run_id, lang)]

    @guarded
    def on_estimate(self, data: dict[Any, Any], request: gr.Request) -> str:
        """A measured estimate of the run's time and memory (a few real steps)."""
        est = self.studio.estimate(self.form.config(data))
        return text("train.estimate_note", lang_of(request), steps=est.steps,
                    minutes=est.seconds / 60, per_step=est.seconds_per_step,
                    precision=est.precision, memory=est.peak_mb, params=est.parameters_m)


def _message(studio: Studio, run_id: str, state: RunState, lang: str, engine_text: str) -> str:
    """The run's message in the page's language, built from structured facts where the engine
    gives them (metrics, step, failure kind); the engine's English sentence otherwise."""
    handle = studio.run(run_id)
    status = handle.status()
    if state is RunState.FINISHED:
        read = RunMetrics(handle.metrics())
        split, scores = read.split, read.scores
        if "perplexity" in scores:
            before = read.before.get("perplexity")
            return text("msg.finished_mlm", lang, split=text("split." + split, lang),
                        ppl=scores["perplexity"], before=before or float("nan"))
        if "accuracy" in scores:
            return text("msg.finished_cls", lang, split=text("split." + split, lang),
                        accuracy=scores["accuracy"], f1=scores.get("f1", 0.0))
        pairs = read.headline(handle.config.task)
        if pairs:
            return text("msg.finished_scores", lang, split=text("split." + split, lang),
                        scores=", ".join(f"{text('plot.' + k, lang)} {format_score(k, v)}"
                                         for k, v in pairs))
    if state is RunState.STOPPED and status.get("checkpoint"):
        return text("msg.stopped", lang, step=status.get("step", 0),
                    checkpoint=status["checkpoint"])
    if state is RunState.FAILED and status.get("kind") in ("oom", "diverged", "disk_full"):
        return text(f"msg.failed_{status['kind']}", lang)
    if state is RunState.INTERRUPTED:
        return text("msg.interrupted", lang)
    return engine_text


def _guidance(studio: Studio, run_id: str, lang: str) -> str:
    notes = studio.guidance(run_id)
    return "\n".join(f"- {'⚠️' if n['level'] == 'warning' else 'ℹ️'} "
                     f"{text('guide.' + n['key'], lang, **n.get('params', {}))}" for n in notes)
