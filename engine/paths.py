"""Where the studio writes: everything goes under one runs folder, nothing anywhere else.

The folder is ``Settings.runs_root`` (``$FTS_RUNS_DIR`` or ``./runs``). ``configure_caches()``,
called by the entry points, points the Hugging Face caches (Hub downloads, datasets' Arrow cache,
evaluate modules) inside it too, unless the user set them, so the promise "all writes stay under
the app's runs folder" holds for the libraries as well.
``inside()`` is the one guard used before any write whose path came from a user-visible value.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from pathlib import Path

from .errors import ConfigError
from .settings import Settings


def configure_caches(settings: Settings, env: MutableMapping[str, str]) -> Path:
    """Default HF_HOME and friends in ``env`` (the process environment, passed by an entry point)
    to ``<runs>/.cache``; must run before the HF libraries import."""
    cache = settings.ensure_root() / ".cache"
    env.setdefault("HF_HOME", str(cache / "huggingface"))
    env.setdefault("GRADIO_TEMP_DIR", str(cache / "gradio"))
    env.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    if settings.policy.public:  # a server-side token is never used on a visitor's behalf
        env.setdefault("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")
    return cache


def inside(root: Path, *parts: str, field: str = "output_name") -> Path:
    """Join ``parts`` under ``root`` and refuse anything that would land outside it. ``field``
    is the setting the name came from, so the message points at the right box."""
    base = root.resolve()
    target = base.joinpath(*parts).resolve()
    if target != base and base not in target.parents:
        raise ConfigError(field, "config.outside_runs")
    return target
