"""The learning-rate finder on the Train tab: one button runs a range test (about 100 steps
with a rising learning rate on a throw-away copy of the model), a chart shows loss against
learning rate, and one click copies the suggestion into the Learning rate box.

Handlers are plain functions of the studio and the form's values, so tests call them without a
server; ``wire`` only connects them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr

from .errors import guarded
from .i18n import lang_of, t, text
from .identity import owner_of
from .plots import lr_curve
from .widgets import Form

if TYPE_CHECKING:
    from engine.studio import Studio


@dataclass
class LRFinderView:
    find: Any
    plot: Any
    note: Any
    apply: Any
    suggestion: Any  # gr.State: the suggested learning rate


def build() -> LRFinderView:
    with gr.Accordion(t("lr.accordion"), open=False, elem_id="lr-finder"):
        gr.Markdown(t("lr.intro"))
        with gr.Row():
            find = gr.Button(t("lr.find"), elem_id="lr-find")
            apply = gr.Button(t("lr.apply"), elem_id="lr-apply", visible=False,
                              variant="primary")
        note = gr.Markdown(elem_id="lr-note")
        plot = gr.Plot(show_label=False, elem_id="lr-plot")
    return LRFinderView(find, plot, note, apply, gr.State(None))


def find(studio: Studio, form: Form, data: dict[Any, Any], owner: Any, request: gr.Request,
         progress: gr.Progress) -> list[Any]:
    """Run the range test on the settings in the form; returns the chart, the explanation, the
    'use it' button (labelled with the value) and the suggestion."""
    lang = lang_of(request)
    cfg = form.config(data)

    def tick(step: int, steps: int) -> None:
        progress(step / steps, desc=text("lr.progress", lang, step=step, steps=steps))

    result = studio.find_learning_rate(cfg, owner_of(data[owner], request), progress=tick)
    if result.suggestion is None:
        return [lr_curve(result, lang), result.reason, gr.Button(visible=False), None]
    label = text("lr.apply_value", lang, lr=f"{result.suggestion:.1e}")
    note = text("lr.note", lang, lr=f"{result.suggestion:.1e}", steps=result.steps_run,
                seconds=result.seconds) + "\n\n" + result.reason
    return [lr_curve(result, lang), note, gr.Button(value=label, visible=True),
            result.suggestion]


def apply(suggestion: float | None) -> Any:
    """The suggestion, rounded to two significant digits, into the Learning rate box."""
    return gr.skip() if suggestion is None else float(f"{suggestion:.1e}")


def wire(view: LRFinderView, studio: Studio, form: Form, owner: Any) -> None:
    @guarded
    def on_find(data: dict[Any, Any], request: gr.Request,
                progress: gr.Progress = gr.Progress()) -> list[Any]:  # noqa: B008 - gradio API
        return find(studio, form, data, owner, request, progress)

    view.find.click(on_find, form.inputs | {owner},
                    [view.plot, view.note, view.apply, view.suggestion],
                    concurrency_id="train", concurrency_limit=1, api_name="find_lr")
    view.apply.click(apply, view.suggestion, form["learning_rate"], api_name="apply_lr")


