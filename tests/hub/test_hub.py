"""Hub code paths through the real libraries against a loopback fake Hub (tests/hubserver.py).

The libraries read ``HF_ENDPOINT``/``HF_HUB_OFFLINE`` when first imported and this test process
runs offline, so each check runs in a child Python pointed at the fake Hub: nothing is patched.
"""

from __future__ import annotations

import pytest

from tests.fakehub import child
from tests.hubserver import FakeHub


def requests_to(fake: FakeHub, fragment: str) -> list[str]:
    return [path for _, path, _ in fake.requests if fragment in path]


def test_size_and_splits_are_shown_before_download(fake_hub, tmp_path):
    fake, endpoint = fake_hub
    result = child(endpoint, tmp_path, """
        import json
        import os as _os
        from engine.hub import Hub
        from engine.settings import Settings
        hub = Hub(Settings.from_env(_os.environ))
        o = hub.dataset_overview("acme/reviews")
        print(json.dumps({"configs": o.configs, "splits": o.splits, "download": o.download_bytes,
                          "size": o.dataset_bytes, "features": o.features}))
    """)
    assert result["splits"] == {"train": 590, "test": 155}
    assert result["download"] == 40960 and result["size"] == 64000
    assert set(result["features"]) == {"review", "stars"}
    assert not any(".parquet" in p and "resolve" in p for p in requests_to(fake, "acme/reviews"))


def test_preview_streams_the_first_rows(fake_hub, tmp_path):
    _, endpoint = fake_hub
    rows = child(endpoint, tmp_path, """
        import json
        import os as _os
        from engine.hub import Hub
        from engine.settings import Settings
        hub = Hub(Settings.from_env(_os.environ))
        print(json.dumps(hub.preview_rows("acme/reviews", None, "train", n=3)))
    """)
    assert len(rows) == 3 and set(rows[0]) == {"review", "stars"}


def test_a_whole_run_from_a_hub_dataset_and_a_hub_model(fake_hub, tmp_path):
    """load_dataset("acme/reviews") and from_pretrained("acme/tiny-bert") for real."""
    fake, endpoint = fake_hub
    result = child(endpoint, tmp_path, """
        import json
        from engine import RunConfig
        from engine.studio import Studio
        studio = Studio.from_env(__import__("os").environ)
        cfg = RunConfig(data_source="hub", dataset="acme/reviews", checkpoint="acme/tiny-bert",
                        max_steps=4, batch_size=8, max_length=64, eval_strategy="steps",
                        eval_steps=4, save_strategy="steps", save_steps=4)
        run_id = studio.start(cfg)
        state = studio.runner.wait(run_id, 240)
        handle = studio.run(run_id)
        print(json.dumps({"state": state, "status": handle.status(),
                          "report": handle.data_report()}))
    """)
    assert result["state"] == "finished", result["status"]
    report = result["report"]
    assert report["columns"] == {"text": "review", "text_pair": None, "label": "stars"}
    assert report["label_names"] == ["1", "5"]
    assert requests_to(fake, "/acme/tiny-bert/resolve/")
    assert requests_to(fake, "/datasets/acme/reviews/resolve/")


def test_missing_gated_and_config_errors_are_explained(fake_hub, tmp_path):
    _, endpoint = fake_hub
    result = child(endpoint, tmp_path, """
        import json
        import os as _os
        from engine.hub import Hub
        from engine.settings import Settings
        hub = Hub(Settings.from_env(_os.environ))
        from engine.errors import EngineError
        out = {}
        for name, call in {
            "missing": lambda: hub.load_dataset_splits("acme/nothing"),
            "gated": lambda: hub.load_dataset_splits("acme/secret-data"),
            "no_model": lambda: hub.check_model_repo("acme/no-model"),
        }.items():
            try:
                call()
                out[name] = "no error"
            except EngineError as exc:
                out[name] = [type(exc).__name__, str(exc)]
        print(json.dumps(out))
    """)
    assert result["missing"][0] == "HubNotFound" and "acme/nothing" in result["missing"][1]
    assert result["gated"][0] == "HubGated" and "accept the terms" in result["gated"][1]
    assert result["no_model"][0] == "HubNotFound"


