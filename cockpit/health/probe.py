"""One health check: send the request, time it, read a capped body, judge it
(docs/configuration.md, "Health checks").

Outcomes:

* OK: every condition passes (and every ``degraded_when``);
* WARN: the conditions pass but a ``degraded_when`` does not;
* FAIL: a condition fails, or the transport failed (refused, timeout, reset, TLS);
* ERROR: the prober itself could not tell (no free connection, check cancelled, no network,
  the local resolver failing, a secret missing from the environment). ERROR never counts
  against an endpoint.

Deadlines come only from the client's timeouts; a request is never cancelled to enforce one.
A body that trickles in is not waited for past the timeout: reading simply stops there.

Header values written ``env:NAME`` are read from the environment at request time and are never
put into a detail, an excerpt, a log line or an exception message.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import os
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import aiohttp
import httpx

from cockpit.health import transport as transports
from cockpit.health.conditions import Condition, compile_all
from cockpit.settings import EndpointConfig
from cockpit.text import printable

EXCERPT_CHARS = 500
DETAIL_CHARS = 160


class Outcome(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What one check found. ``total_ms`` is ``[RESPONSE_TIME]``: request sent to body read."""

    outcome: Outcome
    detail: str
    status: int | None = None
    headers_ms: float | None = None
    total_ms: float | None = None
    new_connection: bool | None = None
    body_excerpt: str = ""

    @property
    def conclusive(self) -> bool:
        return self.outcome is not Outcome.ERROR


class EndpointError(ValueError):
    """An endpoint that cannot be checked as configured (its URL); the message names it."""


@dataclass(frozen=True, slots=True)
class Check:
    """An endpoint ready to be probed: its conditions are compiled once, here."""

    endpoint: EndpointConfig
    conditions: tuple[Condition, ...]
    degraded_when: tuple[Condition, ...]
    timeout: float
    timeouts: dict[str, float]
    url: httpx.URL

    @classmethod
    def of(cls, endpoint: EndpointConfig) -> Check:
        """Raises ConditionError (naming the endpoint and the condition) when one does not parse,
        EndpointError when the URL cannot be requested."""
        where = f"endpoint {endpoint.name!r}"
        try:
            url = httpx.URL(endpoint.url)
        except httpx.InvalidURL as exc:
            raise EndpointError(f"{where}: url {endpoint.url!r} cannot be requested ({exc})") from None
        if not url.host:
            raise EndpointError(f"{where}: url {endpoint.url!r} names no host")
        return cls(endpoint, compile_all(endpoint.conditions, f"{where}, conditions"),
                   compile_all(endpoint.degraded_when, f"{where}, degraded_when"),
                   endpoint.timeout.total_seconds(), transports.timeouts(endpoint.timeout.total_seconds()),
                   url)


def format_seconds(seconds: float) -> str:
    return f"{seconds * 1000:.0f}ms" if seconds < 1 else f"{seconds:.1f}s"


# -- what a check saw (the conditions' Observation) ----------------------------------------------


class _Seen:
    __slots__ = ("status", "total_ms", "connected", "certificate_expiration_ms",
                 "_body", "_truncated", "_json")

    def __init__(self, status: int, total_ms: float, body: bytes, truncated: bool,
                 certificate_expiration_ms: float | None) -> None:
        self.status = status
        self.total_ms = total_ms
        self.connected = True
        self.certificate_expiration_ms = certificate_expiration_ms
        self._body, self._truncated = body, truncated
        self._json: tuple[bool, Any, str] | None = None

    def body_text(self) -> str:
        return self._body.decode("utf-8", errors="replace")

    def body_json(self) -> tuple[bool, Any, str]:
        if self._json is None:
            self._json = self._parse()
        return self._json

    def _parse(self) -> tuple[bool, Any, str]:
        if not self._body.strip():
            return False, None, "body is empty"
        try:
            return True, json.loads(self._body), ""
        except (ValueError, RecursionError):
            cut = f" (cut at {len(self._body)} bytes)" if self._truncated else ""
            return False, None, f"body is not JSON{cut}"


# -- secrets ------------------------------------------------------------------------------------


class _HeaderProblem(Exception):
    pass


