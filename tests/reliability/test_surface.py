"""Plan §6b, the Gradio surface (cases 14, 18-22): upload limits, file serving, ownership of the
control endpoints in public mode, and no internals (or tokens) in what users see."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request

import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError

from engine.settings import Settings
from engine.studio import Studio
from tests.apptools import launch
from tests.reliability.conftest import wait_for_state, wait_for_step


def http(url: str, method: str = "GET", body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def multipart(name: str, payload: bytes) -> tuple[bytes, str]:
    boundary = "fts-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
            f"filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            ).encode() + payload + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.fixture(scope="module")
def capped(tmp_path_factory):
    settings = Settings(tmp_path_factory.mktemp("capped-runs"), max_upload_mb=1)
    live = launch(Studio(settings))
    yield live
    live.demo.close()


def test_case_14_uploads_over_the_cap_get_413_and_odd_names_are_refused(capped, tmp_path):
    body, kind = multipart("big.csv", b"x" * (2 * 2**20))
    status, _, _ = http(capped.url + "/gradio_api/upload", "POST", body, {"Content-Type": kind})
    assert status == 413
    body, kind = multipart("..", b"text,label\na,b\n")
    status, _, _ = http(capped.url + "/gradio_api/upload", "POST", body, {"Content-Type": kind})
    assert status == 400
    for name in ("a.csv.exe", "page.html", "image.svg"):
        path = tmp_path / name
        path.write_text("<script>alert(1)</script>")
        with pytest.raises(AppError, match="Invalid file type|unsupported file type"):
            capped.client.predict(handle_file(str(path)), api_name="/store_upload")


@pytest.mark.parametrize("target", ["/etc/passwd", "../app.py", "app.py", ".env",
                                    "/proc/self/environ", "runs/x/model/model.safetensors"])
def test_case_18_files_outside_the_app_folders_get_403(app, target):
    status, _, _ = http(f"{app.url}/gradio_api/file={target}")
    assert status == 403


def test_case_18b_a_real_run_file_is_not_served(app, tiny):
    app.call("start", checkpoint=tiny, max_steps=2, batch_size=8, max_length=32,
             output_name="served")
    run_id = app.studio.runner.active_run_id()
    wait_for_state(app.studio, run_id, ("finished",))
    weights = app.studio.run(run_id).model_dir / "model.safetensors"
    assert weights.is_file()
    status, _, _ = http(f"{app.url}/gradio_api/file={weights}")
    assert status == 403


def test_case_19_urls_in_file_routes_are_not_fetched(app):
    status, headers, _ = http(f"{app.url}/gradio_api/file=http://169.254.169.254/latest/")
    assert status == 403 and "location" not in {k.lower() for k in headers}


def test_case_16b_nan_sent_straight_to_the_api_is_refused_by_the_server(app, tiny):
    import json

    values = app.args("start", checkpoint=tiny, learning_rate=float("nan"), epochs=float("inf"))
    body = json.dumps({"data": values}).encode()  # Python writes NaN/Infinity literally
    status, _, answer = http(f"{app.url}/gradio_api/call/start", "POST", body,
                             {"Content-Type": "application/json"})
    if status == 200:  # accepted for queueing: the handler's validation must refuse it
        event = json.loads(answer)["event_id"]
        _, _, stream = http(f"{app.url}/gradio_api/call/start/{event}")
        assert b"event: error" in stream
        assert b"must be a finite number" in stream
    else:
        assert 400 <= status < 500
    assert app.studio.runner.active_run_id() is None
    assert "Ready to train" in app.call("load_sample", sample="sentiment")[2]  # still serving


def test_case_21_control_endpoints_need_ownership_in_public_mode(public_app):
    owner = public_app.new_session()
    owner.call("start", max_steps=400, batch_size=8, max_length=32, output_name="owned")
    run_id = public_app.studio.runner.active_run_id()
    wait_for_step(public_app.studio, run_id, 1)
    stranger = public_app.new_session()
    with pytest.raises(AppError, match="Only the person who started"):
        stranger.client.predict(run_id, None, api_name="/show_run")
    with pytest.raises(AppError, match="Only the person who started"):
        stranger.client.predict(run_id, True, None, api_name="/delete_run")
    assert stranger.client.predict(None, api_name="/list_runs")[0]["data"] == []  # not even listed
    with pytest.raises(AppError, match="No run is training"):  # the stranger's page has none
        stranger.call("stop")
    assert public_app.studio.runner.active_run_id() == run_id
    assert "Stopping" in owner.call("stop")
    assert wait_for_state(public_app.studio, run_id, ("stopped",)) == "stopped"


def test_case_22_unexpected_errors_show_a_sentence_and_log_no_token(tmp_path, caplog):
    def broken_loader(source, dataset, config, reading=None):
        raise RuntimeError("upstream said: token hf_ABCDEFGHIJKLMNOPQRSTU is invalid")

    live = launch(Studio(root=tmp_path / "runs", loader=broken_loader))
    try:
        with caplog.at_level(logging.ERROR, logger="fine_tune_studio.ui"):
            with pytest.raises(AppError) as info:
                live.call("load_sample", sample="sentiment")
        assert "Something went wrong inside the studio" in str(info.value)
        assert "hf_" not in str(info.value) and "Traceback" not in str(info.value)
        logged = "\n".join(r.getMessage() for r in caplog.records)
        assert "hf_***" in logged and "ABCDEFGHIJ" not in logged
    finally:
        live.demo.close()
