"""Tab 1 · Data: a built-in sample, an uploaded file or a Hub dataset; preview, detected columns
(editable), label histogram, and every warning the engine raised about the data."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import gradio as gr
import pandas as pd

from engine import hub
from engine.config import default_of
from engine.data import FILE_TYPES, builtin_card, builtin_meta, builtin_names
from engine.errors import HubError

from .errors import guarded
from .i18n import lang_of, t, text
from .plots import empty, label_bars
from .widgets import Form

COLUMN_FIELDS = ("text_column", "text_pair_column", "label_column")


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


def wire(demo: Any, tab: DataTab, form: Form, studio: Any, task: Any) -> None:
    """``task`` is the model tab's task widget: data without labels switches it to masked-LM.
    The page opens on the default built-in sample, already loaded."""
    split_fields = [form[n] for n in ("train_split", "eval_split", "test_split")]
    outputs = [form["dataset"], form["data_source"], tab.summary, tab.preview, tab.labels,
               *[form[n] for n in COLUMN_FIELDS], task, *split_fields, form["sheet"],
               tab.version]

    def show(data: dict[Any, Any], source: str, dataset: str, keep_columns: bool,
             lang: str, keep_sheet: bool = False) -> list[Any]:
        changes = {"data_source": source, "dataset": dataset, "dataset_config": data.get(
            form["dataset_config"]) if source == "hub" else None}
        if not keep_sheet:
            changes["sheet"] = None
        if not keep_columns:
            changes.update({n: None for n in COLUMN_FIELDS})
        cfg = form.config(data, **changes)
        view = studio.inspect(cfg)
        switched = not keep_columns and view.task_hint != cfg.task
        if switched:
            cfg = cfg.replace(task=view.task_hint)
            view = studio.inspect(cfg)
        summary = _summary(view, lang)
        if switched and cfg.task == "mlm" and not view.meta:
            summary += "\n\nℹ️ " + text("data.switched_mlm", lang)
        if view.prepared is not None:  # e.g. "the checkpoint does not know this language"
            summary += "".join(f"\n- ⚠️ {w}" for w in studio.length_stats(cfg).warnings)
        splits = list(view.splits)
        split_updates = [gr.Dropdown(choices=splits, value=getattr(cfg, n) if keep_columns
                                     else default_of(n))
                         for n in ("train_split", "eval_split", "test_split")]
        return [dataset, source, summary, preview_table(view.preview),
                _labels(view, lang), *_column_updates(view, cfg), cfg.task, *split_updates,
                gr.Dropdown(choices=view.sheets, value=cfg.sheet), data[tab.version] + 1]

    inputs = form.inputs | {tab.sample, tab.upload_path, *tab.extra_paths, tab.results,
                            tab.version}

    @guarded
    def on_sample(data: dict[Any, Any], request: gr.Request) -> list[Any]:
        return show(data, "builtin", data[tab.sample], False, lang_of(request))

    @guarded
    def on_columns(data: dict[Any, Any], request: gr.Request) -> list[Any]:
        return show(data, data[form["data_source"]], data[form["dataset"]], True,
                    lang_of(request))

    @guarded
    def on_upload(path: str | None) -> str | None:
        return studio.store_upload(path) if path else None

    @guarded
    def on_uploaded(data: dict[Any, Any], request: gr.Request) -> list[Any]:
        if not data[tab.upload_path]:
            return [gr.skip()] * len(outputs)
        return show(data, "file", files_of(data[tab.upload_path],
                                           *[data[p] for p in tab.extra_paths]),
                    False, lang_of(request))

    @guarded
    def on_reading(data: dict[Any, Any], request: gr.Request) -> list[Any]:
        """A changed separator, encoding or sheet reads the same file(s) again."""
        if data[form["data_source"]] != "file" or not data[tab.upload_path]:
            return [gr.skip()] * len(outputs)
        return show(data, "file", data[form["dataset"]], False, lang_of(request),
                    keep_sheet=True)

    @guarded
    def on_hub_load(data: dict[Any, Any], request: gr.Request) -> list[Any]:
        return show(data, "hub", hub.validate_repo_id(data[tab.results] or ""), False,
                    lang_of(request))

    demo.load(on_sample, inputs, outputs, api_visibility="private")
    tab.sample.change(on_sample, inputs, outputs, api_name="load_sample").then(
        lambda name: builtin_card(name), tab.sample, tab.card, api_visibility="private")
    for i, name in enumerate((*COLUMN_FIELDS, "train_split", "eval_split", "test_split")):
        form[name].input(on_columns, inputs, outputs, api_name="set_columns" if i == 0 else None,
                         api_visibility="public" if i == 0 else "private")
    demo.load(hub_state, None, [tab.hub_note, tab.search, tab.load_hub],
              api_visibility="private")
    tab.upload.upload(on_upload, tab.upload, tab.upload_path, api_name="store_upload").then(
        on_uploaded, inputs, outputs, api_name="load_upload")
    for role, widget, state in zip(("validation", "test"), tab.extra_uploads, tab.extra_paths,
                                   strict=True):
        widget.upload(on_upload, widget, state, api_name=f"store_{role}_upload").then(
            on_uploaded, inputs, outputs, api_visibility="private")
        widget.clear(lambda: None, None, state, api_visibility="private").then(
            on_uploaded, inputs, outputs, api_visibility="private")
    for name in ("delimiter", "encoding", "sheet"):
        form[name].input(on_reading, inputs, outputs, api_name="set_reading"
                         if name == "delimiter" else None,
                         api_visibility="public" if name == "delimiter" else "private")
    tab.load_hub.click(on_hub_load, inputs, outputs, api_name="load_hub")
    form["data_source"].input(_switch_source, form["data_source"],
                              [tab.builtin_box, tab.file_box, tab.hub_box],
                              api_name="switch_source")
    tab.search.click(guarded(_search), tab.query, tab.results, api_name="search_datasets")
    tab.query.submit(guarded(_search), tab.query, tab.results, api_visibility="private")
    overview_io = ([tab.results, form["dataset_config"]],
                   [tab.overview, form["dataset_config"], tab.preview])
    tab.results.change(guarded(_overview), *overview_io, api_name="dataset_overview")
    form["dataset_config"].input(guarded(_overview), *overview_io, api_visibility="private")


def files_of(train: str, validation: str | None, test: str | None) -> str:
    """One upload is its path; separate validation/test uploads join it, in that order, as the
    engine's ``train:validation:test`` (an empty slot when only a test file is given)."""
    if not validation and not test:
        return train
    return os.pathsep.join([train, validation or "", test or ""]).rstrip(os.pathsep)


