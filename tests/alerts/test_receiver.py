"""The Alertmanager receiver against real HTTP requests: what is recorded, what is not, and how
each bad request is answered (with nothing recorded and nothing said on screen)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone

import aiohttp
import pytest

from cockpit import alerts
from cockpit.domain import events as ev
from cockpit.narrate import narrate
from cockpit.session import Session
from cockpit.settings import AlertSettings
from tests.alerts.conftest import Receiving, alert, free_port, notification, until
from tests.disks import fill


async def test_a_firing_alert_is_recorded_once_with_what_alertmanager_said(receiving):
    seat = await receiving()
    status, answer = await seat.post(notification(alert()))
    assert (status, answer) == (200, {"status": "ok", "recorded": 1})

    [fired] = seat.alerts_recorded()
    assert isinstance(fired, ev.AlertFiring)
    assert (fired.fingerprint, fired.alertname, fired.severity) == ("5ee0b8f2c1a3d4e7", "HighErrorRate",
                                                                    "critical")
    assert fired.summary == "checkout 5xx above 5%" and fired.description == "For 1 minute now."
    assert fired.runbook_url == "https://runbooks.example/checkout-5xx"
    assert fired.generator_url.startswith("http://prometheus.example:9090/graph")
    assert fired.labels["service"] == "checkout"
    assert fired.starts_at == datetime(2026, 11, 27, 4, 9, 30, 123456, tzinfo=timezone.utc)
    assert fired.ends_at is None  # Go's zero time: no end yet
    assert fired.by == "alerts"  # the monitoring raised it, not the person whose seat listens
    assert narrate(fired) == "alert firing: HighErrorRate (critical) — checkout 5xx above 5%"
    assert seat.seat.session.state.firing_alerts()[0].alertname == "HighErrorRate"
    assert seat.notices == []


async def test_repeats_and_group_notifications_record_only_what_changed(receiving):
    seat = await receiving()
    await seat.post(notification(alert("aaa")))
    for _ in range(3):  # repeat_interval resends the same notification
        assert (await seat.post(notification(alert("aaa"))))[1]["recorded"] == 0
    # the group grew: its notification carries the known alert too
    assert (await seat.post(notification(alert("aaa"), alert("bbb", instance="b"))))[1]["recorded"] == 1
    assert [(e.kind, e.fingerprint) for e in seat.alerts_recorded()] == [
        ("alert.firing", "aaa"), ("alert.firing", "bbb")]


async def test_a_resolved_alert_is_recorded_once_and_fires_again_as_a_new_episode(receiving):
    seat = await receiving()
    await seat.post(notification(alert("aaa"), alert("bbb")))
    status, answer = await seat.post(notification(alert("aaa", "resolved"), alert("bbb")))
    assert answer["recorded"] == 1
    assert (await seat.post(notification(alert("aaa", "resolved"))))[1]["recorded"] == 0
    assert (await seat.post(notification(alert("never-fired", "resolved"))))[1]["recorded"] == 0
    assert (await seat.post(notification(alert("aaa"))))[1]["recorded"] == 1

    assert [(e.kind, e.fingerprint) for e in seat.alerts_recorded()] == [
        ("alert.firing", "aaa"), ("alert.firing", "bbb"), ("alert.resolved", "aaa"),
        ("alert.firing", "aaa")]
    resolved = seat.alerts_recorded()[2]
    assert resolved.ends_at == datetime(2026, 11, 27, 4, 20, tzinfo=timezone.utc)
    state = seat.seat.session.state
    assert state.alerts["aaa"].firing and state.alerts["aaa"].episodes == 2


async def test_what_another_seat_recorded_counts_as_known(receiving, make_session, tmp_path):
    seat = await receiving()
    other = Session.open(tmp_path / "incident.toml", handle="bob")
    other.record(ev.AlertFiring(fingerprint="aaa", alertname="HighErrorRate"))
    assert (await seat.post(notification(alert("aaa"))))[1]["recorded"] == 0
    other.record(ev.AlertResolved(fingerprint="aaa", alertname="HighErrorRate"))
    assert (await seat.post(notification(alert("aaa", "resolved"))))[1]["recorded"] == 0
    assert [e.by for e in seat.alerts_recorded()] == ["bob", "bob"]
    other.close()


@pytest.mark.parametrize(("body", "status", "reason"), [
    (b"{not json", 400, "the body is not JSON"),
    (b"\xff\xfe", 400, "the body is not JSON"),
    (json.dumps([1, 2]).encode(), 422, "the body: Input should be an object"),
    (json.dumps({**notification(alert()), "version": "3"}).encode(), 422,
     "version '3' is not the Alertmanager webhook version 4 this receiver reads"),
    (json.dumps(notification({**alert(), "fingerprint": ""})).encode(), 422,
     "alerts.0.fingerprint: String should have at least 1 character"),
    (json.dumps(notification({k: v for k, v in alert().items() if k != "labels"})).encode(), 422,
     "alerts.0.labels: Field required"),
    (json.dumps(notification({**alert(), "status": "pending"})).encode(), 422,
     "alerts.0.status: Input should be 'firing' or 'resolved'"),
    (json.dumps(notification({**alert(), "labels": {"severity": 3}})).encode(), 422,
     "alerts.0.labels.severity: Input should be a valid string"),
])
async def test_a_body_that_is_not_a_notification_is_refused_with_a_short_reason(receiving, body, status,
                                                                                reason):
    seat = await receiving()
    assert await seat.post(None, raw=body) == (status, {"error": reason})
    assert seat.alerts_recorded() == [] and seat.notices == []


async def test_too_many_alerts_in_one_notification_are_refused(receiving, monkeypatch):
    seat = await receiving()
    many = notification(*(alert(f"fp{i}") for i in range(alerts.MAX_ALERTS + 1)))
    status, answer = await seat.post(many)
    assert status == 422 and "alerts" in answer["error"]
    assert seat.alerts_recorded() == []


async def test_a_body_over_max_body_is_refused_413_whether_or_not_it_says_its_length(receiving):
    seat = await receiving(max_body=4096)
    big = notification(alert(description="x" * 5000))
    assert (await seat.post(big))[0] == 413

    async def chunks():
        yield json.dumps(big).encode()

    async with seat.client.post(seat.url, data=chunks()) as answer:  # chunked: no Content-Length
        assert answer.status == 413
    assert (await seat.post(notification(alert())))[0] == 200  # a small one still passes
    assert len(seat.alerts_recorded()) == 1 and seat.notices == []


async def test_wrong_method_and_path(receiving):
    seat = await receiving()
    assert (await seat.post(None, method="GET"))[0] == 405
    assert (await seat.post(None, method="PUT"))[0] == 405
    assert (await seat.post(notification(alert()), url=seat.url.replace("/alertmanager", "/alerts")))[0] == 404
    assert seat.alerts_recorded() == [] and seat.notices == []


async def test_a_configured_token_is_required_and_compared(receiving, monkeypatch):
    monkeypatch.setenv("AM_TOKEN", "s3cret-token")
    seat = await receiving(token="env:AM_TOKEN")
    body = notification(alert())
    for token in (None, "", "wrong", "s3cret-token-and-more", "s3cret-toke"):
        status, answer = await seat.post(body, token=token)
        assert status == 401, token
        assert "s3cret" not in json.dumps(answer)
    async with seat.client.post(seat.url, json=body, headers={"Authorization": "Basic s3cret-token"}) as a:
        assert a.status == 401 and a.headers["WWW-Authenticate"].startswith("Bearer")
    assert seat.alerts_recorded() == []
    assert await seat.post(body, token="s3cret-token") == (200, {"status": "ok", "recorded": 1})
    assert seat.notices == []
    assert "s3cret" not in (seat.seat.session.path.read_text())


async def test_a_token_missing_from_the_environment_keeps_the_receiver_closed(make_session, monkeypatch):
    monkeypatch.delenv("AM_TOKEN", raising=False)
    seat = Receiving(make_session(), AlertSettings(listen=f"127.0.0.1:{free_port()}", token="env:AM_TOKEN"))
    seat.seat.start_polling(None, alerts=seat.settings)
    await until(lambda: seat.notices, "the receiver to say why it does not start")
    [notice] = seat.notices
    assert notice.tone == "error" and "$AM_TOKEN is empty or not set" in notice.text
    with pytest.raises(aiohttp.ClientConnectorError):  # nothing listens: connection refused
        await seat.post(notification(alert()))
    await seat.close()


async def test_long_text_is_capped_and_labels_bounded(receiving):
    seat = await receiving()
    long = alert(**{f"label{i:03}": "v" for i in range(100)})
    long["annotations"]["summary"] = "s" * 5000
    long["fingerprint"] = "f" * 300
    assert (await seat.post(notification(long)))[0] == 200
    [fired] = seat.alerts_recorded()
    assert len(fired.summary) == alerts.CAPS["summary"] and fired.summary.endswith("…")
    assert len(fired.fingerprint) == alerts.CAPS["fingerprint"]
    assert len(fired.labels) == alerts.MAX_LABELS


async def test_a_port_in_use_is_said_once_and_taken_when_free(make_session, monkeypatch):
    monkeypatch.setattr(alerts, "BIND_RETRY_SECONDS", 0.05)
    attempts = []

    class CountedSite(alerts.web.TCPSite):
        async def start(self) -> None:
            attempts.append(1)
            await super().start()

    monkeypatch.setattr(alerts.web, "TCPSite", CountedSite)
    port = free_port()
    squatter = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", port)
    seat = Receiving(make_session(), AlertSettings(listen=f"127.0.0.1:{port}"))
    seat.seat.start_polling(None, alerts=seat.settings)
    await until(lambda: len(attempts) >= 4, "several tries to bind")
    assert len(seat.notices) == 1 and "Cannot listen on 127.0.0.1" in seat.notices[0].text
    assert not seat.seat.polling_task.done()
    squatter.close()
    await squatter.wait_closed()
    await until(lambda: seat.seat.receiver.listening, "the receiver to take the freed port")
    assert seat.notices[-1].text == f"Now receiving alerts on 127.0.0.1:{port}."
    assert (await seat.post(notification(alert())))[0] == 200
    await seat.close()


def test_loopback_is_told_apart():
    assert alerts.is_loopback("127.0.0.1") and alerts.is_loopback("::1") and alerts.is_loopback("localhost")
    assert not alerts.is_loopback("0.0.0.0") and not alerts.is_loopback("192.0.2.7")


async def test_alerts_kept_for_a_full_disk_count_as_known_and_are_written_once(receiving, make_session,
                                                                             small_disk, monkeypatch):
    from cockpit import seat as seat_module

    monkeypatch.setattr(seat_module, "RETRY_SECONDS", 0.05)
    seat = await receiving(make_session(path=small_disk / "incident.toml"))
    filler = fill(small_disk)
    fingerprints = iter(f"fp{i}" for i in range(200))
    while not seat.seat.session.pending:  # the file's last page may still take a few events
        assert (await seat.post(notification(alert(next(fingerprints)))))[0] == 200
    [kept] = seat.seat.session.pending
    assert any(n.title == "Not saved yet" for n in seat.notices)
    # Alertmanager repeats it while the disk is full: it is already known
    assert (await seat.post(notification(alert(kept.fingerprint))))[1]["recorded"] == 0
    filler.unlink()
    await until(lambda: not seat.seat.session.pending, "the kept alert to be written")
    fired = [e.fingerprint for e in Session.open(seat.seat.session.path).events if e.kind == "alert.firing"]
    assert fired.count(kept.fingerprint) == 1
