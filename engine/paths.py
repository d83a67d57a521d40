"""Where the studio writes: everything goes under one runs folder, nothing anywhere else.

``runs_root()`` is ``$FTS_RUNS_DIR`` or ``./runs``. ``configure_caches()`` points the Hugging Face
caches (Hub downloads, datasets' Arrow cache, evaluate modules) inside it too, unless the user set
them, so the promise "all writes stay under the app's runs folder" holds for the libraries as well.
``inside()`` is the one guard used before any write whose path came from a user-visible value.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ConfigError


def runs_root() -> Path:
    root = Path(os.environ.get("FTS_RUNS_DIR") or "runs").expanduser().resolve()
    root.mkdir(parents=True, exist_ok=True)
    return root


def configure_caches(root: Path | None = None) -> Path:
    """Default HF_HOME and friends to ``<runs>/.cache``; must run before the HF libraries import."""
    cache = (root or runs_root()) / ".cache"
    os.environ.setdefault("HF_HOME", str(cache / "huggingface"))
    os.environ.setdefault("GRADIO_TEMP_DIR", str(cache / "gradio"))
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    from .policy import Policy

    if Policy.from_env().public:  # a server-side token is never used on a visitor's behalf
        os.environ.setdefault("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")
    return cache


def inside(root: Path, *parts: str) -> Path:
    """Join ``parts`` under ``root`` and refuse anything that would land outside it."""
    base = root.resolve()
    target = base.joinpath(*parts).resolve()
    if target != base and base not in target.parents:
        raise ConfigError("output_name", "That name would write outside the runs folder; "
                          "use letters, digits, '-', '_' and '.' only.")
    return target
