"""``python -m engine.export RUN_DIR OUT_DIR``: the export's command line (the work is
``engine/share/standalone.py``).

An entry point, like ``engine/train.py``: it reads the environment once, builds one ``Settings``
and passes it down. It lives apart from ``share/standalone.py`` so that module never imports the
studio (which imports it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .errors import EngineError
from .modeling.checkpoints import resolve
from .settings import Settings
from .share.standalone import __doc__ as EXPORT_DOC
from .share.standalone import export_run
from .studio import Studio


def export_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.export", description=EXPORT_DOC,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--style", choices=("trainer", "accelerate"), default="trainer")
    args = parser.parse_args(argv)
    try:
        run_dir = args.run_dir.resolve()
        studio = Studio(Settings.from_env(os.environ).with_root(run_dir.parent))
        handle = studio.run(run_dir.name)
        files = export_run(handle, args.out_dir.resolve(), args.style,
                           studio.prepared(handle.config),
                           resolve(handle.config.checkpoint, studio.settings))
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({"out_dir": str(args.out_dir.resolve()), "files": files}))
    return 0


if __name__ == "__main__":
    sys.exit(export_main())
