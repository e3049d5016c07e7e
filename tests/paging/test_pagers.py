"""Each pager against a real receiver on loopback: what arrives, what is recorded, and what
happens when the service refuses, rate-limits, goes away or never answers."""

from __future__ import annotations

import json
from pathlib import Path

from cockpit.domain import events as ev
from cockpit.paging import Pager, build_request
from cockpit.session import Session
from cockpit.settings import PagingSettings
from tests.paging.conftest import ROUTING_KEYS, opsgenie, pagerduty, pager_script
from tests.paging.receivers import OPSGENIE_KEY, Receivers

FAST = 0.01
"""Seconds before the first retry: the retry policy under test, without the wait."""


def request_for(session: Session, **target: str):
    session.record(ev.LinkAdded(url="https://meet.example.com/checkout", label="War room",
                                link_kind="bridge"))
    return build_request(session.state, session=session.name, by="alice",
                         message="checkout is down, join the bridge", **target)


def no_secret_in(event: ev.PageSent) -> None:
    text = json.dumps(event.to_record(), default=str)
    for secret in (*ROUTING_KEYS.values(), OPSGENIE_KEY):
        assert secret not in text


# -- PagerDuty -----------------------------------------------------------------------------------


async def test_a_pagerduty_page_is_a_trigger_on_the_persons_own_integration(receivers: Receivers, make_session):
    session = make_session()
    event = await Pager(pagerduty(receivers), backoff=FAST).send(request_for(session, handle="bob"))

    [arrived] = receivers.of("pagerduty")
    body = arrived.body
    assert body["routing_key"] == ROUTING_KEYS["PD_BOB"]
    assert body["event_action"] == "trigger"
    assert body["dedup_key"] == event.dedup_key and event.dedup_key.startswith("cockpit-")
    assert body["payload"]["severity"] == "error"  # SEV2
    assert "Checkout API returning 500s" in body["payload"]["summary"]
    assert "checkout is down, join the bridge" in body["payload"]["summary"]
    assert body["links"] == [{"href": "https://meet.example.com/checkout", "text": "War room"}]
    assert event.ok and event.handle == "bob" and event.service == "pagerduty"
    assert event.detail == f"127.0.0.1:{receivers.port}: Event processed"
    no_secret_in(event)


async def test_a_role_has_its_own_key_and_anyone_else_the_default(receivers: Receivers, make_session):
    session = make_session()
    pager = Pager(pagerduty(receivers), backoff=FAST)
    await pager.send(request_for(session, role="ops"))
    await pager.send(request_for(session, handle="erin"))
    keys = [r.body["routing_key"] for r in receivers.of("pagerduty")]
    assert keys == [ROUTING_KEYS["PD_OPS"], ROUTING_KEYS["PD_DEFAULT"]]


async def test_an_invalid_event_is_not_retried_and_says_why_without_the_key(receivers: Receivers, make_session):
    session = make_session()
    settings = pagerduty(receivers, table={"routing_keys": {"bob": "env:PD_SHORT"}})
    event = await Pager(settings, backoff=FAST).send(request_for(session, handle="bob"))

    assert len(receivers.of("pagerduty")) == 1
    assert not event.ok
    assert f"127.0.0.1:{receivers.port} refused the page (HTTP 400)" in event.detail
    assert "Length of 'routing_key' is incorrect" in event.detail
    assert "too-short" not in event.detail
    assert "/v2/enqueue" not in event.detail  # the host only, never the address


async def test_a_rate_limit_is_waited_out_within_the_attempts(receivers: Receivers, make_session):
    session = make_session()
    receivers.answer_next("pagerduty", 429, 503)
    event = await Pager(pagerduty(receivers), backoff=FAST).send(request_for(session, handle="bob"))
    assert len(receivers.of("pagerduty")) == 3
    assert event.ok and event.detail.endswith("Event processed (after 3 tries)")


async def test_a_service_that_stays_down_fails_after_the_attempts(receivers: Receivers, make_session):
    session = make_session()
    receivers.answer_next("pagerduty", 503, 503, 503, 503)
    event = await Pager(pagerduty(receivers, attempts=3), backoff=FAST).send(request_for(session, handle="bob"))
    assert len(receivers.of("pagerduty")) == 3
    assert not event.ok and "HTTP 503" in event.detail and "(after 3 tries)" in event.detail