def _resolve_headers(headers: Mapping[str, str]) -> tuple[dict[str, str], tuple[str, ...]]:
    """Header values with ``env:NAME`` read now; also the texts that must never be shown.

    Those are each secret value and its longer words (``Bearer abc…`` hides ``abc…`` too).
    """
    resolved, secrets = {}, []
    for name, value in headers.items():
        if value.startswith("env:"):
            variable = value[4:]
            found = os.environ.get(variable)
            if found is None:
                raise _HeaderProblem(f"header {name}: ${variable} is not set")
            if any(ch in found for ch in "\r\n\0"):
                raise _HeaderProblem(f"header {name}: ${variable} holds a line break or NUL")
            value = found
            secrets += [found, *(word for word in found.split() if len(word) >= 8)]
        resolved[name] = value
    return resolved, tuple(sorted(set(secrets), key=len, reverse=True))


def _clean(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    text = printable(text, one_line=True)
    return text if len(text) <= DETAIL_CHARS else text[:DETAIL_CHARS - 1] + "…"


def _redact_body(body: bytes, secrets: tuple[str, ...]) -> bytes:
    """A body that echoes a secret back is judged and shown with ``***`` in its place."""
    for secret in secrets:
        body = body.replace(secret.encode("utf-8", errors="replace"), b"***")
    return body


def _excerpt(body: bytes) -> str:
    return printable(body[:EXCERPT_CHARS * 4].decode("utf-8", errors="replace")[:EXCERPT_CHARS])


# -- the check ----------------------------------------------------------------------------------


async def probe(client: transports.ProbeClient, check: Check) -> ProbeResult:
    """Run one check. Never raises, except CancelledError when the caller's task is cancelled."""
    try:
        headers, secrets = _resolve_headers(check.endpoint.headers)
    except _HeaderProblem as problem:
        return ProbeResult(Outcome.ERROR, str(problem))
    for attempt in (1, 2):
        note = transports.open_note()
        started = time.perf_counter()
        try:
            return await _exchange(client, check, headers, secrets, note, started)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            return ProbeResult(Outcome.ERROR, "check cancelled", new_connection=note.new)
        except Exception as exc:  # noqa: BLE001 - every failure becomes an outcome
            outcome, detail, stale_reuse = _classify(exc, check.timeout)
            if stale_reuse and note.new is False and attempt == 1:
                continue  # the server closed an idle connection as we reused it: ask again, anew
            elapsed = (time.perf_counter() - started) * 1000
            return ProbeResult(outcome, _clean(detail, secrets),
                               total_ms=elapsed if outcome is Outcome.FAIL else None,
                               new_connection=note.new)
    raise AssertionError("unreachable: the second attempt always returns")


async def _exchange(client: transports.ProbeClient, check: Check, headers: dict[str, str],
                    secrets: tuple[str, ...], note: transports.ConnectionNote,
                    started: float) -> ProbeResult:
    endpoint = check.endpoint
    request = client.request(endpoint.method, check.url, headers, check.timeouts)
    response = await client.send(request)
    try:
        headers_ms = (time.perf_counter() - started) * 1000
        transports.note_response(response)
        body, truncated, overdue = await _read_capped(response, endpoint.body_limit,
                                                      started + check.timeout)
    finally:
        await response.aclose()
    total_ms = (time.perf_counter() - started) * 1000
    body = _redact_body(body, secrets)
    seen = _Seen(response.status_code, total_ms, body, truncated, note.certificate_expiration_ms)
    outcome, detail = _judge(check, seen)
    if overdue:
        outcome, detail = Outcome.FAIL, f"body not complete after {format_seconds(check.timeout)}"
    return ProbeResult(outcome, _clean(detail, secrets), status=response.status_code,
                       headers_ms=headers_ms, total_ms=total_ms, new_connection=note.new,
                       body_excerpt=_excerpt(body))


async def _read_capped(response: httpx.Response, limit: int, deadline: float) -> tuple[bytes, bool, bool]:
    """The body up to ``limit`` bytes; whether it was cut; whether it was still coming at the deadline."""
    chunks: list[bytes] = []
    size = 0
    async with contextlib.aclosing(response.aiter_bytes()) as stream:
        async for chunk in stream:
            chunks.append(chunk)
            size += len(chunk)
            if size >= limit:
                return b"".join(chunks)[:limit], True, False
            if time.perf_counter() > deadline:
                return b"".join(chunks), False, True
    return b"".join(chunks), False, False


def _judge(check: Check, seen: _Seen) -> tuple[Outcome, str]:
    for condition in check.conditions:
        verdict = condition.evaluate(seen)
        if not verdict.passed:
            return Outcome.FAIL, verdict.detail
    for condition in check.degraded_when:
        verdict = condition.evaluate(seen)
        if not verdict.passed:
            return Outcome.WARN, verdict.detail
    return Outcome.OK, f"status {seen.status}"


# -- transport failures -------------------------------------------------------------------------

_NO_NETWORK = {errno.ENETUNREACH, errno.ENETDOWN}
_LOCAL_LIMITS = {errno.EMFILE, errno.ENFILE, errno.EADDRNOTAVAIL, errno.ENOBUFS}
_NAME_NOT_FOUND = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _classify(exc: BaseException, timeout: float) -> tuple[Outcome, str, bool]:
    """Outcome, detail and whether it looks like a reused connection the server had closed.

    The whole chain of causes is read, transport-specific errors first: httpx-aiohttp maps some
    aiohttp errors to misleading httpx ones (a server disconnect becomes a ConnectTimeout).
    """
    chain = _chain(exc)
    after = format_seconds(timeout)

    def first(*types: type[BaseException]) -> BaseException | None:
        return next((e for e in chain if isinstance(e, types)), None)

    if first(httpx.PoolTimeout):
        return Outcome.ERROR, f"no free connection within {after}", False
    if first(aiohttp.ConnectionTimeoutError):
        return Outcome.FAIL, f"connect timeout after {after}", False
    if first(aiohttp.ServerTimeoutError):
        return Outcome.FAIL, f"timeout after {after}", False
    if isinstance(tls := first(ssl.SSLCertVerificationError), ssl.SSLCertVerificationError):
        return Outcome.FAIL, f"TLS certificate not accepted: {tls.verify_message}", False
    if first(ssl.SSLError):
        return Outcome.FAIL, "TLS handshake failed", False
    if isinstance(dns := first(socket.gaierror), socket.gaierror):
        if dns.errno in _NAME_NOT_FOUND:
            return Outcome.FAIL, "host name not found (DNS)", False
        return Outcome.ERROR, "DNS lookup failed (local resolver)", False
    if first(ConnectionRefusedError):
        return Outcome.FAIL, "connection refused", False
    if first(ConnectionResetError, BrokenPipeError):
        return Outcome.FAIL, "connection reset", True
    if isinstance(os_error := first(OSError), OSError) and os_error.errno is not None:
        if os_error.errno in _NO_NETWORK:
            return Outcome.ERROR, "no network", False
        if os_error.errno in _LOCAL_LIMITS:
            return Outcome.ERROR, f"out of local sockets ({errno.errorcode.get(os_error.errno)})", False
        if os_error.errno == errno.EHOSTUNREACH:
            return Outcome.FAIL, "host unreachable", False
    if first(aiohttp.ServerDisconnectedError):
        return Outcome.FAIL, "server closed the connection", True
    if first(aiohttp.ClientPayloadError):
        return Outcome.FAIL, "response cut short", False
    if first(httpx.ConnectTimeout):
        return Outcome.FAIL, f"connect timeout after {after}", False
    if first(httpx.TimeoutException, TimeoutError):
        return Outcome.FAIL, f"timeout after {after}", False
    if first(httpx.RemoteProtocolError):
        return Outcome.FAIL, "server closed the connection or broke HTTP", True
    if first(httpx.ReadError, httpx.WriteError):
        return Outcome.FAIL, "connection reset", True
    if first(httpx.ConnectError, aiohttp.ClientConnectorError):
        return Outcome.FAIL, "cannot connect", False
    if first(aiohttp.ClientResponseError, httpx.DecodingError):
        return Outcome.FAIL, "invalid HTTP response", False
    if first(httpx.UnsupportedProtocol, httpx.InvalidURL):
        return Outcome.ERROR, "cannot request this URL", False
    return Outcome.ERROR, f"check failed unexpectedly ({type(exc).__name__})", False
