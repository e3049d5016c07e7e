"""Fixtures for delivering updates: the receivers and a real SMTP server on loopback, the
secrets in the environment, and a seat that delivers what it records."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword

from cockpit.domain import events as ev
from cockpit.seat import Notice, Seat
from cockpit.settings import UpdateSettings
from tests.updates.receivers import STATUSPAGE_KEY, Receivers

SMTP_USER, SMTP_PASSWORD = "cockpit", "correct horse battery staple"


@pytest.fixture
def receivers() -> Iterator[Receivers]:
    running = Receivers(webhook_token="hook-t0ken").start()
    yield running
    running.close()


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATUSPAGE_KEY", STATUSPAGE_KEY)
    monkeypatch.setenv("SMTP_PASSWORD", SMTP_PASSWORD)
    monkeypatch.setenv("HOOK_TOKEN", "Bearer hook-t0ken")


@dataclass
class MailServer:
    port: int
    ca_file: Path
    mails: list[Envelope] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.mails.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def mail_server(tmp_path: Path) -> Iterator[MailServer]:
    """aiosmtpd demanding STARTTLS before anything, and a login (over TLS only), with a
    certificate from a throwaway CA the test trusts through ``ca_file``."""
    authority = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    server = MailServer(port=_free_port(), ca_file=ca_file)

    def authenticate(_server: Any, _session: Any, _envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = (isinstance(data, LoginPassword) and data.login.decode() == SMTP_USER
              and data.password.decode() == SMTP_PASSWORD)
        server.logins.append(f"{mechanism} {'ok' if ok else 'refused'}")
        return AuthResult(success=ok, handled=False)

    controller = Controller(server, hostname="127.0.0.1", port=server.port, tls_context=context,
                            require_starttls=True, auth_required=True, auth_require_tls=True,
                            authenticator=authenticate, server_hostname="127.0.0.1")
    controller.start()
    yield server
    controller.stop()


@dataclass
class Delivering:
    """A seat that delivers, what it told its person, and a way to post an update through it."""

    seat: Seat
    notices: list[Notice]
    changed: asyncio.Event

    @property
    def session(self):
        return self.seat.session

    def post(self, text: str, audience: str = "internal") -> ev.Event:
        recorded = self.seat.record(ev.UpdatePosted(text=text, audience=audience))
        assert recorded is not None
        return recorded

    async def settled(self) -> None:
        await self.seat.deliveries.settled()

    async def until(self, check: Callable[[], object], timeout: float = 30) -> None:
        """Until ``check()`` holds, looking again each time the seat records something."""
        while not check():
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), timeout)

    def outcomes(self, update: int | None = None) -> list[ev.UpdateDelivered]:
        return [e for e in self.session.events if isinstance(e, ev.UpdateDelivered)
                and (update is None or e.update == update)]


@pytest.fixture
async def delivering(make_session) -> AsyncIterator[Callable[..., Delivering]]:
    """``delivering(destinations…)``: a fresh incident whose seat delivers to those tables,
    retrying after 10 ms instead of seconds. Their connections are closed at the end."""
    seats: list[Seat] = []

    def make(*destinations: dict[str, Any], session=None, **updates: Any) -> Delivering:
        settings = UpdateSettings.model_validate({"destinations": list(destinations), **updates})
        notices: list[Notice] = []
        changed = asyncio.Event()
        seat = Seat(session or make_session(), say=notices.append, changed=changed.set)
        seat.start_delivering(settings)
        assert seat.deliveries is not None
        seat.deliveries.backoff = (0.01,)
        seats.append(seat)
        return Delivering(seat, notices, changed)

    yield make
    for seat in seats:
        await seat.deliveries.stop()
