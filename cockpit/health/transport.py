"""The one place the HTTP transport of health checks is chosen (docs/configuration.md, "Health checks").

Checks use the httpx API (``httpx.Request``, ``httpx.Response``, httpx's transports and
exceptions). By default the transport is aiohttp's (``httpx-aiohttp``): measured on loopback,
httpx's own transport stalls under a few hundred concurrent checks and keeps no connections
across many origins, while the aiohttp one keeps up and reuses them (``bench/poller.py``
measures both against raw aiohttp in every run). Plain httpx stays selectable with
``transport="httpx"`` for that comparison.

Besides the client, this module notes per request what the transport saw that httpx does not
report in the same way for both transports: whether the connection was new or reused, the
server's address (``[IP]``), and when the server's TLS certificate expires. A check opens a :class:`ConnectionNote` in its own task
(a context variable), and the transport fills it in.
"""

from __future__ import annotations

import contextvars
import ssl
import time
import weakref
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

from cockpit import __version__

TransportName = Literal["aiohttp", "httpx"]
TRANSPORTS: tuple[TransportName, ...] = ("aiohttp", "httpx")
USER_AGENT = f"cockpit-health/{__version__}"
KEEPALIVE_SECONDS = 15.0
"""Idle connections are kept this long: enough for the usual 5 s cadence to reuse them."""


@dataclass(slots=True)
class ConnectionNote:
    """What the transport saw of the connection one request used (best effort)."""

    new: bool | None = None
    certificate_expiration_ms: float | None = None
    ip: str | None = None


_NOTE: contextvars.ContextVar[ConnectionNote | None] = contextvars.ContextVar("connection_note",
                                                                             default=None)


def open_note() -> ConnectionNote:
    """A fresh note for the request about to be sent from the current task."""
    note = ConnectionNote()
    _NOTE.set(note)
    return note


def timeouts(seconds: float) -> dict[str, float]:
    """Connect, read, write and pool timeouts from an endpoint's ``timeout``, each phase's own; the
    whole exchange's deadline is kept by the check around them (``cockpit.health.probe``)."""
    return httpx.Timeout(seconds).as_dict()


@dataclass(slots=True)
class ProbeClient:
    """An httpx transport shared by all checks: requests go to it directly.

    Redirects are not followed (a health endpoint answers for itself; Gatus follows them), no
    cookies are kept between checks, and no proxy is taken from the environment.

    httpx's ``AsyncClient`` layers (auth, redirects, cookies, proxies from the environment, event
    hooks) are what health checks must not have, and measured they cost more CPU per check than
    the transport itself; so checks build an ``httpx.Request`` and hand it to the transport.
    """

    kind: TransportName
    transport: httpx.AsyncBaseTransport
    tls: ssl.SSLContext
    """The one TLS context of every check (HTTPS and ``tls://``): the same trusted CAs for both."""

    def request(self, method: str, url: httpx.URL, headers: dict[str, str],
                timeout: dict[str, float]) -> httpx.Request:
        extensions: dict[str, Any] = {"timeout": timeout}
        if self.kind == "httpx":
            extensions["trace"] = _httpcore_trace
        return httpx.Request(method, url, headers={"User-Agent": USER_AGENT, **headers},
                             extensions=extensions)

    async def send(self, request: httpx.Request) -> httpx.Response:
        """The response once its headers are in; the body is read from its stream."""
        return await self.transport.handle_async_request(request)

    async def aclose(self) -> None:
        await self.transport.aclose()


def make_client(kind: TransportName = "aiohttp", *, max_connections: int = 64) -> ProbeClient:
    """The transport for health checks. ``max_connections`` bounds httpx's own pool; the aiohttp
    one is bounded by the caller (the monitor's cap on checks in flight)."""
    if kind not in TRANSPORTS:
        raise ValueError(f"unknown transport {kind!r}; choose one of {', '.join(TRANSPORTS)}")
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections,
                          keepalive_expiry=KEEPALIVE_SECONDS)
    tls = httpx.create_ssl_context()  # loading the CA bundle blocks ~50 ms: once, before any check
    if kind == "aiohttp":
        transport: httpx.AsyncBaseTransport = AiohttpTransport(
            verify=tls, limits=limits, client=lambda: _aiohttp_session(tls))
    else:
        transport = httpx.AsyncHTTPTransport(verify=tls, limits=limits)
    return ProbeClient(kind, transport, tls)


def note_response(response: httpx.Response) -> None:
    """After the headers: httpx's own transport exposes the TLS object on the response."""
    note = _NOTE.get()
    stream = response.extensions.get("network_stream")
    if note is None or stream is None:
        return
    if note.certificate_expiration_ms is None:
        note.certificate_expiration_ms = expiration_ms(stream.get_extra_info("ssl_object"))
    if note.ip is None:
        note.ip = _address(stream.get_extra_info("server_addr"))


# -- aiohttp ------------------------------------------------------------------------------------


class _NotingConnector(aiohttp.TCPConnector):
    """A connector that tells the current check whether its connection is new, and its TLS expiry."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._seen: weakref.WeakSet[Any] = weakref.WeakSet()

    async def connect(self, req: Any, traces: Any, timeout: Any) -> Any:
        connection = await super().connect(req, traces, timeout)
        note = _NOTE.get()
        protocol = connection.protocol
        if note is not None and protocol is not None:
            note.new = protocol not in self._seen
            if note.new:
                self._seen.add(protocol)
            transport = connection.transport
            if transport is not None:
                note.ip = _address(transport.get_extra_info("peername"))
            if transport is not None and req.is_ssl():
                note.certificate_expiration_ms = expiration_ms(transport.get_extra_info("ssl_object"))
        return connection


def _aiohttp_session(tls: ssl.SSLContext) -> aiohttp.ClientSession:
    """No connection limit here: the monitor's cap on checks in flight bounds them, and aiohttp
    reports waiting for its pool exactly like a slow connect, which is the server's fault."""
    connector = _NotingConnector(limit=0, limit_per_host=0, keepalive_timeout=KEEPALIVE_SECONDS,
                                 ssl=tls)
    return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())


# -- httpx's own transport ----------------------------------------------------------------------


async def _httpcore_trace(event: str, info: dict[str, Any]) -> None:
    note = _NOTE.get()
    if note is None:
        return
    if event == "connection.connect_tcp.started":
        note.new = True
    elif event == "http11.send_request_headers.started" and note.new is None:
        note.new = False


# -- shared -------------------------------------------------------------------------------------


def _address(peer: Any) -> str | None:
    """The host of a socket address (IPv4 or IPv6 tuple), else None."""
    return peer[0] if isinstance(peer, tuple) and peer and isinstance(peer[0], str) else None


def expiration_ms(ssl_object: ssl.SSLObject | ssl.SSLSocket | None) -> float | None:
    """``[CERTIFICATE_EXPIRATION]``: milliseconds until the peer's (verified) certificate expires."""
    if ssl_object is None:
        return None
    certificate = ssl_object.getpeercert()
    if not certificate or "notAfter" not in certificate:
        return None
    return (ssl.cert_time_to_seconds(certificate["notAfter"]) - time.time()) * 1000
