"""Following and appending from journals opened in different ways, as separate seats do."""

from __future__ import annotations

import fcntl
import os
from datetime import datetime, timezone

from cockpit.domain import events as ev
from cockpit.journal import Journal
from cockpit.session import Session


def _note(text: str) -> dict:
    return {"at": datetime(2026, 11, 27, 5, tzinfo=timezone.utc), "by": "bob",
            "kind": "note.added", "text": text, "tag": "note"}


def test_a_journal_that_never_loaded_appends_after_the_header_not_over_it(session_file):
    header = session_file.read_bytes().split(b"\n\n", 1)[0]
    landed = Journal(session_file).append(_note("straight in"))
    assert [e["seq"] for e in landed] == [1, 2, 3, 4]  # it caught up with what was there
    assert session_file.read_bytes().startswith(header)
    assert not list(session_file.parent.glob("*.torn-*"))
    reopened = Session.open(session_file)
    assert reopened.recovery is None and reopened.events[-1].text == "straight in"


def test_a_journal_that_never_loaded_follows_from_the_first_event(session_file):
    events = Journal(session_file).read_new()
    assert [e["seq"] for e in events] == [1, 2, 3]


def test_a_follower_waits_for_a_writer_holding_the_lock_instead_of_reading_under_it(session_file):
    follower = Session.open(session_file, handle="bob")
    writer = Journal(session_file)
    writer.load()
    writer.append(_note("one"))
    fd = os.open(session_file, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # a writer mid-append (or cutting a torn tail)
        assert follower.refresh() == []
    finally:
        os.close(fd)
    assert [e.text for e in follower.refresh()] == ["one"]


def test_damage_appended_by_another_process_costs_only_itself_when_following(session_file):
    follower = Session.open(session_file, handle="bob")
    torn = b'\n[[events]]\nkind = "note.added\nseq = 4\n'
    with open(session_file, "ab") as handle:
        handle.write(torn)
    assert follower.refresh() == [] and follower.journal.problems == []  # a tail: maybe torn
    writer = Session.open(session_file, handle="carol")
    writer.record(ev.NoteAdded(text="after the damage"))  # the writer sets the torn tail aside
    assert writer.journal.recovery.saved_to.read_bytes().strip() == torn.strip()
    assert [e.text for e in follower.refresh()] == ["after the damage"]
