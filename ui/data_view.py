"""What the Data tab draws from the engine's ``DataView``: the preview table, the summary, the
label chart, the column pickers, and the Hub controls' state (shared with the Model tab).
Plain functions of values, no events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import gradio as gr
import pandas as pd

from engine.errors import HubError

from .errors import localized, message
from .i18n import lang_of, text
from .plots import empty, label_bars

if TYPE_CHECKING:
    from engine.config import RunConfig
    from engine.data.inspection import DataView
    from engine.hub import Hub


def preview_table(rows: list[dict[str, Any]]) -> Any:
    """Column widths follow the content, so a short label column stays in view next to a long
    text column instead of being pushed off to the right."""
    frame = pd.DataFrame(rows)
    if frame.empty:
        return gr.Dataframe(value=frame)
    sizes = [min(60.0, max(4.0, frame[c].astype(str).str.len().mean())) for c in frame.columns]
    widths: list[str | int] = [f"{100 * s / sum(sizes):.0f}%" for s in sizes]
    return gr.Dataframe(value=frame, column_widths=widths)


def summary_text(view: DataView, lang: str) -> str:
    """Rows per split, whether the data is ready to train (and why not), every warning."""
    splits = " · ".join(f"{k} {v:,}" for k, v in view.splits.items())
    lines = [f"**{view.source}** — {text('data.rows', lang)}: {splits}", ""]
    if view.prepared is not None:
        rows = view.prepared.report.rows
        lines.append("✅ " + text("data.ready", lang, rows=" · ".join(f"{k} {v:,}" for k, v in
                                                                     rows.items())) + "\n")
        lines += [f"- {r}" for r in view.prepared.report.reasons]
    if view.problem:
        problem = view.problem_key and localized(view.problem_key, view.problem_params, lang)
        lines.append(f"\n⚠️ **{problem or view.problem}**")
    lines += [f"- ⚠️ {w}" for w in view.warnings]
    return "\n".join(lines)


def label_chart(view: DataView, lang: str) -> Any:
    """How many rows each label has (a note when there are no labels)."""
    if view.prepared is None or not view.prepared.report.label_counts:
        return empty(text("plot.labels_title", lang), text("plot.no_labels", lang))
    return label_bars(view.prepared.report.label_counts, lang)


def column_pickers(view: DataView, cfg: RunConfig) -> list[Any]:
    """[text, text pair, label] pickers: the columns used, else the ones asked for or guessed."""
    columns = list(view.columns)
    chosen = view.prepared
    values = ((chosen.text_column, chosen.text_pair_column, chosen.label_column) if chosen else
              (cfg.text_column or view.guess.text, cfg.text_pair_column or view.guess.text_pair,
               cfg.label_column or view.guess.label))
    return [gr.Dropdown(choices=columns, value=v) for v in values]


def hub_state(hub: Hub, request: gr.Request) -> list[Any]:
    """Checked once per page: Hub controls say plainly why they are off (offline, no network)
    instead of failing on click. Answers in ~2 s at most (instantly when offline)."""
    lang = lang_of(request)
    try:
        hub.ensure_reachable()
        note, on = "✅ " + text("data.hub_on", lang), True
    except HubError as exc:
        note, on = f"⚠️ {text('data.hub_off', lang)} {message(exc, lang)}", False
    return [note, gr.Button(interactive=on), gr.Button(interactive=on)]
