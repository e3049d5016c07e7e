"""A whole read folds back-filled events in their place, without reading the file twice.

The truth is always the fold of every event sorted in fold order; a one-pass fold may be
faster, never different.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit import folding
from cockpit.domain import events as ev
from cockpit.domain.clock import ManualClock
from cockpit.domain.state import fold
from cockpit.folding import WholeFold, fold_key
from cockpit.journal import Journal
from cockpit.session import Session
from cockpit.tomlfmt import event_block

from tests.unit.test_checkpoint import T0, big_session, opened, truth


def note(seq: int, seconds: float) -> ev.NoteAdded:
    return ev.NoteAdded(seq=seq, at=T0 + timedelta(seconds=seconds), by="bob", text=f"note {seq}")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=80),
       st.booleans(), st.integers(min_value=1, max_value=9))
def test_the_one_pass_fold_is_the_sorted_fold(seconds: list[int], keep_all: bool, chunk: int) -> None:
    events = [note(seq, at) for seq, at in enumerate(seconds, 1)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(folding, "NOTE_EVERY", 4)
        whole = WholeFold(keep_all=keep_all, recent=5)
        for start in range(0, len(events), chunk):
            whole.take(events[start:start + chunk])
        done = whole.finish()
    ordered = sorted(events, key=fold_key)
    assert done == (keep_all or ordered == events), "read again only when nothing was kept"
    if done:
        assert whole.state == fold(ordered)
        assert whole.newest == ordered[-1]
        assert list(whole.recent) == ordered[-5:]
        assert whole.events == (ordered if keep_all else [])


def test_a_back_filled_event_costs_a_screen_no_second_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A note recorded a minute late (a seat offline for a while) folds in its place from the
    notes of the state, when the open keeps the events it parsed (a screen's)."""
    path = big_session(tmp_path / "s.toml")
    last = Journal(path).load().events[-1]
    late = {"at": last["at"] - timedelta(minutes=1), "by": "carol", "kind": "note.added",
            "text": "written offline", "seq": last["seq"] + 1}
    with path.open("ab") as handle:
        handle.write(event_block(late))
    reads = []
    load = Journal.load
    monkeypatch.setattr(Journal, "load", lambda self, **kw: reads.append(kw) or load(self, **kw))
    session = opened(path, keep_events=False, keep_parsed=True)
    assert len(reads) == 1, "read once"
    assert session.state == truth(path).state
    notes = [entry.text for entry in session.state.notes]
    assert notes.index("written offline") < len(notes) - 1, "in its place, not at the end"


def test_every_open_of_a_back_filled_session_folds_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(folding, "NOTE_EVERY", 16)
    path = big_session(tmp_path / "s.toml")
    writer = Session.open(path, clock=ManualClock(T0 + timedelta(hours=2)), handle="carol")
    writer.record(ev.StatusChanged(status="identified", at=T0 + timedelta(seconds=5)))
    writer.close()
    for options in ({"keep_events": False}, {"keep_events": False, "keep_parsed": True}, {}):
        session = opened(path, **options)
        assert session.state == truth(path).state
        assert [e.seq for e in session.events] == [e.seq for e in sorted(
            (ev.parse_event(r) for r in Journal(path).load().events), key=fold_key)]
