"""Fine-Tune Studio's engine: the whole fine-tuning pipeline, headless and offline-first.

Never imports gradio or plotly (a test enforces it), and imports torch/transformers lazily so
that importing ``engine`` is cheap: the web page can be served before the heavy libraries load.

    from engine import RunConfig, Studio
    studio = Studio()
    run_id = studio.start(RunConfig(dataset="sentiment"))
"""

from __future__ import annotations

from typing import Any

from .config import RunConfig
from .errors import EngineError

__all__ = ["EngineError", "RunConfig", "Studio"]


def __getattr__(name: str) -> Any:
    if name == "Studio":
        from .studio import Studio

        return Studio
    raise AttributeError(name)
