"""``Settings``: everything the environment decides, read once at an entry point, then passed down.

The entry points (``ui/launch.py`` for the app, ``engine/train.py`` for the CLI, ``bench/``) call
``Settings.from_env(os.environ)``; no module below them reads ``os.environ`` (a test walks the
AST to check). So a test can build ``Settings(policy=Policy(public=True))`` and know that it is
what the studio obeys, whatever the environment of the test process says.

    FTS_RUNS_DIR          folder   where every write goes (default ./runs)
    FTS_MAX_UPLOAD_MB     MB       the largest file accepted (default 100)
    HF_HUB_OFFLINE        1/0      never call the Hub (tests and CI)
    SPACE_ID              (set by Hugging Face Spaces) public mode by default, no local export
    FTS_SECRET            a key for the browser's signed session id (random per process if unset)
    ONEDNN_MAX_CPU_ISA, ATEN_CPU_CAPABILITY   recorded: they change what is fast on this CPU
    FTS_PUBLIC, FTS_MAX_*, FTS_RUNS_BUDGET_MB, FTS_STEP_TIMEOUT_S   see ``policy.py``
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from .policy import Policy, flag

CPU_CAPS = ("ONEDNN_MAX_CPU_ISA", "ATEN_CPU_CAPABILITY")
MAX_UPLOAD_MB = 100.0


@dataclass(frozen=True)
class Settings:
    runs_root: Path = Path("runs")
    policy: Policy = field(default_factory=Policy)
    max_upload_mb: float = MAX_UPLOAD_MB
    hub_offline: bool = False
    on_space: bool = False
    # Caps on the instructions oneDNN/ATen may use: part of every speed measurement's identity.
    cpu_caps: tuple[tuple[str, str], ...] = ()
    secret: str = field(default_factory=lambda: secrets.token_hex(16), repr=False)

    def __post_init__(self) -> None:  # one spelling of the folder, whatever was passed
        object.__setattr__(self, "runs_root", Path(self.runs_root).expanduser().resolve())

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        return cls(runs_root=Path(env.get("FTS_RUNS_DIR") or "runs"),
                   policy=Policy.from_env(env),
                   max_upload_mb=float(env.get("FTS_MAX_UPLOAD_MB") or MAX_UPLOAD_MB),
                   hub_offline=flag(env, "HF_HUB_OFFLINE", False),
                   on_space=bool(env.get("SPACE_ID")),
                   cpu_caps=tuple((k, env[k]) for k in CPU_CAPS if env.get(k)),
                   secret=env.get("FTS_SECRET") or secrets.token_hex(16))

    def with_root(self, root: Path) -> Settings:
        return replace(self, runs_root=Path(root))

    def ensure_root(self) -> Path:
        self.runs_root.mkdir(parents=True, exist_ok=True)
        return self.runs_root