async def test_an_unreachable_service_is_named_by_its_host(make_session, tmp_path: Path):
    session = make_session()
    settings = PagingSettings.model_validate({"pagerduty": {
        "url": "http://127.0.0.1:9/v2/enqueue", "routing_key": "env:PD_DEFAULT"}, "attempts": 2})
    event = await Pager(settings, backoff=FAST).send(request_for(session, handle="bob"))
    assert not event.ok
    assert event.detail.startswith("cannot reach 127.0.0.1:9") and "(after 2 tries)" in event.detail


async def test_a_key_missing_from_the_environment_sends_nothing(receivers: Receivers, make_session, monkeypatch):
    monkeypatch.delenv("PD_BOB")
    session = make_session()
    event = await Pager(pagerduty(receivers), backoff=FAST).send(request_for(session, handle="bob"))
    assert receivers.of("pagerduty") == []
    assert not event.ok and "$PD_BOB is empty or not set" in event.detail


async def test_a_service_that_never_answers_fails_at_its_timeout(receivers: Receivers, make_session):
    session = make_session()
    receivers.hang("pagerduty")
    settings = pagerduty(receivers, timeout="300ms", attempts=1)
    event = await Pager(settings, backoff=FAST).send(request_for(session, handle="bob"))
    assert not event.ok and event.detail == f"127.0.0.1:{receivers.port} did not answer in time"


async def test_an_answered_page_is_acknowledged_at_pagerduty_by_its_key(receivers: Receivers, make_session):
    session = make_session()
    pager = Pager(pagerduty(receivers), backoff=FAST)
    session.record(await pager.send(request_for(session, handle="bob")))
    session.record(ev.MemberJoined(handle="bob", status="engaged"))
    page = session.state.page_for(handle="bob")
    assert page is not None and page.acked_how == "joined"

    assert await pager.acknowledge(page, "bob") is None
    trigger, ack = receivers.of("pagerduty")
    assert ack.body == {"routing_key": ROUTING_KEYS["PD_BOB"], "event_action": "acknowledge",
                        "dedup_key": trigger.body["dedup_key"]}


# -- Opsgenie ------------------------------------------------------------------------------------


async def test_an_opsgenie_page_is_an_alert_for_the_persons_responders(receivers: Receivers, make_session):
    session = make_session()
    event = await Pager(opsgenie(receivers), backoff=FAST).send(request_for(session, handle="bob"))

    [arrived] = receivers.of("opsgenie")
    assert arrived.headers["Authorization"] == f"GenieKey {OPSGENIE_KEY}"
    body = arrived.body
    assert body["responders"] == [{"type": "user", "username": "bob@example.com"}]
    assert body["alias"] == event.dedup_key
    assert body["priority"] == "P2"
    assert len(body["message"]) <= 130
    assert "War room: https://meet.example.com/checkout" in body["description"]
    assert event.ok and event.detail.startswith(f"127.0.0.1:{receivers.port}: Request will be processed")
    no_secret_in(event)


async def test_a_role_pages_its_team_and_anyone_else_the_default_responders(receivers: Receivers, make_session):
    session = make_session()
    pager = Pager(opsgenie(receivers), backoff=FAST)
    await pager.send(request_for(session, role="ops"))
    await pager.send(request_for(session, handle="erin"))
    assert [r.body["responders"] for r in receivers.of("opsgenie")] == [
        [{"type": "team", "name": "Platform Ops"}], [{"type": "team", "name": "SRE"}]]


async def test_a_refused_key_is_said_and_not_retried(receivers: Receivers, make_session):
    session = make_session()
    settings = opsgenie(receivers, table={"api_key": "env:OPSGENIE_WRONG_KEY"})
    event = await Pager(settings, backoff=FAST).send(request_for(session, handle="bob"))
    assert len(receivers.of("opsgenie")) == 1
    assert not event.ok
    assert "HTTP 401" in event.detail and "the API key was refused (Could not authenticate)" in event.detail
    assert "not-the-key" not in event.detail


