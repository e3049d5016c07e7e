"""Status update drafts and the webhook post, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web

from cockpit.domain import events as ev
from cockpit.settings import UpdateSettings
from cockpit.updates import (
    WebhookError, draft_update, due_audience, post_update, resolve_webhook, update_cadence,
)


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


def test_internal_draft_has_conditions_actions_and_needs(busy_session, clock):
    text = draft_update(busy_session.state, clock.now(), audience="internal",
                        next_update_at=clock.now() + timedelta(minutes=30))
    lines = text.splitlines()
    assert lines[0] == "[SEV2] Checkout API returning 500s — INVESTIGATING (internal update 04:30 UTC)"
    assert [line for line in lines if line in ("Conditions", "Actions", "Needs")] == \
        ["Conditions", "Actions", "Needs"]
    assert "- Severity SEV2, status investigating, declared 04:10 UTC (T+20:00)" in lines
    assert "- Impact: customer facing: yes; services: checkout, payments; regions: EU" in lines
    assert "- Endpoints down: payments-api (timeout after 2.0s)" in lines
    assert "- 04:22 decision: roll back deploy 2026.11.27-3 (bob)" in lines
    assert "replica lag looks normal" not in text  # plain notes are not actions
    assert "- On it: alice (Incident Commander)" in lines
    assert "- bob: check replica lag (back by 04:32 UTC)" in lines
    assert "- Unassigned: Deputy, Scribe, Ops lead, Comms lead" in lines
    assert lines[-1] == "Next update by 05:00 UTC."


def test_decisions_already_reported_are_not_repeated(busy_session, clock):
    busy_session.record(ev.UpdatePosted(text="earlier", audience="internal"))
    text = draft_update(busy_session.state, clock.now(), audience="internal", next_update_at=None)
    assert "roll back deploy" not in text
    assert "- No new decisions or actions since the last update" in text.splitlines()
    assert "Next update" not in text


def test_external_draft_speaks_to_customers_only(busy_session, clock):
    text = draft_update(busy_session.state, clock.now(), audience="external",
                        next_update_at=clock.now() + timedelta(minutes=20))
    assert text.splitlines()[0] == "[SEV2] Checkout API returning 500s — INVESTIGATING (status update)"
    assert "- Affected: checkout, payments in EU" in text
    assert "We are investigating the cause." in text
    for internal in ("bob", "alice", "payments-api", "replica", "Needs", "Unassigned"):
        assert internal not in text
    assert text.endswith("Next update by 04:50 UTC.")


def test_resolved_incident_promises_no_next_update(busy_session, clock):
    busy_session.record(ev.StatusChanged(status="resolved"))
    text = draft_update(busy_session.state, clock.now(), audience="external",
                        next_update_at=clock.now() + timedelta(minutes=20))
    assert "The issue is resolved." in text
    assert "Next update" not in text


def test_escape_sequences_in_user_text_never_reach_the_draft(make_session, clock):
    session = make_session(title="Checkout\x1b]0;pwned\x07 down\x1b[31m")
    session.record(ev.NoteAdded(text="roll\x1b[2J back", tag="decision"))
    text = draft_update(session.state, clock.now(), audience="internal", next_update_at=None)
    assert "\x1b" not in text and "\x07" not in text
    assert "Checkout down" in text and "roll back" in text


def test_cadence_is_the_stricter_of_protocol_and_config(busy_session):
    state = busy_session.state  # major-incident: external every 20m, internal every 30m
    assert update_cadence(state, UpdateSettings(), "external") == timedelta(minutes=20)
    assert update_cadence(state, UpdateSettings(internal_every="15m"), "internal") == timedelta(minutes=15)
    assert update_cadence(state, UpdateSettings(internal_every="1h"), "internal") == timedelta(minutes=30)


def test_webhook_from_environment_is_read_at_send_time(monkeypatch):
    monkeypatch.setenv("HOOK", "https://hooks.example.com/T/B/secret")
    assert resolve_webhook("env:HOOK") == "https://hooks.example.com/T/B/secret"
    monkeypatch.delenv("HOOK")
    with pytest.raises(WebhookError, match=r"env:HOOK, but \$HOOK is empty or not set"):
        resolve_webhook("env:HOOK")
    with pytest.raises(WebhookError, match="not an http"):
        resolve_webhook("hooks.example.com/x")


# -- a real webhook on loopback -------------------------------------------------------------


@dataclass
class Webhook:
    url: str
    received: list[dict] = field(default_factory=list)
    status: int = 200
    delay: float = 0.0
    content_types: list[str] = field(default_factory=list)


@pytest.fixture
async def webhook():
    hook = Webhook(url="")

    async def receive(request: web.Request) -> web.Response:
        hook.content_types.append(request.content_type)
        hook.received.append(await request.json())
        await asyncio.sleep(hook.delay)
        return web.Response(status=hook.status, text="ok" if hook.status == 200 else "invalid_token")

    app = web.Application()
    app.router.add_post("/services/T000/B000/s3cr3t", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    hook.url = f"http://127.0.0.1:{port}/services/T000/B000/s3cr3t"
    yield hook
    await runner.cleanup()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


async def test_post_sends_slack_compatible_json(webhook):
    await post_update(webhook.url, "SEV2 checkout: rolling back")
    await post_update(webhook.url, "p95 > 300ms & <!channel> pinged")
    assert webhook.received == [{"text": "SEV2 checkout: rolling back"},
                                {"text": "p95 &gt; 300ms &amp; &lt;!channel&gt; pinged"}]
    assert webhook.content_types == ["application/json", "application/json"]


async def test_server_error_is_reported_without_the_secret_path(webhook):
    webhook.status = 500
    with pytest.raises(WebhookError) as raised:
        await post_update(webhook.url, "update")
    assert str(raised.value).endswith("answered HTTP 500: invalid_token")
    assert "s3cr3t" not in str(raised.value)


async def test_refused_connection_is_reported():
    with pytest.raises(WebhookError, match=r"cannot connect to 127\.0\.0\.1:\d+ \(refused or unreachable\)"):
        await post_update(closed_port_url(), "update")


async def test_silent_server_times_out_with_a_reason(webhook):
    webhook.delay = 2.0
    with pytest.raises(WebhookError, match=r"did not answer within 0\.2 s"):
        await post_update(webhook.url, "update", timeout=0.2)



def test_updates_do_not_import_textual():
    """Drafting and posting stay usable from headless commands."""
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
