"""Tab 2 · Model & tokens: the checkpoint and task, then what the model actually receives: tokens
with ids / token_type_ids / attention mask, one real padded batch, the token-length histogram
against max_length, and a whole epoch's padding for static, dynamic and length-grouped batches.
``ModelHandlers`` are its events (callable without a server); ``wire`` only connects them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr

from engine.config import BUILTIN_CHECKPOINT
from engine.tokens.view import suggest_checkpoints

from .data_view import hub_state
from .errors import guarded
from .i18n import lang_of, t, text
from .identity import owner_of
from .plots import length_histogram, padding_bars
from .render import batch_html, tokens_html
from .widgets import Form

if TYPE_CHECKING:
    from engine.config import RunConfig
    from engine.studio import Studio


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


def checkpoint_choices(studio: Studio, extra: list[str] | None = None,
                       owner: str | None = None) -> list[str]:
    """The built-in checkpoint, then ``extra`` (suggestions, search results), then the
    finished runs (``run:<id>``), each once."""
    finished = [f"run:{run_id}" for run_id in studio.finished_runs(owner)]
    seen: dict[str, None] = dict.fromkeys([BUILTIN_CHECKPOINT, *(extra or []), *finished])
    return list(seen)


def build(form: Form, studio: Studio) -> ModelTab:
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


class ModelHandlers:
    """The Model & tokens tab's events, callable without a server. ``owner`` is the page's id
    (in public mode only the visitor's finished runs are offered as checkpoints)."""

    def __init__(self, studio: Studio, form: Form, tab: ModelTab, owner: Any) -> None:
        self.studio, self.form, self.tab, self.owner = studio, form, tab, owner
        self.inputs = form.inputs | {tab.sentence, tab.sentence2, tab.row, owner}

    def token_view(self, cfg: RunConfig, first: str, second: str | None, lang: str) -> str:
        """A sentence (and its pair) as tokens with ids, token types and attention mask."""
        pairs = [second or ""] if cfg.is_pair else None
        return tokens_html(self.studio.token_view(cfg, [first], pairs)[0], lang)

    def padding_views(self, cfg: RunConfig, lang: str) -> list[Any]:
        """[note, padded batch, length histogram, epoch padding chart]."""
        studio = self.studio
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
    def data_changed(self, data: dict[Any, Any], request: gr.Request) -> list[Any]:
        """New data: suggested checkpoints, its first row as tokens, and its padding views."""
        lang, studio = lang_of(request), self.studio
        cfg = self.form.config(data)
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
        mine = owner_of(data[self.owner], request)
        return [note, gr.Dropdown(choices=checkpoint_choices(studio, ideas, mine)),
                gr.Textbox(value=first), gr.Textbox(value=second or "", visible=cfg.is_pair),
                gr.Slider(maximum=max(0, len(train) - 1), value=0),
                self.token_view(cfg, first, second, lang), *self.padding_views(cfg, lang)]

    @guarded
    def tokens(self, data: dict[Any, Any], request: gr.Request) -> str:
        """The typed sentence (and pair) as tokens."""
        return self.token_view(self.form.config(data), data[self.tab.sentence],
                               data[self.tab.sentence2], lang_of(request))

    @guarded
    def row(self, data: dict[Any, Any], request: gr.Request) -> list[Any]:
        """[sentence, pair, tokens] of the training row the slider picks."""
        cfg = self.form.config(data)
        row = self.studio.prepared(cfg).splits["train"][int(data[self.tab.row])]
        second = row.get("text_pair")
        return [row["text"], second or "", self.token_view(cfg, row["text"], second,
                                                           lang_of(request))]

    @guarded
    def padding(self, data: dict[Any, Any], request: gr.Request) -> list[Any]:
        """A real padded batch, the token lengths and an epoch's padding, with the settings."""
        return self.padding_views(self.form.config(data), lang_of(request))

    @guarded
    def search(self, query: str, stored: str | None, request: gr.Request) -> Any:
        """The checkpoint picker with the Hub's models matching the query."""
        found = [m["id"] for m in self.studio.hub.search("model", query or "")]
        return gr.Dropdown(choices=checkpoint_choices(self.studio, found,
                                                      owner_of(stored, request)))

    @guarded
    def hub_controls(self, request: gr.Request) -> list[Any]:
        """[note, search]: the Hub search, or a note saying why it is off."""
        return hub_state(self.studio.hub, request)[:2]


def wire(demo: gr.Blocks, tab: ModelTab, form: Form, studio: Studio, data_version: Any,
         owner: Any) -> None:
    """New data (``data_version``) refreshes the suggestions, the tokens and the padding."""
    on = ModelHandlers(studio, form, tab, owner)
    inputs = on.inputs
    tokens, padding = on.tokens, on.padding  # bound once: see data_tab.wire
    data_outputs = [tab.suggestions, form["checkpoint"], tab.sentence, tab.sentence2, tab.row,
                    tab.tokens, tab.batch_note, tab.batch, tab.lengths, tab.waste]
    data_version.change(on.data_changed, inputs, data_outputs, api_visibility="private")
    tab.show_tokens.click(tokens, inputs, tab.tokens, api_name="tokens")
    tab.sentence.submit(tokens, inputs, tab.tokens, api_visibility="private")
    tab.row.release(on.row, inputs, [tab.sentence, tab.sentence2, tab.tokens],
                    api_name="row_tokens")
    padding_outputs = [tab.batch_note, tab.batch, tab.lengths, tab.waste]
    tab.show_batch.click(padding, inputs, padding_outputs, api_name="batch")
    for name in ("padding", "max_length", "checkpoint"):
        form[name].input(padding, inputs, padding_outputs, api_visibility="private")
    tab.search.click(on.search, [tab.query, owner], form["checkpoint"], api_name="search_models")
    demo.load(on.hub_controls, None, [tab.hub_note, tab.search], api_visibility="private")
