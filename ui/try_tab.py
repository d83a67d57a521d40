"""Tab 4 · Try it: the trained model next to the checkpoint it started from, on your own text or
on examples from the test split, then where the model goes wrong on that split.

What "trying" shows depends on the task: one class (every label with its probability),
several labels (each label's own probability, and the labels a threshold slider gives; moving
the slider re-draws from the kept probabilities without running the model again), a score (the
predicted number), or masked-LM (the words that fill a blank). The error analysis lives in
``analysis_view``. ``TryHandlers`` and ``AnalysisHandlers`` are the handlers (callable without a
server); ``wire`` only connects them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr

from engine.config import field_meta
from engine.errors import NoMlmHead

from . import analysis_view
from .analysis_view import AnalysisHandlers, AnalysisView
from .errors import guarded, message
from .i18n import lang_of, t, text
from .identity import owner_of

if TYPE_CHECKING:
    from engine.config import RunConfig
    from engine.studio import Studio


@dataclass
class TryTab:
    run: Any
    refresh: Any
    about: Any
    cls_box: Any
    example: Any
    first: Any
    second: Any
    classify: Any
    label_row: Any  # classification and multi-label: probabilities per label
    model_out: Any
    base_out: Any
    score_row: Any  # regression: the predicted number
    model_score: Any
    base_score: Any
    threshold: Any  # multi-label only
    given: Any  # multi-label: "Labels given at this threshold: ..."
    answers: Any  # gr.State: the last answers, so the threshold re-draws without the model
    base_note: Any
    mlm_box: Any
    masked: Any
    fill: Any
    fill_model: Any
    fill_base: Any
    fill_note: Any
    analysis: AnalysisView


def picked_run(runs: list[str], current: str | None, known: list[str] | None) -> list[Any]:
    """(run dropdown, runs now known). A run that finished since the page last looked is
    picked (it is what the person just trained); otherwise their pick stays while it exists."""
    new = [r for r in runs if r not in (known or [])]
    value = new[0] if new else (current if current in runs else (runs[0] if runs else None))
    return [gr.Dropdown(choices=runs, value=value), runs]


def build(studio: Studio) -> TryTab:
    gr.Markdown(t("try.intro"))
    with gr.Row():  # filled when the page loads (``refresh``): picking a run then fires
        # ``change``, which draws the run; a value set here would be drawn by nothing
        run = gr.Dropdown(studio.finished_runs(), value=None, label=t("try.run"), scale=4,
                          elem_id="try-run", allow_custom_value=True)
        refresh = gr.Button(t("try.refresh"), scale=1)
    about = gr.Markdown()
    with gr.Group(visible=True) as cls_box:
        example = gr.Dropdown([], label=t("try.example"), allow_custom_value=True)
        with gr.Row():
            first = gr.Textbox(label=t("try.text"), lines=2, elem_id="try-text")
            second = gr.Textbox(label=t("try.text2"), lines=2, visible=False)
        classify = gr.Button(t("try.classify"), variant="primary", elem_id="classify")
        with gr.Row() as label_row:
            model_out = gr.Label(label=t("try.yours"), elem_id="try-model")
            base_out = gr.Label(label=t("try.base"), elem_id="try-base")
        with gr.Row(visible=False) as score_row:
            model_score = gr.Number(label=t("try.score_yours"), precision=3, interactive=False,
                                    elem_id="try-model-score")
            base_score = gr.Number(label=t("try.score_base"), precision=3, interactive=False,
                                   elem_id="try-base-score")
        meta = field_meta("multilabel_threshold")
        threshold = gr.Slider(meta["min"], meta["max"], value=0.5, step=meta["step"],
                              label=t("try.threshold"), info=t("try.threshold_help"),
                              visible=False, elem_id="try-threshold")
        given = gr.Markdown(elem_id="try-given")
        base_note = gr.Markdown(t("try.base_note"))
    answers = gr.State(None)
    with gr.Group(visible=False) as mlm_box:
        masked = gr.Textbox(label=t("try.masked"), value="Water the plants at the [MASK] of the "
                            "stems.", elem_id="try-masked")
        fill = gr.Button(t("try.fill"), variant="primary", elem_id="fill")
        with gr.Row():
            fill_model = gr.Label(label=t("try.yours"), elem_id="fill-model")
            fill_base = gr.Label(label=t("try.base"), elem_id="fill-base")
        fill_note = gr.Markdown()
    analysis = analysis_view.build()
    return TryTab(run, refresh, about, cls_box, example, first, second, classify, label_row,
                  model_out, base_out, score_row, model_score, base_score, threshold, given,
                  answers, base_note, mlm_box, masked, fill, fill_model, fill_base, fill_note,
                  analysis)


class TryHandlers:
    """The Try-it events (the error analysis has its own, ``AnalysisHandlers``)."""

    def __init__(self, studio: Studio) -> None:
        self.studio = studio

    @guarded
    def run_view(self, run_id: str | None, stored: str | None,
                 request: gr.Request | None = None) -> list[Any]:
        """A run was picked: [about, classify box, fill-mask box, examples, second text,
        label row, score row, threshold, given line, your labels, base labels, your score,
        base score, kept answers]; the answers of the previous run are cleared."""
        lang = lang_of(request)
        cleared: list[Any] = ["", None, None, None, None, None]  # given line .. kept answers
        if not run_id:
            return [text("try.none", lang), gr.Group(visible=False), gr.Group(visible=False),
                    gr.Dropdown(choices=[]), gr.Textbox(visible=False), gr.Row(visible=False),
                    gr.Row(visible=False), gr.Slider(visible=False), *cleared]
        cfg = self.studio.run(run_id, owner_of(stored, request), check=True).config
        task = cfg.task
        about = text("try.about", lang, run=run_id, task=text(f"choice.task.{task}", lang),
                     checkpoint=cfg.checkpoint, data=cfg.dataset)
        examples = examples_of(self.studio, cfg) if task != "mlm" else []
        # several labels: no single "winner" heading over the probabilities
        cleared[1:3] = [gr.Label(None, show_heading=task != "multilabel")] * 2
        return [about, gr.Group(visible=task != "mlm"), gr.Group(visible=task == "mlm"),
                gr.Dropdown(choices=examples, value=None), gr.Textbox(visible=cfg.is_pair),
                gr.Row(visible=task in ("classification", "multilabel")),
                gr.Row(visible=task == "regression"),
                gr.Slider(value=cfg.multilabel_threshold, visible=task == "multilabel"),
                *cleared]

    @guarded
    def example(self, choice: str | None, run_id: str | None) -> list[Any]:
        """An example 'text ⟂ pair → answer' -> the two text boxes."""
        if not choice:
            return [gr.skip(), gr.skip()]
        first, _, second = choice.rsplit(" → ", 1)[0].partition(" ⟂ ")
        return [first, second]

    @guarded
    def classify(self, run_id: str | None, first: str, second: str, stored: str | None,
                 request: gr.Request | None = None) -> list[Any]:
        """[your labels, base labels, kept answers]: every label with its probability for
        both models (regression: no labels; the numbers are drawn by ``answers``)."""
        lang, who = lang_of(request), owner_of(stored, request)
        if not run_id:
            raise gr.Error(text("try.none", lang))
        cfg = self.studio.run(run_id, who, check=True).config
        pairs = [second] if cfg.is_pair else None
        [mine] = self.studio.classify(run_id, [first], pairs, owner=who)
        [base] = self.studio.classify(run_id, [first], pairs, base=True, owner=who)
        kept = {"task": cfg.task, "mine": [list(p) for p in mine],
                "base": [list(p) for p in base]}
        if cfg.task == "regression":
            return [None, None, kept]
        return [dict(mine), dict(base), kept]

    @guarded
    def answers(self, kept: dict[str, Any] | None, threshold: float,
                request: gr.Request | None = None) -> list[Any]:
        """[your score, base score, given line] from the kept answers: the numbers for
        regression, the labels at or above ``threshold`` for multi-label."""
        if not kept:
            return [None, None, ""]
        lang = lang_of(request)
        if kept["task"] == "regression":
            return [round(kept["mine"][0][1], 3), round(kept["base"][0][1], 3), ""]
        if kept["task"] != "multilabel":
            return [None, None, ""]

        def given(pairs: list[list[Any]]) -> str:
            return ", ".join(n for n, p in pairs if p >= threshold) or \
                text("try.given_none", lang)

        return [None, None, text("try.given", lang, threshold=f"{threshold:.2f}",
                                 mine=given(kept["mine"]), base=given(kept["base"]))]

    @guarded
    def fill(self, run_id: str | None, masked: str, stored: str | None,
             request: gr.Request | None = None) -> list[Any]:
        """[your words, base words, note]: the top 5 words for the blank from both models."""
        lang, who = lang_of(request), owner_of(stored, request)
        if not run_id:
            raise gr.Error(text("try.none", lang))
        mine = dict(self.studio.fill_mask(run_id, masked, top_k=5, owner=who))
        try:
            return [mine, dict(self.studio.fill_mask(run_id, masked, top_k=5, base=True,
                                                     owner=who)), ""]
        except NoMlmHead as exc:  # expected for the built-in checkpoint: explain, don't guess
            return [mine, None, f"ℹ️ {message(exc, lang)}"]

    @guarded
    def refresh(self, stored: str | None, current: str | None, known: list[str] | None,
                request: gr.Request | None = None) -> list[Any]:
        return picked_run(self.studio.finished_runs(owner_of(stored, request)), current, known)


def wire(demo: gr.Blocks, tab: TryTab, studio: Studio, runs_version: Any, owner: Any,
         shown: Any) -> None:
    handlers, analysis, view = TryHandlers(studio), AnalysisHandlers(studio), tab.analysis
    # bound once: Gradio queues events together by function object, and every attribute access
    # makes a new bound method
    refresh, classify, answers = handlers.refresh, handlers.classify, handlers.answers
    run_outputs = [tab.about, tab.cls_box, tab.mlm_box, tab.example, tab.second, tab.label_row,
                   tab.score_row, tab.threshold, tab.given, tab.model_out, tab.base_out,
                   tab.model_score, tab.base_score, tab.answers]
    known = gr.State([])  # the finished runs this page has listed
    picker = ([owner, tab.run, known], [tab.run, known])
    demo.load(refresh, *picker, api_visibility="private")
    tab.run.change(handlers.run_view, [tab.run, owner], run_outputs, api_name="try_run")
    tab.run.change(analysis.show, [tab.run, owner], view.everything, api_name="error_analysis")
    tab.refresh.click(refresh, *picker, api_name="finished_runs")
    for event in (runs_version.change, shown.select):  # shown: see share_tab.wire
        event(refresh, *picker, api_visibility="private")
    tab.example.change(handlers.example, [tab.example, tab.run], [tab.first, tab.second],
                       api_visibility="private")
    classify_io = ([tab.run, tab.first, tab.second, owner],
                   [tab.model_out, tab.base_out, tab.answers])
    redraw_io = ([tab.answers, tab.threshold], [tab.model_score, tab.base_score, tab.given])
    tab.classify.click(classify, *classify_io, api_name="classify").success(
        answers, *redraw_io, api_name="try_answers")
    tab.first.submit(classify, *classify_io, api_visibility="private").success(
        answers, *redraw_io, api_visibility="private")
    tab.threshold.change(answers, *redraw_io, api_visibility="private",
                         show_progress="hidden", trigger_mode="always_last")
    tab.fill.click(handlers.fill, [tab.run, tab.masked, owner],
                   [tab.fill_model, tab.fill_base, tab.fill_note], api_name="fill_mask")
    view.picker.input(analysis.pick, [tab.run, view.picker, owner], view.listing,
                      api_name="mistakes")
    view.matrix.select(analysis.cell, [tab.run, owner], view.listing,
                       api_visibility="private")
    view.show_all.click(analysis.show_all, [tab.run, owner], [view.picker, *view.listing],
                        api_visibility="private")


def examples_of(studio: Studio, cfg: RunConfig, n: int = 20) -> list[str]:
    """Test rows as 'text ⟂ pair → answer' (validation rows when there is no test split):
    the class, the labels that apply, or the score."""
    prepared = studio.prepared(cfg)
    split = prepared.splits["test"] if "test" in prepared.splits else prepared.splits["validation"]
    names = prepared.label_names or []
    out = []
    for row in split.select(range(min(n, len(split)))):
        pair = f" ⟂ {row['text_pair']}" if row.get("text_pair") else ""
        out.append(f"{row['text']}{pair} → {answer_of(row['label'], cfg.task, names)}")
    return out


def answer_of(label: Any, task: str, names: list[str]) -> str:
    """A prepared row's label in words: a class name, the names that apply, or the number."""
    if task == "regression":
        return f"{float(label):g}"
    if task == "multilabel":
        return ", ".join(n for n, v in zip(names, label, strict=True) if v >= 0.5)
    return names[int(label)]
