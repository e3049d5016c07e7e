"""The replay cursor shows, at any time, exactly what the live cockpit showed at that time."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from cockpit.domain import events as ev
from cockpit.domain.clock import ManualClock
from cockpit.domain.state import fold
from cockpit.retro.replay import NotATime, ReplayCursor, parse_goto
from cockpit.session import Conflict, Session
from tests.strategies import STEPS, T0, event_bodies, handles

@settings(max_examples=40, deadline=None)
@given(bodies=st.lists(st.tuples(event_bodies, handles, st.sampled_from([0, 0, 1, 7, 90, 600])),
                       min_size=1, max_size=30),
       probes=st.lists(st.integers(-60, 40 * 700), min_size=1, max_size=8),
       every=st.sampled_from([1, 3, 8, 128]))
def test_state_at_t_equals_the_live_state_after_the_events_up_to_t(bodies, probes, every):
    with tempfile.TemporaryDirectory() as folder:
        clock = ManualClock(T0)
        live = Session.create(Path(folder) / "s.toml", clock=clock, handle="alice")
        live.record(ev.SessionConfigured(protocol="p", steps=STEPS))
        seen = [(live.events[-1].at, live.state)]  # what the live seat showed after each event
        for body, handle, seconds in bodies:
            clock.advance(seconds)
            try:
                live.record(body.model_copy(update={"by": handle}))
            except Conflict:  # a change to what it already is: refused, nothing recorded
                continue
            seen.append((live.events[-1].at, live.state))
        live.close()
        cursor = ReplayCursor(Session.open(Path(folder) / "s.toml", read_only=True).events,
                              checkpoint_every=every)
    for offset in probes:
        moment = T0 + timedelta(seconds=offset)
        shown = [state for at, state in seen if at <= moment]
        assert cursor.seek(moment) == (shown[-1] if shown else fold([]))
        assert cursor.time == moment


def incident_events(count: int = 40) -> list[ev.Event]:
    events: list[ev.Event] = [ev.SessionConfigured(seq=1, at=T0, by="alice", protocol="p", steps=STEPS),
                              ev.IncidentDeclared(seq=2, at=T0, by="alice", title="x", severity="SEV2")]
    for seq in range(3, count + 1):
        at = T0 + timedelta(seconds=10 * (seq // 2))  # pairs of events share a time
        events.append(ev.NoteAdded(seq=seq, at=at, by="bob", text=f"n{seq}",
                                   tag="decision" if seq % 9 == 0 else "note"))
    return events


def test_stepping_visits_every_event_even_those_sharing_a_time():
    events = incident_events()
    cursor = ReplayCursor(events, checkpoint_every=4)
    for position in range(1, len(events) + 1):
        state = cursor.next_event()
        assert cursor.position == position and cursor.current is events[position - 1]
        assert state == fold(events[:position])
    assert cursor.next_event() == fold(events)  # stays at the end
    for position in range(len(events) - 1, -1, -1):
        assert cursor.previous_event() == fold(events[:position])
    assert cursor.position == 0 and cursor.current is None


def test_random_seeks_match_a_fresh_fold():
    events = incident_events(300)
    cursor = ReplayCursor(events, checkpoint_every=16)
    for position in (250, 3, 299, 0, 17, 16, 18, 300, 128, 127):
        assert cursor.seek_position(position) == fold(events[:position])


def test_key_moments_and_jumping_between_them():
    events = [
        ev.SessionConfigured(seq=1, at=T0, protocol="p"),
        ev.IncidentDeclared(seq=2, at=T0, title="x", severity="SEV2"),
        ev.NoteAdded(seq=3, at=T0 + timedelta(minutes=1), text="plain note"),
        ev.HealthChanged.model_validate({"seq": 4, "at": T0 + timedelta(minutes=2), "endpoint": "api",
                                         "from": "up", "to": "down"}),
        ev.NoteAdded(seq=5, at=T0 + timedelta(minutes=3), text="roll back", tag="decision"),
        ev.RoleAssigned(seq=6, at=T0 + timedelta(minutes=4), role="commander", handle="bob"),
        ev.MemberStatusChanged(seq=7, at=T0 + timedelta(minutes=5), handle="bob", status="resting"),
        ev.SeverityChanged(seq=8, at=T0 + timedelta(minutes=6), severity="SEV1"),
        ev.StatusChanged(seq=9, at=T0 + timedelta(minutes=7), status="resolved"),
        ev.RetroNote(seq=10, at=T0 + timedelta(days=2), text="later", about=T0),
    ]
    cursor = ReplayCursor(events)
    assert [(k.position, k.label) for k in cursor.key_moments] == [
        (2, "declared SEV2 (major): x"), (4, "api up → down"), (5, "decision: roll back"),
        (6, "bob took incident commander"), (8, "severity → SEV1 (critical)"), (9, "status → RESOLVED")]
    cursor.seek_position(3)
    assert cursor.next_key_moment().endpoints["api"].state == "down"
    assert cursor.position == 4 and cursor.time == T0 + timedelta(minutes=2)
    cursor.next_key_moment()
    cursor.next_key_moment()
    assert cursor.state.commander == "bob"
    cursor.previous_key_moment()
    assert cursor.position == 5 and cursor.state.commander is None
    cursor.seek_position(9)
    cursor.next_key_moment()
    assert cursor.position == 9  # nothing after: stays
    # the record ends with the incident, not with the retro note written two days later
    assert cursor.end == T0 + timedelta(minutes=7)
    cursor.to_end()
    assert cursor.position == 9 and cursor.state.status == "resolved" and not cursor.state.retro_notes
    cursor.home()
    assert cursor.position == 0 and cursor.time == T0


def test_play_advances_time_and_stops_at_the_end():
    events = incident_events(20)
    cursor = ReplayCursor(events)
    cursor.advance(25)
    assert cursor.time == T0 + timedelta(seconds=25) and cursor.position == 5  # events up to 0:20
    cursor.advance(10_000)
    assert cursor.time == cursor.end and cursor.at_end()
    cursor.advance(-10_000)
    assert cursor.time == cursor.start and cursor.position == 2  # both events at T0 are in


def test_extend_takes_new_events_without_refolding():
    events = incident_events(10)
    cursor = ReplayCursor(events[:6], checkpoint_every=4)
    cursor.extend(events[6:])
    assert cursor.final_state == fold(events)
    assert cursor.seek_position(9) == fold(events[:9])


def test_go_to_reads_incident_time_and_clock_time():
    declared, start = T0 + timedelta(seconds=90), T0
    assert parse_goto("T+12:30", origin=declared, start=start) == declared + timedelta(minutes=12, seconds=30)
    assert parse_goto("+1:02:03", origin=declared, start=start) == declared + timedelta(hours=1, minutes=2, seconds=3)
    assert parse_goto("04:31", origin=declared, start=start) == T0.replace(minute=31)
    assert parse_goto("04:31:05 UTC", origin=declared, start=start) == T0.replace(minute=31, second=5)
    # an incident that crossed midnight: 00:20 is the next day
    late = datetime(2026, 11, 27, 23, 50, tzinfo=timezone.utc)
    assert parse_goto("00:20", origin=late, start=late) == datetime(2026, 11, 28, 0, 20, tzinfo=timezone.utc)
    for typed in ("soon", "25:00", "T+1:75", "4:61"):
        with pytest.raises(NotATime):
            parse_goto(typed, origin=declared, start=start)


def test_two_seats_with_skewed_clocks_replay_in_time_order(tmp_path):
    """Seat B's clock runs 2 s behind: its later append carries an earlier time. Every view folds
    by time, so B's note takes its place before A's, in the replay and in both live seats."""
    path = tmp_path / "two-seats.toml"
    clock_a, clock_b = ManualClock(T0), ManualClock(T0)
    seat_a = Session.create(path, clock=clock_a, handle="alice")
    seat_a.record(ev.IncidentDeclared(title="x", severity="SEV2"))
    seat_b = Session.open(path, clock=clock_b, handle="bob")
    clock_a.set(T0 + timedelta(seconds=5))
    seat_a.record(ev.NoteAdded(text="from alice"))
    clock_b.set(T0 + timedelta(seconds=3))
    seat_b.record(ev.NoteAdded(text="from bob"))
    events = Session.open(path, read_only=True).events
    assert [e.at for e in events] == [T0, T0 + timedelta(seconds=3), T0 + timedelta(seconds=5)]
    assert [e.seq for e in events] == [1, 3, 2]
    cursor = ReplayCursor(events)
    assert cursor.seek(T0 + timedelta(seconds=4)) == fold(events[:2])  # bob's note, not alice's
    seat_a.refresh()
    assert cursor.seek(T0 + timedelta(seconds=5)) == fold(events) == seat_b.state == seat_a.state
    assert [n.text for n in seat_a.state.notes] == ["from bob", "from alice"]


def test_key_moments_skip_the_first_looks_and_stop_at_updates():
    """``]`` goes to trouble, not to six ``unknown → up`` checks at the start; an update is a moment."""
    def at(n: int, event: ev.Event) -> ev.Event:
        return event.model_copy(update={"seq": n, "at": T0 + timedelta(seconds=n), "by": event.by or "alice"})

    looks = [ev.HealthChanged.model_validate({"by": "health", "endpoint": f"e{i}", "from": "unknown", "to": "up"})
             for i in range(6)]
    trouble = ev.HealthChanged.model_validate({"by": "health", "endpoint": "e0", "from": "up", "to": "down"})
    update = ev.UpdatePosted(text="We are on it", audience="external")
    events = [at(n, e) for n, e in enumerate([ev.SessionConfigured(protocol="p", steps=STEPS), *looks,
                                             trouble, update], 1)]
    cursor = ReplayCursor(events)
    assert [k.label for k in cursor.key_moments] == ["e0 up → down", "external update: We are on it"]
