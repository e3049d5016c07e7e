"""The one place the HTTP transport of health checks is chosen (DESIGN §5).

Checks use the httpx API. By default httpx runs over aiohttp (``httpx-aiohttp``): measured on
loopback, httpx's own transport stalls under a few hundred concurrent checks and keeps no
connections across many origins, while the aiohttp one keeps up and reuses them
(``bench/poller.py`` measures both against raw aiohttp in every run). Plain httpx stays
selectable with ``transport="httpx"`` for that comparison.

Besides the client, this module notes per request what the transport saw that httpx does not
report in the same way for both transports: whether the connection was new or reused, and when
the server's TLS certificate expires. A check opens a :class:`ConnectionNote` in its own task
(a context variable), and the transport fills it in.
"""

from __future__ import annotations

import contextvars
import ssl
import time
import weakref
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
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


_NOTE: contextvars.ContextVar[ConnectionNote | None] = contextvars.ContextVar("connection_note",
                                                                             default=None)


def open_note() -> ConnectionNote:
    """A fresh note for the request about to be sent from the current task."""
    note = ConnectionNote()
    _NOTE.set(note)
    return note


def timeouts(seconds: float) -> httpx.Timeout:
    """Connect, read, write and pool timeouts from an endpoint's ``timeout``: the only deadlines."""
    return httpx.Timeout(connect=seconds, read=seconds, write=seconds, pool=seconds)


def make_client(kind: TransportName = "aiohttp", *, max_connections: int = 64) -> httpx.AsyncClient:
    """An httpx client for health checks over the chosen transport.

    Redirects are not followed (a health endpoint answers for itself) and cookies are never
    kept: one endpoint's cookies must not change what another check sees.
    """
    if kind not in TRANSPORTS:
        raise ValueError(f"unknown transport {kind!r}; choose one of {', '.join(TRANSPORTS)}")
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections,
                          keepalive_expiry=KEEPALIVE_SECONDS)
    transport: httpx.AsyncBaseTransport | None = None
    if kind == "aiohttp":
        transport = AiohttpTransport(limits=limits, client=lambda: _aiohttp_session(max_connections))
    client = httpx.AsyncClient(transport=transport, limits=limits, follow_redirects=False,
                               headers={"User-Agent": USER_AGENT})
    client.cookies = httpx.Cookies(_NoCookies())
    return client


def request_extensions(kind: TransportName) -> dict[str, Any]:
    """Per-request extensions: httpx's own transport reports connections through a trace hook."""
    return {"trace": _httpcore_trace} if kind == "httpx" else {}


def note_response(response: httpx.Response) -> None:
    """After the headers: httpx's own transport exposes the TLS object on the response."""
    note = _NOTE.get()
    stream = response.extensions.get("network_stream")
    if note is not None and stream is not None and note.certificate_expiration_ms is None:
        note.certificate_expiration_ms = _expiration_ms(stream.get_extra_info("ssl_object"))


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
            if transport is not None and req.is_ssl():
                note.certificate_expiration_ms = _expiration_ms(transport.get_extra_info("ssl_object"))
        return connection


def _aiohttp_session(max_connections: int) -> aiohttp.ClientSession:
    connector = _NotingConnector(limit=max_connections, limit_per_host=0,
                                 keepalive_timeout=KEEPALIVE_SECONDS,
                                 ssl=httpx.create_ssl_context())
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


class _NoCookies(CookieJar):
    """A cookie jar that refuses every cookie."""

    def __init__(self) -> None:
        super().__init__(policy=DefaultCookiePolicy(allowed_domains=[]))


def _expiration_ms(ssl_object: ssl.SSLObject | ssl.SSLSocket | None) -> float | None:
    if ssl_object is None:
        return None
    certificate = ssl_object.getpeercert()
    if not certificate or "notAfter" not in certificate:
        return None
    return (ssl.cert_time_to_seconds(certificate["notAfter"]) - time.time()) * 1000
