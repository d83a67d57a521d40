"""Tab 4 · Try it: the trained model next to the checkpoint it started from, on your own text or
on examples from the test split, plus the confusion matrix on the test split."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from engine.errors import NoMlmHead

from .errors import guarded
from .i18n import lang_of, t, text
from .identity import owner_of
from .plots import confusion, empty


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
    model_out: Any
    base_out: Any
    base_note: Any
    matrix: Any
    mlm_box: Any
    masked: Any
    fill: Any
    fill_model: Any
    fill_base: Any
    fill_note: Any


def finished_runs(studio: Any, owner: str | None = None) -> list[str]:
    return [h.run_id for h in studio.runs(owner) if (h.model_dir / "config.json").is_file()]


def build(studio: Any) -> TryTab:
    gr.Markdown(t("try.intro"))
    runs = finished_runs(studio)
    with gr.Row():
        run = gr.Dropdown(runs, value=runs[0] if runs else None, label=t("try.run"), scale=4,
                          elem_id="try-run", allow_custom_value=True)
        refresh = gr.Button(t("try.refresh"), scale=1)
    about = gr.Markdown()
    with gr.Group(visible=True) as cls_box:
        example = gr.Dropdown([], label=t("try.example"), allow_custom_value=True)
        with gr.Row():
            first = gr.Textbox(label=t("try.text"), lines=2, elem_id="try-text")
            second = gr.Textbox(label=t("try.text2"), lines=2, visible=False)
        classify = gr.Button(t("try.classify"), variant="primary", elem_id="classify")
        with gr.Row():
            model_out = gr.Label(label=t("try.yours"), elem_id="try-model")
            base_out = gr.Label(label=t("try.base"), elem_id="try-base")
        base_note = gr.Markdown(t("try.base_note"))
    matrix = gr.Plot(show_label=False, elem_id="confusion")
    with gr.Group(visible=False) as mlm_box:
        masked = gr.Textbox(label=t("try.masked"), value="Water the plants at the [MASK] of the "
                            "stems.", elem_id="try-masked")
        fill = gr.Button(t("try.fill"), variant="primary", elem_id="fill")
        with gr.Row():
            fill_model = gr.Label(label=t("try.yours"), elem_id="fill-model")
            fill_base = gr.Label(label=t("try.base"), elem_id="fill-base")
        fill_note = gr.Markdown()
    return TryTab(run, refresh, about, cls_box, example, first, second, classify, model_out,
                  base_out, base_note, matrix, mlm_box, masked, fill, fill_model, fill_base,
                  fill_note)


def wire(demo: Any, tab: TryTab, studio: Any, runs_version: Any, owner: Any) -> None:
    @guarded
    def on_run(run_id: str | None, stored: str | None, request: gr.Request) -> list[Any]:
        lang = lang_of(request)
        if not run_id:
            return [text("try.none", lang), gr.Group(visible=False), gr.Group(visible=False),
                    gr.Dropdown(choices=[]), gr.Textbox(visible=False),
                    empty(text("plot.confusion_title", lang), text("try.none", lang))]
        handle = studio.run(run_id, owner_of(stored, request), check=True)
        cfg, metrics = handle.config, handle.metrics()
        is_mlm = cfg.task == "mlm"
        about = text("try.about", lang, run=run_id, task=text(f"choice.task.{cfg.task}", lang),
                     checkpoint=cfg.checkpoint, data=cfg.dataset)
        examples = _examples(studio, cfg) if not is_mlm else []
        names = metrics.get("label_names") or handle.label_names()
        split = "test" if "test" in metrics else "validation"
        matrix = metrics.get(split, {}).get("confusion_matrix")
        figure = confusion(matrix, names, lang) if matrix else \
            empty(text("plot.confusion_title", lang), text("try.no_matrix", lang))
        return [about, gr.Group(visible=not is_mlm), gr.Group(visible=is_mlm),
                gr.Dropdown(choices=examples, value=None), gr.Textbox(visible=cfg.is_pair),
                figure]

    @guarded
    def on_example(choice: str | None, run_id: str | None) -> list[Any]:
        if not choice:
            return [gr.skip(), gr.skip()]
        first, _, second = choice.rsplit(" → ", 1)[0].partition(" ⟂ ")
        return [first, second]

    @guarded
    def on_classify(run_id: str | None, first: str, second: str, stored: str | None,
                    request: gr.Request) -> list[Any]:
        lang, who = lang_of(request), owner_of(stored, request)
        if not run_id:
            raise gr.Error(text("try.none", lang))
        pairs = [second] if studio.run(run_id).config.is_pair else None
        [mine] = studio.classify(run_id, [first], pairs, owner=who)
        [base] = studio.classify(run_id, [first], pairs, base=True, owner=who)
        return [dict(mine), dict(base)]

    @guarded
    def on_fill(run_id: str | None, masked: str, stored: str | None,
                request: gr.Request) -> list[Any]:
        lang, who = lang_of(request), owner_of(stored, request)
        if not run_id:
            raise gr.Error(text("try.none", lang))
        mine = dict(studio.fill_mask(run_id, masked, top_k=5, owner=who))
        try:
            return [mine, dict(studio.fill_mask(run_id, masked, top_k=5, base=True,
                                                owner=who)), ""]
        except NoMlmHead as exc:  # expected for the built-in checkpoint: explain, don't guess
            return [mine, None, f"ℹ️ {exc}"]

    @guarded
    def refresh(stored: str | None, request: gr.Request) -> Any:
        runs = finished_runs(studio, owner_of(stored, request))
        return gr.Dropdown(choices=runs, value=runs[0] if runs else None)

    run_outputs = [tab.about, tab.cls_box, tab.mlm_box, tab.example, tab.second, tab.matrix]
    demo.load(refresh, owner, tab.run, api_visibility="private")
    tab.run.change(on_run, [tab.run, owner], run_outputs, api_name="try_run")
    tab.refresh.click(refresh, owner, tab.run, api_name="finished_runs")
    runs_version.change(refresh, owner, tab.run, api_visibility="private")
    tab.example.change(on_example, [tab.example, tab.run], [tab.first, tab.second],
                       api_visibility="private")
    classify_io = ([tab.run, tab.first, tab.second, owner], [tab.model_out, tab.base_out])
    tab.classify.click(on_classify, *classify_io, api_name="classify")
    tab.first.submit(on_classify, *classify_io, api_visibility="private")
    tab.fill.click(on_fill, [tab.run, tab.masked, owner],
                   [tab.fill_model, tab.fill_base, tab.fill_note], api_name="fill_mask")


def _examples(studio: Any, cfg: Any, n: int = 20) -> list[str]:
    """Test rows as 'text ⟂ pair → true label' (validation rows when there is no test split)."""
    prepared = studio.prepared(cfg)
    split = prepared.splits["test"] if "test" in prepared.splits else prepared.splits["validation"]
    names = prepared.label_names or []
    out = []
    for row in split.select(range(min(n, len(split)))):
        pair = f" ⟂ {row['text_pair']}" if row.get("text_pair") else ""
        out.append(f"{row['text']}{pair} → {names[row['label']]}")
    return out
