"""How strict the studio is: a single-user laptop or a public, shared host.

Public mode (``FTS_PUBLIC=1``; on by default on a Hugging Face Space, off locally) turns on
per-session ownership of runs, a queue (one training at a time, others wait their turn),
quotas, refusal of local model folders, and a stricter model-size cap. Every limit can be set
through the environment (read once, by ``Settings.from_env``); the defaults below are sized for
a free 2-vCPU Space.

    FTS_PUBLIC            1/0      public mode
    FTS_MAX_TRAIN_ROWS    int      training rows used at most (public: 5000)
    FTS_MAX_STEPS         int      optimizer steps per run at most (public: 2000)
    FTS_MAX_WALL_S        seconds  a run is stopped (with a checkpoint) after this (public: 1800)
    FTS_MAX_MODEL_GB      float    Hub model weights at most (public: 0.5, local: 2)
    FTS_RUNS_BUDGET_MB    MB       above this, the oldest ended runs are deleted (public: 5000)
    FTS_STEP_TIMEOUT_S    seconds  a step taking longer is declared hung (default: 900)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


def flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def _number(env: Mapping[str, str], name: str, default: float | None) -> float | None:
    value = (env.get(name) or "").strip()
    return float(value) if value else default


@dataclass(frozen=True)
class Policy:
    public: bool = False
    max_train_rows: int | None = None
    max_steps: int | None = None
    max_wall_s: float | None = None
    max_model_gb: float = 2.0
    runs_budget_mb: float | None = None
    step_timeout_s: float = 900.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Policy:
        """The policy the environment asks for (``env`` is ``os.environ`` at an entry point)."""
        public = flag(env, "FTS_PUBLIC", default=bool(env.get("SPACE_ID")))
        rows = _number(env, "FTS_MAX_TRAIN_ROWS", 5000 if public else None)
        steps = _number(env, "FTS_MAX_STEPS", 2000 if public else None)
        return cls(public=public,
                   max_train_rows=int(rows) if rows else None,
                   max_steps=int(steps) if steps else None,
                   max_wall_s=_number(env, "FTS_MAX_WALL_S", 1800 if public else None),
                   max_model_gb=_number(env, "FTS_MAX_MODEL_GB", 0.5 if public else 2.0) or 2.0,
                   runs_budget_mb=_number(env, "FTS_RUNS_BUDGET_MB", 5000 if public else None),
                   step_timeout_s=_number(env, "FTS_STEP_TIMEOUT_S", 900.0) or 900.0)
