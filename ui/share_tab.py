"""Tab 6 · Share: publish a finished run on the Hugging Face Hub with a model card, or export a
standalone training script (Trainer, or a plain loop with Accelerate) that runs without the
studio. On a Space people sign in with Hugging Face (OAuth); locally they paste a token into a
password box, which is cleared after use and never stored (run history is off).
``ShareHandlers`` are its events (callable without a server); ``wire`` only connects them."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr
from gradio.utils import get_upload_folder

from .errors import guarded
from .i18n import lang_of, t, text
from .identity import owner_of
from .try_tab import picked_run

if TYPE_CHECKING:
    from engine.studio import Studio


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


def build(studio: Studio) -> ShareTab:
    gr.Markdown(t("share.intro"))
    runs = studio.finished_runs()
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
        if studio.settings.on_space:
            gr.LoginButton()
        token = gr.Textbox(label=t("share.token"), info=t("share.token_help"), type="password",
                           visible=not studio.settings.on_space, max_lines=1, elem_id="share-token")
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


class ShareHandlers:
    """The Share tab's events, callable without a server. ``stored`` is the page's owner id
    (public mode shares only the visitor's own runs)."""

    def __init__(self, studio: Studio) -> None:
        self.studio = studio

    def publish(self, run_id: str | None, repo: str, private: bool, token: str,
                stored: str | None, request: gr.Request) -> list[Any]:
        """[where the run was published, an emptied token box]."""
        lang = lang_of(request)
        if not run_id or not (repo or "").strip():
            raise gr.Error(text("share.need_run_and_repo", lang))
        out = self.studio.push(run_id, repo.strip(), token, private, owner_of(stored, request))
        files = ", ".join(f"`{f}`" for f in out["files"])
        return [text("share.pushed", lang, url=out["url"], repo=out["repo_id"], files=files),
                ""]  # the token box is emptied

    @guarded
    def push(self, run_id: str | None, repo: str, private: bool, token: str,
             stored: str | None, request: gr.Request) -> list[Any]:
        """The run published with the pasted token (local mode), the token box emptied."""
        return self.publish(run_id, repo, private, token, stored, request)

    @guarded
    def push_signed_in(self, run_id: str | None, repo: str, private: bool, token: str,
                       stored: str | None, request: gr.Request,
                       oauth_token: gr.OAuthToken | None = None) -> list[Any]:
        """The run published as the person signed in with Hugging Face (on a Space)."""
        return self.publish(run_id, repo, private, oauth_token.token if oauth_token else "",
                            stored, request)

    @guarded
    def card(self, run_id: str | None, stored: str | None, request: gr.Request) -> str:
        """The picked run's model card, as the Hub will show it."""
        return card_preview(self.studio.model_card(run_id, owner_of(stored, request))) \
            if run_id else ""

    @guarded
    def export(self, run_id: str | None, style: str, stored: str | None,
               request: gr.Request) -> list[Any]:
        """[the standalone project as a zip to download, its train.py to read]."""
        if not run_id:
            raise gr.Error(text("try.none", lang_of(request)))
        folder = self.studio.export(run_id, style, owner_of(stored, request))
        cache = Path(get_upload_folder()) / "exports"  # Gradio serves files from its own cache
        cache.mkdir(parents=True, exist_ok=True)
        archive = shutil.make_archive(str(cache / f"{run_id}-{style}"), "zip", folder)
        return [archive, (folder / "train.py").read_text(encoding="utf-8")]

    @guarded
    def refresh(self, stored: str | None, current: str | None, known: list[str] | None,
                request: gr.Request) -> list[Any]:
        """[run picker, runs known]: a run that just finished is picked, else the pick stays."""
        return picked_run(self.studio.finished_runs(owner_of(stored, request)), current, known)


def wire(tab: ShareTab, studio: Studio, runs_version: Any, owner: Any, shown: Any) -> None:
    """On a Space the push uses the person's Hugging Face sign-in, locally the pasted token."""
    on = ShareHandlers(studio)
    push = on.push_signed_in if studio.settings.on_space else on.push
    tab.push.click(push, [tab.run, tab.repo, tab.private, tab.token, owner],
                   [tab.result, tab.token], api_name="push", concurrency_id="hub",
                   concurrency_limit=1)
    tab.run.change(on.card, [tab.run, owner], tab.card, api_name="model_card")
    tab.export.click(on.export, [tab.run, tab.style, owner], [tab.download, tab.script],
                     api_name="export")
    known = gr.State(studio.finished_runs())  # what the dropdown was built with
    refresh = on.refresh  # bound once, its three events queued together: see data_tab.wire
    for event in (tab.refresh.click, runs_version.change, shown.select):
        # also when the tab is shown: a run can finish while the tab is hidden, and on one slow
        # core the browser was seen to miss that update (the Korean flow, slow-CPU command)
        event(refresh, [owner, tab.run, known], [tab.run, known], api_visibility="private")
