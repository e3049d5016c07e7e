"""Update timing (the drafts: tests/updates_drafts; delivering updates: tests/updates)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from cockpit.domain import events as ev
from cockpit.settings import UpdateSettings
from cockpit.updates import due_audience, update_cadence


@pytest.fixture
def busy_session(make_session, clock):
    """Twenty minutes into an outage: a commander, a decision, an ask, an endpoint down."""
    session = make_session()
    clock.advance(minutes=2)
    session.record(ev.RoleAssigned(role="commander", handle="alice"))
    session.record(ev.ImpactAssessed(field="customer_facing", value="yes"))
    session.record(ev.ImpactAssessed(field="services", value="checkout, payments"))
    session.record(ev.ImpactAssessed(field="regions", value="EU"))
    session.record(ev.HealthChanged(endpoint="payments-api", **{"from": "up"}, to="down",
                                    detail="timeout after 2.0s"))
    clock.advance(minutes=10)
    session.record(ev.NoteAdded(text="roll back deploy 2026.11.27-3", tag="decision", by="bob"))
    session.record(ev.NoteAdded(text="replica lag looks normal", tag="note", by="bob"))
    session.record(ev.AskStarted(handle="bob", task="check replica lag", minutes=10))
    clock.advance(minutes=8)
    return session


def test_cadence_is_the_stricter_of_protocol_and_config(busy_session):
    state = busy_session.state  # major-incident: external every 20m, internal every 30m
    assert update_cadence(state, UpdateSettings(), "external") == timedelta(minutes=20)
    assert update_cadence(state, UpdateSettings(internal_every="15m"), "internal") == timedelta(minutes=15)
    assert update_cadence(state, UpdateSettings(internal_every="1h"), "internal") == timedelta(minutes=30)


def test_updates_do_not_import_textual():
    """Update timing stays usable from headless commands."""
    import subprocess
    import sys

    code = "import sys, cockpit.updates; sys.exit('textual' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[2]).returncode == 0


def test_due_audience_is_the_update_the_protocol_wants_first(make_session, clock):
    session = make_session()  # major-incident: first external update at 5m, internal at 15m
    assert due_audience(session.state, clock.now()) == "external"
    session.record(ev.UpdatePosted(text="first", audience="external"))
    assert due_audience(session.state, clock.now()) == "internal"  # internal 04:25, external 04:30
    session.record(ev.UpdatePosted(text="inside", audience="internal"))
    assert due_audience(session.state, clock.now()) == "external"
