"""Start the app with settings fit for a public host (used by ``python app.py``).

* ``show_error=False``: tracebacks never reach the browser (``gr.Error`` messages still do).
* ``run_history=False``: Gradio 6.24+ would keep every call's inputs (a token!) in localStorage.
* ``max_file_size``: uploads over the cap get HTTP 413 before any parsing.
* ``blocked_paths``: uploads and the Hub cache are never served (Gradio denies the rest).
* ``state_session_capacity=1000``: Gradio keeps every visitor's session (with a copy of each
  component's config) for an hour after the tab closes, up to 10,000 sessions; measured here,
  100 visitors grew the server by 37 MB, so a busy Space would hold gigabytes. Past 1,000
  sessions the least recently active are dropped (their run stays; only the page view resets).
* Caches (Hub downloads, datasets, uploads) live under the runs folder: writes stay there.
* ``OMP_WAIT_POLICY=PASSIVE`` (unless set): training shares the CPU with the web server (and,
  locally, the browser). OpenMP threads that spin at barriers stall whenever another thread
  runs; sleeping instead made training with the page open 1.3x faster (BENCHMARKS.md). The CLI,
  which has the CPU to itself, keeps the spinning default.
"""

from __future__ import annotations

import os
import time

from engine.settings import Settings

STARTED = time.perf_counter()


def launch_kwargs(settings: Settings) -> dict[str, object]:
    from .i18n import I18N
    from .render import CSS

    runs = settings.runs_root
    upload_mb = settings.max_upload_mb
    # Gradio serves only its own upload cache; block the rest of our folders as a second wall.
    blocked = [str(runs / "uploads"), str(runs / ".cache" / "huggingface")]
    return {"show_error": False, "run_history": False, "max_file_size": f"{upload_mb:g}mb",
            "blocked_paths": blocked, "allowed_paths": [], "enable_monitoring": False,
            "state_session_capacity": 1000,
            "mcp_server": False, "ssr_mode": False, "i18n": I18N, "css": CSS,
            "footer_links": ["gradio", "settings"]}


def main() -> None:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads OpenMP
    from engine.paths import configure_caches

    settings = Settings.from_env(os.environ)  # the one read of the environment (and the CLI's)
    configure_caches(settings, os.environ)
    from engine.studio import Studio

    from .app import build_app

    demo = build_app(Studio(settings))
    demo.queue(default_concurrency_limit=4)
    port = int(os.environ.get("PORT") or os.environ.get("GRADIO_SERVER_PORT") or 7860)
    demo.launch(server_port=port, **launch_kwargs(settings))  # type: ignore[arg-type]
