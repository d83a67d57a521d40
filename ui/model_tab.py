"""Tab 2 · Model & tokens: the checkpoint and task, then what the model actually receives: tokens
with ids / token_type_ids / attention mask, one real padded batch, the token-length histogram
against max_length, and a whole epoch's padding for static, dynamic and length-grouped batches."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import gradio as gr

from engine import hub
from engine.config import BUILTIN_CHECKPOINT
from engine.tokens import suggest_checkpoints

from .data_tab import hub_state
from .errors import guarded
from .i18n import lang_of, t, text
from .identity import owner_of
from .plots import length_histogram, padding_bars
from .render import batch_html, tokens_html
from .widgets import Form


@dataclass
class ModelTab:
    suggestions: Any
    hub_note: Any
    query: Any
    search: Any
    sentence: Any
    sentence2: Any
    row: Any
    show_tokens: Any
    tokens: Any
    show_batch: Any
    batch: Any
    batch_note: Any
    lengths: Any
    waste: Any


def checkpoint_choices(studio: Any, extra: list[str] | None = None,
                       owner: str | None = None) -> list[str]:
    finished = [f"run:{h.run_id}" for h in studio.runs(owner)
                if h.status().get("state") == "finished"]
    seen: dict[str, None] = dict.fromkeys([BUILTIN_CHECKPOINT, *(extra or []), *finished])
    return list(seen)


def build(form: Form, studio: Any) -> ModelTab:
    gr.Markdown(t("model.intro"))
    with gr.Row():
        form.add("checkpoint", gr.Dropdown(checkpoint_choices(studio), value=BUILTIN_CHECKPOINT,
                                           allow_custom_value=True, elem_id="field-checkpoint",
                                           label=t("field.checkpoint.label"),
                                           info=t("field.checkpoint.help"), scale=3))
        form.field("task", scale=2)
    suggestions = gr.Markdown(elem_id="suggestions")
    with gr.Accordion(t("model.hub"), open=False):
        hub_note = gr.Markdown()
        with gr.Row():
            query = gr.Textbox(label=t("model.hub_search"), max_lines=1, scale=4)
            search = gr.Button(t("data.search"), scale=1)
    form.field("max_length")
    gr.Markdown(t("tokens.title"))
    with gr.Row():
        sentence = gr.Textbox(label=t("tokens.sentence"), lines=2, elem_id="sentence")
        sentence2 = gr.Textbox(label=t("tokens.sentence2"), lines=2, visible=False,
                               elem_id="sentence2")
    with gr.Row():
        row = gr.Slider(0, 100, value=0, step=1, label=t("tokens.row"), scale=3)
        show_tokens = gr.Button(t("tokens.show"), variant="primary", scale=1,
                                elem_id="show-tokens")
    tokens = gr.HTML(elem_id="tokens")
    gr.Markdown(t("padding.title"))
    with gr.Row():
        form.field("padding")
        form.field("sampling")
    show_batch = gr.Button(t("padding.show"), variant="primary", elem_id="show-batch")
    batch_note = gr.Markdown(elem_id="batch-note")
    batch = gr.HTML(elem_id="batch")
    with gr.Row():
        lengths = gr.Plot(show_label=False, elem_id="lengths-plot")
        waste = gr.Plot(show_label=False, elem_id="waste-plot")
    return ModelTab(suggestions, hub_note, query, search, sentence, sentence2, row, show_tokens,
                    tokens, show_batch, batch, batch_note, lengths, waste)


def wire(demo: Any, tab: ModelTab, form: Form, studio: Any, data_version: Any,
         owner: Any) -> None:
    inputs = form.inputs | {tab.sentence, tab.sentence2, tab.row, owner}

    def token_view(cfg: Any, first: str, second: str | None, lang: str) -> str:
        pairs = [second or ""] if cfg.is_pair else None
        return tokens_html(studio.token_view(cfg, [first], pairs)[0], lang)

    def padding_views(cfg: Any, lang: str) -> list[Any]:
        demo = studio.batch_demo(cfg)
        stats = studio.length_stats(cfg)
        epoch = studio.epoch_padding(cfg)
        note = text("padding.batch_note", lang, lengths=demo.lengths, shape=demo.shape,
                    share=demo.pad_share, static=epoch["static"].pad_share,
                    dynamic=epoch["dynamic"].pad_share, grouped=epoch["grouped"].pad_share)
        note += "".join(f"\n- ⚠️ {w}" for w in stats.warnings)
        return [note, batch_html(demo, lang), length_histogram(stats, lang),
                padding_bars(epoch, lang)]

    @guarded
    def on_data(data: dict[Any, Any], request: gr.Request) -> list[Any]:
        lang = lang_of(request)
        cfg = form.config(data)
        view = studio.inspect(cfg)
        if view.prepared is None:
            return [f"⚠️ {view.problem}", *[gr.skip()] * 10]
        train = view.prepared.splits["train"]
        first = train[0]["text"]
        second = train[0].get("text_pair")
        ideas = suggest_checkpoints(view.script)
        script = text("script." + re.sub(r"[^a-z]+", "_", view.script.lower()).strip("_"), lang)
        note = text("model.suggest", lang, script=script,
                    models=", ".join(f"`{m}`" for m in ideas))
        mine = owner_of(data[owner], request)
        return [note, gr.Dropdown(choices=checkpoint_choices(studio, ideas, mine)),
                gr.Textbox(value=first), gr.Textbox(value=second or "", visible=cfg.is_pair),
                gr.Slider(maximum=max(0, len(train) - 1), value=0),
                token_view(cfg, first, second, lang), *padding_views(cfg, lang)]

    @guarded
    def on_tokens(data: dict[Any, Any], request: gr.Request) -> str:
        return token_view(form.config(data), data[tab.sentence], data[tab.sentence2],
                          lang_of(request))

    @guarded
    def on_row(data: dict[Any, Any], request: gr.Request) -> list[Any]:
        cfg = form.config(data)
        row = studio.prepared(cfg).splits["train"][int(data[tab.row])]
        second = row.get("text_pair")
        return [row["text"], second or "", token_view(cfg, row["text"], second,
                                                      lang_of(request))]

    @guarded
    def on_padding(data: dict[Any, Any], request: gr.Request) -> list[Any]:
        return padding_views(form.config(data), lang_of(request))

    data_outputs = [tab.suggestions, form["checkpoint"], tab.sentence, tab.sentence2, tab.row,
                    tab.tokens, tab.batch_note, tab.batch, tab.lengths, tab.waste]
    data_version.change(on_data, inputs, data_outputs, api_visibility="private")
    tab.show_tokens.click(on_tokens, inputs, tab.tokens, api_name="tokens")
    tab.sentence.submit(on_tokens, inputs, tab.tokens, api_visibility="private")
    tab.row.release(on_row, inputs, [tab.sentence, tab.sentence2, tab.tokens],
                    api_name="row_tokens")
    padding_outputs = [tab.batch_note, tab.batch, tab.lengths, tab.waste]
    tab.show_batch.click(on_padding, inputs, padding_outputs, api_name="batch")
    for name in ("padding", "max_length", "checkpoint"):
        form[name].input(on_padding, inputs, padding_outputs, api_visibility="private")

    @guarded
    def on_search(query: str, stored: str | None, request: gr.Request) -> Any:
        found = [m["id"] for m in hub.search("model", query or "")]
        return gr.Dropdown(choices=checkpoint_choices(studio, found, owner_of(stored, request)))

    tab.search.click(on_search, [tab.query, owner], form["checkpoint"], api_name="search_models")
    def model_hub_state(request: gr.Request) -> list[Any]:
        return hub_state(request)[:2]

    demo.load(model_hub_state, None, [tab.hub_note, tab.search], api_visibility="private")
