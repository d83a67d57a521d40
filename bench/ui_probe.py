"""UI-side benchmarks against a real ``python app.py``:

* ``cold_start_s``: from spawning ``python app.py`` to the first page served (HTTP 200), median
  of three starts;
* ``ui_latency_p95_ms``: p95 round trip of a cheap UI call (the tokenization preview, through
  ``gradio_client``) while a run trains in the same process; also measured idle for comparison;
* ``chart_lag_s``: in headless Chromium, the time from a training step's ``train`` event (its
  timestamp in ``events.jsonl``) to the moment its point appears on the loss chart (a page-side
  observer stamps every change of the chart's point count); median and p95;
* ``ui_open_vs_cli``: steady training speed of that run (started from the page, which stays open
  and polls) over the same settings run from the CLI: does the UI slow training down?
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_app(work: Path) -> tuple[subprocess.Popen[bytes], str, float]:
    port = _port()
    env = {**os.environ, "PORT": str(port), "FTS_RUNS_DIR": str(work / "ui-runs"),
           "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    env.pop("HF_HOME", None)
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            if urllib.request.urlopen(url, timeout=1).status == 200:
                return proc, url, time.perf_counter() - started
        except OSError:
            if proc.poll() is not None or time.perf_counter() - started > 120:
                raise RuntimeError("the app did not start") from None
            time.sleep(0.02)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=30)


def argument_order(api_name: str) -> list[tuple[str, Any]]:
    """(elem_id, initial value) of an event's API inputs; the same code builds the same layout
    in the app process, so positions match."""
    os.environ.setdefault("FTS_RUNS_DIR", "/tmp/fts-bench-layout")
    from engine.studio import Studio
    from ui.app import build_app

    demo = build_app(Studio.from_env(os.environ))
    fn = next(f for f in demo.fns.values() if f.api_name == api_name)
    return [(c.elem_id or "", c.value) for c in fn.inputs if type(c).__name__ != "State"]


def _args(order: list[tuple[str, Any]], values: dict[str, Any]) -> list[Any]:
    return [values.get(elem.removeprefix("field-"), initial) for elem, initial in order]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def ui_latency(url: str, work: Path, data: str, calls: int) -> dict[str, float]:
    from gradio_client import Client

    client = Client(url, verbose=False)
    tokens = argument_order("tokens")
    token_args = _args(tokens, {"sentence": "The studio must stay responsive.",
                                "sentence2": ""})

    def sample(n: int) -> list[float]:
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            client.predict(*token_args, api_name="/tokens")
            times.append((time.perf_counter() - t0) * 1000)
        return times

    idle = sample(max(10, calls // 3))
    start = _args(argument_order("start"), {"data_source": "file", "dataset": data,
                                            "output_name": "ui-latency"})
    client.predict(*start, api_name="/start")
    status = next((work / "ui-runs").glob("ui-latency-*/status.json"))
    while json.loads(status.read_text()).get("state") != "running":
        time.sleep(0.2)
    busy = sample(calls)
    client.predict(*_args(argument_order("stop"), {}), api_name="/stop")
    return {"ui_latency_p95_ms": _p95(busy), "ui_latency_median_ms": statistics.median(busy),
            "ui_latency_idle_p95_ms": _p95(idle)}


OBSERVER = """() => { window.__points = []; let last = -1;
  setInterval(() => { const n = document.querySelectorAll(
      '#plot-loss .scatterlayer .trace:first-child .points path').length;
    if (n !== last) { last = n; window.__points.push([Date.now() / 1000, n]); } }, 20); }"""


def chart_lag(url: str, work: Path) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        page.locator("#data-summary").filter(has_text="✅").wait_for(timeout=60_000)
        page.get_by_role("tab").nth(2).click()
        page.locator("#field-output_name input").fill("chart-lag")
        page.evaluate(OBSERVER)
        page.locator("#start").click()
        status = page.locator("#run-status")
        deadline = time.monotonic() + 600
        while "chart-lag" not in status.inner_text() or not any(
                word in status.inner_text() for word in ("finished", "failed")):
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
        page.wait_for_timeout(1500)
        changes = page.evaluate("window.__points")
        browser.close()
    events_file = next((work / "ui-runs").glob("chart-lag-*/events.jsonl"))
    events = [json.loads(line) for line in events_file.read_text().splitlines()]
    logged = [e["time"] for e in events if e["kind"] == "train"]
    lags = []
    for k, when in enumerate(logged, start=1):
        seen = next((t for t, n in changes if n >= k), None)
        if seen is not None and seen >= when - 0.05:  # a point drawn at re-attach is not a lag
            lags.append(max(0.0, seen - when))
    metrics = json.loads((events_file.parent / "metrics.json").read_text())
    return {"chart_lag_s": statistics.median(lags), "chart_lag_p95_s": _p95(lags),
            "chart_points_measured": len(lags),
            "ui_run_steady_samples_per_s": metrics["facts"]["steady_samples_per_s"]}


def cli_speed(work: Path) -> float:
    """The chart-lag run's settings (built-in sentiment, defaults) from the CLI, no UI."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "FTS_RUNS_DIR": str(work / "cli-runs")}
    out = subprocess.run([sys.executable, "-m", "engine.train", "--config",
                          "examples/sentiment.json"], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=True)
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    return float(summary["metrics"]["facts"]["steady_samples_per_s"])


def measure(work: Path, data: str, quick: bool = True) -> dict[str, Any]:
    starts = []
    for _ in range(3):
        proc, url, seconds = start_app(work)
        starts.append(seconds)
        _stop(proc)
    result: dict[str, Any] = {"cold_start_s": statistics.median(starts)}
    proc, url, _ = start_app(work)
    try:
        result.update(ui_latency(url, work, data, calls=60 if quick else 150))
        while any(json.loads(s.read_text()).get("state") in ("running", "stopping")
                  for s in (work / "ui-runs").glob("*/status.json")):
            time.sleep(0.5)
        if Path(CHROMIUM).exists():
            result.update(chart_lag(url, work))
    finally:
        _stop(proc)
    if "ui_run_steady_samples_per_s" in result:  # does an open browser tab slow training?
        result["ui_open_vs_cli"] = result["ui_run_steady_samples_per_s"] / cli_speed(work)
    return result
