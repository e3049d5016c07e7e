"""A small corpus of saved sessions for the insight tests: three incidents and a drill."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from cockpit.domain import events as ev
from cockpit.domain.clock import ManualClock
from cockpit.paths import sessions_dir
from cockpit.session import new_incident
from cockpit.settings import Config, load_protocol

UTC = timezone.utc


def _incident(name: str, start: datetime, severity: str, *, drill: bool = False, minutes: dict[str, float],
              **header) -> Path:
    """A session in the saved-sessions folder: ``minutes`` says when (after the declaration)
    each thing happened: health_bad (before it, negative: impact started), detected (marked by
    hand), commander, monitoring, resolved,
    late_bridge (open-bridge done then), skip (stop-changes skipped), action (unowned),
    owned_action (owned by carol), done_action (closed), bob_off."""
    clock = ManualClock(start)
    session = new_incident(config=Config(), protocol=load_protocol("major-incident"), title=name,
                           severity=severity, path=sessions_dir() / f"{name}.toml", clock=clock,
                           handle="alice", drill=drill, **header)
    at = lambda m: start + timedelta(minutes=m)  # noqa: E731
    if "health_bad" in minutes:
        session.record(ev.HealthChanged(endpoint="api", **{"from": "up"}, to="down", at=at(minutes["health_bad"])))
    session.record(ev.MemberJoined(handle="bob", status="engaged", at=at(0.5)))
    for key, event in (("detected", ev.MomentMarked(moment="detected")),
                       ("commander", ev.RoleAssigned(role="commander", handle="alice")),
                       ("late_bridge", ev.StepDone(step="open-bridge")),
                       ("skip", ev.StepSkipped(step="stop-changes", reason="no deploys")),
                       ("action", ev.NoteAdded(text="add an alert on replica lag", tag="action")),
                       ("bob_off", ev.MemberStatusChanged(handle="bob", status="off")),
                       ("monitoring", ev.StatusChanged(status="monitoring")),
                       ("resolved", ev.StatusChanged(status="resolved"))):
        if key in minutes:
            clock.advance(0)
            session.record(event.model_copy(update={"at": at(minutes[key])}))
    for key, update in (("owned_action", {"owner": "carol"}), ("done_action", {"status": "done"})):
        if key in minutes:
            note = session.record(ev.NoteAdded(text=f"{key}: review the failover runbook", tag="action",
                                               at=at(minutes[key])))
            session.record(ev.ActionUpdated(action=note.seq, at=at(minutes[key] + 1), **update))
    session.close()
    return session.path


@pytest.fixture
def corpus():
    """Three real incidents and a drill, a night incident among them."""
    sessions_dir().mkdir(parents=True)
    return [
        _incident("one", datetime(2026, 9, 3, 14, 0, tzinfo=UTC), "SEV2",
                  minutes={"health_bad": -4, "detected": 0, "commander": 2, "late_bridge": 9, "skip": 6, "monitoring": 20,
                           "resolved": 30, "action": 25, "bob_off": 10}),
        _incident("two", datetime(2026, 10, 7, 23, 0, tzinfo=UTC), "SEV2",  # at night, UTC
                  minutes={"health_bad": -2, "detected": 0, "commander": 1, "late_bridge": 7, "monitoring": 40,
                           "resolved": 60, "bob_off": 120}),
        _incident("three", datetime(2026, 10, 20, 10, 0, tzinfo=UTC), "SEV1",
                  minutes={"commander": 1, "skip": 3, "owned_action": 5, "done_action": 6, "monitoring": 10,
                           "resolved": 15}),
        _incident("drill", datetime(2026, 10, 21, 10, 0, tzinfo=UTC), "SEV2", drill=True, speed=1.0,
                  scenario="checkout-outage",
                  objectives=[{"kind": "role", "target": "commander", "within": "2m"},
                              {"kind": "status", "target": "monitoring", "within": "5m"}],
                  minutes={"commander": 1, "monitoring": 12, "resolved": 20}),
    ]
