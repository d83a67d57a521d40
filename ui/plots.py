"""Plotly figures for every chart in the app, built from engine events and reports.

Only this module imports plotly. Titles and axis labels come translated (``text(key, lang)``)
because a figure is drawn on the server, where the browser's i18n does not reach.
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from engine.protocol import best_point, series

from .i18n import text

PALETTE = ["#4f46e5", "#f97316", "#10b981", "#e11d48", "#0ea5e9", "#a855f7"]
# The validation curves the quality chart draws, by task (all on one 0..1-like scale), and its
# title; masked-LM draws perplexity on a log axis.
CURVES = {"classification": ("accuracy", "f1"), "multilabel": ("f1_micro", "f1_macro"),
          "regression": ("pearson", "spearman"), "mlm": ("perplexity",)}
QUALITY_TITLE = {"classification": "plot.quality_title", "multilabel": "plot.multilabel_title",
                 "regression": "plot.regression_title", "mlm": "plot.perplexity_title"}
_TEMPLATE = pio.templates["plotly_white"].to_plotly_json()  # expanded once: unvalidated
# figures are sent as they are, and plotly.js knows no template names


def _layout(fig: go.Figure, title: str, x: str, y: str, height: int = 300) -> go.Figure:
    fig.update_layout(title={"text": title, "x": 0.02, "font": {"size": 15}}, height=height,
                      margin={"l": 55, "r": 15, "t": 45, "b": 45}, template="plotly_white",
                      legend={"orientation": "h", "y": -0.22, "x": 0}, xaxis_title=x,
                      yaxis_title=y, hovermode="x unified")
    return fig


def empty(title: str, note: str) -> go.Figure:
    fig = _layout(go.Figure(), title, "", "")
    fig.add_annotation(text=note, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font={"color": "#6b7280", "size": 13})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def _points(events: list[Any], kind: str, key: str) -> tuple[list[int], list[float]]:
    points = series(events, kind, key)
    return [step for step, _ in points], [value for _, value in points]


def _line(xs: list[Any], ys: list[Any], name: str, color: str,
          markers: bool = False) -> dict[str, Any]:
    trace: dict[str, Any] = {"type": "scatter", "x": xs, "y": ys, "name": name,
                             "line": {"color": color},
                             "mode": "lines+markers" if markers else "lines"}
    if markers:
        trace["marker"] = {"size": 5}
    return trace


def _live(traces: list[dict[str, Any]], title: str, x: str, y: str,
          yaxis: dict[str, Any] | None = None,
          marks: list[dict[str, Any]] | None = None) -> go.Figure:
    """A figure from plain dicts, skipping plotly's validation: these are redrawn while a run
    trains, and validated construction (~45 ms for four charts) competes with training for the
    GIL; this takes ~2 ms. ``marks``: a vertical line with a note (the best step)."""
    layout = {"title": {"text": title, "x": 0.02, "font": {"size": 15}}, "height": 300,
              "margin": {"l": 55, "r": 15, "t": 45, "b": 45}, "template": _TEMPLATE,
              "legend": {"orientation": "h", "y": -0.22, "x": 0},
              "xaxis": {"title": {"text": x}}, "yaxis": {"title": {"text": y}, **(yaxis or {})},
              "hovermode": "x unified"}
    for mark in marks or []:
        layout.setdefault("shapes", []).append(
            {"type": "line", "x0": mark["x"], "x1": mark["x"], "y0": 0, "y1": 1,
             "yref": "paper", "line": {"color": "#059669", "dash": "dash", "width": 2}})
        layout.setdefault("annotations", []).append(
            {"x": mark["x"], "y": 1, "yref": "paper", "text": mark["text"], "showarrow": False,
             "xanchor": "left", "yanchor": "top", "font": {"color": "#059669", "size": 12}})
    return go.Figure({"data": traces, "layout": layout}, _validate=False)


def training_figures(events: list[Any], task: str, lang: str,
                     best_metric: str | None = None) -> tuple[go.Figure, ...]:
    """Loss, quality metrics, learning rate and throughput, each against the optimizer step.
    With ``best_metric`` (the run keeps its best checkpoint) the loss and quality charts mark
    the best validation so far: the step the final model will come from."""
    step = text("plot.step", lang)
    loss = [_line(*_points(events, "train", "loss"), text("plot.train_loss", lang), PALETTE[0],
                  markers=True),
            _line(*_points(events, "eval", "loss"), text("plot.eval_loss", lang), PALETTE[1],
                  markers=True)]
    keys = CURVES.get(task, CURVES["classification"])
    if best_metric and best_metric != "loss" and best_metric not in keys:
        keys = (*keys, best_metric)
    quality = [_line(*_points(events, "eval", key), text(f"plot.{key}", lang), PALETTE[2 + i],
                     markers=True) for i, key in enumerate(keys)]
    axis = {"type": "log"} if task == "mlm" else {"range": [0, 1.02]} \
        if task != "regression" else {"range": [-1.02, 1.02]}
    best = best_point(series(events, "eval", best_metric), best_metric) if best_metric else None
    marks = [{"x": best[0], "text": text("plot.best", lang, step=best[0])}] if best else []
    lr = [_line(*_points(events, "train", "learning_rate"), text("plot.lr", lang), PALETTE[4])]
    speed = [_line(*_points(events, "progress", "samples_per_s"), text("plot.speed", lang),
                   PALETTE[5])]
    return (_live(loss, text("plot.loss_title", lang), step, text("plot.loss", lang),
                  marks=marks),
            _live(quality, text(QUALITY_TITLE.get(task, "plot.quality_title"), lang), step,
                  text("plot.score", lang), axis, marks),
            _live(lr, text("plot.lr_title", lang), step, text("plot.lr", lang)),
            _live(speed, text("plot.speed_title", lang), step, text("plot.speed", lang)))


def lr_curve(result: Any, lang: str) -> go.Figure:
    """The learning-rate finder's loss against the learning rate (log axis), the raw loss faint,
    the smoothed one bold, and the suggestion as a vertical line."""
    fig = go.Figure()
    fig.add_scatter(x=result.lrs, y=result.losses, name=text("lr.raw", lang),
                    line={"color": "#c7d2fe"}, mode="lines")
    fig.add_scatter(x=result.lrs, y=result.smoothed, name=text("lr.smoothed", lang),
                    line={"color": PALETTE[0], "width": 3}, mode="lines")
    if result.suggestion is not None:  # on a log axis an annotation's x is log10 (plotly)
        fig.add_vline(x=result.suggestion, line={"color": "#059669", "dash": "dash"})
        fig.add_annotation(x=math.log10(result.suggestion), y=1, yref="paper", showarrow=False,
                           text=text("lr.suggested", lang, lr=f"{result.suggestion:.1e}"),
                           xanchor="left", yanchor="top", font={"color": "#059669"})
    top = max(result.smoothed[: max(1, len(result.smoothed) * 9 // 10)] or [1.0])
    fig.update_xaxes(type="log")
    fig.update_yaxes(range=[min(result.smoothed or [0.0]) * 0.9, top * 1.3])
    return _layout(fig, text("lr.title", lang), text("plot.lr", lang), text("plot.loss", lang))


def compare(runs: dict[str, list[Any]], task: str, lang: str) -> go.Figure:
    """Two or more runs' training loss (solid) and validation score (dotted) on one chart."""
    fig = go.Figure()
    metric = CURVES.get(task, CURVES["classification"])[0]
    for i, (name, events) in enumerate(runs.items()):
        color = PALETTE[i % len(PALETTE)]
        xs, ys = _points(events, "train", "loss")
        fig.add_scatter(x=xs, y=ys, name=f"{name} · {text('plot.train_loss', lang)}",
                        line={"color": color})
        xs, ys = _points(events, "eval", metric)
        fig.add_scatter(x=xs, y=ys, name=f"{name} · {text('plot.' + metric, lang)}",
                        line={"color": color, "dash": "dot"}, yaxis="y2")
    _layout(fig, text("plot.compare_title", lang), text("plot.step", lang),
            text("plot.loss", lang), height=380)
    fig.update_layout(yaxis2={"title": text("plot." + metric, lang), "overlaying": "y",
                              "side": "right"})
    return fig


