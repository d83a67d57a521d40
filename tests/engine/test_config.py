"""RunConfig: defaults, JSON round trip, server-side validation, CLI flags from the metadata."""

from __future__ import annotations

import argparse
import dataclasses
import json
import math

import pytest

from engine.config import (
    RunConfig,
    add_cli_arguments,
    cli_overrides,
    field_meta,
    from_dict,
    from_json,
)
from engine.errors import ConfigError


def test_defaults_are_valid_and_round_trip_through_json():
    cfg = RunConfig()
    again = from_json(cfg.to_json())
    assert again == cfg
    assert json.loads(cfg.to_json())["learning_rate"] == cfg.learning_rate


def test_every_field_has_label_help_and_group():
    for f in dataclasses.fields(RunConfig):
        meta = field_meta(f.name)
        assert meta["label"] and meta["help"] and meta["group"], f.name
        if meta["min"] is not None and f.default is not None:
            assert meta["min"] <= f.default <= meta["max"], f.name


@pytest.mark.parametrize("name,value,expected", [
    ("learning_rate", 5.0, "Learning rate must be between 1e-07 and 0.01 (got 5)"),
    ("learning_rate", 0, "Learning rate must be between"),
    ("epochs", -1, "Epochs must be between 0.05 and 50"),
    ("batch_size", 0, "Batch size must be between 1 and 256"),
    ("batch_size", 1e6, "Batch size must be between 1 and 256"),
    ("batch_size", 2.5, "Batch size must be a whole number"),
    ("max_length", 10**9, "Max length (tokens) must be between 8 and 512"),
    ("learning_rate", float("nan"), "Learning rate must be a finite number"),
    ("epochs", math.inf, "Epochs must be a finite number"),
    ("batch_size", "sixteen", "Batch size must be a number"),
    ("batch_size", True, "Batch size must be a number"),
    ("task", "ner", "Task must be one of: classification, multilabel, regression, mlm"),
    ("precision", "int4", "Precision must be one of"),
])
def test_out_of_range_values_name_the_field_and_the_range(name, value, expected):
    with pytest.raises(ConfigError) as info:
        RunConfig(**{name: value})
    assert info.value.field == name
    assert expected in str(info.value)


@pytest.mark.parametrize("name", ["../../etc/passwd", "/abs/path", "..", "a" * 300, "run 🚀",
                                  "a;rm -rf /", "-dash-first"])
def test_unsafe_output_names_are_refused(name):
    with pytest.raises(ConfigError) as info:
        RunConfig(output_name=name)
    assert info.value.field == "output_name"
    assert "letters, digits" in str(info.value)


def test_numbers_from_widgets_and_json_are_coerced():
    cfg = RunConfig(batch_size=16.0, learning_rate="3e-5", max_rows="", output_name="")
    assert cfg.batch_size == 16 and isinstance(cfg.batch_size, int)
    assert cfg.learning_rate == 3e-5
    assert cfg.max_rows is None and cfg.output_name is None


def test_unknown_keys_and_bad_json_are_errors():
    with pytest.raises(ConfigError, match="Unknown setting"):
        from_dict({"learning_rate": 1e-4, "lr": 3})
    with pytest.raises(ConfigError, match="not valid JSON"):
        from_json("{bad")


def test_pair_column_rules():
    with pytest.raises(ConfigError, match="one text column"):
        RunConfig(task="mlm", text_pair_column="b")
    with pytest.raises(ConfigError, match="must differ"):
        RunConfig(text_column="a", text_pair_column="a")


def test_cli_flags_come_from_the_same_fields():
    parser = argparse.ArgumentParser()
    add_cli_arguments(parser)
    args = parser.parse_args(["--learning-rate", "2e-5", "--task", "mlm", "--batch-size", "8"])
    assert cli_overrides(args) == {"learning_rate": 2e-5, "task": "mlm", "batch_size": 8}
    with pytest.raises(SystemExit):
        parser.parse_args(["--task", "ner"])


def test_replace_revalidates():
    cfg = RunConfig()
    assert cfg.replace(epochs=1).epochs == 1
    with pytest.raises(ConfigError):
        cfg.replace(epochs=0)


NEW_FIELDS = {"class_weighting": "balanced", "early_stopping_patience": 2,
              "best_model_metric": "loss", "multilabel_threshold": 0.4}


def test_the_new_fields_reach_the_widgets_the_cli_the_saved_config_and_the_export(tmp_path):
    """One definition each (issue "Train better models"): the form builds a widget for every
    RunConfig field, the CLI has a flag, the run folder and the export's run.json save it."""
    import gradio as gr

    from engine.training.runs import RunStore
    from ui.widgets import Form

    form = Form()
    with gr.Blocks():
        for name in NEW_FIELDS:
            form.field(name)
    assert set(NEW_FIELDS) <= set(form)
    parser = argparse.ArgumentParser()
    add_cli_arguments(parser)
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in NEW_FIELDS.items()]
    assert cli_overrides(parser.parse_args(flags)) == NEW_FIELDS
    cfg = RunConfig(**NEW_FIELDS)
    handle = RunStore(tmp_path).create(cfg)
    saved = json.loads((handle.folder / "run_config.json").read_text())
    assert {k: saved[k] for k in NEW_FIELDS} == NEW_FIELDS
    assert handle.config == cfg
