"""Test set-up: offline, isolated, fast.

Environment variables are set here, at import, because the Hugging Face libraries read them when
they are first imported: every test runs with ``HF_HUB_OFFLINE=1`` (no Hub call can wait ~25 s on
retries), a private ``HF_HOME``, and its own runs folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

_SESSION_TMP = Path(tempfile.mkdtemp(prefix="fts-tests-"))
os.environ.update({
    "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(_SESSION_TMP / "hf"),
    "GRADIO_ANALYTICS_ENABLED": "False", "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_TELEMETRY": "1", "FTS_RUNS_DIR": str(_SESSION_TMP / "runs-default"),
})
os.environ.pop("HF_TOKEN", None)
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402

from tests.tiny import build_tiny_bert  # noqa: E402


@pytest.fixture(scope="session")
def tiny_dir() -> Path:
    return build_tiny_bert(_SESSION_TMP / "tiny-bert")


@pytest.fixture(scope="session")
def tiny_checkpoint(tiny_dir: Path) -> str:
    return f"local:{tiny_dir}"


@pytest.fixture
def runs_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "runs"
    monkeypatch.setenv("FTS_RUNS_DIR", str(folder))
    return folder


@pytest.fixture
def studio(runs_dir: Path):
    from engine.studio import Studio

    return Studio(root=runs_dir)


@pytest.fixture
def tiny_cfg(tiny_checkpoint: str):
    """A RunConfig factory on the tiny checkpoint: short, fast, checkpointing often."""
    from engine.config import RunConfig

    def make(**changes):
        base = dict(checkpoint=tiny_checkpoint, dataset="sentiment", max_steps=12,
                    batch_size=8, max_length=64, eval_strategy="steps", eval_steps=6,
                    save_strategy="steps", save_steps=4, logging_steps=2,
                    learning_rate=1e-3, max_rows=200,
                    precision="fp32")  # tests that count forward passes need no probe's passes
        base.update(changes)
        return RunConfig(**base)

    return make


@pytest.fixture(scope="session")
def fake_hub(tmp_path_factory, tiny_dir: Path):
    """(FakeHub, endpoint) on loopback for the whole session; see tests/fakehub.py."""
    from tests.fakehub import build_fake_hub

    fake = build_fake_hub(tmp_path_factory.mktemp("fakehub"), tiny_dir)
    endpoint = fake.start()
    yield fake, endpoint
    fake.stop()


@pytest.fixture(scope="module")
def app(tmp_path_factory, tiny_dir):
    """A live app (local mode) for a test module; see tests/apptools.py."""
    from engine.studio import Studio
    from tests.apptools import launch

    root = tmp_path_factory.mktemp("ui-runs")
    os.environ["FTS_RUNS_DIR"] = str(root)
    live = launch(Studio(root=root))
    yield live
    live.demo.close()


@pytest.fixture
def tiny(tiny_dir: Path) -> str:
    return f"local:{tiny_dir}"
