"""Try it per task (one class, several labels, a score, masked-LM) and the error analysis, on
real tiny runs of each task: through gradio_client (the very events the page fires) and by
calling the named handlers (``TryHandlers``, ``AnalysisHandlers``) directly, without a server."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import gradio as gr
import pytest
from gradio_client.exceptions import AppError

from engine.modeling.analysis import COLUMNS
from ui.analysis_view import MAX_SHOWN, AnalysisHandlers, safe_name
from ui.try_tab import TryHandlers

TASKS = {
    "classification": {"dataset": "support"},
    "multilabel": {"dataset": "topics", "task": "multilabel", "label_column": "labels"},
    "regression": {"dataset": "ratings", "task": "regression", "label_column": "score"},
    "mlm": {"dataset": "corpus", "task": "mlm", "max_steps": 4, "max_length": 32},
}


@pytest.fixture(scope="module")
def runs(app, tiny_dir) -> dict[str, str]:
    """One finished tiny run per task (near random: plenty of mistakes to look at)."""
    from engine.config import RunConfig

    ids = {}
    for task, changes in TASKS.items():
        settings = {"checkpoint": f"local:{tiny_dir}", "max_steps": 24, "precision": "fp32",
                    "batch_size": 8, "max_length": 64, "output_name": f"analysis-{task}",
                    **changes}
        run_id = app.studio.start(RunConfig(**settings))
        assert app.studio.runner.wait(run_id, timeout=1800) == "finished"
        ids[task] = run_id
    return ids


@pytest.fixture
def tried(app) -> TryHandlers:
    return TryHandlers(app.studio)


@pytest.fixture
def analysed(app) -> AnalysisHandlers:
    return AnalysisHandlers(app.studio)


def csv_rows(download) -> list[dict[str, str]]:
    """The rows of a CSV download (a client's local path, or a handler's update)."""
    value = getattr(download, "value", download)
    if isinstance(value, dict) and "value" in value:  # a client's update
        value = value["value"]
    path = value["path"] if isinstance(value, dict) else value
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def table_rows(update) -> list[dict[str, object]]:
    """A Dataframe (an update from a handler, or a client's value) as dicts by header."""
    value = getattr(update, "value", update)
    value = value.get("value", value)
    return [dict(zip(value["headers"], row, strict=True)) for row in value["data"]]


def off_diagonal_cell(matrix: list[list[int]]) -> tuple[int, int]:
    """The biggest confusion: a (true, predicted) cell off the diagonal with mistakes."""
    return max(((i, j) for i, row in enumerate(matrix) for j in range(len(row)) if i != j),
               key=lambda ij: matrix[ij[0]][ij[1]])


# --- Try it, per task ----------------------------------------------------------------------------
def test_each_task_shows_its_own_answer_widgets(runs, tried, app):
    for task, run_id in runs.items():
        out = tried.run_view(run_id, None)
        about, cls_box, mlm_box, examples, _, label_row, score_row, threshold = out[:8]
        given, labels, scores_and_answers = out[8], out[9:11], out[11:]
        assert run_id in about and given == "" and scores_and_answers == [None] * 3  # cleared
        assert all(not label.value for label in labels)
        assert labels[0].show_heading == (task != "multilabel")  # several labels: no winner
        assert (cls_box.visible, mlm_box.visible) == (task != "mlm", task == "mlm")
        assert label_row.visible == (task in ("classification", "multilabel"))
        assert score_row.visible == (task == "regression")
        assert threshold.visible == (task == "multilabel")
        cfg = app.studio.run(run_id).config
        assert threshold.value == cfg.multilabel_threshold
        if task == "mlm":
            continue
        answer = examples.choices[0][0].rsplit(" → ", 1)[1]
        if task == "regression":
            float(answer)  # the true score, as a number
        else:
            names = app.studio.run(run_id).label_names()
            assert answer and set(answer.split(", ")) <= set(names)


def test_classify_through_the_page_events(runs, app):
    session = app.new_session()
    mine, base = session.client.predict(runs["classification"], "Where is my parcel?", "",
                                        None, api_name="/classify")
    names = set(app.studio.run(runs["classification"]).label_names())
    for answer in (mine, base):  # one class: every label, probabilities summing to 1
        assert {c["label"] for c in answer["confidences"]} == names
        assert sum(c["confidence"] for c in answer["confidences"]) == pytest.approx(1, 1e-4)
    assert session.client.predict(0.5, api_name="/try_answers") == (None, None, "")

    mine, base = session.client.predict(runs["multilabel"], "Refund my double charge.", "",
                                        None, api_name="/classify")
    probs = {c["label"]: c["confidence"] for c in mine["confidences"]}
    assert set(probs) == set(app.studio.run(runs["multilabel"]).label_names())
    assert all(0 < p < 1 for p in probs.values()) and sum(probs.values()) > 1.05  # sigmoids
    cut = sorted(probs.values())[2]  # a threshold that gives exactly the three likeliest
    _, _, line = session.client.predict(cut, api_name="/try_answers")
    given = re.search(r"your model \*\*(.*?)\*\*", line).group(1).split(", ")
    assert set(given) == {n for n, p in probs.items() if p >= cut} and len(given) == 3

    mine, base = session.client.predict(runs["regression"], "Lovely hotel, great staff.", "",
                                        None, api_name="/classify")
    assert not (mine or {}).get("confidences") and not (base or {}).get("confidences")
    ours, theirs, line = session.client.predict(0.5, api_name="/try_answers")
    [[(name, expected)]] = app.studio.classify(runs["regression"], ["Lovely hotel, great staff."])
    assert name == "score" and ours == pytest.approx(expected, abs=1e-3)
    assert isinstance(theirs, float) and line == ""


def test_the_threshold_redraws_from_kept_answers_without_the_model(runs, tried, monkeypatch):
    mine, base, kept = tried.classify(runs["multilabel"], "My invoice is wrong.", "", None)
    assert set(mine) == {n for n, _ in kept["mine"]} and set(base) == {n for n, _ in kept["base"]}

    def no_model(*args, **kwargs):
        raise AssertionError("the threshold must not run the model again")

    monkeypatch.setattr(tried.studio, "classify", no_model)
    everything = tried.answers(kept, 0.05)[2]
    best_first = ", ".join(n for n, _ in kept["mine"])  # classify returns them best first
    assert "(0.05)" in everything and f"your model **{best_first}**" in everything
    assert "your model **none**" in tried.answers(kept, 0.95)[2]
    assert tried.answers(None, 0.5) == [None, None, ""]


# --- error analysis ------------------------------------------------------------------------------
def test_classification_analysis_per_class_and_a_heat_map(runs, app):
    run_id = runs["classification"]
    analysis = app.studio.error_analysis(run_id)
    summary, per_class, matrix, _, mistakes, count, download = app.new_session().client.predict(
        run_id, None, api_name="/error_analysis")
    assert "Test" in summary and f"{analysis.rows} texts" in summary and "accuracy" in summary
    assert per_class["headers"] == ["label", "precision", "recall", "F1", "support"]
    assert [row[0] for row in per_class["data"]] == analysis.label_names
    shown = per_class["metadata"]["display_value"]
    assert all(re.fullmatch(r"\d\.\d{3}", cell) for row in shown for cell in row[1:4])
    assert matrix["headers"] == ["true ↓ · predicted →", *analysis.label_names]
    assert [row[1:] for row in matrix["data"]] == analysis.confusion
    assert [row[0] for row in matrix["data"]] == analysis.label_names
    styles = matrix["metadata"]["styling"]
    i, j = off_diagonal_cell(analysis.confusion)
    assert "rgba(225, 29, 72" in styles[i][j + 1]  # a mistake: red
    assert "font-weight: 600" in styles[i][0]  # the label column
    wrong = analysis.wrong
    assert count == f"Showing {min(wrong, MAX_SHOWN):,} of {wrong:,} mistakes"
    assert mistakes["value"]["headers"] == ["text", "true", "predicted", "confidence"]
    assert mistakes["label"] == "Mistakes, most confident first"
    confidences = [row[3] for row in mistakes["value"]["data"]]
    assert confidences == sorted(confidences, reverse=True)  # most confident first
    rows = csv_rows(download)
    assert len(rows) == wrong and list(rows[0]) == list(COLUMNS)
    names = analysis.label_names  # a click on a cell lists as many mistakes as the cell counts
    assert [[len(app.studio.mistakes(run_id, gold, predicted)) if gold != predicted else n
             for predicted, n in zip(names, row, strict=True)]
            for gold, row in zip(names, analysis.confusion, strict=True)] == analysis.confusion


def test_clicking_a_cell_lists_that_cells_mistakes(runs, analysed, app):
    run_id = runs["classification"]
    analysis = app.studio.error_analysis(run_id)
    names, matrix = analysis.label_names, analysis.confusion
    i, j = off_diagonal_cell(matrix)
    assert matrix[i][j] > 0, "a tiny model always confuses something"
    gold, predicted = names[i], names[j]
    click = gr.SelectData(None, {"index": [i, j + 1], "value": matrix[i][j],
                                 "row_value": [gold, *matrix[i]]})
    table, count, download = analysed.cell(run_id, None, click)
    rows = table_rows(table)
    assert rows and all((r["true"], r["predicted"]) == (gold, predicted) for r in rows)
    expected = app.studio.mistakes(run_id, gold, predicted)
    assert [r["text"] for r in rows] == [r["text"] for r in expected][:MAX_SHOWN]
    assert count == (f"Showing {min(matrix[i][j], MAX_SHOWN):,} of {matrix[i][j]:,} mistakes"
                     f" · true label **{gold}**, predicted **{predicted}**")
    path = Path(download.value["path"] if isinstance(download.value, dict) else download.value)
    assert path.parent.parent == Path(gr.utils.get_upload_folder()) / "mistakes"
    assert [(r["gold"], r["predicted"]) for r in csv_rows(download)] == \
        [(gold, predicted)] * matrix[i][j]

    # the row's own label decides, not its position (a table sorted in the browser)
    sorted_click = gr.SelectData(None, {"index": [(i + 1) % len(names), j + 1],
                                        "value": 0, "row_value": [gold, *matrix[i]]})
    assert table_rows(analysed.cell(run_id, None, sorted_click)[0]) == rows

    diagonal = gr.SelectData(None, {"index": [j, j + 1], "value": matrix[j][j],
                                    "row_value": [predicted, *matrix[j]]})
    table, note, download = analysed.cell(run_id, None, diagonal)
    assert table_rows(table) == [] and "no mistakes here" in note and download.value is None
    assert f"{matrix[j][j]} texts labelled **{predicted}**" in note

    label_cell = gr.SelectData(None, {"index": [i, 0], "value": gold,
                                      "row_value": [gold, *matrix[i]]})
    table, count, _ = analysed.cell(run_id, None, label_cell)
    assert {r["true"] for r in table_rows(table)} == {gold}
    assert f"of {sum(matrix[i]) - matrix[i][i]:,} mistakes · true label **{gold}**" in count

    picker, table, count, _ = analysed.show_all(run_id, None)  # clears the filter
    assert picker.value == "all" and len(table_rows(table)) == min(analysis.wrong, MAX_SHOWN)
    assert count == f"Showing {min(analysis.wrong, MAX_SHOWN):,} of {analysis.wrong:,} mistakes"


def test_multilabel_mistakes_by_missed_or_wrongly_given_label(runs, app):
    run_id = runs["multilabel"]
    session = app.new_session()
    out = session.client.predict(run_id, None, api_name="/error_analysis")
    summary, per_class, picker, count = out[0], out[1], out[3], out[5]
    names = app.studio.error_analysis(run_id).label_names
    assert "micro-F1" in summary and [row[0] for row in per_class["data"]] == names
    assert picker["visible"] is True and picker["value"] == "all"
    assert [value for _, value in picker["choices"]] == \
        ["all", *(f"missed:{n}" for n in names), *(f"given:{n}" for n in names)]
    for name in names:
        for choice, words in ((f"missed:{name}", "missed"), (f"given:{name}", "wrongly given")):
            table, count, download = session.client.predict(run_id, choice, None,
                                                            api_name="/mistakes")
            rows = table["value"]["data"]
            for _, gold, predicted, _ in rows:
                gold, predicted = gold.split(", "), predicted.split(", ")
                if words == "missed":
                    assert name in gold and name not in predicted
                else:
                    assert name in predicted and name not in gold
            where = f" · **{name}** {words}"
            assert count == (f"Showing {min(len(rows), MAX_SHOWN):,} of "
                             f"{len(csv_rows(download)):,} mistakes{where}" if rows
                             else f"No mistakes{where}")


def test_regression_lists_the_largest_errors_first(runs, app, analysed):
    run_id = runs["regression"]
    summary, per_class, matrix, picker, mistakes, count, download = \
        app.new_session().client.predict(run_id, None, api_name="/error_analysis")
    assert "Pearson" in summary and per_class["data"] == [] and matrix["data"] == []
    assert picker["visible"] is False
    assert mistakes["label"] == "Largest errors first"
    assert mistakes["value"]["headers"] == ["text", "true", "predicted",
                                            "error (predicted − true)"]
    errors = [abs(row[3]) for row in mistakes["value"]["data"]]
    assert errors and errors == sorted(errors, reverse=True)
    assert len(csv_rows(download)) == app.studio.error_analysis(run_id).wrong
    assert analysed.show(run_id, None)[7].visible is False  # no filter: no "show all"


def test_masked_lm_runs_have_no_error_analysis(runs, analysed):
    section, *_ = analysed.show(runs["mlm"], None)
    assert section.visible is False
    assert analysed.show(None, None)[0].visible is False


def test_at_most_200_rows_are_drawn_and_the_csv_has_them_all():
    class Studio:  # only what ``listing`` asks of the studio
        def mistakes(self, run_id, gold=None, predicted=None, owner=None):
            return [{"text": f"text {n}", "text_pair": f"pair {n}", "gold": gold,
                     "predicted": predicted, "confidence": 1 - n / 2000, "correct": False}
                    for n in range(1234)]

    table, count, download = AnalysisHandlers(Studio()).listing(
        "run-1", "classification", "../odd label/é", "b", None, "en")
    assert len(table_rows(table)) == MAX_SHOWN
    assert list(table_rows(table)[0]) == ["text", "second text", "true", "predicted",
                                          "confidence"]
    assert count.startswith("Showing 200 of 1,234 mistakes · true label **../odd label/é**")
    assert len(csv_rows(download)) == 1234
    name = Path(download.value["path"] if isinstance(download.value, dict)
                else download.value).name
    assert name == "mistakes-run-1-true__odd_label_-predicted_b.csv"  # no path, no dots
    assert safe_name("a/b", "..") == "a_b-x.csv"


def test_errors_are_shown_as_messages(runs, analysed, app, tmp_path):
    with pytest.raises(gr.Error, match="There is no run called 'nope'"):
        analysed.show("nope", None)
    with pytest.raises(gr.Error, match="No finished run yet"):
        analysed.pick(None, "all", None)
    with pytest.raises(AppError, match="There is no run called"):
        app.new_session().client.predict("nope", None, api_name="/error_analysis")

    from engine.policy import Policy
    from engine.studio import Studio

    shared = Studio(root=tmp_path / "public", policy=Policy(public=True))
    run_id = runs["classification"]
    shutil.copytree(app.studio.run(run_id).folder, shared.store.root / run_id)
    with pytest.raises(gr.Error, match="Only the person who started"):
        AnalysisHandlers(shared).show(run_id, "someone-else")
