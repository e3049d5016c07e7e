"""Fixtures for driving the real cockpit with Pilot: a declared session, a frozen clock."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from aiohttp import web

from cockpit.domain.clock import ManualClock
from cockpit.session import Session
from cockpit.settings import Config, EndpointConfig, load_config


@pytest.fixture
def config() -> Config:
    """The bundled config (its roster of four people), with two endpoints on closed ports."""
    bundled = load_config()
    endpoints = (
        EndpointConfig(name="payments-api", url="http://127.0.0.1:9/healthz", service="payments"),
        EndpointConfig(name="checkout-api", url="http://127.0.0.1:9/checkout", service="checkout"),
    )
    return bundled.model_copy(update={"endpoints": endpoints})


@pytest.fixture
def cockpit(make_session: Callable[..., Session], clock: ManualClock, config: Config):
    """A CockpitApp on a fresh declared incident, frozen at T0 (nothing polls)."""
    from cockpit.ui.app import CockpitApp

    def make(session: Session | None = None, **kwargs) -> CockpitApp:
        session = session or make_session(config=config)
        return CockpitApp(session, config=config, clock=clock, **kwargs)

    return make


def reopened(session: Session) -> Session:
    """The session as another process would read it from disk."""
    return Session.open(session.path)


@pytest.fixture
async def server():
    """A health endpoint whose status the test decides."""
    answer = {"status": 200}

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok" if answer["status"] == 200 else "error"},
                                 status=answer["status"])

    app = web.Application()
    app.router.add_get("/healthz", health)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/healthz", answer
    await runner.cleanup()
