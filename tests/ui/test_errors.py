"""An engine error reaches the page as a pop-up in the page's language, titled with what to
fix: a setting's label, or "Error"; never a traceback."""

from __future__ import annotations

import string

import gradio as gr
import pytest
from starlette.requests import Request

from engine.config import field_meta
from engine.data.inspection import inspect
from engine.data.sources import load_builtin
from engine.errors import BadRepoId, ConfigError, DataError, DataParseError, HubUnreachable
from engine.hub import validate_repo_id
from engine.messages import MESSAGES, Phrase
from ui.data_view import summary_text
from ui.errors import guarded, message
from ui.i18n import table


def page(language: str) -> gr.Request:
    return gr.Request(request=Request({"type": "http", "method": "GET", "path": "/",
                                       "headers": [(b"accept-language", language.encode())]}))


def raising(exc: Exception):
    @guarded
    def handler(value: str, request: gr.Request) -> str:
        raise exc
    return handler


@pytest.mark.parametrize("language,lang", [("en-US,en;q=0.9", "en"), ("ko-KR,ko;q=0.9", "ko")])
def test_a_setting_error_is_titled_with_that_settings_label(language, lang):
    with pytest.raises(gr.Error) as shown:
        raising(ConfigError("learning_rate", "config.out_of_range", label="Learning rate",
                            lo=1e-07, hi=0.01, value=1.0))("x", page(language))
    expected = field_meta("learning_rate")["label"] if lang == "en" else \
        table("ko")["field.learning_rate.label"]
    assert shown.value.title == expected and expected
    assert "1e-07" in shown.value.message and "0.01" in shown.value.message
    if lang == "ko":  # the sentence in Korean, naming the setting as the page does
        assert shown.value.message.startswith(expected) and "Learning rate" not in \
            shown.value.message


def test_a_bad_repository_name_points_at_the_repository_box():
    with pytest.raises(gr.Error) as shown:
        raising(BadRepoId("repo", "hub.id_invalid", value="../x"))("x", request=page("zh-CN"))
    assert shown.value.title == table("zh")["share.repo"]


def test_other_engine_errors_and_bugs_are_titled_error_and_say_no_trace():
    with pytest.raises(gr.Error) as shown:
        raising(DataError("data.file_empty", file="a.csv"))("x", page("en"))
    assert (shown.value.title, shown.value.message) == ("Error", "a.csv is empty.")
    with pytest.raises(gr.Error) as bug:
        raising(KeyError("secret internals"))("x", page("en"))
    assert "secret internals" not in bug.value.message and "server log" in bug.value.message



@pytest.mark.parametrize("lang", ["en", "ko", "zh"])
def test_every_error_is_shown_in_the_page_language(lang):
    with pytest.raises(BadRepoId) as bad:
        validate_repo_id("glue", "model")
    shown = message(bad.value, lang)
    if lang == "en":
        assert shown == str(bad.value)
    else:  # the template and its words ("model") both translated
        assert shown == table(lang)["error.hub.id_no_namespace"].format(
            value="glue", kind=table(lang)["error.word.model"])
        assert "namespace/name" in shown and "model" not in shown.replace("namespace", "")
    nested = DataParseError("data.csv_error", "/x/a.csv", 3, where=Phrase(
        "data.csv_error.line", line=3, file="a.csv"), reason=Phrase("data.csv_error.quote"))
    assert table(lang)["error.data.csv_error.quote"] in message(nested, lang)
    assert message(HubUnreachable("hub.offline"), lang) == table(lang)["error.hub.offline"]


def test_the_data_tab_shows_the_problem_in_the_page_language():
    from engine.config import RunConfig

    raw = load_builtin("sentiment")
    view = inspect(raw, RunConfig(text_column="nope"))
    assert view.problem_key == "data.column_missing" and view.problem
    korean = summary_text(view, "ko")
    assert view.problem not in korean and "'nope'" in korean and "텍스트 열" in korean
    assert view.problem in summary_text(view, "en")


@pytest.mark.parametrize("lang", ["ko", "zh"])
def test_translated_messages_format_their_numbers_as_the_english_does(lang):
    """Same placeholders, and the same conversions and formats (``{size_mb:.0f}``, ``{value!r}``),
    so a translated message renders every parameter the English renders."""
    def fields(template: str) -> list[tuple[str, str | None, str]]:
        return sorted((name, conversion, spec) for _, name, spec, conversion in
                      string.Formatter().parse(template) if name)

    english, local = table("en"), table(lang)
    for key in MESSAGES:
        assert fields(local[f"error.{key}"]) == fields(english[f"error.{key}"]), key
        assert english[f"error.{key}"] == MESSAGES[key]