def hub_state(request: gr.Request) -> list[Any]:
    """Checked once per page: Hub controls say plainly why they are off (offline, no network)
    instead of failing on click. Answers in ~2 s at most (instantly when offline)."""
    try:
        hub.ensure_reachable()
        note, on = "✅ " + text("data.hub_on", lang_of(request)), True
    except HubError as exc:
        note, on = f"⚠️ {text('data.hub_off', lang_of(request))} {exc}", False
    return [note, gr.Button(interactive=on), gr.Button(interactive=on)]


def _switch_source(source: str) -> list[Any]:
    return [gr.Group(visible=source == "builtin"), gr.Group(visible=source == "file"),
            gr.Group(visible=source == "hub")]


def _search(query: str) -> Any:
    found = hub.search("dataset", query or "")
    return gr.Dropdown(choices=[d["id"] for d in found], value=found[0]["id"] if found else None)


def _overview(repo_id: str | None, config: str | None) -> list[Any]:
    if not repo_id:
        return [gr.skip()] * 3
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


def preview_table(rows: list[dict[str, Any]]) -> Any:
    """Column widths follow the content, so a short label column stays in view next to a long
    text column instead of being pushed off to the right."""
    frame = pd.DataFrame(rows)
    if frame.empty:
        return gr.Dataframe(value=frame)
    sizes = [min(60.0, max(4.0, frame[c].astype(str).str.len().mean())) for c in frame.columns]
    widths = [f"{100 * s / sum(sizes):.0f}%" for s in sizes]
    return gr.Dataframe(value=frame, column_widths=widths)


def _summary(view: Any, lang: str) -> str:
    splits = " · ".join(f"{k} {v:,}" for k, v in view.splits.items())
    lines = [f"**{view.source}** — {text('data.rows', lang)}: {splits}", ""]
    if view.prepared is not None:
        rows = view.prepared.report.rows
        lines.append("✅ " + text("data.ready", lang, rows=" · ".join(f"{k} {v:,}" for k, v in
                                                                     rows.items())) + "\n")
        lines += [f"- {r}" for r in view.prepared.report.reasons]
    if view.problem:
        lines.append(f"\n⚠️ **{view.problem}**")
    lines += [f"- ⚠️ {w}" for w in view.warnings]
    return "\n".join(lines)


def _labels(view: Any, lang: str) -> Any:
    if view.prepared is None or not view.prepared.report.label_counts:
        return empty(text("plot.labels_title", lang), text("plot.no_labels", lang))
    return label_bars(view.prepared.report.label_counts, lang)


def _column_updates(view: Any, cfg: Any) -> list[Any]:
    columns = list(view.columns)
    chosen = view.prepared
    values = ((chosen.text_column, chosen.text_pair_column, chosen.label_column) if chosen else
              (cfg.text_column or view.guess.text, cfg.text_pair_column or view.guess.text_pair,
               cfg.label_column or view.guess.label))
    return [gr.Dropdown(choices=columns, value=v) for v in values]
