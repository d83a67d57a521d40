"""Widgets generated from ``RunConfig`` metadata, and the ``Form`` that turns them back into one.

A field's label, help, choices, range and default are read from the dataclass, never repeated
here; this module only decides which kind of widget suits a field. ``Form.config`` is the one
place widget values become a ``RunConfig`` (validated in the engine).
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from engine.config import RunConfig, default_of, field_meta, field_type, from_dict

from .i18n import t

SLIDERS = {"batch_size", "max_length", "warmup_ratio", "weight_decay", "mlm_probability",
           "validation_fraction"}


def field_widget(name: str, **overrides: Any) -> Any:
    meta = field_meta(name)
    common: dict[str, Any] = {"label": t(f"field.{name}.label"), "info": t(f"field.{name}.help"),
                              "value": default_of(name), "elem_id": f"field-{name}"}
    common.update(overrides)
    kind = field_type(name)
    if meta["choices"] is not None:
        choices = [(t(f"choice.{name}.{c}"), c) for c in meta["choices"]]
        return gr.Radio(choices=choices, **common)
    if kind is str:
        return gr.Textbox(**{"max_lines": 1, **common})
    if name in SLIDERS:
        return gr.Slider(minimum=meta["min"], maximum=meta["max"], step=meta["step"] or
                         (1 if kind is int else 0.01), **common)
    # No minimum/maximum here: out-of-range numbers reach RunConfig, whose message names the
    # setting and its range in plain words (Gradio's own check would say "Value 5.0 is greater
    # than maximum value 0.01").
    return gr.Number(precision=0 if kind is int else None, **common)


class Form(dict[str, Any]):
    """Field name -> widget. Tabs add the widgets they show; handlers read them all at once."""

    def field(self, name: str, **overrides: Any) -> Any:
        widget = field_widget(name, **overrides)
        self[name] = widget
        return widget

    def add(self, name: str, widget: Any) -> Any:
        self[name] = widget
        return widget

    @property
    def inputs(self) -> set[Any]:
        return set(self.values())

    def config(self, data: dict[Any, Any], **changes: Any) -> RunConfig:
        """Widget values (a Gradio input set) -> a validated RunConfig."""
        values = {name: data[widget] for name, widget in self.items() if widget in data}
        values.update(changes)
        return from_dict(values)

    def updates(self, cfg: RunConfig) -> dict[Any, Any]:
        """Set every widget from a saved config (e.g. re-opening a run)."""
        return {widget: getattr(cfg, name) for name, widget in self.items()}
