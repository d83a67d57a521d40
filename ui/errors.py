"""Engine errors become ``gr.Error`` pop-ups in the page's language; anything else is logged,
never shown raw.

An engine error carries a catalog key and its parameters (``engine.messages``); the page shows
``error.<key>`` from its language's table with those parameters. Parameters that are words of the
catalog (a ``Phrase``: "label", "dataset", a reason) are translated too, and so are a setting's
label and a run state. The English sentence (``str(exc)``) is the fallback.

``show_error=False`` at launch keeps tracebacks out of the browser, but then an unexpected error
would only say "Error". ``guarded`` gives it a sentence instead, and writes the traceback (with
tokens scrubbed) to the server log where a developer can find it.
"""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable
from typing import Any

import gradio as gr

from engine.config import field_names
from engine.errors import ConfigError, EngineError
from engine.messages import Phrase
from engine.training.failures import scrub

from .i18n import lang_of, table, text

log = logging.getLogger("fine_tune_studio.ui")


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except EngineError as exc:
            request = _request(args, kwargs)
            raise gr.Error(scrub(message(exc, lang_of(request))),
                           title=error_title(exc, request), print_exception=False) from None
        except Exception:  # noqa: BLE001 - logged, and the user gets a sentence, not a trace
            log.error("unexpected error in %s\n%s", fn.__name__, scrub(traceback.format_exc()))
            raise gr.Error(text("error.unexpected", lang_of(_request(args, kwargs))),
                           print_exception=False) from None
    return wrapper


# Settings that are not RunConfig fields, and the label key the page shows them under.
OTHER_FIELDS = {"repo": "share.repo"}


def message(exc: EngineError, lang: str) -> str:
    """The error's sentence in ``lang``; a setting's error names the setting as the page does."""
    field = exc.field if isinstance(exc, ConfigError) else None
    return localized(exc.key, exc.params, lang, field) or str(exc)


def localized(key: str, params: dict[str, Any], lang: str,
              field: str | None = None) -> str | None:
    """Catalog message ``key`` in ``lang`` with ``params`` (``None``: the tables lack it).
    ``field``: the setting a ``{label}`` parameter names; a ``{state}`` is a run state."""
    if f"error.{key}" not in table(lang):
        return None
    values = {name: _local(value, lang) for name, value in params.items()}
    if field in field_names() and "label" in values:
        values["label"] = text(f"field.{field}.label", lang)
    if f"state.{values.get('state')}" in table("en"):
        values["state"] = text(f"state.{values['state']}", lang)
    return text(f"error.{key}", lang, **values)


def _local(value: Any, lang: str) -> Any:
    if isinstance(value, Phrase):
        return localized(value.key, value.params, lang) or str(value)
    return value


def error_title(exc: EngineError, request: gr.Request | None = None) -> str:
    """A setting's error is titled with that setting's label, as the page shows it (in the
    page's language), so the person sees which box to fix; other errors are titled "Error"."""
    lang = lang_of(request)
    if isinstance(exc, ConfigError):
        if exc.field in field_names():
            return text(f"field.{exc.field}.label", lang)
        return text(OTHER_FIELDS.get(exc.field, "error.setting"), lang)
    return text("error.title", lang)


def _request(args: tuple[Any, ...], kwargs: dict[str, Any]) -> gr.Request | None:
    return next((a for a in (*args, *kwargs.values()) if isinstance(a, gr.Request)), None)
