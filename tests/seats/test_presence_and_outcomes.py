"""Who is watching (even after a seat died), and what a seat is told when it lost a race."""

from __future__ import annotations

import os
import signal

import pytest

from cockpit.domain import events as ev
from cockpit.seats import SeatPresence, health_news, record_departures
from cockpit.session import Conflict, Session


def test_seats_that_die_without_goodbye_are_found_once_and_left_on_the_timeline(
        session_file, seats):
    lead = Session.open(session_file, handle="alice")
    mine = SeatPresence(session_file)
    assert mine.mark("alice")
    lead.record(ev.SeatJoined(handle="alice"))
    bob = seats("presence", session_file, "bob")
    walls = [seats("presence", session_file, "wall", "--read-only") for _ in range(2)]
    carol = seats("presence", session_file, "carol")
    for seat in (bob, *walls, carol):
        seat.expect("marked", timeout=20)
        lead.record(ev.SeatJoined(handle=seat.handle, read_only=seat.handle == "wall"))
    assert record_departures(lead, mine) == []

    os.kill(bob.pid, signal.SIGKILL)
    os.kill(walls[0].pid, signal.SIGKILL)  # one of two wall displays
    carol.send("bye")  # carol leaves normally
    carol.expect("cleared")
    for seat in (bob, walls[0]):
        seat.drain()
    left = record_departures(lead, mine)
    assert [(e.handle, e.read_only, e.by) for e in left] == [("bob", False, "alice"),
                                                              ("wall", True, "alice")]
    assert set(Session.open(session_file).state.seats) >= {"wall"}  # the other wall still watches
    assert record_departures(lead, mine) == []  # each departure is recorded once

    os.kill(walls[1].pid, signal.SIGKILL)
    walls[1].drain()
    assert [(e.handle, e.read_only) for e in record_departures(lead, mine)] == [("wall", True)]
    # carol left normally: recording her own seat.left is her seat's job, not the poller's
    assert set(Session.open(session_file).state.seats) == {"alice", "carol"}
    assert [p.name for p in mine.folder.glob("*.seat")] == [mine._mark.name]  # only the living


def test_seats_folder_follows_the_session_files_permissions(session_file):
    os.chmod(session_file, 0o660)
    old = os.umask(0o077)
    try:
        assert SeatPresence(session_file).mark("alice")
    finally:
        os.umask(old)
    assert os.stat(SeatPresence(session_file).folder).st_mode & 0o777 == 0o770


def test_second_seat_to_check_a_step_is_told_who_was_first_and_records_nothing(make_session, clock):
    alice = make_session()
    bob = Session.open(alice.path, handle="bob", clock=clock)
    alice.record(ev.StepDone(step="open-bridge"))
    clock.advance(2)
    with pytest.raises(Conflict, match="^That step was already done by alice at 04:10:00"):
        bob.record(ev.StepDone(step="open-bridge"))
    with pytest.raises(Conflict, match="already done by alice"):
        bob.record(ev.StepSkipped(step="open-bridge", reason="no bridge needed"))
    assert alice.refresh() == [] and bob.journal.last_seq == alice.journal.last_seq  # nothing written
    bob.record(ev.StepReopened(step="open-bridge"))
    again = bob.record(ev.StepDone(step="open-bridge"))
    assert bob.state.steps["open-bridge"].by == "bob" and again.seq == bob.journal.last_seq


def test_recurring_steps_and_other_events_compose(make_session, clock):
    session = make_session()
    recurring = [s.id for _, s in session.state.all_steps() if s.recurring]
    assert recurring, "the bundled protocol has a recurring step (status updates)"
    session.record(ev.StepDone(step=recurring[0]))
    clock.advance(minutes=20)
    session.record(ev.StepDone(step=recurring[0]))
    session.record(ev.NoteAdded(text="x"))
    assert len(session.state.steps[recurring[0]].done_times) == 2


def test_a_recurring_step_done_by_another_seat_since_you_looked_is_not_done_twice(make_session, clock):
    alice = make_session()
    bob = Session.open(alice.path, handle="bob", clock=clock)
    recurring = next(s.id for _, s in alice.state.all_steps() if s.recurring)
    looked = bob.state
    alice.record(ev.StepDone(step=recurring))
    with pytest.raises(Conflict, match="just marked done by alice"):
        bob.record(ev.StepDone(step=recurring), basis=looked)


def test_a_new_poller_records_only_what_the_file_does_not_say_yet(make_session):
    session = make_session()
    fresh = ev.HealthChanged(endpoint="payments-api", from_="unknown", to="up")
    assert health_news(session.state, fresh) == fresh  # the file knows nothing of it yet
    session.record(fresh)
    assert health_news(session.state, fresh) is None  # the file already says up
    session.record(ev.HealthChanged(endpoint="payments-api", from_="up", to="down"))
    recovered = health_news(session.state, fresh)  # the dead poller saw it go down
    assert recovered is not None and (recovered.from_, recovered.to) == ("down", "up")
