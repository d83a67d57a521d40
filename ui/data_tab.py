"""Tab 1 · Data: a built-in sample, an uploaded file or a Hub dataset; preview, detected columns
(editable), label histogram, and every warning the engine raised about the data.
``DataHandlers`` are its events (callable without a server); ``wire`` only connects them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr

from engine.config import default_of
from engine.data.sources import FILE_TYPES, builtin_card, builtin_meta, builtin_names
from engine.hub import validate_repo_id

from .data_view import column_pickers, hub_state, label_chart, preview_table, summary_text
from .errors import guarded
from .i18n import lang_of, t, text
from .widgets import Form

if TYPE_CHECKING:
    from engine.studio import Studio

COLUMN_FIELDS = ("text_column", "text_pair_column", "label_column")
SPLIT_FIELDS = ("train_split", "eval_split", "test_split")


@dataclass
class DataTab:
    sample: Any
    card: Any
    upload: Any
    upload_path: Any  # gr.State: the stored copy of the uploaded file
    extra_uploads: list[Any]  # optional validation and test files
    extra_paths: list[Any]  # gr.State each: their stored copies
    hub_box: Any
    hub_note: Any
    query: Any
    search: Any
    results: Any
    overview: Any
    load_hub: Any
    summary: Any
    preview: Any
    labels: Any
    version: Any  # bumps each time the data changes; other tabs listen to it
    builtin_box: Any
    file_box: Any


def build(form: Form) -> DataTab:
    gr.Markdown(t("data.intro"))
    form.field("data_source")
    with gr.Group(visible=True) as builtin_box:
        sample = gr.Dropdown([(builtin_meta(n)["title"], n) for n in builtin_names()],
                             value="sentiment", label=t("data.sample"), elem_id="sample")
        with gr.Accordion(t("data.card"), open=False):
            card = gr.Markdown(builtin_card("sentiment"))
    with gr.Group(visible=False) as file_box:
        upload = gr.File(label=t("data.upload"), file_types=list(FILE_TYPES), elem_id="upload")
        gr.Markdown(t("data.upload_help"))
        with gr.Accordion(t("data.extra_files"), open=False):
            with gr.Row():
                extra_uploads = [gr.File(label=t(f"data.upload_{role}"),
                                         file_types=list(FILE_TYPES), elem_id=f"upload-{role}")
                                 for role in ("validation", "test")]
        with gr.Accordion(t("data.file_reading"), open=False):
            with gr.Row():
                form.field("delimiter")
                form.field("encoding")
                form.add("sheet", gr.Dropdown([], value=None, allow_custom_value=True,
                                              label=t("field.sheet.label"),
                                              info=t("field.sheet.help"), elem_id="field-sheet"))
    with gr.Group(visible=False) as hub_box:
        hub_note = gr.Markdown()
        with gr.Row():
            query = gr.Textbox(label=t("data.hub_search"), scale=4, max_lines=1)
            search = gr.Button(t("data.search"), scale=1)
        results = gr.Dropdown([], label=t("data.hub_results"), allow_custom_value=True,
                              elem_id="hub-results")
        form.add("dataset_config", gr.Dropdown([], label=t("field.dataset_config.label"),
                                               info=t("field.dataset_config.help"),
                                               allow_custom_value=True, value=None,
                                               elem_id="field-dataset_config"))
        overview = gr.Markdown()
        load_hub = gr.Button(t("data.hub_load"), variant="primary")
    form.field("dataset", visible=False)
    summary = gr.Markdown(elem_id="data-summary")
    with gr.Row():
        for name in COLUMN_FIELDS:
            form.add(name, gr.Dropdown([], value=None, allow_custom_value=True,
                                       label=t(f"field.{name}.label"),
                                       info=t(f"field.{name}.help"), elem_id=f"field-{name}"))
    preview = gr.Dataframe(label=t("data.preview"), interactive=False, max_height=300,
                           wrap=True, elem_id="preview")
    labels = gr.Plot(label=t("data.labels"), show_label=False)
    with gr.Accordion(t("data.more"), open=False):
        with gr.Row():
            for name in ("train_split", "eval_split", "test_split"):
                form.add(name, gr.Dropdown([], value=default_of(name), allow_custom_value=True,
                                           label=t(f"field.{name}.label"),
                                           info=t(f"field.{name}.help"),
                                           elem_id=f"field-{name}"))
        with gr.Row():
            form.field("max_rows")
            form.field("validation_fraction")
            form.field("test_fraction")
    return DataTab(sample, card, upload, gr.State(None), extra_uploads,
                   [gr.State(None), gr.State(None)], hub_box, hub_note, query, search,
                   results, overview, load_hub, summary, preview, labels, gr.State(0),
                   builtin_box, file_box)


class DataHandlers:
    """The Data tab's events, callable without a server. ``task`` is the model tab's task
    widget: data without labels switches it to masked-LM."""

    def __init__(self, studio: Studio, form: Form, tab: DataTab, task: Any) -> None:
        self.studio, self.form, self.tab = studio, form, tab
        # What every data change fills, in this order (``show``'s answer).
        self.outputs = [form["dataset"], form["data_source"], tab.summary, tab.preview,
                        tab.labels, *[form[n] for n in COLUMN_FIELDS], task,
                        *[form[n] for n in SPLIT_FIELDS], form["sheet"], tab.version]
        self.inputs = form.inputs | {tab.sample, tab.upload_path, *tab.extra_paths,
                                     tab.results, tab.version}

    def show(self, data: dict[Any, Any], source: str, dataset: str, keep_columns: bool,
             lang: str, keep_sheet: bool = False, progress: gr.Progress | None = None
             ) -> list[Any]:
        """The data as read with the page's settings: summary, preview, labels and pickers."""
        form, studio = self.form, self.studio
        step = progress or (lambda *_, **__: None)
        changes = {"data_source": source, "dataset": dataset, "dataset_config": data.get(
            form["dataset_config"]) if source == "hub" else None}
        if not keep_sheet:
            changes["sheet"] = None
        if not keep_columns:
            changes.update({n: None for n in COLUMN_FIELDS})
        cfg = form.config(data, **changes)
        step(0.1, desc=text("data.progress_reading", lang))
        studio.raw_data(cfg)
        step(0.4, desc=text("data.progress_preparing", lang))
        view = studio.inspect(cfg)
        switched = not keep_columns and view.task_hint != cfg.task
        if switched:
            cfg = cfg.replace(task=view.task_hint)
            view = studio.inspect(cfg)
        summary = summary_text(view, lang)
        if switched and cfg.task == "mlm" and not view.meta:
            summary += "\n\nℹ️ " + text("data.switched_mlm", lang)
        elif switched and cfg.task in ("multilabel", "regression") and not view.meta:
            summary += "\n\nℹ️ " + text(f"data.switched_{cfg.task}", lang)
        if view.prepared is not None:  # e.g. "the checkpoint does not know this language"
            step(0.7, desc=text("data.progress_tokens", lang))
            summary += "".join(f"\n- ⚠️ {w}" for w in studio.length_stats(cfg).warnings)
        splits = list(view.splits)
        split_updates = [gr.Dropdown(choices=splits, value=getattr(cfg, n) if keep_columns
                                     else default_of(n)) for n in SPLIT_FIELDS]
        return [dataset, source, summary, preview_table(view.preview),
                label_chart(view, lang), *column_pickers(view, cfg), cfg.task, *split_updates,
                gr.Dropdown(choices=view.sheets, value=cfg.sheet), data[self.tab.version] + 1]

    @guarded
    def sample(self, data: dict[Any, Any], request: gr.Request) -> list[Any]:
        """The picked built-in sample, loaded (also the page's first view)."""
        return self.show(data, "builtin", data[self.tab.sample], False, lang_of(request))

    @guarded
    def card(self, name: str) -> str:
        """The picked sample's data card."""
        return builtin_card(name)

    @guarded
    def columns(self, data: dict[Any, Any], request: gr.Request) -> list[Any]:
        """The same data again with the columns or splits the person picked."""
        return self.show(data, data[self.form["data_source"]], data[self.form["dataset"]],
                         True, lang_of(request))

    @guarded
    def store(self, path: str | None) -> str | None:
        """An uploaded file, copied where the studio keeps uploads (its path, or nothing)."""
        return self.studio.store_upload(path) if path else None

    @guarded
    def forget(self) -> None:
        """A removed validation or test file is forgotten."""
        return None

    @guarded
    def uploaded(self, data: dict[Any, Any], request: gr.Request,
                 progress: gr.Progress = gr.Progress()) -> list[Any]:  # noqa: B008
        """The uploaded file(s), read and loaded, each stage named while a large file reads."""
        tab = self.tab
        if not data[tab.upload_path]:
            return [gr.skip()] * len(self.outputs)
        return self.show(data, "file", files_of(data[tab.upload_path],
                                                *[data[p] for p in tab.extra_paths]),
                         False, lang_of(request), progress=progress)

    @guarded
    def reading(self, data: dict[Any, Any], request: gr.Request) -> list[Any]:
        """A changed separator, encoding or sheet reads the same file(s) again."""
        if data[self.form["data_source"]] != "file" or not data[self.tab.upload_path]:
            return [gr.skip()] * len(self.outputs)
        return self.show(data, "file", data[self.form["dataset"]], False, lang_of(request),
                         keep_sheet=True)

    @guarded
    def hub_load(self, data: dict[Any, Any], request: gr.Request) -> list[Any]:
        """The Hub dataset picked in the results, loaded."""
        return self.show(data, "hub", validate_repo_id(data[self.tab.results] or ""), False,
                         lang_of(request))

    @guarded
    def hub_controls(self, request: gr.Request) -> list[Any]:
        """[note, search, load]: the Hub controls, or a note saying why they are off."""
        return hub_state(self.studio.hub, request)

    @guarded
    def search(self, query: str) -> Any:
        """The Hub's datasets matching the query, the first one picked."""
        found = self.studio.hub.search("dataset", query or "")
        return gr.Dropdown(choices=[d["id"] for d in found],
                           value=found[0]["id"] if found else None)

    @guarded
    def overview(self, repo_id: str | None, config: str | None) -> list[Any]:
        """[overview, configuration picker, preview] of a Hub dataset, before downloading it."""
        if not repo_id:
            return [gr.skip()] * 3
        hub = self.studio.hub
        info = hub.dataset_overview(repo_id, config)
        if info.config is None:
            return [text("data.hub_pick_config"), gr.Dropdown(choices=info.configs, value=None),
                    gr.skip()]
        sizes = ", ".join(f"{k}: {v:,}" if v is not None else k for k, v in info.splits.items())
        size = f"{info.download_bytes / 1e6:.1f} MB" if info.download_bytes else "?"
        split = next(iter(info.splits), "train")
        rows = hub.preview_rows(repo_id, info.config, split, n=10)
        md = text("data.hub_overview", repo=repo_id, config=info.config, splits=sizes, size=size)
        return [md, gr.Dropdown(choices=info.configs, value=info.config), preview_table(rows)]

    @guarded
    def switch_source(self, source: str) -> list[Any]:
        """Only the picked source's controls are shown (sample, file or Hub)."""
        return [gr.Group(visible=source == "builtin"), gr.Group(visible=source == "file"),
                gr.Group(visible=source == "hub")]


