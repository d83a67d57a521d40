"""Headless training from the command line: the same pipeline and run folder as the app.

    python -m engine.train --config examples/sentiment.json
    python -m engine.train --config examples/sentiment.json --learning-rate 3e-5 --epochs 2
    python -m engine.train --resume runs/sentiment-classification-20261122-101500

Progress goes to stderr; the **last line of stdout** is one JSON object:
``{"status": ..., "run_dir": ..., "metrics": {...}}``. Ctrl-C (or SIGTERM) stops after the
current step and saves a checkpoint, so ``--resume`` can continue; a second Ctrl-C quits at once.
Exit codes: 0 finished, 1 failed, 2 bad configuration, 3 stopped.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from .config import add_cli_arguments, cli_overrides, from_dict, from_json
from .errors import EngineError
from .paths import configure_caches
from .protocol import RunState
from .settings import Settings

EXIT = {"finished": 0, "failed": 1, "stopped": 3}
PRINT_EVERY_S = 1.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m engine.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, help="A run configuration (JSON).")
    parser.add_argument("--resume", type=Path, metavar="RUN_DIR",
                        help="Continue a stopped, failed or interrupted run.")
    parser.add_argument("--runs-dir", type=Path, help="Where run folders go (default: ./runs "
                        "or $FTS_RUNS_DIR).")
    add_cli_arguments(parser)
    args = parser.parse_args(argv)
    if (args.config is None) == (args.resume is None):
        parser.error("give exactly one of --config or --resume")
    return args


def _line(event: Any) -> str | None:
    data = event.data
    if event.kind == "progress":
        eta = f", ETA {data['eta_s']:.0f}s" if data.get("eta_s") is not None else ""
        return (f"step {data['step']}/{data['total_steps']} epoch {data['epoch']:.2f} "
                f"{data['samples_per_s']:.1f} samples/s{eta}")
    if event.kind == "train":
        return f"step {data['step']}: loss {data['loss']}"
    if event.kind == "eval":
        shown = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                          for k, v in data["metrics"].items())
        return f"step {data['step']}: validation {shown}"
    if event.kind in ("phase", "note", "status"):
        return data.get("phase") or data.get("text") or \
            f"[{data.get('state')}] {data.get('message') or ''}".strip()
    return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    root = (args.runs_dir or (args.resume.resolve().parent if args.resume else None))
    settings = Settings.from_env(os.environ)  # the one read of the environment (and in ui/)
    if root is not None:
        settings = settings.with_root(root)
    configure_caches(settings, os.environ)
    from .studio import Studio

    try:
        studio = Studio(settings)
        if args.resume:
            run_id = studio.resume(args.resume.resolve().name)
        else:
            data = json.loads(args.config.read_text(encoding="utf-8"))
            cfg = from_dict({**data, **cli_overrides(args)}) if isinstance(data, dict) else \
                from_json(args.config.read_text(encoding="utf-8"))
            run_id = studio.start(cfg)
    except (EngineError, OSError, json.JSONDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        print(json.dumps({"status": "error", "run_dir": None, "metrics": {}, "error": str(exc)}))
        return 2

    def on_signal(signum: int, frame: Any) -> None:
        if studio.stop(run_id):
            print("\nstopping after the current step (again to quit now)...", file=sys.stderr)
            signal.signal(signal.SIGINT, signal.SIG_DFL)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    seq = 0
    while True:
        # Block in join() (no GIL held) instead of polling: every wake-up of this thread has
        # to take the GIL from the training thread, which measurably slows training.
        studio.runner.wait(run_id, timeout=PRINT_EVERY_S)
        finished = studio.runner.active_run_id() != run_id
        for event in studio.events_since(run_id, seq):
            seq = event.seq
            line = _line(event)
            if line:
                print(line, file=sys.stderr, flush=True)
        if finished:
            break
    handle = studio.run(run_id)
    status = handle.status()
    state = RunState.of(status)
    import resource

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"status": state, "run_dir": str(handle.folder),
                      "metrics": handle.metrics(), "message": status.get("message"),
                      "peak_rss_mb": round(peak_mb, 1)}, default=str))
    return EXIT.get(state, 1)


if __name__ == "__main__":
    sys.exit(main())
