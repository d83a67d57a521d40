"""``Settings`` is the one source of what the environment decides: a studio obeys the value it
was given, whatever the environment of the process says."""

from __future__ import annotations

import pytest

from engine import RunConfig
from engine.errors import ConfigError
from engine.policy import Policy
from engine.settings import Settings
from engine.studio import Studio


@pytest.fixture
def bare_env(monkeypatch):
    for name in ("FTS_PUBLIC", "SPACE_ID", "FTS_RUNS_DIR", "FTS_MAX_UPLOAD_MB"):
        monkeypatch.delenv(name, raising=False)


def test_an_injected_public_policy_refuses_a_local_checkpoint(bare_env, tmp_path, tiny_checkpoint):
    cfg = RunConfig(dataset="sentiment", checkpoint=tiny_checkpoint, max_steps=1)
    public = Studio(root=tmp_path / "public", policy=Policy(public=True))
    with pytest.raises(ConfigError) as refused:
        public.start(cfg)
    assert refused.value.field == "checkpoint"
    assert "not allowed on this server" in str(refused.value)
    assert public.runs() == []  # refused before a run folder existed
    with pytest.raises(ConfigError):
        public.estimate(cfg)
    # The same environment, a private studio: the folder is accepted.
    private = Studio(root=tmp_path / "private")
    assert not private.settings.policy.public
    assert private.estimate(cfg) is not None


def test_settings_come_from_the_mapping_they_are_given(tmp_path):
    env = {"FTS_RUNS_DIR": str(tmp_path / "r"), "FTS_MAX_UPLOAD_MB": "7", "HF_HUB_OFFLINE": "1",
           "SPACE_ID": "me/space", "ONEDNN_MAX_CPU_ISA": "AVX2", "FTS_SECRET": "k"}
    settings = Settings.from_env(env)
    assert settings.runs_root == (tmp_path / "r").resolve()
    assert settings.max_upload_mb == 7
    assert settings.hub_offline and settings.on_space
    assert settings.cpu_caps == (("ONEDNN_MAX_CPU_ISA", "AVX2"),)
    assert settings.secret == "k" and "k" not in repr(settings)
    assert Settings.from_env({}).runs_root.name == "runs"
