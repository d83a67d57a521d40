"""Upload to "Ready to train", in a real headless Chromium against ``python app.py``.

    python bench/upload.py [--rows 8530 --rows 100000] [--start]

For each size a CSV of movie-review-like rows (two labels, 10-40 words, about 1 MB per 8,530
rows) is generated, uploaded on the Data tab, and timed until the summary says "Ready to
train" for that file, noting which progress stages the page showed meanwhile; the next size is
uploaded on the same page (a user replacing their file). With ``--start`` it then presses
Start and times the run's status line appearing. The last line is one JSON object, with the
CPU it ran on (``precision.cpu_facts``).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from tempfile import mkdtemp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ui_probe import CHROMIUM, _stop, start_app  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
WORDS = ("the film a story with an actor plays its moments feel warm and funny but the plot "
         "drags slow dull scenes never land although music lifts every frame brilliant awful "
         "charming tedious clever messy heartfelt").split()


def reviews_csv(path: Path, rows: int, seed: int = 0) -> Path:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        out.write("text,label\n")
        for _ in range(rows):
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 40)))
            out.write(f"\"{words}\",{rng.choice(('positive', 'negative'))}\n")
    return path


STAGES = ("Reading the file", "Checking columns and labels", "Counting tokens")


def upload_until_ready(page, path: Path, first: bool) -> tuple[float, list[str]]:
    """Seconds to "Ready to train" for this file, and the progress stages seen meanwhile."""
    if not first:
        page.locator("#upload button[aria-label='Clear']").first.click()
    started = time.perf_counter()
    page.locator("#upload input[type=file]").set_input_files(str(path))
    seen: list[str] = []
    ready = page.locator("#data-summary").filter(has_text=path.name).filter(
        has_text="Ready to train")
    while not ready.count():
        if time.perf_counter() - started > 600:
            raise RuntimeError(f"{path.name} never became ready to train")
        content = page.content()
        seen += [s for s in STAGES if s in content and s not in seen]
        time.sleep(0.05)
    return time.perf_counter() - started, seen


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, action="append")
    parser.add_argument("--start", action="store_true")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from engine.modeling.precision import cpu_facts

    work = Path(mkdtemp(prefix="fts-upload-"))
    proc, url, _ = start_app(work)
    result: dict[str, object] = {"cpu": cpu_facts()}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.goto(url)
            page.locator("#data-summary").filter(has_text="✅").wait_for(timeout=120_000)
            page.get_by_label("Upload a file").check()
            for i, rows in enumerate(args.rows or [8530, 100_000]):
                path = reviews_csv(work / f"reviews-{rows}.csv", rows)
                seconds, seen = upload_until_ready(page, path, first=i == 0)
                result[f"upload_{rows}_rows_s"] = round(seconds, 2)
                result[f"upload_{rows}_rows_progress"] = seen
                result[f"upload_{rows}_rows_mb"] = round(path.stat().st_size / 2**20, 2)
                print(f"{rows:>7} rows: Ready to train after {seconds:.1f} s", file=sys.stderr)
            if args.start:
                started = time.perf_counter()
                page.get_by_role("tab").nth(2).click()
                page.locator("#start").click()
                page.locator("#run-status").filter(has_text="—").wait_for(timeout=600_000)
                result["start_to_status_s"] = round(time.perf_counter() - started, 2)
            browser.close()
    finally:
        _stop(proc)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
