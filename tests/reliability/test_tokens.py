"""Plan §6b, tokens (cases 20, 23-25): never in the browser's storage, only allow-listed files
uploaded, no implicit server token, bad tokens explained before anything is written."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from engine.share.push import ALLOWED
from tests.engine.share.test_push import TOKEN, finished_run, push
from tests.fakehub import child

CHROMIUM = "/usr/bin/chromium"


def test_case_20_nothing_typed_or_run_lands_in_browser_storage(app, tiny):
    """run_history=False: Gradio would otherwise keep every call's inputs in localStorage."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Debian chromium is missing under CI")
        pytest.skip("no chromium")
    from playwright.sync_api import sync_playwright

    secret = "hf_BROWSERsecret0123456789abc"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page()
        page.goto(app.url)
        page.locator("#data-summary").filter(has_text="✅").wait_for(timeout=60_000)
        page.get_by_role("tab").nth(5).click()  # Share
        page.locator("#share-repo input").fill("my-model")
        page.locator("#share-token input").fill(secret)
        page.locator("#push").click()
        page.wait_for_timeout(2500)  # no finished run / offline: an error, fine
        page.get_by_role("tab").nth(1).click()
        page.locator("#show-tokens").click()
        page.wait_for_timeout(1500)
        storage = page.evaluate("() => JSON.stringify({...localStorage, ...sessionStorage})")
        token_box = page.locator("#share-token input").input_value()
        browser.close()
    assert "hf_" not in storage and secret not in storage
    assert "my-model" not in storage  # no inputs at all: run history is off
    assert json.loads(storage) is not None and token_box in ("", secret)


def test_case_23_only_allow_listed_files_leave_the_machine(fake_hub, tmp_path, tiny_cfg):
    import fnmatch

    fake, endpoint = fake_hub
    out = push(endpoint, tmp_path, finished_run(tmp_path, tiny_cfg), "allow-list", TOKEN)
    uploaded = [p.name for p in (fake.root / "models" / out["repo_id"]).iterdir()]
    assert uploaded and all(any(fnmatch.fnmatch(n, pat) for pat in ALLOWED) for n in uploaded)
    run_files = {p.name for p in (tmp_path / "runs").rglob("*") if p.is_file()}
    assert "training_args.bin" in run_files or "optimizer.pt" in run_files  # they exist...
    assert not {"training_args.bin", "optimizer.pt", "rng_state.pth"} & set(uploaded)  # ...stay


def test_case_24_no_server_token_is_used_on_a_visitors_behalf(fake_hub, tmp_path, tiny_cfg):
    fake, endpoint = fake_hub
    run_id = finished_run(tmp_path, tiny_cfg)
    seen = len(fake.requests)
    out = child(endpoint, tmp_path, f"""
        import json
        import os as _os
        from engine.hub import Hub
        from engine.settings import Settings
        hub = Hub(Settings.from_env(_os.environ))
        from engine.studio import Studio
        from engine.errors import EngineError
        hub.search("dataset", "acme")
        hub.dataset_overview("acme/reviews")
        hub.check_model_repo("acme/tiny-bert")
        try:
            studio = Studio.from_env(_os.environ)
            studio.push({run_id!r}, "should-not-exist", "", private=True)
            print(json.dumps({{"error": None}}))
        except EngineError as exc:
            print(json.dumps({{"error": str(exc)}}))
    """, HF_TOKEN="hf_SERVEROWNERtoken0123456789", FTS_PUBLIC="1")
    assert "Sign in with Hugging Face, or paste a token" in out["error"]
    assert [h.get("authorization") for _, _, h in fake.requests[seen:]
            if h.get("authorization")] == []
    assert not (fake.root / "models" / "user" / "should-not-exist").exists()


def test_case_25_read_only_and_revoked_tokens_fail_fast_with_a_reason(fake_hub, tmp_path,
                                                                     tiny_cfg):
    fake, endpoint = fake_hub
    run_id = finished_run(tmp_path, tiny_cfg)
    fake.read_only_tokens.add("hf_READER0123456789abcdef")
    out = push(endpoint, tmp_path, run_id, "read-only-try", "hf_READER0123456789abcdef")
    assert "can only read" in out["error"][1] and "READER" not in out["error"][1]
    assert not (fake.root / "models" / "user" / "read-only-try").exists()
