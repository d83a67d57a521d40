"""UI languages (English, Korean, Chinese) from one set of tables.

Static labels go through ``gr.I18n``, translated in the browser by its language (``t(key)``).
Text the server draws itself (chart titles, status lines) uses ``text(key, lang)`` with the
language read from the request's ``Accept-Language``. English for the run settings comes from
``RunConfig``'s field metadata, so defaults and help text exist once; ``locales/ko.json`` and
``locales/zh.json`` translate them as ``field.<name>.label`` / ``field.<name>.help``. The
engine's messages come the same way from its catalog (``engine.messages``), translated as
``error.<key>``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import gradio as gr

from engine.config import field_meta, field_names
from engine.messages import MESSAGES

LANGS = ("en", "ko", "zh")
HERE = Path(__file__).resolve().parent / "locales"


@lru_cache(maxsize=None)
def table(lang: str) -> dict[str, str]:
    strings: dict[str, str] = json.loads((HERE / f"{lang}.json").read_text(encoding="utf-8"))
    if lang == "en":
        for name in field_names():
            meta = field_meta(name)
            strings[f"field.{name}.label"] = meta["label"]
            strings[f"field.{name}.help"] = meta["help"]
        strings.update({f"error.{key}": english for key, english in MESSAGES.items()})
    return strings


I18N = gr.I18n(**{lang: table(lang) for lang in LANGS})


def t(key: str) -> Any:
    """A label translated in the browser."""
    return I18N(key)


def text(key: str, lang: str = "en", **values: Any) -> str:
    """A string drawn on the server, in ``lang`` (English when a translation is missing)."""
    template = table(lang).get(key) or table("en").get(key) or key
    return template.format(**values) if values else template


def lang_of(request: gr.Request | None) -> str:
    """The first supported language in the browser's Accept-Language header."""
    header = ""
    if request is not None:
        header = request.headers.get("accept-language", "") or ""
    for part in header.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGS:
            return code
    return "en"
