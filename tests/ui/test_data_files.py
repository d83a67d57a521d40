"""Issue 13 through the real server (gradio_client): a semicolon CSV shows how it was read and
can be read again another way; a two-sheet workbook fills the sheet picker and switches sheet;
a separate test file becomes the test split."""

from __future__ import annotations

import pandas as pd
from gradio_client import handle_file

from tests.engine.data.test_tables import reviews, two_sheet_workbook, write_delimited

SUMMARY, TEXT, LABEL, SHEET = 2, 5, 7, 12


def upload(app, path):
    session = app.new_session()
    session.client.predict(handle_file(str(path)), api_name="/store_upload")
    return session, session.call("load_upload")


def test_a_semicolon_csv_says_how_it_was_read_and_can_be_read_again(app, tmp_path):
    session, out = upload(app, write_delimited(tmp_path / "europe.csv", ";", reviews(40)))
    assert "read as semicolon-separated, UTF-8" in out[SUMMARY]
    assert (out[TEXT]["value"], out[LABEL]["value"]) == ("text", "label")
    assert "Ready to train" in out[SUMMARY]
    again = session.call("set_reading", dataset=out[0], data_source="file", delimiter="comma")
    assert "read as comma-separated" in again[SUMMARY]


def test_a_workbook_fills_the_sheet_picker_and_another_sheet_can_be_chosen(app, tmp_path):
    session, out = upload(app, two_sheet_workbook(tmp_path / "book.xlsx"))
    choices = [c[0] if isinstance(c, list | tuple) else c for c in out[SHEET]["choices"]]
    assert choices == ["Reviews", "Notes"]
    assert "sheet 'Reviews' of 2" in out[SUMMARY] and "dropped 2 blank" in out[SUMMARY]
    notes = session.call("set_reading", dataset=out[0], data_source="file", sheet="Notes")
    assert "sheet 'Notes' of 2" in notes[SUMMARY]


def test_a_separate_test_file_is_the_test_split(app, tmp_path):
    session = app.new_session()
    train = write_delimited(tmp_path / "train.csv", ",", reviews(60))
    test = tmp_path / "held_out.xlsx"
    pd.DataFrame(reviews(8), columns=["text", "label"]).to_excel(test, index=False)
    session.client.predict(handle_file(str(test)), api_name="/store_test_upload")
    session.client.predict(handle_file(str(train)), api_name="/store_upload")
    out = session.call("load_upload")
    assert "Ready to train" in out[SUMMARY] and "test 8" in out[SUMMARY], out[SUMMARY]
    assert "file 'train.csv' + 'held_out.xlsx'" in out[SUMMARY]
