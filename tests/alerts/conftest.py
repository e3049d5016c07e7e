"""Fixtures for the Alertmanager receiver: a seat receiving on a free loopback port, a real HTTP
client, and webhook notifications shaped as Alertmanager 0.25 sends them (version 4)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from cockpit.seat import Notice, Seat
from cockpit.session import Session
from cockpit.settings import AlertSettings

WAIT = 30.0
"""Seconds before a wait gives up: only reached when the awaited thing never happens."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def alert(fingerprint: str = "5ee0b8f2c1a3d4e7", status: str = "firing", **labels: str) -> dict[str, Any]:
    """One alert of a notification: HighErrorRate on checkout unless told."""
    return {
        "status": status,
        "labels": {"alertname": "HighErrorRate", "severity": "critical", "service": "checkout",
                   **labels},
        "annotations": {"summary": "checkout 5xx above 5%", "description": "For 1 minute now.",
                        "runbook_url": "https://runbooks.example/checkout-5xx"},
        "startsAt": "2026-11-27T04:09:30.123456789Z",
        "endsAt": "2026-11-27T04:20:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example:9090/graph?g0.expr=rate",
        "fingerprint": fingerprint,
    }


def notification(*alerts: dict[str, Any]) -> dict[str, Any]:
    firing = any(a["status"] == "firing" for a in alerts)
    return {
        "version": "4", "groupKey": '{}:{alertname="HighErrorRate"}', "truncatedAlerts": 0,
        "status": "firing" if firing else "resolved", "receiver": "cockpit",
        "groupLabels": {"alertname": "HighErrorRate"}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "http://alertmanager.example:9093", "alerts": list(alerts),
    }


async def until(check: Callable[[], object], what: str, timeout: float = WAIT) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


class Receiving:
    """A seat that holds the lease and receives alerts; ``post`` sends it a real request."""

    def __init__(self, session: Session, settings: AlertSettings) -> None:
        self.notices: list[Notice] = []
        self.seat = Seat(session, say=self.notices.append)
        self.settings = settings
        host, port = settings.address() or ("", 0)
        self.url = f"http://{host}:{port}/alertmanager"
        self.client = aiohttp.ClientSession()

    async def start(self) -> Receiving:
        self.seat.start_polling(None, alerts=self.settings)
        await until(lambda: self.seat.receiver.listening, "the receiver to listen")
        return self

    async def post(self, body: Any, *, token: str | None = None, url: str | None = None,
                   method: str = "POST", raw: bytes | None = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        data = raw if raw is not None else None
        async with self.client.request(method, url or self.url, json=None if raw is not None else body,
                                       data=data, headers=headers) as answer:
            text = await answer.text()
            try:
                return answer.status, await answer.json(content_type=None)
            except ValueError:
                return answer.status, text

    def alerts_recorded(self) -> list[Any]:
        return [e for e in self.seat.session.events if e.kind.startswith("alert.")]

    async def close(self) -> None:
        await self.seat.leave()
        await self.client.close()


@pytest.fixture
async def receiving(make_session):
    """``await receiving(**alert_settings)`` → a started :class:`Receiving` on a free port."""
    started: list[Receiving] = []

    async def start(session: Session | None = None, **settings: Any) -> Receiving:
        config = AlertSettings(listen=f"127.0.0.1:{free_port()}", **settings)
        seat = Receiving(session or make_session(), config)
        started.append(seat)
        return await seat.start()

    yield start
    for seat in started:
        await seat.close()
