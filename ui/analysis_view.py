"""Error analysis in the Try-it tab, on the split a finished labelled run was scored on: a
per-class table; for one class per text a heat-map confusion table whose cells are clickable
(true label per row, predicted per column); for several labels a "missed / wrongly given"
picker; for scores the largest errors. The mistakes (at most ``MAX_SHOWN`` drawn, all of them in
the CSV download) are sorted as ``Studio.mistakes`` returns them. Renderers are plain functions;
``AnalysisHandlers`` are the handlers (callable without a server); ``try_tab.wire`` connects
them."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr
import pandas as pd
from gradio.utils import get_upload_folder

from engine.modeling.analysis import ErrorAnalysis, to_csv
from engine.protocol import RunMetrics, format_score

from .errors import guarded
from .i18n import lang_of, t, text
from .identity import owner_of

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

    from engine.studio import Studio

MAX_SHOWN = 200  # mistakes drawn in the table; the CSV has all of them
ALL = "all"  # the picker's "every mistake" choice; the others are "missed:X" / "given:X"
RIGHT, WRONG = (16, 185, 129), (225, 29, 72)  # diagonal (green) and mistake (red) cells


@dataclass
class AnalysisView:
    box: Any
    summary: Any
    class_box: Any
    per_class: Any
    matrix_box: Any
    matrix: Any
    picker: Any
    show_all: Any
    download: Any
    count: Any
    mistakes: Any

    @property
    def listing(self) -> list[Any]:
        """What every mistakes filter updates: the table, its count line, the CSV."""
        return [self.mistakes, self.count, self.download]

    @property
    def everything(self) -> list[Any]:
        """``AnalysisHandlers.show``'s outputs, in its order."""
        return [self.box, self.summary, self.class_box, self.per_class, self.matrix_box,
                self.matrix, self.picker, self.show_all, *self.listing]


def build() -> AnalysisView:
    with gr.Column(visible=False, elem_id="analysis") as box:
        gr.Markdown(t("analysis.title"))
        summary = gr.Markdown(elem_id="analysis-summary")
        with gr.Column(visible=False) as class_box:
            per_class = gr.Dataframe(label=t("analysis.per_class"), interactive=False,
                                     elem_id="per-class", max_height=320)
            gr.Markdown(t("analysis.per_class_help"), elem_classes=["note"])
        with gr.Column(visible=False) as matrix_box:
            gr.Markdown(t("analysis.matrix_help"), elem_classes=["note"])
            matrix = gr.Dataframe(label=t("analysis.matrix"), interactive=False,
                                  elem_id="confusion", max_height=420)
        picker = gr.Dropdown([], value=None, visible=False, label=t("analysis.picker"),
                             elem_id="mistake-filter")  # choices: the run's labels (``show``)
        with gr.Row():
            show_all = gr.Button(t("analysis.show_all"), size="sm", elem_id="show-all")
            download = gr.DownloadButton(t("analysis.download"), size="sm",
                                         elem_id="mistakes-csv")
        count = gr.Markdown(elem_id="mistakes-count")
        mistakes = gr.Dataframe(label=t("analysis.mistakes"), interactive=False, wrap=True,
                                elem_id="mistakes", max_height=480)
    return AnalysisView(box, summary, class_box, per_class, matrix_box, matrix, picker,
                        show_all, download, count, mistakes)


# --- renderers: engine values -> tables ---------------------------------------------------------
def per_class_table(per_class: list[dict[str, Any]], lang: str) -> Styler:
    """One row per class (or label): precision, recall, F1 with 3 decimals, and support."""
    keys = ("label", "precision", "recall", "f1", "support")
    frame = pd.DataFrame([[row.get(k) for k in keys] for row in per_class],
                         columns=[text(f"analysis.col_{k}", lang) for k in keys])
    scores = list(frame.columns[1:4])
    frame[scores] = frame[scores].astype(float).round(3)
    return frame.style.format("{:.3f}", subset=scores).hide(axis="index")


def heat_styles(matrix: list[list[int]]) -> list[list[str]]:
    """CSS per cell of the confusion table (label column first): the diagonal green by the
    share of its row it holds, mistakes red by their size against the largest mistake."""
    worst = max((v for i, row in enumerate(matrix) for j, v in enumerate(row) if i != j),
                default=0)
    styles = []
    for i, row in enumerate(matrix):
        total = sum(row)
        cells = ["font-weight: 600; background-color: #f3f4f6"]
        for j, value in enumerate(row):
            share = (value / total if total else 0.0) if i == j else \
                (value / worst if worst else 0.0)
            red, green, blue = RIGHT if i == j else WRONG
            colour = f"background-color: rgba({red}, {green}, {blue}, {0.08 + 0.6 * share:.2f})" \
                if value else "color: #9ca3af"
            cells.append(f"{colour}; text-align: center; cursor: pointer")
        styles.append(cells)
    return styles


