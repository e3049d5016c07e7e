"""The fold: apply is pure, deterministic, and prefix + rest equals all."""

from __future__ import annotations

import copy
from dataclasses import is_dataclass
from datetime import timedelta

from hypothesis import given, settings, strategies as st

from cockpit.domain import events as ev
from cockpit.domain.state import PER_EVENT_VALUES, IncidentState, apply, fold
from tests.strategies import STEPS, T0, event_bodies, handles

@st.composite
def sessions(draw):
    bodies = draw(st.lists(event_bodies, max_size=40))
    events = [ev.SessionConfigured(seq=1, at=T0, by="alice", protocol="p", steps=STEPS)]
    at = T0
    for seq, body in enumerate(bodies, start=2):
        at += timedelta(seconds=draw(st.integers(0, 600)))
        events.append(body.model_copy(update={"seq": seq, "at": at, "by": draw(handles)}))
    return events


@settings(max_examples=150, deadline=None)
@given(events=sessions(), data=st.data())
def test_prefix_then_rest_equals_all(events, data):
    cut = data.draw(st.integers(0, len(events)))
    whole = fold(events)
    assert fold(events[cut:], fold(events[:cut])) == whole
    assert fold(events) == whole  # deterministic


@settings(max_examples=80, deadline=None)
@given(events=sessions())
def test_apply_never_changes_the_state_it_was_given(events):
    states = [IncidentState()]
    copies = [copy.deepcopy(states[0])]
    for event in events:
        states.append(apply(states[-1], event))
        copies.append(copy.deepcopy(states[-1]))
    # each state is still what it was when made (the values made per event are not frozen:
    # cockpit.domain.state.PER_EVENT_VALUES), and re-folding from it gives the same end
    for i, state in enumerate(states):
        assert state == copies[i]
        assert fold(events[i:], state) == states[-1]
    assert states[-1].event_count == len(events)


def test_the_values_made_per_event_are_the_only_unfrozen_ones():
    """A new value of the state is frozen unless it is named with the few that cannot afford it
    (and that the test above checks are never changed once made)."""
    from cockpit.domain import protocol, state as state_module

    unfrozen = {value for module in (state_module, protocol) for value in vars(module).values()
                if is_dataclass(value) and value.__module__ == module.__name__
                and not value.__dataclass_params__.frozen}
    assert unfrozen == set(PER_EVENT_VALUES)


def _fold(*bodies):
    events = [ev.SessionConfigured(seq=1, at=T0, by="alice", protocol="p", steps=STEPS)]
    for seq, (minutes, body) in enumerate(bodies, start=2):
        events.append(body.model_copy(update={"seq": seq, "at": T0 + timedelta(minutes=minutes),
                                              "by": body.by or "alice"}))
    return fold(events)


def test_first_done_wins_so_two_seats_agree():
    state = _fold((1, ev.IncidentDeclared(title="t", severity="SEV2")),
                  (2, ev.StepDone(step="bridge", by="alice")),
                  (3, ev.StepDone(step="bridge", by="bob")))
    progress = state.steps["bridge"]
    assert (progress.by, progress.at) == ("alice", T0 + timedelta(minutes=2))


def test_declaration_and_updates_tick_their_steps():
    state = _fold((0, ev.IncidentDeclared(title="t", severity="SEV2")),
                  (4, ev.UpdatePosted(text="u1", audience="external")),
                  (30, ev.UpdatePosted(text="u2", audience="external")))
    assert state.steps["declare"].state == "done"
    assert tuple(state.steps["ext"].done_times) == (T0 + timedelta(minutes=4), T0 + timedelta(minutes=30))


def test_handover_releases_the_previous_holder():
    state = _fold((0, ev.RoleAssigned(role="commander", handle="alice")),
                  (50, ev.RoleAssigned(role="commander", handle="erin", briefing="db failover in progress")))
    assert state.commander == "erin"
    alice, erin = state.roles
    assert alice.released_at == T0 + timedelta(minutes=50) and erin.briefing == "db failover in progress"


def test_engaged_time_pauses_while_resting():
    state = _fold((0, ev.MemberJoined(handle="bob")),
                  (60, ev.MemberStatusChanged(handle="bob", status="resting")),
                  (90, ev.MemberStatusChanged(handle="bob", status="engaged")))
    bob = state.members["bob"]
    assert bob.engaged_for(T0 + timedelta(minutes=100)) == timedelta(minutes=70)
    assert bob.stretch(T0 + timedelta(minutes=100)) == timedelta(minutes=10)


def test_asks_close_once_and_health_history_grows():
    state = _fold((0, ev.AskStarted(handle="bob", task="replica lag", minutes=10)),
                  (5, ev.AskDone(ask=2)), (6, ev.AskDone(ask=2)),
                  (7, ev.HealthSummary(endpoints={"a": ev.EndpointWindow(p50_ms=5, state="up")})),
                  (8, ev.HealthSummary(endpoints={"a": ev.EndpointWindow(p50_ms=9, state="down")})))
    assert state.asks[2].done_at == T0 + timedelta(minutes=5)
    assert [p.p50_ms for p in state.endpoints["a"].history] == [5, 9]


def test_a_recording_seat_joins_the_team_an_observer_does_not():
    state = _fold((1, ev.SeatJoined(handle="bob")), (2, ev.SeatJoined(handle="wall", read_only=True)))
    assert state.members["bob"].status == "engaged" and "wall" not in state.members
    assert state.seats == {"bob": (False,), "wall": (True,)}


def test_closing_one_of_two_seats_leaves_that_person_watching():
    """alice on her laptop and on the wall screen: closing the laptop keeps her in the header."""
    state = _fold((1, ev.SeatJoined(handle="alice")), (2, ev.SeatJoined(handle="alice", read_only=True)),
                  (3, ev.SeatLeft(handle="alice")))
    assert state.seats == {"alice": (True,)}
    state = _fold((1, ev.SeatJoined(handle="alice")), (2, ev.SeatJoined(handle="alice", read_only=True)),
                  (3, ev.SeatLeft(handle="alice")), (4, ev.SeatLeft(handle="alice", read_only=True)),
                  (5, ev.SeatLeft(handle="alice")))  # a late duplicate goodbye changes nothing
    assert state.seats == {}
