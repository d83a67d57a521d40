"""``build_app(studio)``: the whole Gradio app. Tabs are built first and wired after, so a tab
can react to another (new data refreshes the token views; a finished run refreshes Try it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import gradio as gr

from . import data_tab, model_tab, runs_tab, share_tab, train_tab, try_tab
from .i18n import t
from .identity import browser_owner, ensure
from .widgets import Form

if TYPE_CHECKING:
    from engine.studio import Studio

TRAIN_TAB = 2  # position of the Train tab (charts are redrawn only while it is shown)


def build_app(studio: Studio) -> gr.Blocks:
    """``studio`` is built by the entry point (``ui/launch.py``) from its ``Settings``."""
    form = Form()
    with gr.Blocks(title="Fine-Tune Studio", delete_cache=(3600, 86400)) as demo:
        owner = browser_owner(studio.settings.secret)
        with gr.Column(elem_id="hero"):
            gr.Markdown(t("app.title"))
            gr.Markdown(t("app.steps"), elem_classes=["steps-guide"])
        with gr.Tabs(elem_id="tabs") as tabs:
            with gr.Tab(t("tab.data"), id="data"):
                data = data_tab.build(form)
            with gr.Tab(t("tab.model"), id="model"):
                model = model_tab.build(form, studio)
            with gr.Tab(t("tab.train"), id="train"):
                train = train_tab.build(form)
            with gr.Tab(t("tab.try"), id="try") as try_item:
                trial = try_tab.build(studio)
            with gr.Tab(t("tab.runs"), id="runs") as runs_item:
                runs = runs_tab.build(studio)
            with gr.Tab(t("tab.share"), id="share") as share_item:
                share = share_tab.build(studio)
        demo.load(ensure, owner, owner, api_visibility="private")
        data_tab.wire(demo, data, form, studio, form["task"])
        model_tab.wire(demo, model, form, studio, data.version, owner)
        attach = train_tab.wire(demo, train, form, studio, owner)
        try_tab.wire(demo, trial, studio, train.runs_version, owner, try_item)
        runs_tab.wire(runs, studio, train, attach, owner, runs_item)
        share_tab.wire(share, studio, train.runs_version, owner, share_item)

        def on_tab(evt: gr.SelectData) -> bool:
            return bool(evt.index == TRAIN_TAB)

        tabs.select(on_tab, None, train.visible, api_visibility="private").then(
            attach.redraw, [train.run, train.visible], [train.guidance, *train.plots],
            api_visibility="private", show_progress="hidden")
    return demo
