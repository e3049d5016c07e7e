"""Severity suggestions, protocol timing and roster warnings, each at a chosen moment."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cockpit.domain import events as ev
from cockpit.domain.roster import RosterLimits, roster_warnings
from cockpit.domain.severity import SeverityMatrix, SeverityRule, suggest_severity
from tests.conftest import T0


@pytest.mark.parametrize(("impact", "expected", "reason"), [
    ({"data": "exposure", "users_affected": "few", "functionality": "degraded"}, "SEV1", "customer data exposed"),
    ({"users_affected": "most", "functionality": "outage", "data": "none"}, "SEV1", "most users face a full outage"),
    ({"users_affected": "some", "functionality": "partial", "data": "none"}, "SEV2", "some users lose functionality"),
    ({"users_affected": "few", "functionality": "degraded", "data": "none"}, "SEV3", "some users affected"),
    ({"customer_facing": "no", "users_affected": "none", "functionality": "degraded", "data": "none"}, "SEV4", "internal"),
    ({"users_affected": "none", "functionality": "none", "data": "none"}, "SEV5", "no user impact"),
])
def test_suggestion_takes_the_worst_matching_rule(impact, expected, reason):
    suggestion = suggest_severity(impact)
    assert suggestion.severity == expected
    assert any(reason in r for r in suggestion.reasons)


def test_unknown_answers_err_high_and_say_so():
    known = suggest_severity({"users_affected": "few", "functionality": "degraded", "data": "none"})
    unsure = suggest_severity({"users_affected": "few", "functionality": "degraded", "data": "unknown"})
    assert (known.severity, unsure.severity) == ("SEV3", "SEV2")
    assert any("data not known yet" in r for r in unsure.reasons)


def test_no_answers_no_suggestion():
    assert suggest_severity({}).severity is None
    assert suggest_severity({"data": "unknown"}).severity is None


def test_matrix_from_config_replaces_the_defaults():
    matrix = SeverityMatrix(rules=(SeverityRule(when={"regions": ("eu",)}, severity="SEV1",
                                                reason="EU is our biggest market"),), unsure_fields=())
    assert suggest_severity({"regions": "EU"}, matrix).reasons == ("EU is our biggest market",)


def _views(session, minutes):
    return {v.step.id: v for v in session.state.step_views(T0 + timedelta(minutes=minutes))}


def test_due_overdue_and_late(make_session, clock):
    session = make_session()
    views = _views(session, 4)
    assert views["declare"].state == "done"
    assert views["open-bridge"].due_at == T0 + timedelta(minutes=5) and views["open-bridge"].overdue is None
    assert _views(session, 8)["open-bridge"].overdue == timedelta(minutes=3)
    clock.advance(minutes=9)
    session.record(ev.StepDone(step="open-bridge"))
    view = _views(session, 12)["open-bridge"]
    assert view.overdue is None and view.late_by == timedelta(minutes=4)


def test_recurring_cadence_moves_with_each_update(make_session, clock):
    session = make_session()
    assert _views(session, 1)["external-update"].due_at == T0 + timedelta(minutes=25)
    clock.advance(minutes=3)
    session.record(ev.UpdatePosted(text="We are investigating checkout errors.", audience="external"))
    views = _views(session, 10)
    assert views["first-external-update"].state == "done" and views["first-external-update"].late_by is None
    assert views["external-update"].due_at == T0 + timedelta(minutes=23)
    assert _views(session, 30)["external-update"].overdue == timedelta(minutes=7)
    assert session.state.next_update(T0 + timedelta(minutes=10)) == (T0 + timedelta(minutes=15), "internal")


def test_severity_conditions_and_resolution_freeze(make_session, clock):
    session = make_session(protocol="server-failure", severity="SEV3")
    assert _views(session, 1)["schedule-postmortem"].applies is False
    session.record(ev.SeverityChanged(severity="SEV2", reason="more users"))
    assert _views(session, 1)["schedule-postmortem"].applies is True
    clock.advance(minutes=20)
    session.record(ev.StatusChanged(status="resolved"))
    views = _views(session, 300)
    assert views["resolve"].state == "done"
    assert views["drain"].overdue == timedelta(minutes=15)  # frozen at resolution, not growing
    assert session.state.next_update_due(T0 + timedelta(minutes=300)) is None


def test_roster_warnings(make_session, clock):
    session = make_session()
    now = T0
    assert [w.rule for w in roster_warnings(session.state, now)] == ["no-commander"]
    session.record(ev.RoleAssigned(role="commander", handle="alice"))
    session.record(ev.RoleAssigned(role="ops", handle="alice"))
    for n in range(8):
        session.record(ev.MemberJoined(handle=f"sre{n}"))
    warnings = roster_warnings(session.state, now + timedelta(hours=3, minutes=1))
    rules = {w.rule for w in warnings}
    assert {"commander-hands-on", "span-of-control", "engaged-too-long"} <= rules
    assert any("8 people report" in w.text for w in warnings)
    assert not {w.rule for w in roster_warnings(session.state, now, RosterLimits(max_direct_reports=8))} \
        & {"span-of-control", "engaged-too-long"}


def test_engaged_time_stops_at_resolution(make_session, clock):
    session = make_session()
    clock.advance(minutes=30)
    session.record(ev.StatusChanged(status="resolved"))
    from cockpit.summary import status_document

    later = status_document(session, T0 + timedelta(hours=5))
    assert [m["engaged_s"] for m in later["members"]] == [1800.0]
    assert later["elapsed_s"] == 1800.0
    assert not roster_warnings(session.state, T0 + timedelta(hours=5))


def _roster(*bodies):
    """A folded incident declared by alice at T0, then ``(minutes, event)`` pairs."""
    from cockpit.domain.state import fold

    events = [ev.IncidentDeclared(seq=1, at=T0, by="alice", title="t", severity="SEV2"),
              ev.MemberJoined(seq=2, at=T0, by="alice", handle="alice", status="engaged"),
              ev.RoleAssigned(seq=3, at=T0, by="alice", role="commander", handle="alice")]
    for seq, (minutes, body) in enumerate(bodies, start=4):
        events.append(body.model_copy(update={"seq": seq, "at": T0 + timedelta(minutes=minutes),
                                              "by": body.by or "alice"}))
    return fold(events)


def test_a_role_given_to_someone_not_yet_joined_pages_them():
    state = _roster((5, ev.RoleAssigned(role="ops", handle="bob")))
    bob = state.members["bob"]
    assert (bob.status, bob.engaged_since) == ("paged", None)
    assert state.engaged_for("bob", T0 + timedelta(hours=1)) == timedelta(0)
    state = _roster((5, ev.RoleAssigned(role="ops", handle="bob", by="bob")))  # took it himself
    assert state.members["bob"].status == "engaged"


@pytest.mark.parametrize("status", ["off", "resting"])
def test_a_role_holder_off_or_resting_is_warned_about(status):
    state = _roster((1, ev.MemberJoined(handle="bob", status="engaged")),
                    (2, ev.RoleAssigned(role="ops", handle="bob")),
                    (30, ev.MemberStatusChanged(handle="bob", status=status)))
    warnings = roster_warnings(state, T0 + timedelta(minutes=31))
    holder = [w for w in warnings if w.rule == "holder-unavailable"]
    assert [w.handle for w in holder] == ["bob"]
    assert f"ops holder bob is {status}" in holder[0].text


@pytest.mark.parametrize("status", ["off", "resting"])
def test_assigning_to_someone_off_or_resting_keeps_their_status_and_warns(status):
    state = _roster((1, ev.MemberJoined(handle="bob", status=status)),
                    (2, ev.RoleAssigned(role="comms", handle="bob")))
    assert state.members["bob"].status == status
    texts = [w.text for w in roster_warnings(state, T0 + timedelta(minutes=3))]
    assert any(f"comms holder bob is {status}" in t for t in texts)


def test_a_paged_member_given_a_role_stays_paged_and_is_not_warned_about():
    state = _roster((1, ev.MemberJoined(handle="erin", status="paged")),
                    (2, ev.RoleAssigned(role="scribe", handle="erin")))
    assert state.members["erin"].status == "paged"
    assert not [w for w in roster_warnings(state, T0 + timedelta(minutes=3))
                if w.rule == "holder-unavailable"]


def test_the_commander_resting_is_warned_about_with_the_existing_guardrails():
    state = _roster((1, ev.RoleAssigned(role="ops", handle="alice")),
                    (2, ev.MemberStatusChanged(handle="alice", status="resting")))
    rules = {w.rule: w.text for w in roster_warnings(state, T0 + timedelta(minutes=3))}
    assert "commander-hands-on" in rules
    assert rules["holder-unavailable"].startswith("commander, ops holder alice is resting")


def test_no_holder_warnings_once_resolved():
    state = _roster((1, ev.MemberJoined(handle="bob", status="engaged")),
                    (2, ev.RoleAssigned(role="ops", handle="bob")),
                    (30, ev.StatusChanged(status="resolved")),
                    (31, ev.MemberStatusChanged(handle="bob", status="off")))
    assert not roster_warnings(state, T0 + timedelta(minutes=32))
