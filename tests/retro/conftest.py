"""A realistic incident recorded through the real Session API on a manual clock.

Times are minutes:seconds after T0 (04:10:00 UTC); the metrics tests check each one exactly.

    0:00  configured (major-incident, endpoints payments-api and checkout-api)
    0:00  payments-api unknown → down           (the first bad health signal)
    1:30  declared SEV2 by alice; alice joins
    3:30  alice takes commander
    5:30  external update (first)
   10:00  severity SEV1
   12:00  bob takes ops
   14:00  open-bridge skipped
   15:00  decision; 16:00 action; 17:00 note naming a missing step
   20:00  internal update                      (first due 16:30: 3:30 late)
   30:00  bob resting
   31:30  external update                      (due 25:30: 6:00 late)
   40:00  severity SEV2
   45:00  status monitoring
   50:00  payments-api down → up
   55:00  checkout-api up → degraded
   60:00  status resolved
   63:00  checkout-api degraded → down
   66:00  a note (the last event of the incident)
   2 days later: two retro notes
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from cockpit.domain import events as ev
from cockpit.domain.clock import ManualClock
from cockpit.session import Session
from cockpit.settings import load_protocol

T0 = datetime(2026, 11, 27, 4, 10, 0, tzinfo=timezone.utc)
ENDPOINTS = (ev.EndpointRef(name="payments-api", url="http://127.0.0.1:8101/healthz", service="payments"),
             ev.EndpointRef(name="checkout-api", url="http://127.0.0.1:8102/healthz", service="checkout"))


def at(minutes: int, seconds: int = 0) -> datetime:
    return T0 + timedelta(minutes=minutes, seconds=seconds)


def health(endpoint: str, old: str, new: str, detail: str = "") -> ev.HealthChanged:
    return ev.HealthChanged.model_validate({"endpoint": endpoint, "from": old, "to": new, "detail": detail})


def record_incident(path: Path, clock: ManualClock, *, drill: bool = False) -> Session:
    session = Session.create(path, clock=clock, handle="alice", drill=drill)

    def when(minutes: int, seconds: int = 0) -> None:
        clock.set(at(minutes, seconds))

    protocol = load_protocol("major-incident")
    session.record(ev.SessionConfigured(protocol=protocol.name, steps=protocol.steps, endpoints=ENDPOINTS))
    session.record(ev.HealthChanged.model_validate(
        {"endpoint": "payments-api", "from": "unknown", "to": "down", "detail": "timeout after 2.0s"},
    ).model_copy(update={"by": "health"}))
    when(1, 30)
    session.record(ev.IncidentDeclared(title="Checkout API returning 500s", severity="SEV2"))
    session.record(ev.MemberJoined(handle="alice"))
    when(3, 30)
    session.record(ev.RoleAssigned(role="commander", handle="alice"))
    when(5, 30)
    session.record(ev.UpdatePosted(text="Checkout errors; we are on it", audience="external"))
    when(10)
    session.record(ev.SeverityChanged(severity="SEV1", reason="all checkouts failing"))
    when(12)
    session.record(ev.RoleAssigned(role="ops", handle="bob", by="bob"))
    when(14)
    session.record(ev.StepSkipped(step="open-bridge", reason="already on the war-room call"))
    when(15)
    session.record(ev.NoteAdded(text="roll back deploy 2026.11.27-3", tag="decision", by="bob"))
    when(16)
    session.record(ev.NoteAdded(text="alert on payment | timeouts", tag="action"))
    when(17)
    session.record(ev.NoteAdded(text="missing step: page the database on-call", tag="note"))
    when(20)
    session.record(ev.UpdatePosted(text="Rolling back", audience="internal"))
    when(30)
    session.record(ev.MemberStatusChanged(handle="bob", status="resting"))
    when(31, 30)
    session.record(ev.UpdatePosted(text="Rollback in progress", audience="external"))
    when(40)
    session.record(ev.SeverityChanged(severity="SEV2", reason="half of checkouts work"))
    when(45)
    session.record(ev.StatusChanged(status="monitoring"))
    when(50)
    session.record(health("payments-api", "down", "up"))
    when(55)
    session.record(health("checkout-api", "up", "degraded", "812 ms"))
    when(60)
    session.record(ev.StatusChanged(status="resolved"))
    when(63)
    session.record(health("checkout-api", "degraded", "down"))
    when(66)
    session.record(ev.NoteAdded(text="checkout still slow, watching"))
    clock.set(T0 + timedelta(days=2))
    session.record(ev.RetroNote(text="a config push nobody reviewed", about=at(0), question="how"))
    session.record(ev.RetroNote(text="impact: EU shoppers could not pay", about=at(10), by="carol"))
    return session


@pytest.fixture
def incident(tmp_path: Path, clock: ManualClock) -> Path:
    """The path of the recorded incident above."""
    path = tmp_path / "incident.toml"
    record_incident(path, clock).close()
    return path
