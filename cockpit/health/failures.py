"""The words for a check that failed before anything could be judged, the same for every kind:
"connection refused", "timeout after 2.0s", "host name not found (DNS)", "host unreachable"…

The whole chain of causes is read, transport-specific errors first: httpx-aiohttp maps some
aiohttp errors to misleading httpx ones (a server disconnect becomes a ConnectTimeout).
"""

from __future__ import annotations

import errno
import socket
import ssl

import aiohttp
import dns.exception
import httpx
import icmplib

from cockpit.health.outcome import Outcome, format_seconds

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


def classify(exc: BaseException, timeout: float) -> tuple[Outcome, str, bool]:
    """Outcome, detail and whether it looks like a reused connection the server had closed."""
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
    if first(icmplib.NameLookupError):
        return Outcome.FAIL, "host name not found (DNS)", False
    if isinstance(dns_error := first(socket.gaierror), socket.gaierror):
        if dns_error.errno in _NAME_NOT_FOUND:
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
    if first(httpx.TimeoutException, TimeoutError, dns.exception.Timeout):
        return Outcome.FAIL, f"timeout after {after}", False
    if first(httpx.RemoteProtocolError):
        return Outcome.FAIL, "server closed the connection or broke HTTP", True
    if first(httpx.ReadError, httpx.WriteError):
        return Outcome.FAIL, "connection reset", True
    if first(httpx.ConnectError, aiohttp.ClientConnectorError):
        return Outcome.FAIL, "cannot connect", False
    if first(aiohttp.ClientResponseError, httpx.DecodingError):
        return Outcome.FAIL, "invalid HTTP response", False
    if first(dns.exception.FormError, dns.exception.SyntaxError):
        return Outcome.FAIL, "invalid DNS answer", False
    if first(httpx.UnsupportedProtocol, httpx.InvalidURL):
        return Outcome.ERROR, "cannot request this URL", False
    return Outcome.ERROR, f"check failed unexpectedly ({type(exc).__name__})", False
