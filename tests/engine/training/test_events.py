"""The event log readers poll: sequence numbers, O(new) reads, and a consistent snapshot."""

from __future__ import annotations

import json
import threading

import pytest

from engine.errors import RunDamaged
from engine.training.events import Event, EventLog


def test_since_returns_only_newer_events_and_the_file_has_them_all(tmp_path):
    log = EventLog(tmp_path / "events.jsonl")
    for step in range(1, 6):
        log.append("progress", step=step)
    assert [e.seq for e in log.since(3)] == [4, 5]
    assert log.since(5) == []
    log.close()
    assert [e.data["step"] for e in EventLog.load(tmp_path / "events.jsonl").since(0)] == \
        [1, 2, 3, 4, 5]


def test_a_snapshot_never_claims_an_event_it_does_not_show(tmp_path):
    """The browser test once hung on "training" after the run had finished: the poller read the
    state, then the last seq, and the final status event landed in between. A snapshot's seq is
    always the seq of the newest event in it, however busy the writer."""
    log = EventLog(tmp_path / "events.jsonl")
    done = threading.Event()

    def writer():
        for n in range(20_000):
            log.append("status" if n % 3 == 0 else "progress", n=n)
        done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    checked = 0
    while not done.is_set() or checked == 0:
        seq, latest = log.snapshot()
        if latest:
            assert max(e.seq for e in latest.values()) == seq
            checked += 1
    thread.join()
    log.close()
    assert checked > 0


def _written(tmp_path, lines: list[str]):
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


GOOD = ['{"seq": 1, "time": 1.0, "kind": "status", "data": {"state": "running"}}',
        '{"seq": 2, "time": 2.0, "kind": "train", "data": {"step": 1, "loss": 0.7}}']


def test_a_torn_last_line_is_dropped_and_cut_off_before_the_next_event(tmp_path):
    path = _written(tmp_path, [*GOOD, '{"seq": 3, "time": 3.0, "ki'])  # died mid-write
    log = EventLog.load(path)
    assert log.last_seq == 2
    log.append("note", text="resumed")
    log.close()
    again = EventLog.load(path)  # the fragment did not end up in the middle of the log
    assert [(e.seq, e.kind) for e in again.since(0)] == [(1, "status"), (2, "train"),
                                                         (3, "note")]


@pytest.mark.parametrize("bad,why", [
    ("not json at all", "line 2"),
    ('{"seq": 2, "time": 2.0, "kind": "explosion", "data": {}}', "unknown kind"),
    ('{"seq": 2, "time": 2.0, "kind": "note", "data": [1]}', "not an object"),
    ('{"seq": 1, "time": 2.0, "kind": "note", "data": {}}', "does not follow")])
def test_a_bad_line_inside_the_log_is_refused_and_named(tmp_path, bad, why):
    path = _written(tmp_path, [GOOD[0], bad, GOOD[1].replace('"seq": 2', '"seq": 9')])
    with pytest.raises(RunDamaged, match=why) as refused:
        EventLog.load(path)
    assert "line 2" in str(refused.value)


def test_from_json_reads_what_to_dict_wrote():
    event = Event(4, 5.5, "eval", {"step": 3, "metrics": {"accuracy": 0.5}})
    assert Event.from_json(json.dumps(event.to_dict())) == event
