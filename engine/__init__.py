"""Fine-Tune Studio's engine: the whole fine-tuning pipeline, headless and offline-first.

Never imports gradio or plotly (a test enforces it), and imports torch/transformers lazily so
that importing ``engine`` is cheap: the web page can be served before the heavy libraries load.

    from engine import RunConfig, Studio
    studio = Studio()
    run_id = studio.start(RunConfig(dataset="sentiment"))

The map, in the order a run goes through it:

- ``config.RunConfig``: the one typed run configuration (defaults, ranges, help, CLI flags).
- ``studio.Studio``: the front door the UI and the command lines use; it caches data
  (``memo``) and holds the seams tests inject fakes through (a loader, a model factory).
- ``settings.Settings``: everything the environment decides (``policy``, ``paths``, limits),
  built once by an entry point and passed down. ``hub``: every Hub call.
- ``data/``: sources, tables, columns, prepare, inspection, spark, the built-in samples.
- ``tokens/``: tokenization (``view``) and padding made visible.
- ``modeling/``: checkpoints (resolve and load), inference, precision, sparse masked-LM head,
  attention (dropout off on the plain path), local evaluate metrics.
- ``training/``: runner (the thread), run_body (its phases), adapt (the network as a run
  trains it), trainer and recipe, callbacks, events, runs (the run folders), guidance,
  estimate, failures.
- ``protocol``: the run protocol in types (``RunState``, ``RunMetrics``, ``series``), read by
  every consumer of a run. ``errors``: the typed error tree, raised with keys of
  ``messages``, the one catalog of every message's English text.
- ``share/``: push (Hub, model card), standalone (the export) and its script templates.
- Entry points: ``train.py`` (``python -m engine.train``) and ``export.py``
  (``python -m engine.export``); they read the environment, nothing below them does.
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
