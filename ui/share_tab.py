"""Tab 6 · Share: publish a finished run on the Hugging Face Hub with a model card, or export a
standalone training script (Trainer, or a plain loop with Accelerate) that runs without the
studio. On a Space people sign in with Hugging Face (OAuth); locally they paste a token into a
password box, which is cleared after use and never stored (run history is off)."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from .errors import guarded
from .i18n import lang_of, t, text
from .identity import owner_of
from .try_tab import finished_runs

ON_SPACE = bool(os.environ.get("SPACE_ID"))


@dataclass
class ShareTab:
    run: Any
    refresh: Any
    repo: Any
    private: Any
    token: Any
    push: Any
    result: Any
    card: Any
    style: Any
    export: Any
    download: Any
    script: Any


def build(studio: Any) -> ShareTab:
    gr.Markdown(t("share.intro"))
    runs = finished_runs(studio)
    with gr.Row():
        run = gr.Dropdown(runs, value=runs[0] if runs else None, label=t("share.run"),
                          allow_custom_value=True, scale=4, elem_id="share-run")
        refresh = gr.Button(t("try.refresh"), scale=1)
    with gr.Group():
        gr.Markdown(t("share.publish_title"))
        with gr.Row():
            repo = gr.Textbox(label=t("share.repo"), info=t("share.repo_help"), max_lines=1,
                              elem_id="share-repo")
            private = gr.Checkbox(value=True, label=t("share.private"))
        if ON_SPACE:
            gr.LoginButton()
        token = gr.Textbox(label=t("share.token"), info=t("share.token_help"), type="password",
                           visible=not ON_SPACE, max_lines=1, elem_id="share-token")
        push = gr.Button(t("share.push"), variant="primary", elem_id="push")
        result = gr.Markdown(elem_id="push-result")
    with gr.Accordion(t("share.card"), open=False, elem_id="card-box"):
        card = gr.Markdown(elem_id="card-preview")
    with gr.Group():
        gr.Markdown(t("share.export_title"))
        style = gr.Radio([(t("choice.share_style.trainer"), "trainer"),
                          (t("choice.share_style.accelerate"), "accelerate")], value="trainer",
                         label=t("share.style"))
        export = gr.Button(t("share.export"), elem_id="export")
        download = gr.File(label=t("share.export_file"), interactive=False)
        script = gr.Code(language="python", label=t("share.script"), interactive=False,
                         max_lines=30, elem_id="share-script")
        gr.Markdown(t("share.commands"))
    return ShareTab(run, refresh, repo, private, token, push, result, card, style, export,
                    download, script)


def card_preview(card: str) -> str:
    """The card as the Hub shows it: its YAML metadata block as code (Markdown would run the
    ``key: value`` lines together into one paragraph), then the text."""
    head, sep, body = card.removeprefix("---\n").partition("\n---\n")
    if not card.startswith("---\n") or not sep:
        return card
    return f"```yaml\n{head}\n```\n{body}"


def wire(tab: ShareTab, studio: Any, runs_version: Any, owner: Any) -> None:
    def publish(run_id: str | None, repo: str, private: bool, token: str, stored: str | None,
                request: gr.Request) -> list[Any]:
        lang = lang_of(request)
        if not run_id or not (repo or "").strip():
            raise gr.Error(text("share.need_run_and_repo", lang))
        out = studio.push(run_id, repo.strip(), token, private, owner_of(stored, request))
        files = ", ".join(f"`{f}`" for f in out["files"])
        return [text("share.pushed", lang, url=out["url"], repo=out["repo_id"], files=files),
                ""]  # the token box is emptied

    if ON_SPACE:
        @guarded
        def on_push(run_id: str | None, repo: str, private: bool, token: str,
                    stored: str | None, request: gr.Request,
                    oauth_token: gr.OAuthToken | None = None) -> list[Any]:
            return publish(run_id, repo, private, oauth_token.token if oauth_token else "",
                           stored, request)
    else:
        @guarded
        def on_push(run_id: str | None, repo: str, private: bool, token: str,
                    stored: str | None, request: gr.Request) -> list[Any]:
            return publish(run_id, repo, private, token, stored, request)

    @guarded
    def on_run(run_id: str | None, stored: str | None, request: gr.Request) -> str:
        return card_preview(studio.model_card(run_id, owner_of(stored, request))) if run_id \
            else ""

    @guarded
    def on_export(run_id: str | None, style: str, stored: str | None,
                  request: gr.Request) -> list[Any]:
        if not run_id:
            raise gr.Error(text("try.none", lang_of(request)))
        folder = studio.export(run_id, style, owner_of(stored, request))
        cache = Path(os.environ.get("GRADIO_TEMP_DIR") or tempfile.gettempdir()) / "exports"
        cache.mkdir(parents=True, exist_ok=True)
        archive = shutil.make_archive(str(cache / f"{run_id}-{style}"), "zip", folder)
        return [archive, (folder / "train.py").read_text(encoding="utf-8")]

    @guarded
    def refresh(stored: str | None, request: gr.Request) -> Any:
        runs = finished_runs(studio, owner_of(stored, request))
        return gr.Dropdown(choices=runs, value=runs[0] if runs else None)

    tab.push.click(on_push, [tab.run, tab.repo, tab.private, tab.token, owner],
                   [tab.result, tab.token], api_name="push", concurrency_id="hub",
                   concurrency_limit=1)
    tab.run.change(on_run, [tab.run, owner], tab.card, api_name="model_card")
    tab.export.click(on_export, [tab.run, tab.style, owner], [tab.download, tab.script],
                     api_name="export")
    tab.refresh.click(refresh, owner, tab.run, api_visibility="private")
    runs_version.change(refresh, owner, tab.run, api_visibility="private")
