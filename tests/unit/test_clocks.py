"""Resolution stops every clock: what the state answers at resolved + 1h is what it answered at
the resolution. Pure folds of events, asked at different moments."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cockpit.domain import events as ev
from cockpit.domain.roster import roster_warnings
from cockpit.domain.state import fold
from cockpit.settings import load_protocol
from tests.conftest import T0

STEPS = load_protocol("major-incident").steps


def at(minutes: float):
    return T0 + timedelta(minutes=minutes)


def incident(*bodies, steps=STEPS):
    """A folded incident: configured and declared at T0, then ``(minutes, event)`` pairs."""
    events = [ev.SessionConfigured(seq=1, at=T0, by="alice", protocol="major-incident", steps=steps),
              ev.IncidentDeclared(seq=2, at=T0, by="alice", title="Checkout down", severity="SEV2"),
              ev.MemberJoined(seq=3, at=T0, by="alice", handle="alice", status="engaged")]
    for seq, (minutes, body) in enumerate(bodies, start=4):
        events.append(body.model_copy(update={"seq": seq, "at": at(minutes), "by": body.by or "alice"}))
    return fold(events)


RESOLVED_AT_40 = (
    (2, ev.RoleAssigned(role="commander", handle="alice")),
    (3, ev.MemberJoined(handle="bob", status="engaged")),
    (4, ev.RoleAssigned(role="ops", handle="bob")),
    (5, ev.UpdatePosted(text="on it", audience="external")),
    (35, ev.AskStarted(handle="bob", task="check replica lag", minutes=10)),
    (40, ev.StatusChanged(status="resolved")),
)


def everything_timed(state, now):
    """Every time-dependent answer the state gives, at ``now``."""
    return {
        "views": state.step_views(now),
        "next_update": state.next_update(now),
        "elapsed": state.elapsed(now),
        "asks_due": state.asks_due(now),
        "ask_left": [state.ask_left(a, now) for a in state.open_asks()],
        "engaged": {h: state.engaged_for(h, now) for h in state.members},
        "stretch": {h: state.stretch(h, now) for h in state.members},
        "member_engaged": {h: m.engaged_for(now) for h, m in state.members.items()},
        "roster": roster_warnings(state, now),
    }


@pytest.mark.parametrize("later", [timedelta(seconds=1), timedelta(hours=1), timedelta(days=3)])
def test_after_resolution_every_answer_is_the_answer_at_resolution(later):
    state = incident(*RESOLVED_AT_40)
    assert everything_timed(state, at(40) + later) == everything_timed(state, at(40))


def test_views_carry_the_stopped_clock():
    state = incident(*RESOLVED_AT_40)
    views = {v.step.id: v for v in state.step_views(at(40) + timedelta(hours=1))}
    cadence = views["external-update"]  # last update at 5:00, next due at 25:00: LATE 15:00
    assert cadence.stopped and cadence.at == at(40)
    assert cadence.overdue == timedelta(minutes=15)  # frozen, not 1h15m
    assert cadence.due_in == timedelta(minutes=-15)
    assert not cadence.is_open  # a cadence does not run after the end
    internal = views["internal-update"]
    assert internal.overdue == timedelta(minutes=25)
    assert views["resolve"].state == "done"


def test_a_cadence_not_yet_due_at_resolution_never_goes_negative_or_late():
    state = incident((5, ev.UpdatePosted(text="on it", audience="external")),
                     (14, ev.UpdatePosted(text="internal", audience="internal")),
                     (20, ev.StatusChanged(status="resolved")))
    for later in (timedelta(0), timedelta(minutes=30), timedelta(hours=5)):
        view = next(v for v in state.step_views(at(20) + later) if v.step.id == "external-update")
        assert view.overdue is None and view.due_in == timedelta(minutes=5)
    assert state.next_update(at(20) + timedelta(hours=1)) is None


def test_an_open_ask_stops_counting_at_resolution_and_never_expires_after():
    state = incident(*RESOLVED_AT_40)
    ask = state.open_asks()[0]
    assert state.ask_left(ask, at(40) + timedelta(hours=2)) == timedelta(minutes=5)
    assert ask.left(at(40) + timedelta(hours=2)) == timedelta(minutes=5)  # the ask itself knows
    assert not ask.expired(at(50)) and state.asks_due(at(50)) == []
    live = incident(*RESOLVED_AT_40[:-1])
    assert [a.task for a in live.asks_due(at(46))] == ["check replica lag"]


def test_engaged_time_and_stretch_stop_at_resolution():
    state = incident(*RESOLVED_AT_40)
    bob = state.members["bob"]
    assert bob.engaged_for(at(40) + timedelta(hours=6)) == timedelta(minutes=37)
    assert bob.stretch(at(40) + timedelta(hours=6)) == timedelta(minutes=37)
    assert state.engaged_for("alice", at(500)) == timedelta(minutes=40)
    assert state.elapsed(at(500)) == timedelta(minutes=40)


def test_going_off_after_resolution_adds_no_engaged_time():
    state = incident(*RESOLVED_AT_40, (90, ev.MemberStatusChanged(handle="bob", status="off")),
                     (95, ev.MemberJoined(handle="erin", status="engaged")))
    assert state.members["bob"].engaged_for(at(200)) == timedelta(minutes=37)
    assert state.engaged_for("erin", at(200)) == timedelta(0)


def test_no_long_stretch_warning_counts_past_the_resolution():
    state = incident((1, ev.RoleAssigned(role="commander", handle="alice")),
                     (170, ev.StatusChanged(status="resolved")))
    assert not roster_warnings(state, at(170) + timedelta(hours=10))


def test_reopening_restarts_the_clocks_without_counting_the_gap():
    state = incident(*RESOLVED_AT_40, (100, ev.StatusChanged(status="investigating")))
    assert state.resolved_at is None
    bob = state.members["bob"]
    # 37 min before the resolution, nothing between 40:00 and 100:00, then 10 more
    assert state.engaged_for("bob", at(110)) == timedelta(minutes=47)
    assert bob.stretch(at(110)) == timedelta(minutes=10)
    ask = state.open_asks()[0]
    assert ask.stopped_at is None and ask.expired(at(110))  # the person is still not back
    views = {v.step.id: v for v in state.step_views(at(110))}
    assert not views["external-update"].stopped
    assert views["external-update"].overdue == timedelta(minutes=85)


def test_a_second_resolution_does_not_move_the_end():
    state = incident(*RESOLVED_AT_40, (90, ev.StatusChanged(status="resolved")))
    assert state.resolved_at == at(40)
    assert state.engaged_for("alice", at(200)) == timedelta(minutes=40)


def test_views_before_resolution_still_run():
    state = incident(*RESOLVED_AT_40[:-1])
    first = {v.step.id: v for v in state.step_views(at(30))}
    later = {v.step.id: v for v in state.step_views(at(31))}
    assert first["external-update"].overdue == timedelta(minutes=5)
    assert later["external-update"].overdue == timedelta(minutes=6)
    assert not first["external-update"].stopped
