"""Engine errors become ``gr.Error`` pop-ups; anything else is logged, never shown raw.

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

from engine.errors import EngineError
from engine.failures import scrub

log = logging.getLogger("fine_tune_studio.ui")


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except EngineError as exc:
            raise gr.Error(scrub(str(exc)), print_exception=False) from None
        except Exception:  # noqa: BLE001 - logged, and the user gets a sentence, not a trace
            log.error("unexpected error in %s\n%s", fn.__name__, scrub(traceback.format_exc()))
            raise gr.Error("Something went wrong inside the studio (the details are in the "
                           "server log). Your data and runs are safe; try again.",
                           print_exception=False) from None
    return wrapper
