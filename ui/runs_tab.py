"""Tab 5 · Runs: every run on disk with its state, data, checkpoint and best score; open one in
the Train tab, resume or delete it, and compare the curves of several runs. ``RunsHandlers`` are
its events (callable without a server); ``wire`` only connects them."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr
import pandas as pd

from engine.protocol import RunMetrics, format_score

from .errors import guarded
from .i18n import lang_of, t, text
from .identity import owner_of
from .plots import compare, empty

if TYPE_CHECKING:
    from engine.studio import Studio

    from .train_tab import Attach, TrainTab


@dataclass
class RunsTab:
    table: Any
    refresh: Any
    pick: Any
    details: Any
    open: Any
    resume: Any
    confirm: Any
    delete: Any
    chosen: Any
    plot: Any


def _score(metrics: dict[str, Any], task: str) -> str:
    """The headline score, e.g. 'test accuracy 91.2%' (empty before any evaluation)."""
    read = RunMetrics(metrics)
    first = read.headline(task)[:1]
    return f"{read.split} {first[0][0]} {format_score(*first[0])}" if first else ""


def table(studio: Studio, owner: str | None = None) -> pd.DataFrame:
    """One row per run: id, state, task, data, checkpoint, headline score, creation time."""
    rows = []
    for handle in studio.runs(owner):
        status, cfg = handle.status(), handle.config
        created = status.get("created_at")
        rows.append({"run": handle.run_id, "state": status.get("state"), "task": cfg.task,
                     "data": cfg.dataset.rsplit("/", 1)[-1], "checkpoint": cfg.checkpoint,
                     "score": _score(handle.metrics(), cfg.task),
                     "created": time.strftime("%Y-%m-%d %H:%M", time.localtime(created))
                     if created else ""})
    return pd.DataFrame(rows, columns=["run", "state", "task", "data", "checkpoint", "score",
                                       "created"])


def build(studio: Studio) -> RunsTab:
    gr.Markdown(t("runs.intro"))
    refresh = gr.Button(t("try.refresh"))
    runs_table = gr.Dataframe(table(studio), interactive=False, max_height=320, wrap=True,
                              elem_id="runs-table")
    names = [h.run_id for h in studio.runs()]
    with gr.Row():
        pick = gr.Dropdown(names, value=None, label=t("runs.pick"), scale=3,
                           allow_custom_value=True)
        open_button = gr.Button(t("runs.open"), scale=1)
        resume = gr.Button(t("train.resume"), scale=1)
    details = gr.Markdown()
    with gr.Row():
        confirm = gr.Checkbox(label=t("runs.confirm"), value=False)
        delete = gr.Button(t("runs.delete"), variant="stop")
    chosen = gr.Dropdown(names, value=[], multiselect=True, label=t("runs.compare"),
                         allow_custom_value=True)
    plot = gr.Plot(show_label=False)
    return RunsTab(runs_table, refresh, pick, details, open_button, resume, confirm, delete,
                   chosen, plot)


class RunsHandlers:
    """The Runs tab's events, callable without a server. ``stored`` is the page's owner id
    (public mode lists and controls only the visitor's own runs)."""

    def __init__(self, studio: Studio) -> None:
        self.studio = studio

    @guarded
    def lists(self, stored: str | None, request: gr.Request) -> list[Any]:
        """[runs table, run picker, compare picker]: every run (the visitor's, in public mode)."""
        mine = owner_of(stored, request)
        names = [h.run_id for h in self.studio.runs(mine)]
        return [table(self.studio, mine), gr.Dropdown(choices=names),
                gr.Dropdown(choices=names)]

    @guarded
    def details(self, run_id: str | None, stored: str | None, request: gr.Request) -> str:
        """The picked run's state, last message and settings."""
        if not run_id:
            return ""
        handle = self.studio.run(run_id, owner_of(stored, request), check=True)
        status = handle.status()
        return (f"**{run_id}** — {status.get('state')}\n\n{status.get('message') or ''}\n\n"
                f"```json\n{json.dumps(handle.config.to_dict(), indent=1)}\n```")

    @guarded
    def delete(self, run_id: str | None, confirmed: bool, stored: str | None,
               request: gr.Request) -> list[Any]:
        """The run deleted once the box is ticked: [the lists again, no details, box unticked]."""
        if not run_id or not confirmed:
            raise gr.Error(text("runs.confirm_first", lang_of(request)))
        self.studio.delete(run_id, owner_of(stored, request))
        return [*self.lists(stored, request), "", False]

    @guarded
    def compare(self, names: list[str], stored: str | None, request: gr.Request) -> Any:
        """The picked runs' loss and validation curves on one chart."""
        lang, studio = lang_of(request), self.studio
        if not names:
            return empty(text("plot.compare_title", lang), text("runs.pick_two", lang))
        for name in names:
            studio.run(name, owner_of(stored, request), check=True)
        task = studio.run(names[0]).config.task
        return compare({n: studio.events_since(n, 0) for n in names}, task, lang)


def wire(tab: RunsTab, studio: Studio, train: TrainTab, attach: Attach, owner: Any,
         shown: Any) -> None:
    """``attach`` (from the Train tab) shows or resumes a run there; ``owner`` is the page's id
    (public mode lists and controls only the visitor's own runs). The list is read again each
    time the tab is ``shown``: states change while it is hidden (a run finishes, another page
    starts one), and on one slow core the table was seen to stay empty after the finished-run
    refresh."""
    on = RunsHandlers(studio)
    lists = on.lists  # bound once, its three events queued together: see data_tab.wire
    lists_out = [tab.table, tab.pick, tab.chosen]
    tab.refresh.click(lists, owner, lists_out, api_name="list_runs")
    train.runs_version.change(lists, owner, lists_out, api_visibility="private")
    shown.select(lists, owner, lists_out, api_visibility="private", show_progress="hidden")
    tab.pick.change(on.details, [tab.pick, owner], tab.details, api_name="run_details")
    tab.delete.click(on.delete, [tab.pick, tab.confirm, owner],
                     [*lists_out, tab.details, tab.confirm], api_name="delete_run")
    tab.chosen.change(on.compare, [tab.chosen, owner], tab.plot, api_name="compare_runs")
    tab.open.click(attach.show, [tab.pick, owner], attach.outputs, api_name="show_run")
    tab.resume.click(attach.resume, [tab.pick, owner], attach.outputs, concurrency_id="train",
                     concurrency_limit=1, api_name="resume_run")