async def test_an_unprocessable_alert_names_the_field(receivers: Receivers, make_session):
    session = make_session()
    settings = opsgenie(receivers)
    # the config refuses a responder of no known type; past that check (model_copy does not
    # validate), the service's own 422 is what the record says
    settings = settings.model_copy(update={"opsgenie": settings.opsgenie.model_copy(
        update={"responders": {"bob": ("robot:bob",)}})})
    event = await Pager(settings, backoff=FAST).send(request_for(session, handle="bob"))
    assert len(receivers.of("opsgenie")) == 1
    assert not event.ok and "HTTP 422" in event.detail and "responders:" in event.detail


async def test_opsgenie_rate_limits_are_retried(receivers: Receivers, make_session):
    session = make_session()
    receivers.answer_next("opsgenie", 429)
    event = await Pager(opsgenie(receivers), backoff=FAST).send(request_for(session, handle="bob"))
    assert len(receivers.of("opsgenie")) == 2 and event.ok and "(after 2 tries)" in event.detail


async def test_an_answered_page_is_acknowledged_at_opsgenie_by_alias(receivers: Receivers, make_session):
    session = make_session()
    pager = Pager(opsgenie(receivers), backoff=FAST)
    session.record(await pager.send(request_for(session, handle="bob")))
    page = session.state.page_for(handle="bob")
    assert await pager.acknowledge(page, "bob") is None
    ack = receivers.of("opsgenie")[-1]
    assert ack.path == f"/v2/alerts/{page.dedup_key}/acknowledge?identifierType=alias"


# -- the team's own command --------------------------------------------------------------------


async def test_a_command_gets_the_page_as_json_on_stdin(make_session, tmp_path: Path):
    session = make_session()
    seen = tmp_path / "seen.json"
    argv = pager_script(tmp_path, f"open({str(seen)!r}, 'w').write(json.dumps(page))\n"
                                  "print('sent to #oncall-ops')\n")
    settings = PagingSettings.model_validate({"command": {"argv": argv}})
    event = await Pager(settings, backoff=FAST).send(request_for(session, role="ops"))

    page = json.loads(seen.read_text())
    assert page["kind"] == "page" and page["role"] == "ops" and page["handle"] is None
    assert page["message"] == "checkout is down, join the bridge"
    assert page["links"] == [{"label": "War room", "url": "https://meet.example.com/checkout"}]
    assert page["dedup_key"] == event.dedup_key
    assert event.ok and event.detail == "sent to #oncall-ops" and event.service == "command"


async def test_a_failing_command_says_what_it_wrote_to_stderr(make_session, tmp_path: Path):
    session = make_session()
    argv = pager_script(tmp_path, "sys.stderr.write('\\x1b[31mno route for ops\\n'); sys.exit(3)\n")
    settings = PagingSettings.model_validate({"command": {"argv": argv}, "attempts": 2})
    event = await Pager(settings, backoff=FAST).send(request_for(session, role="ops"))
    assert not event.ok
    assert event.detail == f"{argv[0]} exited with 3: no route for ops (after 2 tries)"  # no escape


async def test_a_command_that_hangs_is_killed_at_its_timeout(make_session, tmp_path: Path):
    session = make_session()
    argv = pager_script(tmp_path, "import time\ntime.sleep(600)\n")
    settings = PagingSettings.model_validate({"command": {"argv": argv, "timeout": "500ms"}, "attempts": 1})
    event = await Pager(settings, backoff=FAST).send(request_for(session, role="ops"))
    assert not event.ok and event.detail == f"{argv[0]} did not finish within 0.5 s"


async def test_a_command_that_does_not_exist_fails_at_once(make_session, tmp_path: Path):
    session = make_session()
    settings = PagingSettings.model_validate({"command": {"argv": [str(tmp_path / "nope")]}})
    event = await Pager(settings, backoff=FAST).send(request_for(session, role="ops"))
    assert not event.ok and event.detail.startswith(f"cannot run {tmp_path / 'nope'}")
    assert "tries" not in event.detail