def wire(demo: gr.Blocks, tab: DataTab, form: Form, studio: Studio, task: Any) -> None:
    """``task`` is the model tab's task widget. The page opens on the default built-in sample,
    already loaded."""
    on = DataHandlers(studio, form, tab, task)
    inputs, outputs = on.inputs, on.outputs
    # A handler several events share is bound once: Gradio queues the events of one function
    # together (its default concurrency group is the function's id) and each ``on.x`` is a new
    # bound method. ``search`` and ``overview`` have always had one queue per event.
    sample, columns, store, uploaded, reading = (on.sample, on.columns, on.store, on.uploaded,
                                                 on.reading)
    demo.load(sample, inputs, outputs, api_visibility="private")
    tab.sample.change(sample, inputs, outputs, api_name="load_sample").then(
        on.card, tab.sample, tab.card, api_visibility="private")
    for i, name in enumerate((*COLUMN_FIELDS, *SPLIT_FIELDS)):
        form[name].input(columns, inputs, outputs, api_name="set_columns" if i == 0 else None,
                         api_visibility="public" if i == 0 else "private")
    demo.load(on.hub_controls, None, [tab.hub_note, tab.search, tab.load_hub],
              api_visibility="private")
    tab.upload.upload(store, tab.upload, tab.upload_path, api_name="store_upload").then(
        uploaded, inputs, outputs, api_name="load_upload")
    for role, widget, state in zip(("validation", "test"), tab.extra_uploads, tab.extra_paths,
                                   strict=True):
        widget.upload(store, widget, state, api_name=f"store_{role}_upload").then(
            uploaded, inputs, outputs, api_visibility="private")
        widget.clear(on.forget, None, state, api_visibility="private").then(
            uploaded, inputs, outputs, api_visibility="private")
    for name in ("delimiter", "encoding", "sheet"):
        form[name].input(reading, inputs, outputs, api_name="set_reading"
                         if name == "delimiter" else None,
                         api_visibility="public" if name == "delimiter" else "private")
    tab.load_hub.click(on.hub_load, inputs, outputs, api_name="load_hub")
    form["data_source"].input(on.switch_source, form["data_source"],
                              [tab.builtin_box, tab.file_box, tab.hub_box],
                              api_name="switch_source")
    tab.search.click(on.search, tab.query, tab.results, api_name="search_datasets")
    tab.query.submit(on.search, tab.query, tab.results, api_visibility="private")
    overview_io = ([tab.results, form["dataset_config"]],
                   [tab.overview, form["dataset_config"], tab.preview])
    tab.results.change(on.overview, *overview_io, api_name="dataset_overview")
    form["dataset_config"].input(on.overview, *overview_io, api_visibility="private")


def files_of(train: str, validation: str | None, test: str | None) -> str:
    """One upload is its path; separate validation/test uploads join it, in that order, as the
    engine's ``train:validation:test`` (an empty slot when only a test file is given)."""
    if not validation and not test:
        return train
    return os.pathsep.join([train, validation or "", test or ""]).rstrip(os.pathsep)
