"""Plotly figures for every chart in the app, built from engine events and reports.

Only this module imports plotly. Titles and axis labels come translated (``text(key, lang)``)
because a figure is drawn on the server, where the browser's i18n does not reach.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from .i18n import text

PALETTE = ["#4f46e5", "#f97316", "#10b981", "#e11d48", "#0ea5e9", "#a855f7"]
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
    xs, ys = [], []
    for e in events:
        value = e.data.get(key) if kind != "eval" else e.data.get("metrics", {}).get(key)
        if e.kind == kind and isinstance(value, int | float):
            xs.append(e.data.get("step", 0))
            ys.append(value)
    return xs, ys


def _line(xs: list[Any], ys: list[Any], name: str, color: str,
          markers: bool = False) -> dict[str, Any]:
    trace = {"type": "scatter", "x": xs, "y": ys, "name": name, "line": {"color": color},
             "mode": "lines+markers" if markers else "lines"}
    if markers:
        trace["marker"] = {"size": 5}
    return trace


def _live(traces: list[dict[str, Any]], title: str, x: str, y: str,
          yaxis: dict[str, Any] | None = None) -> go.Figure:
    """A figure from plain dicts, skipping plotly's validation: these are redrawn while a run
    trains, and validated construction (~45 ms for four charts) competes with training for the
    GIL; this takes ~2 ms."""
    layout = {"title": {"text": title, "x": 0.02, "font": {"size": 15}}, "height": 300,
              "margin": {"l": 55, "r": 15, "t": 45, "b": 45}, "template": _TEMPLATE,
              "legend": {"orientation": "h", "y": -0.22, "x": 0},
              "xaxis": {"title": {"text": x}}, "yaxis": {"title": {"text": y}, **(yaxis or {})},
              "hovermode": "x unified"}
    return go.Figure({"data": traces, "layout": layout}, _validate=False)


def training_figures(events: list[Any], task: str, lang: str) -> tuple[go.Figure, ...]:
    """Loss, quality metric, learning rate and throughput, each against the optimizer step."""
    step = text("plot.step", lang)
    loss = [_line(*_points(events, "train", "loss"), text("plot.train_loss", lang), PALETTE[0],
                  markers=True),
            _line(*_points(events, "eval", "loss"), text("plot.eval_loss", lang), PALETTE[1],
                  markers=True)]
    keys = ("perplexity",) if task == "mlm" else ("accuracy", "f1")
    quality = [_line(*_points(events, "eval", key), text(f"plot.{key}", lang), PALETTE[2 + i],
                     markers=True) for i, key in enumerate(keys)]
    title = "plot.perplexity_title" if task == "mlm" else "plot.quality_title"
    axis = {"type": "log"} if task == "mlm" else {"range": [0, 1.02]}
    lr = [_line(*_points(events, "train", "learning_rate"), text("plot.lr", lang), PALETTE[4])]
    speed = [_line(*_points(events, "progress", "samples_per_s"), text("plot.speed", lang),
                   PALETTE[5])]
    return (_live(loss, text("plot.loss_title", lang), step, text("plot.loss", lang)),
            _live(quality, text(title, lang), step, text("plot.score", lang), axis),
            _live(lr, text("plot.lr_title", lang), step, text("plot.lr", lang)),
            _live(speed, text("plot.speed_title", lang), step, text("plot.speed", lang)))


def compare(runs: dict[str, list[Any]], task: str, lang: str) -> go.Figure:
    """Two or more runs' training loss (solid) and validation score (dotted) on one chart."""
    fig = go.Figure()
    metric = "perplexity" if task == "mlm" else "accuracy"
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


def confusion(matrix: list[list[int]], names: list[str], lang: str) -> go.Figure:
    fig = go.Figure(go.Heatmap(z=matrix, x=names, y=names, colorscale="Blues", showscale=False,
                               text=matrix, texttemplate="%{text}"))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, text("plot.confusion_title", lang), text("plot.predicted", lang),
                   text("plot.true", lang), height=360)
