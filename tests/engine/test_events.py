"""The event log readers poll: sequence numbers, O(new) reads, and a consistent snapshot."""

from __future__ import annotations

import threading

from engine.events import EventLog


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
