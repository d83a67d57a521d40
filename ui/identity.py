"""Who is asking: a random id kept in the browser, so a reload (new Gradio session) still owns the
runs it started. In public mode runs belong to this id; API clients, which have no browser
storage, are identified by their Gradio session instead.

The id is not a secret credential of the user's (it unlocks only their own runs on this server);
``FTS_SECRET`` keeps it readable across server restarts (otherwise a restart issues new ids).
"""

from __future__ import annotations

import uuid

import gradio as gr


def browser_owner(secret: str) -> gr.BrowserState:
    """``secret`` is ``Settings.secret`` (``FTS_SECRET``, or random per process)."""
    return gr.BrowserState(None, storage_key="fts-owner", secret=secret)


def ensure(stored: str | None) -> str:
    """Run on page load: keep the browser's id, or issue one."""
    return stored or uuid.uuid4().hex


def owner_of(stored: str | None, request: gr.Request | None) -> str | None:
    if stored:
        return stored
    return request.session_hash if request is not None else None