def test_unsafe_model_repos_are_refused_before_download(fake_hub, tmp_path):
    fake, endpoint = fake_hub
    result = child(endpoint, tmp_path, """
        import json, sys
        import os as _os
        from engine.hub import Hub
        from engine.settings import Settings
        hub = Hub(Settings.from_env(_os.environ))
        from engine.errors import UnsafeRepo
        out = {}
        for repo in ("acme/custom-code", "acme/pickle-only", "acme/tiny-bert"):
            try:
                hub.check_model_repo(repo)
                out[repo] = "accepted"
            except UnsafeRepo as exc:
                out[repo] = str(exc)
        out["imported"] = [m for m in sys.modules if "evil" in m]
        print(json.dumps(out))
    """, FTS_MAX_MODEL_GB="0.00001")
    assert "needs custom code" in result["acme/custom-code"]
    assert "no safetensors weights" in result["acme/pickle-only"]
    assert "the limit here is" in result["acme/tiny-bert"]
    assert result["imported"] == []
    assert not requests_to(fake, "/acme/custom-code/resolve/")
    assert not requests_to(fake, "/acme/pickle-only/resolve/")


@pytest.mark.parametrize("bad", ["glue", "csv", "/etc/passwd", "../x", "./data", "~/models",
                                 "https://huggingface.co/datasets/nyu-mll/glue", "a/b/c",
                                 "ÿ/ü", "ns/" + "n" * 120, ""])
def test_ids_that_are_not_namespace_name_are_rejected_before_any_load(bad):
    from engine.errors import BadRepoId, ConfigError
    from engine.hub import validate_repo_id

    with pytest.raises(BadRepoId) as refused:
        validate_repo_id(bad)
    assert isinstance(refused.value, ConfigError) and refused.value.field == "dataset"


def test_search_puts_text_classification_datasets_first(fake_hub, tmp_path):
    _, endpoint = fake_hub
    found = child(endpoint, tmp_path, """
        import json
        import os as _os
        from engine.hub import Hub
        from engine.settings import Settings
        hub = Hub(Settings.from_env(_os.environ))
        print(json.dumps(hub.search("dataset", "acme")))
    """)
    assert [d["id"] for d in found][0] == "acme/reviews"
    assert {d["id"] for d in found} >= {"acme/reviews", "acme/glue"}


def test_an_unreachable_hub_is_probed_once_then_reported_from_the_cache(tmp_path):
    """A Hub that accepts connections and never answers: the first call waits for the probe's
    own timeout, and every later call answers from the cache without connecting again. (How
    long the first call takes is measured in ``bench/error_latency.py``, not asserted here.)"""
    from tests.hubserver import silent_server

    server, accepted = silent_server()
    try:
        result = child(f"http://127.0.0.1:{server.getsockname()[1]}", tmp_path, """
            import json
            import os as _os
            from engine.hub import Hub
            from engine.settings import Settings
            hub = Hub(Settings.from_env(_os.environ))
            from engine.errors import HubUnreachable
            out = {}
            for name, call in {"overview": lambda: hub.dataset_overview("acme/reviews"),
                               "model": lambda: hub.check_model_repo("acme/tiny-bert"),
                               "again": lambda: hub.dataset_overview("acme/reviews")}.items():
                try:
                    call()
                except HubUnreachable as exc:
                    out[name] = str(exc)
            print(json.dumps(out))
        """)
    finally:
        server.close()
        for conn in accepted:
            conn.close()
    assert set(result) == {"overview", "model", "again"}
    assert all("can't be reached" in message for message in result.values())
    assert len(accepted) == 1  # one probe; the rest came from the cache


def test_offline_mode_is_reported_without_a_network_call(monkeypatch):
    """Offline mode answers before any connection: a probe would fail this test."""
    import engine.hub as hub_module
    from engine.errors import HubUnreachable
    from engine.settings import Settings

    hub = hub_module.Hub(Settings(hub_offline=True))

    def no_network(*args, **kwargs):
        raise AssertionError("offline mode must not open a connection")

    monkeypatch.setattr(hub_module.urllib.request, "urlopen", no_network)
    with pytest.raises(HubUnreachable, match="offline mode"):
        hub.dataset_overview("nyu-mll/glue")
