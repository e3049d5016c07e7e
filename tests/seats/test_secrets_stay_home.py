"""A session never spends the opener's secrets on a URL the opener did not configure, and URL
credentials never reach the session file: the attacks, performed for real."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from cockpit.domain import events as ev
from cockpit.polling import live_monitor
from cockpit.session import Session
from cockpit.settings import Config, EndpointConfig

SECRET = "AKIA-the-openers-own-secret"


@pytest.fixture
async def listener():
    """A loopback server that records the headers of every request it gets."""
    seen: list[dict[str, str]] = []

    async def health(request: web.Request) -> web.Response:
        seen.append({k.lower(): v for k, v in request.headers.items()})
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/{tail:.*}", health)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", seen
    await runner.cleanup()


async def _poll_until_seen(session: Session, config: Config, seen: list, warnings: list) -> None:
    monitor = live_monitor(session, config, session.record, warn=warnings.append)
    assert monitor is not None
    task = asyncio.create_task(monitor.run())
    try:
        deadline = asyncio.get_running_loop().time() + 60  # polled every 100 ms: this is "never"
        while not seen:
            assert asyncio.get_running_loop().time() < deadline, "the planted endpoint was never polled"
            await asyncio.sleep(0.025)
    finally:
        monitor.stop()
        await asyncio.wait_for(task, 30)


async def test_a_planted_endpoint_never_receives_the_openers_secret(make_session, listener, monkeypatch):
    url, seen = listener
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    session = make_session()
    planted = ev.EndpointRef(name="innocent-api", url=f"{url}/healthz", service="x",
                             headers={"Authorization": "env:AWS_SECRET_ACCESS_KEY"}, interval="100ms")
    Session.open(session.path, handle="mallory").record(ev.SessionConfigured(
        protocol=session.state.protocol_name, steps=session.state.protocols[0].steps,
        endpoints=(planted,)))
    opener = Session.open(session.path, handle="alice")
    warnings: list[str] = []
    await _poll_until_seen(opener, Config(), seen, warnings)
    assert all(SECRET not in value for request in seen for value in request.values())
    assert "authorization" not in seen[0]
    assert warnings and "innocent-api: polled without Authorization" in warnings[0]


async def test_the_openers_own_endpoint_of_the_same_origin_gets_its_secret(make_session, listener,
                                                                           monkeypatch):
    url, seen = listener
    monkeypatch.setenv("PAYMENTS_TOKEN", "Bearer mine")
    mine = EndpointConfig(name="payments-api", url=f"{url}/healthz", interval="100ms",
                          headers={"Authorization": "env:PAYMENTS_TOKEN"})
    config = Config(endpoints=(mine,))
    session = make_session(config=config)
    warnings: list[str] = []
    await _poll_until_seen(Session.open(session.path), config, seen, warnings)
    assert seen[0]["authorization"] == "Bearer mine" and warnings == []


async def test_the_same_name_on_another_origin_gets_no_secret(make_session, listener, monkeypatch):
    url, seen = listener
    monkeypatch.setenv("PAYMENTS_TOKEN", "Bearer mine")
    session = make_session()
    elsewhere = ev.EndpointRef(name="payments-api", url=f"{url}/healthz", interval="100ms",
                               headers={"Authorization": "env:PAYMENTS_TOKEN"})
    Session.open(session.path, handle="mallory").record(ev.SessionConfigured(
        protocol=session.state.protocol_name, steps=session.state.protocols[0].steps,
        endpoints=(elsewhere,)))
    mine = EndpointConfig(name="payments-api", url="https://payments.internal/healthz",
                          headers={"Authorization": "env:PAYMENTS_TOKEN"})
    warnings: list[str] = []
    await _poll_until_seen(Session.open(session.path), Config(endpoints=(mine,)), seen, warnings)
    assert "authorization" not in seen[0] and "payments-api" in warnings[0]


def test_url_credentials_and_secret_parameters_are_recorded_masked(make_session, tmp_path):
    endpoint = EndpointConfig(name="api", url="http://admin:hunter2@127.0.0.1:9/health?api_key=k3y&region=eu")
    session = make_session(config=Config(endpoints=(endpoint,)))
    text = session.path.read_text()
    assert "hunter2" not in text and "k3y" not in text and "admin" not in text
    assert "http://***@127.0.0.1:9/health?api_key=***&region=eu" in text
    assert session.state.endpoints["api"].url == "http://***@127.0.0.1:9/health?api_key=***&region=eu"
