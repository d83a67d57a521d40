"""Issue 13 in a real headless Chromium: a user uploads a two-sheet workbook, sees how it was
read, picks the other sheet, gets a plain message for a damaged file while the page keeps
working, then uploads a semicolon CSV with a separate test file."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.browser.test_browser import browser, open_page, server, shots, wait_for  # noqa: F401
from tests.engine.data.test_tables import reviews, two_sheet_workbook, write_delimited

pytestmark = pytest.mark.browser


def summary(page) -> str:
    try:
        return page.locator("#data-summary").inner_text(timeout=5_000)
    except Exception:  # playwright's TimeoutError while the page redraws; the caller waits
        return ""


def upload(page, selector: str, path) -> None:
    page.locator(f"{selector} input[type=file]").set_input_files(str(path))


def test_a_user_uploads_spreadsheets_and_csvs(browser, server, shots, tmp_path):  # noqa: F811
    page = open_page(browser, server, "en-US")
    page.get_by_label("Upload a file").check()
    upload(page, "#upload", two_sheet_workbook(tmp_path / "book.xlsx"))
    assert wait_for(lambda: "sheet 'Reviews' of 2" in summary(page), 120), summary(page)
    assert "Ready to train" in summary(page) and "dropped 2 blank" in summary(page)
    page.get_by_text("File reading (separator, encoding, sheet)").click()
    page.locator("#field-sheet input").click()
    page.get_by_role("option", name="Notes").click()
    assert wait_for(lambda: "sheet 'Notes' of 2" in summary(page), 120), summary(page)
    page.screenshot(path=str(shots / "files-1-sheet.png"), full_page=True)

    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook")
    page.locator("#upload button[aria-label='Clear']").first.click()
    upload(page, "#upload", broken)
    toast = page.locator(".toast-body").filter(has_text="is not a readable spreadsheet")
    toast.first.wait_for(timeout=120_000)
    page.screenshot(path=str(shots / "files-2-error.png"), full_page=True)

    test_file = tmp_path / "held_out.xlsx"
    pd.DataFrame(reviews(8), columns=["text", "label"]).to_excel(test_file, index=False)
    page.get_by_text("Separate validation and test files (optional)").click()
    upload(page, "#upload-test", test_file)
    page.locator("#upload button[aria-label='Clear']").first.click()
    upload(page, "#upload", write_delimited(tmp_path / "europe.csv", ";", reviews(60)))
    assert wait_for(lambda: "semicolon-separated" in summary(page)
                    and "test 8" in summary(page), 120), summary(page)
    # labelled data again after an unlabelled sheet: back to classification, label picked
    assert wait_for(lambda: page.locator("#field-label_column input").input_value() == "label",
                    60)
    assert "'europe.csv' + 'held_out.xlsx'" in summary(page)
    page.screenshot(path=str(shots / "files-3-csv-and-test.png"), full_page=True)
    page.context.close()
