"""Every UI string exists in English, Korean and Chinese with the same placeholders, and every
key the UI code asks for exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from engine.config import field_meta, field_names
from ui.i18n import LANGS, lang_of, table, text

UI = Path(__file__).resolve().parents[2] / "ui"


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("lang", ["ko", "zh"])
def test_every_english_string_is_translated_with_the_same_placeholders(lang):
    english, local = table("en"), table(lang)
    assert set(english) == set(local)
    for key, value in english.items():
        assert placeholders(value) == placeholders(local[key]), key
        assert local[key].strip(), key


def test_run_settings_english_comes_from_runconfig():
    for name in field_names():
        assert table("en")[f"field.{name}.label"] == field_meta(name)["label"]
        assert table("en")[f"field.{name}.help"] == field_meta(name)["help"]


def test_every_key_used_in_the_ui_code_exists():
    source = "\n".join(p.read_text(encoding="utf-8") for p in UI.glob("*.py"))
    keys = set(re.findall(r'\b(?:t|text)\("([a-z_]+\.[a-z_.0-9]+)"', source))
    assert len(keys) > 60
    missing = {k for k in keys if k not in table("en")}
    assert missing == set()
    for name in field_names():
        for choice in field_meta(name)["choices"] or ():
            assert f"choice.{name}.{choice}" in table("en")


def test_server_side_text_follows_the_browser_language():
    class Request:
        def __init__(self, header):
            self.headers = {"accept-language": header}

    assert lang_of(Request("ko-KR,ko;q=0.9,en;q=0.8")) == "ko"
    assert lang_of(Request("zh-CN,zh;q=0.9")) == "zh"
    assert lang_of(Request("fr-FR,fr;q=0.9")) == "en"
    assert lang_of(None) == "en"
    assert text("msg.finished_cls", "ko", split="테스트", accuracy=0.9, f1=0.8).startswith("완료")
    assert set(LANGS) == {"en", "ko", "zh"}