def confusion_table(matrix: list[list[int]], names: list[str], lang: str) -> Styler:
    """Rows: true label (named in the first column); columns: predicted label."""
    frame = pd.DataFrame([[name, *row] for name, row in zip(names, matrix, strict=True)],
                         columns=[text("analysis.corner", lang), *names])
    styles = heat_styles(matrix)
    return frame.style.apply(
        lambda f: pd.DataFrame(styles, index=f.index, columns=f.columns), axis=None
    ).hide(axis="index")


def _joined(value: Any, lang: str) -> Any:
    if isinstance(value, list):
        return ", ".join(value) or text("try.given_none", lang)
    return value


def mistakes_table(rows: list[dict[str, Any]], task: str, lang: str) -> pd.DataFrame:
    """The first ``MAX_SHOWN`` rows: text (and second text for pairs), true, predicted, and
    confidence (or the error, predicted - true, for regression)."""
    pairs = any(r.get("text_pair") for r in rows)
    last = "error" if task == "regression" else "confidence"
    keys = ["text", *(["text_pair"] if pairs else []), "gold", "predicted", last]
    data = [[_joined(r.get(k), lang) for k in keys] for r in rows[:MAX_SHOWN]]
    heads = {"text_pair": "text2"}
    return pd.DataFrame(data, columns=[text(f"analysis.col_{heads.get(k, k)}", lang)
                                       for k in keys])


def table_update(rows: list[dict[str, Any]], task: str, lang: str) -> Any:
    """The mistakes table with its title (how it is sorted) and column widths."""
    frame = mistakes_table(rows, task, lang)
    label = text("analysis.mistakes_regression" if task == "regression" else "analysis.mistakes",
                 lang)
    return gr.Dataframe(frame, label=label, column_widths=widths(len(frame.columns)))


def widths(columns: int) -> list[str | int]:
    """The text columns share 58% of the table; otherwise a long text pushes the answers out
    of sight (a wrapped cell takes all the width it can)."""
    texts = columns - 3
    return [*(f"{58 // texts}%" for _ in range(texts)), "14%", "14%", "14%"]


def picker_choices(names: list[str], lang: str) -> list[tuple[str, str]]:
    """Multi-label filters: all, then per label the rows where it was missed / wrongly given."""
    choices = [(text("analysis.all", lang), ALL)]
    choices += [(text("analysis.missed", lang, label=n), f"missed:{n}") for n in names]
    choices += [(text("analysis.given", lang, label=n), f"given:{n}") for n in names]
    return choices


def parse_choice(choice: str | None) -> tuple[str | None, str | None]:
    """A picker value -> (gold, predicted) for ``Studio.mistakes``."""
    kind, _, label = (choice or ALL).partition(":")
    if kind == "missed" and label:
        return label, None
    if kind == "given" and label:
        return None, label
    return None, None


def where(gold: str | None, predicted: str | None, task: str, lang: str) -> str:
    """The filter in words, appended to the count line."""
    if gold is not None and predicted is not None:
        return text("analysis.where_cell", lang, gold=gold, predicted=predicted)
    if task == "multilabel" and (gold or predicted):
        key = "analysis.where_missed" if gold else "analysis.where_given"
        return text(key, lang, label=gold or predicted)
    if gold is not None:
        return text("analysis.where_gold", lang, gold=gold)
    if predicted is not None:
        return text("analysis.where_predicted", lang, predicted=predicted)
    return ""


def safe_name(*parts: str) -> str:
    """A file name from run ids and labels (any letters): ASCII letters, digits, '-', '_'."""
    stem = "-".join(re.sub(r"[^A-Za-z0-9_-]+", "_", p).strip("_") or "x" for p in parts)
    return stem[:120] + ".csv"


def write_csv(rows: list[dict[str, Any]], run_id: str, tag: str) -> str:
    """Every filtered mistake as CSV in Gradio's file cache (one folder per file: two pages
    never overwrite each other's download)."""
    folder = Path(get_upload_folder()) / "mistakes" / uuid.uuid4().hex[:16]
    folder.mkdir(parents=True, exist_ok=True)
    return str(to_csv(rows, folder / safe_name("mistakes", run_id, tag)))


