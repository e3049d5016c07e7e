"""Alertmanager in: the webhook receiver that turns the team's alerts into incident events.

A real incident starts from an alert. Alertmanager's webhook (payload version 4) posts to
``POST /alertmanager`` every notification of a group: the first one, every ``group_interval`` when
the group changes, every ``repeat_interval`` while it still fires, and once resolved. Each carries
every alert of its group, so most of what arrives is already known. An alert becomes an event only
when it changes what the incident knows (``news``): a fingerprint not firing that fires is
``alert.firing``; a firing one that resolves is ``alert.resolved``; everything else records nothing.
The judgement is made against the session's state (other seats' events folded in first) and the
writes still waiting for the disk, and recorded through the seat like everything else.

Only the seat holding the poller lease runs the receiver (``Seat.start_polling``), so exactly one
process listens, and the next holder binds the port when that one goes away.

Bounded and safe: loopback by default (another address is the user's choice, and is warned about);
a bearer token when one is configured, read from the environment when the receiver starts and
never logged; the body capped at ``max_body``; text fields capped in length and stored as sent
(every screen shows them through ``cockpit.text.printable``). A bad request is answered with its
status and a short reason, records nothing and tells the screen nothing.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import os
import socket
from datetime import datetime, timezone
from collections.abc import Callable, Iterable
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cockpit.domain import events as ev
from cockpit.domain.vocabulary import ALERTS
from cockpit.domain.state import IncidentState
from cockpit.session import Session
from cockpit.settings import AlertSettings

PATH = "/alertmanager"
BY = ALERTS
"""Who the record names for an alert: the monitoring raised it, not the person whose seat listens."""
VERSION = "4"
"""The only webhook payload version Alertmanager has sent since 0.7, and the one read here."""
BIND_RETRY_SECONDS = 5.0
"""How often a receiver that could not bind its port tries again (said once)."""
MAX_ALERTS = 1000
"""Alerts in one notification; more is refused (Alertmanager's ``max_alerts`` caps what it sends)."""
MAX_LABELS = 64
CAPS = {"fingerprint": 200, "alertname": 200, "severity": 50, "summary": 1000,
        "description": 4000, "url": 2000, "label_name": 100, "label_value": 1000}
"""Lengths each text field is cut to: long enough for any real alert, short enough for a screen."""
_UNSET = datetime(1, 1, 1, tzinfo=timezone.utc)
"""Go's zero time: Alertmanager's ``endsAt`` of an alert with no end yet."""

AlertEvent = ev.AlertFiring | ev.AlertResolved

_HTTP_LOG = logging.getLogger("cockpit.alerts.http")
_HTTP_LOG.addHandler(logging.NullHandler())
"""Where aiohttp tells of malformed requests: they are answered 400 to the sender, and must not
reach the terminal through logging's last-resort stderr (a process that sets up logging sees them)."""


class PayloadError(ValueError):
    """A notification that cannot be read: ``status`` 400 (not JSON) or 422 (not the shape)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


# -- the payload ---------------------------------------------------------------------------------


class _Shape(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True, populate_by_name=True)


class _Alert(_Shape):
    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    starts_at: datetime | None = Field(default=None, alias="startsAt")
    ends_at: datetime | None = Field(default=None, alias="endsAt")
    generator_url: str = Field(default="", alias="generatorURL")
    fingerprint: str = Field(min_length=1)


class _Notification(_Shape):
    version: str
    status: Literal["firing", "resolved"]
    alerts: list[_Alert] = Field(max_length=MAX_ALERTS)


def parse_notification(body: bytes) -> list[AlertEvent]:
    """The alerts of one webhook notification as events (not yet judged against the incident)."""
    try:
        notification = _Notification.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        if first["type"] == "json_invalid":
            raise PayloadError(400, "the body is not JSON") from None
        where = ".".join(str(part) for part in first["loc"]) or "the body"
        raise PayloadError(422, f"{where}: {first['msg']}") from None
    if notification.version != VERSION:
        raise PayloadError(422, f"version {notification.version[:20]!r} is not the Alertmanager"
                                f" webhook version {VERSION} this receiver reads")
    return [_event(alert) for alert in notification.alerts]


def _event(alert: _Alert) -> AlertEvent:
    labels = {_cap(k, "label_name"): _cap(v, "label_value")
              for k, v in sorted(alert.labels.items())[:MAX_LABELS]}
    notes = alert.annotations
    kind = ev.AlertFiring if alert.status == "firing" else ev.AlertResolved
    return kind(
        by=BY,
        fingerprint=_cap(alert.fingerprint, "fingerprint"),
        alertname=_cap(alert.labels.get("alertname", ""), "alertname"),
        severity=_cap(alert.labels.get("severity", ""), "severity"),
        summary=_cap(notes.get("summary", ""), "summary"),
        description=_cap(notes.get("description", ""), "description"),
        labels=labels,
        runbook_url=_cap(notes.get("runbook_url", ""), "url"),
        generator_url=_cap(alert.generator_url, "url"),
        starts_at=_moment(alert.starts_at),
        ends_at=_moment(alert.ends_at),
    )


def _cap(text: str, field: str) -> str:
    limit = CAPS[field]
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _moment(moment: datetime | None) -> datetime | None:
    if moment is None or moment == _UNSET:
        return None
    return moment.astimezone(timezone.utc)


# -- what is news ----------------------------------------------------------------------------------


def news(state: IncidentState, waiting: Iterable[ev.Event], alerts: Iterable[AlertEvent]) -> list[AlertEvent]:
    """The alerts that change what the incident knows: firing where it was not, resolved where
    it was. ``waiting`` are the events kept for the disk, which count as known."""
    firing = {fingerprint for fingerprint, alert in state.alerts.items() if alert.firing}
    for event in waiting:
        if isinstance(event, ev.AlertFiring):
            firing.add(event.fingerprint)
        elif isinstance(event, ev.AlertResolved):
            firing.discard(event.fingerprint)
    out: list[AlertEvent] = []
    for alert in alerts:
        now_firing = isinstance(alert, ev.AlertFiring)
        if now_firing != (alert.fingerprint in firing):
            out.append(alert)
            (firing.add if now_firing else firing.discard)(alert.fingerprint)
    return out


# -- the server ------------------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """Whether every address ``host`` stands for is this machine's loopback."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return False
    return bool(found) and all(ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback
                               for info in found)


Tone = Literal["information", "warning", "error"]


class AlertReceiver:
    """The webhook server of one seat: ``run`` serves until ``stop``; never raises for a port in
    use or a token missing from the environment (it says so once, through ``say``).

    The seat that runs it lends it its own ways (``cockpit.seat.Seat.start_polling``): ``follow``
    folds in the other seats' events, ``record`` records events together as every mode does
    (saying itself what was refused or kept for the disk), ``say(text, tone)`` tells the person.
    """

    def __init__(self, settings: AlertSettings, *, session: Session,
                 record: Callable[[list[ev.Event]], object], follow: Callable[[], object],
                 say: Callable[[str, Tone], object]) -> None:
        address = settings.address()
        assert address is not None, "a receiver needs [alerts] listen"
        self.host, self.port = address
        self.settings = settings
        self.session = session
        self.record = record
        self.follow = follow
        self.say = say
        self.listening = False
        """Whether the port is bound now: what a status line or a test can wait for."""
        self._token: bytes | None = None
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        token = self.settings.token
        if token is not None:
            name = token.removeprefix("env:")
            value = os.environ.get(name, "").strip()
            if not value:
                self.say(f"[alerts] token is env:{name}, but ${name} is empty or not set: the"
                         " Alertmanager receiver does not start (it would take alerts from anyone).",
                         "error")
                return
            self._token = value.encode()
        app = web.Application(client_max_size=self.settings.max_body)
        app.router.add_post(PATH, self._notified)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, logger=_HTTP_LOG)
        await runner.setup()
        try:
            if await self._bind(runner):
                await self._stopping.wait()
        finally:
            self.listening = False
            await runner.cleanup()

    async def _bind(self, runner: web.AppRunner) -> bool:
        """Listen, trying again every ``BIND_RETRY_SECONDS`` while the port is taken; False when
        stopped first."""
        where = f"{self.host}:{self.port}"
        told = False
        while not self._stopping.is_set():
            site = web.TCPSite(runner, self.host, self.port)
            try:
                await site.start()
            except OSError as exc:
                await site.stop()  # unregistered, so the next attempt starts clean
                if not told:
                    told = True
                    self.say(f"Cannot listen on {where} for Alertmanager: {exc.strerror or exc}."
                             f" Alerts are not received until it is free; trying again every"
                             f" {BIND_RETRY_SECONDS:g} s.", "error")
                try:
                    await asyncio.wait_for(self._stopping.wait(), BIND_RETRY_SECONDS)
                except TimeoutError:
                    pass
                continue
            self.listening = True
            if not is_loopback(self.host):
                self.say(f"Receiving alerts on {where}, reachable from the network over plain HTTP"
                         + ("" if self._token else ", without a token: anyone who can reach it can"
                            " raise an alert in this incident")
                         + ". Prefer 127.0.0.1 with Alertmanager on this machine.", "warning")
            elif told:
                self.say(f"Now receiving alerts on {where}.", "information")
            return True
        return False

    async def _notified(self, request: web.Request) -> web.Response:
        status, text, recorded = await self._judge(request)
        if status != 200:
            return web.json_response({"error": text}, status=status, headers=(
                {"WWW-Authenticate": 'Bearer realm="cockpit"'} if status == 401 else None))
        return web.json_response({"status": "ok", "recorded": recorded})

    async def _judge(self, request: web.Request) -> tuple[int, str, int]:
        """(HTTP status, reason, events recorded) for one notification."""
        if self._token is not None and not self._authorized(request.headers.get("Authorization", "")):
            return 401, "a bearer token is required (http_config.authorization)", 0
        limit = self.settings.max_body
        if request.content_length is not None and request.content_length > limit:
            return 413, f"the body is over {limit} bytes", 0
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return 413, f"the body is over {limit} bytes", 0
        try:
            alerts = parse_notification(body)
        except PayloadError as exc:
            return exc.status, str(exc), 0
        self.follow()  # what other seats recorded counts as known
        fresh = news(self.session.state, self.session.pending, alerts)
        if fresh:
            self.record(list(fresh))  # refused, or kept for the disk: the seat says so
        return 200, "", len(fresh)

    def _authorized(self, header: str) -> bool:
        scheme, _, given = header.partition(" ")
        assert self._token is not None
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self._token)
