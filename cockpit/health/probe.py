"""One health check: the dispatch on the endpoint's kind, and the HTTP check itself (HTTP and
Prometheus queries); the other kinds are in ``cockpit.health.checks`` (docs/checks.md).

Outcomes (``cockpit.health.outcome``): OK, WARN (a ``degraded_when`` fails), FAIL (a condition
fails, or the transport failed), ERROR (the prober could not tell; never counts against an
endpoint).

Deadline. Every check, of every kind, has one total deadline, its endpoint's ``timeout``, that
no server behaviour can stretch. The transports' per-phase timeouts (connect, read, write, pool:
``transport.timeouts``) still come from the client and report what they cover in their own
words, but none of them bounds a whole exchange: a server drip-feeding its headers or its body a
byte a second satisfies every read timeout forever, and neither httpx nor httpx-aiohttp offers
a total one. So the exchange (connect, headers, body; for the other kinds the connect, the TLS
handshake, the query, the echo) runs inside ``asyncio.timeout_at`` at the deadline
(docs/checks.md, "Deadlines"): the deadline belongs to the exchange, and nothing cancels the
caller's task. The scope cancels only the check's own await on its own connection, both transports
then close that connection (a half-read one never returns to the pool), and the check is FAIL
"timeout after 2.0s" (or "body not complete after 2.0s" when the headers were in). The total
deadline sits 5 % after the timeout, so that a per-phase timeout due at the same moment (a
connect timeout, no free connection in httpx's pool) is the one reported. A retry of a reused
connection the server had closed shares the same deadline.

A body larger than ``body_limit`` is cut there and judged as it is.

Header values written ``env:NAME`` are read from the environment at request time and are never
put into a detail, an excerpt, a log line or an exception message.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Awaitable, Callable, Mapping

import httpx

from cockpit.health import transport as transports
from cockpit.health.check import Check, EndpointError
from cockpit.health.checks import dns, icmp, prometheus, tcp, tls
from cockpit.health.failures import classify
from cockpit.health.observation import Seen, judge
from cockpit.health.outcome import Outcome, ProbeResult, clean, excerpt, format_seconds

__all__ = ["Check", "EndpointError", "Outcome", "ProbeResult", "format_seconds", "probe"]

Run = Callable[[transports.ProbeClient, Check], Awaitable[ProbeResult]]
_OTHER_KINDS: dict[str, Run] = {"tcp": tcp.run, "tls": tls.run, "dns": dns.run, "icmp": icmp.run}
DEADLINE_GRACE = 0.05
"""The total deadline is the timeout and this much more of it (see the module's docstring)."""


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


def _redact_body(body: bytes, secrets: tuple[str, ...]) -> bytes:
    """A body that echoes a secret back is judged and shown with ``***`` in its place."""
    for secret in secrets:
        body = body.replace(secret.encode("utf-8", errors="replace"), b"***")
    return body


# -- the check ----------------------------------------------------------------------------------


async def probe(client: transports.ProbeClient, check: Check) -> ProbeResult:
    """Run one check of any kind. Never raises, except CancelledError when the caller's task is
    cancelled; its outcome arrives by the check's deadline (plus the scheduling of the loop)."""
    deadline = asyncio.get_running_loop().time() + check.timeout * (1 + DEADLINE_GRACE)
    run = _OTHER_KINDS.get(check.kind)
    result = await (_http(client, check, deadline) if run is None else _other(client, check, run, deadline))
    if _callers_cancel():
        # Python 3.11's asyncio.wait_for (used inside dnspython and icmplib) can return a result
        # that arrived as the caller's cancel did, and drop the cancel: honour it here.
        raise asyncio.CancelledError
    return result


async def _other(client: transports.ProbeClient, check: Check, run: Run, deadline: float) -> ProbeResult:
    started = time.perf_counter()
    try:
        async with asyncio.timeout_at(deadline):
            return await run(client, check)
    except asyncio.CancelledError:
        if _callers_cancel():
            raise
        return ProbeResult(Outcome.ERROR, "check cancelled")
    except Exception as exc:  # noqa: BLE001 - every failure becomes an outcome
        return _failed(exc, check, started, deadline, ())[0]


async def _http(client: transports.ProbeClient, check: Check, deadline: float) -> ProbeResult:
    try:
        headers, secrets = _resolve_headers(check.endpoint.headers)
    except _HeaderProblem as problem:
        return ProbeResult(Outcome.ERROR, str(problem))
    for attempt in (1, 2):
        note = transports.open_note()
        started = time.perf_counter()
        try:
            return await _exchange(client, check, headers, secrets, note, started, deadline)
        except asyncio.CancelledError:
            if _callers_cancel():
                raise
            return ProbeResult(Outcome.ERROR, "check cancelled", new_connection=note.new)
        except Exception as exc:  # noqa: BLE001 - every failure becomes an outcome
            result, stale_reuse = _failed(exc, check, started, deadline, secrets, note.new)
            if stale_reuse and note.new is False and attempt == 1:
                continue  # the server closed an idle connection as we reused it: ask again, anew
            return result
    raise AssertionError("unreachable: the second attempt always returns")


def _callers_cancel() -> bool:
    """Whether a CancelledError is the caller's (its task is being cancelled), not one from inside."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _failed(exc: Exception, check: Check, started: float, deadline: float, secrets: tuple[str, ...],
            new_connection: bool | None = None) -> tuple[ProbeResult, bool]:
    """The outcome of a check that raised, and whether a retry on a new connection may help."""
    if isinstance(exc, TimeoutError) and asyncio.get_running_loop().time() >= deadline:
        outcome, detail, stale_reuse = Outcome.FAIL, f"timeout after {format_seconds(check.timeout)}", False
    else:
        outcome, detail, stale_reuse = classify(exc, check.timeout)
    elapsed = (time.perf_counter() - started) * 1000
    return ProbeResult(outcome, clean(detail, secrets), total_ms=elapsed if outcome is Outcome.FAIL else None,
                       new_connection=new_connection), stale_reuse


async def _exchange(client: transports.ProbeClient, check: Check, headers: dict[str, str],
                    secrets: tuple[str, ...], note: transports.ConnectionNote,
                    started: float, deadline: float) -> ProbeResult:
    endpoint = check.endpoint
    assert check.url is not None  # Check.of gives every HTTP and Prometheus check its URL
    request = client.request(endpoint.method, check.url, headers, check.timeouts)
    async with asyncio.timeout_at(deadline):
        response = await client.send(request)
    body = bytearray()
    try:
        headers_ms = (time.perf_counter() - started) * 1000
        transports.note_response(response)
        scope = asyncio.timeout_at(deadline)
        try:
            async with scope:
                truncated = await _read_capped(response, endpoint.body_limit, body)
        except TimeoutError:
            if not scope.expired():
                raise
            truncated = None
    finally:
        await response.aclose()
    total_ms = (time.perf_counter() - started) * 1000
    judged = _redact_body(bytes(body), secrets)
    if truncated is None:
        outcome, detail = Outcome.FAIL, f"body not complete after {format_seconds(check.timeout)}"
    else:
        outcome, detail = _judged(check, response.status_code, judged, truncated, total_ms, note)
    return ProbeResult(outcome, clean(detail, secrets), status=response.status_code,
                       headers_ms=headers_ms, total_ms=total_ms, new_connection=note.new,
                       body_excerpt=excerpt(judged))


async def _read_capped(response: httpx.Response, limit: int, into: bytearray) -> bool:
    """The body into ``into``, up to ``limit`` bytes; whether it was cut. What came before the
    deadline stays in ``into`` when the read is cut there."""
    async with contextlib.aclosing(response.aiter_bytes()) as stream:
        async for chunk in stream:
            into += chunk
            if len(into) >= limit:
                del into[limit:]
                return True
    return False


def _judged(check: Check, status: int, body: bytes, truncated: bool, total_ms: float,
            note: transports.ConnectionNote) -> tuple[Outcome, str]:
    seen = Seen(status=status, total_ms=total_ms, body=body, truncated=truncated,
                certificate_expiration_ms=note.certificate_expiration_ms, ip=note.ip)
    if check.kind != "prometheus":
        return judge(check.conditions, check.degraded_when, seen, f"status {status}")
    result, problem = prometheus.read(status, body, truncated)
    if result is None:
        return Outcome.FAIL, problem
    seen.result = result
    return judge(check.conditions, check.degraded_when, seen, prometheus.passed(result))
