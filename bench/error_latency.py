"""How fast bad news arrives: timings that once were assertions in tests, measured here instead.

* ``hub_unreachable_s``: an unreachable Hub (a port with nothing listening, and a server that
  accepts but never answers) is reported, first call and a cached second call (goal: < 2 s);
* ``hub_offline_s``: offline mode is reported (goal: < 0.5 s; no network call at all);
* ``huge_cell_prepare_s``: a file with a million-character cell is cut and prepared, lengths
  counted (goal: < 30 s on a slow CPU).

Each is the median of a few tries, in a fresh Python for the Hub ones (the libraries read
``HF_ENDPOINT`` at import), timed from after the imports.

    python bench/error_latency.py      # prints one JSON object
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HUB_CALLS = """
import json, sys, time
import os as _os
from engine.hub import Hub
from engine.settings import Settings
hub = Hub(Settings.from_env(_os.environ))
from engine.errors import HubUnreachable
times = []
for call in (lambda: hub.dataset_overview("acme/reviews"),
             lambda: hub.check_model_repo("acme/tiny-bert")):
    started = time.perf_counter()
    try:
        call()
    except HubUnreachable:
        pass
    times.append(time.perf_counter() - started)
print(json.dumps(times))
"""

HUGE_CELL = """
import json, sys, time
from pathlib import Path
from engine import RunConfig
from engine.studio import Studio
data = Path(sys.argv[1])
rows = [{"text": "word " * 200_000, "label": "a"}] + [
    {"text": f"short {i}", "label": "ab"[i % 2]} for i in range(30)]
data.write_text("\\n".join(json.dumps(r) for r in rows))
studio = Studio()
cfg = RunConfig(data_source="file", dataset=str(data), checkpoint="builtin:minilm-l6")
started = time.perf_counter()
studio.prepared(cfg)
studio.length_stats(cfg)
print(json.dumps(time.perf_counter() - started))
"""


def _child(code: str, env: dict[str, str], *args: str) -> Any:
    out = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(tries: int = 3) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="fts-latency-"))
    base = {**os.environ, "HF_HOME": str(work / "hf"), "FTS_RUNS_DIR": str(work / "runs")}
    online = {**base, "HF_HUB_OFFLINE": "0", "HF_DATASETS_OFFLINE": "0"}
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        refused = sock.getsockname()[1]
    from tests.hubserver import silent_server  # the same hanging Hub the tests use

    server, held = silent_server()
    arms = {"refused": {**online, "HF_ENDPOINT": f"http://127.0.0.1:{refused}"},
            "silent": {**online, "HF_ENDPOINT": f"http://127.0.0.1:{server.getsockname()[1]}"},
            "offline": {**base, "HF_HUB_OFFLINE": "1"}}
    timed: dict[str, list[list[float]]] = {name: [] for name in arms}
    try:
        for _ in range(tries):
            for name, env in arms.items():
                timed[name].append(_child(HUB_CALLS, env))
    finally:
        server.close()
        for conn in held:
            conn.close()
    huge = [_child(HUGE_CELL, {**base, "HF_HUB_OFFLINE": "1"}, str(work / "huge.jsonl"))
            for _ in range(tries)]

    def med(name: str, index: int) -> float:
        return round(statistics.median(t[index] for t in timed[name]), 3)

    return {"hub_unreachable_s": max(med("refused", 0), med("silent", 0)),
            "hub_unreachable": {name: {"first_s": med(name, 0), "cached_s": med(name, 1)}
                                for name in ("refused", "silent")},
            "hub_offline_s": med("offline", 0),
            "huge_cell_prepare_s": round(statistics.median(huge), 2)}


if __name__ == "__main__":
    print(json.dumps(measure()))