# --- handlers ----------------------------------------------------------------------------------
class AnalysisHandlers:
    """The error-analysis events. ``show`` fills the section for a run; ``pick``, ``cell`` and
    ``show_all`` list mistakes (``[table, count line, CSV]``, ``show_all`` also resets the
    picker)."""

    def __init__(self, studio: Studio) -> None:
        self.studio = studio

    @guarded
    def show(self, run_id: str | None, stored: str | None,
             request: gr.Request | None = None) -> list[Any]:
        """[section, summary, per-class box, per-class table, matrix box, matrix, picker,
        show-all button, mistakes table, count, CSV] for the picked run (hidden for masked-LM
        or no run)."""
        lang, who = lang_of(request), owner_of(stored, request)
        if not run_id or self._task(run_id, who) == "mlm":  # nothing labelled to analyse
            return [gr.Column(visible=False), "", gr.Column(visible=False), None,
                    gr.Column(visible=False), None, gr.Dropdown(visible=False),
                    gr.Button(visible=False), None, "", gr.DownloadButton(value=None)]
        analysis = self.studio.error_analysis(run_id, who)
        names, task = analysis.label_names, analysis.task
        matrix = confusion_table(analysis.confusion, names, lang) \
            if analysis.confusion and task == "classification" else None
        picker = gr.Dropdown(picker_choices(names, lang), value=ALL,
                             visible=task == "multilabel")
        return [gr.Column(visible=True), self.summary(run_id, analysis, who, lang),
                gr.Column(visible=bool(analysis.per_class)),
                per_class_table(analysis.per_class, lang),
                gr.Column(visible=matrix is not None), matrix, picker,
                gr.Button(visible=task != "regression"),  # a filter to clear: not for scores
                *self.listing(run_id, task, None, None, who, lang)]

    @guarded
    def pick(self, run_id: str | None, choice: str | None, stored: str | None,
             request: gr.Request | None = None) -> list[Any]:
        """The picker (multi-label: "missed: X" / "wrongly given: X") -> the mistakes."""
        lang, who = lang_of(request), owner_of(stored, request)
        if not run_id:
            raise gr.Error(text("try.none", lang))
        gold, predicted = parse_choice(choice)
        return self.listing(run_id, self._task(run_id, who), gold, predicted, who, lang)

    @guarded
    def cell(self, run_id: str | None, stored: str | None, evt: gr.SelectData,
             request: gr.Request | None = None) -> list[Any]:
        """A click on the confusion table: ``evt.index`` is [row, column]; row = true label,
        column 0 = the label names (every mistake of that true label), others = predicted."""
        lang, who = lang_of(request), owner_of(stored, request)
        if not run_id:
            raise gr.Error(text("try.none", lang))
        analysis = self.studio.error_analysis(run_id, who)
        names, (row, col) = analysis.label_names, evt.index
        # the row's own label cell, not its position: robust to a table sorted in the browser
        gold = str(evt.row_value[0]) if evt.row_value else names[row]
        predicted = names[col - 1] if col else None
        if gold == predicted and analysis.confusion:
            right = analysis.confusion[names.index(gold)][names.index(gold)]
            note = text("analysis.diagonal", lang, label=gold, count=f"{right:,}")
            return [table_update([], analysis.task, lang), note, gr.DownloadButton(value=None)]
        return self.listing(run_id, analysis.task, gold, predicted, who, lang)

    @guarded
    def show_all(self, run_id: str | None, stored: str | None,
                 request: gr.Request | None = None) -> list[Any]:
        """Clears the filter: [picker back to "all", table, count, CSV]."""
        lang, who = lang_of(request), owner_of(stored, request)
        if not run_id:
            raise gr.Error(text("try.none", lang))
        analysis = self.studio.error_analysis(run_id, who)
        return [gr.Dropdown(picker_choices(analysis.label_names, lang), value=ALL),
                *self.listing(run_id, analysis.task, None, None, who, lang)]

    # --- shared ------------------------------------------------------------------------------
    def _task(self, run_id: str, who: str | None) -> str:
        return self.studio.run(run_id, who, check=True).config.task

    def listing(self, run_id: str, task: str, gold: str | None, predicted: str | None,
                who: str | None, lang: str) -> list[Any]:
        """[mistakes table, count line, CSV download] for one filter."""
        rows = self.studio.mistakes(run_id, gold, predicted, owner=who)
        table = table_update(rows, task, lang)
        filtered = where(gold, predicted, task, lang)
        if not rows:
            return [table, text("analysis.no_mistakes", lang, where=filtered),
                    gr.DownloadButton(value=None)]
        count = text("analysis.count", lang, shown=f"{min(len(rows), MAX_SHOWN):,}",
                     total=f"{len(rows):,}", where=filtered)
        tag = "-".join(f"{k}_{v}" for k, v in (("true", gold), ("predicted", predicted)) if v)
        return [table, count, gr.DownloadButton(value=write_csv(rows, run_id, tag or ALL))]

    def summary(self, run_id: str, analysis: ErrorAnalysis, who: str | None, lang: str) -> str:
        if not analysis.rows:
            return text("analysis.no_rows", lang)
        metrics = RunMetrics(self.studio.run(run_id, who, check=True).metrics())
        scores = " · ".join(f"{text('plot.' + name, lang)} **{format_score(name, value)}**"
                            for name, value in metrics.headline(analysis.task))
        key = "analysis.summary_regression" if analysis.task == "regression" \
            else "analysis.summary"
        return text(key, lang, split=text(f"split.{analysis.split}", lang),
                    rows=f"{analysis.rows:,}", wrong=f"{analysis.wrong:,}", scores=scores)