def length_histogram(stats: Any, lang: str) -> go.Figure:
    edges, counts = stats.histogram()
    fig = go.Figure(go.Bar(x=[(a + b) / 2 for a, b in zip(edges, edges[1:], strict=False)],
                           y=counts, width=[b - a for a, b in zip(edges, edges[1:], strict=False)],
                           marker_color=PALETTE[0], name=text("plot.rows", lang)))
    fig.add_vline(x=stats.max_length, line={"color": PALETTE[3], "dash": "dash"},
                  annotation_text=text("plot.max_length_line", lang).format(
                      n=stats.max_length, cut=stats.truncated))
    return _layout(fig, text("plot.lengths_title", lang), text("plot.tokens", lang),
                   text("plot.rows", lang))


def padding_bars(stats: dict[str, Any], lang: str) -> go.Figure:
    names = [text(f"plot.pad_{k}", lang) for k in stats]
    fig = go.Figure()
    fig.add_bar(x=names, y=[s.real_tokens for s in stats.values()], name=text("plot.real", lang),
                marker_color=PALETTE[0])
    fig.add_bar(x=names, y=[s.pad_tokens for s in stats.values()],
                name=text("plot.padding", lang), marker_color="#d1d5db",
                text=[f"{s.pad_share:.0%}" for s in stats.values()], textposition="outside")
    fig.update_layout(barmode="stack")
    fig.update_traces(cliponaxis=False)
    top = max(s.padded_tokens for s in stats.values())
    fig.update_yaxes(range=[0, top * 1.15])
    return _layout(fig, text("plot.waste_title", lang), "", text("plot.tokens_epoch", lang))


def label_bars(counts: dict[str, dict[str, int]], lang: str) -> go.Figure:
    fig = go.Figure()
    for i, (split, per_label) in enumerate(counts.items()):
        fig.add_bar(x=list(per_label), y=list(per_label.values()), name=split,
                    marker_color=PALETTE[i % len(PALETTE)])
    fig.update_layout(barmode="group")
    return _layout(fig, text("plot.labels_title", lang), text("plot.label", lang),
                   text("plot.rows", lang), height=280)
