"""The Try it and Share run lists: a run that just finished is picked, a pick otherwise stays."""

from __future__ import annotations


def test_a_run_that_just_finished_is_picked_and_a_pick_otherwise_stays():
    from ui.try_tab import picked_run

    dropdown, known = picked_run(["new", "old"], "old", ["old"])
    assert dropdown.value == "new" and known == ["new", "old"]  # it just finished: show it
    dropdown, _ = picked_run(["new", "old"], "old", ["new", "old"])
    assert dropdown.value == "old"  # the person's pick, nothing new
    dropdown, _ = picked_run(["new"], "gone", ["new", "gone"])
    assert dropdown.value == "new"  # their pick was deleted
    assert picked_run([], None, [])[0].value is None
