"""Error analysis in a real headless Chromium: a finished (tiny) classification run is in the
runs folder when ``python app.py`` starts; the page picks it in Try it, draws its confusion
matrix as a heat-map table, and a click on an off-diagonal cell lists only that cell's
mistakes. A diagonal cell says it holds no mistakes; "Show all mistakes" clears the filter.
On the same page the Train tab's learning-rate finder draws its curve and applies its
suggestion.

The screenshots go to ``$FTS_SCREENSHOTS`` (default: the test's tmp folder).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.test_browser import (  # noqa: F401 - browser: a shared fixture
    _need_browser,
    browser,
    serve_app,
    wait_for,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def finished(tmp_path_factory, tiny_dir) -> tuple[Path, str]:
    """(runs folder, run id): a tiny 5-class run on the built-in support sample."""
    _need_browser()
    from engine.config import RunConfig
    from engine.studio import Studio

    runs = tmp_path_factory.mktemp("analysis-runs")
    studio = Studio(root=runs)
    run_id = studio.start(RunConfig(checkpoint=f"local:{tiny_dir}", dataset="support",
                                    max_steps=24, precision="fp32", batch_size=8,
                                    max_length=64, output_name="cells"))
    assert studio.runner.wait(run_id, timeout=1800) == "finished"
    return runs, run_id


@pytest.fixture(scope="module")
def server(finished):
    """``python app.py`` on the runs folder that holds the finished run; stopped at the end."""
    runs, _ = finished
    with serve_app(runs) as url:
        yield url


def column(page, table: str, col: int) -> list[str]:
    """The texts of one column of the rows the (virtual) table has drawn."""
    cells = page.locator(f"{table} [role=gridcell][data-col='{col}']")
    return [c.strip() for c in cells.all_inner_texts()]


def test_clicking_a_confusion_cell_lists_only_its_mistakes(browser, server, finished,  # noqa: F811
                                                          tmp_path):
    from engine.studio import Studio

    runs, run_id = finished
    analysis = Studio(root=runs).error_analysis(run_id)
    names, matrix = analysis.label_names, analysis.confusion
    i, j = max(((i, j) for i in range(len(names)) for j in range(len(names)) if i != j),
               key=lambda ij: matrix[ij[0]][ij[1]])
    assert matrix[i][j] > 0, "a near-random model confuses some pair of classes"
    gold, predicted = names[i], names[j]

    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(server)
        page.locator("#data-summary").filter(has_text="✅").wait_for(timeout=120_000)
        page.get_by_role("tab").nth(3).click()  # Try it: the finished run is picked
        assert wait_for(lambda: page.locator("#try-run input").input_value() == run_id, 120)
        count = page.locator("#mistakes-count")
        everything = f"of {analysis.wrong:,} mistakes"
        assert wait_for(lambda: everything in count.inner_text(), 120), count.inner_text()
        assert column(page, "#confusion", 0) == names  # a label per row: the true label
        cell = page.locator(f"#confusion [data-testid='cell-{i}-{j + 1}']")
        assert cell.inner_text().strip() == str(matrix[i][j])
        assert "rgba(225, 29, 72" in (cell.get_attribute("style") or "")  # a mistake: red

        cell.click()
        where = f"true label {gold}, predicted {predicted}"
        assert wait_for(lambda: where in count.inner_text(), 120), count.inner_text()
        assert f"of {matrix[i][j]:,} mistakes" in count.inner_text()
        golds, guesses = column(page, "#mistakes", 1), column(page, "#mistakes", 2)
        assert golds and set(golds) == {gold} and set(guesses) == {predicted}
        page.locator("#analysis").screenshot(path=str(tmp_path / "analysis-cell.png"))
        shots = Path(os.environ.get("FTS_SCREENSHOTS") or tmp_path)
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "analysis-try-tab.png"), full_page=True)

        page.locator(f"#confusion [data-testid='cell-{j}-{j + 1}']").click()  # the diagonal
        assert wait_for(lambda: "no mistakes here" in count.inner_text(), 120)
        page.locator("#show-all").click()
        assert wait_for(lambda: count.inner_text().strip().endswith(everything), 120), \
            count.inner_text()
        assert "true label" not in count.inner_text()
    finally:
        context.close()


def test_the_learning_rate_finder_draws_its_curve_and_applies_the_suggestion(
        browser, server, tmp_path):  # noqa: F811
    """Train tab: "Find a learning rate" runs the range test on the page's settings (the
    built-in sample and MiniLM-L6), draws loss against learning rate on a log axis, and "Use"
    copies the suggestion into the Learning rate box. No run is started."""
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(server)
        page.locator("#data-summary").filter(has_text="✅").wait_for(timeout=120_000)
        page.get_by_role("tab").nth(2).click()  # Train
        page.locator("#lr-finder").get_by_text("Find a learning rate").first.click()
        page.locator("#lr-find").click()
        apply = page.locator("#lr-apply")
        assert wait_for(lambda: apply.is_visible() and "Use " in apply.inner_text(), 900), \
            page.locator("#lr-note").inner_text()
        suggested = float(apply.inner_text().split("Use ", 1)[1])
        assert 1e-7 <= suggested <= 1e-2
        plot = page.locator("#lr-plot")
        assert wait_for(lambda: plot.locator(".xtick").count() > 0, 60)
        assert "log" in (page.evaluate(
            "() => document.querySelector('#lr-plot .js-plotly-plot')._fullLayout.xaxis.type"))
        assert "Suggested learning rate" in page.locator("#lr-note").inner_text()
        apply.click()
        box = page.locator("#field-learning_rate input")
        assert wait_for(lambda: float(box.input_value() or 0) == suggested, 60), \
            box.input_value()
        page.locator("#lr-finder").screenshot(path=str(tmp_path / "lr-finder.png"))
        shots = Path(os.environ.get("FTS_SCREENSHOTS") or tmp_path)
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "lr-finder-train-tab.png"), full_page=True)
        assert "idle" in page.locator("#run-status").inner_text().lower() or \
            "cells" in page.locator("#run-status").inner_text()  # no new run was started
    finally:
        context.close()
