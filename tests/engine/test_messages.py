"""Engine messages are keys plus parameters: each English text lives once, in
``engine/messages.py``, and every raise site names a key of it."""

from __future__ import annotations

import ast
import pickle
import string
from pathlib import Path

import pytest

from engine import errors
from engine.config import RunConfig, from_json
from engine.errors import (
    BadRepoId,
    ConfigError,
    DataError,
    DataParseError,
    EngineError,
    TrainingFailed,
)
from engine.hub import validate_repo_id
from engine.messages import MESSAGES, Phrase, render

ENGINE = Path(__file__).resolve().parents[2] / "engine"
ERRORS = {name for name, value in vars(errors).items()
          if isinstance(value, type) and issubclass(value, EngineError)}
CONFIG_ERRORS = {name for name in ERRORS if issubclass(getattr(errors, name), ConfigError)}


def sources() -> list[Path]:
    """Studio code: not the catalog itself, not the standalone export scripts."""
    return [p for p in sorted(ENGINE.rglob("*.py"))
            if "templates" not in p.parts and p.name != "messages.py"]


def calls(tree: ast.AST) -> list[tuple[str, ast.Call]]:
    """Every construction of an engine error or a ``Phrase``: (class name, call)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else \
                func.attr if isinstance(func, ast.Attribute) else ""
            if name in ERRORS or name == "Phrase":
                found.append((name, node))
    return found


def key_argument(name: str, call: ast.Call) -> ast.expr | None:
    """The key: after the field for a ConfigError, first otherwise."""
    index = 1 if name in CONFIG_ERRORS else 0
    if len(call.args) > index:
        return call.args[index]
    return next((k.value for k in call.keywords if k.arg == "key"), None)


def choices(key: ast.expr) -> list[ast.expr]:
    """The values a key expression can take: both sides of ``a if test else b``."""
    if isinstance(key, ast.IfExp):
        return choices(key.body) + choices(key.orelse)
    return [key]  # a constant, or a name looked up in a table of keys (those are constants too)


def placeholders(template: str) -> list[tuple[str, str | None, str]]:
    return sorted((name, conversion, spec) for _, name, spec, conversion in
                  string.Formatter().parse(template) if name)


def test_no_engine_error_is_raised_with_a_sentence():
    sites, wrong = 0, []
    for path in sources():
        for name, call in calls(ast.parse(path.read_text(encoding="utf-8"))):
            if name == "EngineError" and path.name == "errors.py":
                continue
            sites += 1
            where = f"{path.relative_to(ENGINE.parent)}:{call.lineno}"
            key = key_argument(name, call)
            if key is None:
                wrong.append(f"{where}: no key")
                continue
            for choice in choices(key):
                if isinstance(choice, ast.JoinedStr | ast.BinOp):
                    wrong.append(f"{where}: an f-string or a built sentence as the message")
                elif isinstance(choice, ast.Constant) and choice.value not in MESSAGES:
                    wrong.append(f"{where}: {choice.value!r} is not a key of MESSAGES")
    assert sites > 130  # the walk sees the raise sites
    assert wrong == []


def test_every_message_is_used():
    used = set()
    for path in sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                used.add(node.value)
    assert sorted(set(MESSAGES) - used) == []


def test_keys_are_grouped_by_area_and_sorted():
    keys = list(MESSAGES)
    assert keys == sorted(keys)
    assert all(key.count(".") >= 1 and key == key.lower() for key in keys)


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_renders_with_its_placeholders(key):
    values = {name: 3 for name, _, _ in placeholders(MESSAGES[key])}
    text = render(key, **values)
    assert text.strip() and "{" not in text


def test_spot_checks_say_what_they_said_before():
    with pytest.raises(BadRepoId) as no_namespace:
        validate_repo_id("glue")
    assert str(no_namespace.value) == (
        "'glue' has no namespace. Hub dataset ids look like 'namespace/name' (for GLUE: "
        "'nyu-mll/glue'); search the Hub to find the full id.")
    assert no_namespace.value.field == "dataset" and no_namespace.value.key == \
        "hub.id_no_namespace"
    with pytest.raises(BadRepoId) as path:
        validate_repo_id("/etc/x", "model")
    assert str(path.value) == ("'/etc/x' looks like a path on this computer. Hub models are "
                               "named 'namespace/name', like 'google-bert/bert-base-uncased'.")
    with pytest.raises(ConfigError) as rate:
        RunConfig(learning_rate=1.0)
    assert (rate.value.field, rate.value.key) == ("learning_rate", "config.out_of_range")
    assert str(rate.value) == "Learning rate must be between 1e-07 and 0.01 (got 1)."
    with pytest.raises(ConfigError) as batch:
        RunConfig(batch_size="x")
    assert str(batch.value) == "Batch size must be a number (got 'x')."
    with pytest.raises(ConfigError) as bad_json:
        from_json("{")
    assert str(bad_json.value) == ("The run configuration is not valid JSON (line 1: Expecting "
                                   "property name enclosed in double quotes).")


def test_a_csv_with_a_bad_line_names_the_line_and_the_separator(tmp_path):
    from engine.data.sources import load_path

    file = tmp_path / "reviews.csv"
    file.write_text("text,label\ngood,pos\nbad,neg\nugly,neg,extra\n", encoding="utf-8")
    with pytest.raises(DataParseError) as parsed:
        load_path(str(file))
    assert str(parsed.value) == (
        "line 4 of reviews.csv has a different number of fields than the header (read as "
        "comma-separated). Fix that line (check separators and quotes), or choose another "
        "separator under 'File reading'.")
    assert parsed.value.line == 4 and parsed.value.path == str(file)
    reason = parsed.value.params["reason"]
    assert isinstance(reason, Phrase) and reason.key == "data.csv_error.fields"


def test_one_class_and_too_few_rows():
    from datasets import Dataset

    from engine.data.labels import check_learnable
    from engine.data.prepare import _too_few

    with pytest.raises(DataError) as one:
        check_learnable("classification", Dataset.from_dict({"label": [0, 0, 0]}),
                        ["pos", "neg"])
    assert str(one.value) == ("The training data has only one class ('pos'). A classifier "
                              "needs examples of at least two different labels.")
    assert str(_too_few(1)) == "Only 1 usable training row; at least 8 are needed."
    assert str(_too_few(3)) == "Only 3 usable training rows; at least 8 are needed."


def test_subclasses_keep_their_attributes_and_numbers_keep_their_format():
    failed = TrainingFailed("train.disk_full", kind="disk_full", free_mb=10.4, needed_mb=300.6)
    assert failed.kind == "disk_full" and failed.message == str(failed) == (
        "Not enough free disk space to save a checkpoint (10 MB free, about 301 MB needed). "
        "Delete old runs in the Runs tab, then resume: the last complete checkpoint is kept.")
    parse = DataParseError("data.json_line", "/x/a.json", 7, file="a.json", reason="Bad")
    assert (parse.path, parse.line, str(parse)) == (
        "/x/a.json", 7, "Line 7 of a.json is not valid JSON (Bad).")
    phrase = Phrase("data.csv_error.line", line=2, file="a.csv")
    assert phrase == "line 2 of a.csv" and pickle.loads(pickle.dumps(phrase)).key == phrase.key
    with pytest.raises(KeyError):
        DataError("The file is empty.")  # a sentence is not a key
