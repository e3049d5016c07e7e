"""``tls://host:port``: a connection and a TLS handshake verified as HTTPS verifies it (the
same trusted CAs, the host name or IP checked against the certificate), as in Gatus.

``[CONNECTED]``, ``[RESPONSE_TIME]`` (connect and handshake), ``[CERTIFICATE_EXPIRATION]``
(milliseconds until the leaf certificate expires), ``[IP]``. A certificate the cockpit does not
trust fails the check with OpenSSL's reason ("TLS certificate not accepted: …"); a handshake
that stalls is cut at the check's deadline.
"""

from __future__ import annotations

import asyncio
import time

from cockpit.health.check import Check
from cockpit.health.checks.tcp import peer_ip
from cockpit.health.observation import Seen, judge
from cockpit.health.outcome import ProbeResult, clean
from cockpit.health.transport import ProbeClient, expiration_ms


async def run(client: ProbeClient, check: Check) -> ProbeResult:
    started = time.perf_counter()
    _, writer = await asyncio.open_connection(check.host, check.port, ssl=client.tls,
                                              server_hostname=check.host)
    total_ms = (time.perf_counter() - started) * 1000
    try:
        ip = peer_ip(writer)
        expires_ms = expiration_ms(writer.get_extra_info("ssl_object"))
    finally:
        writer.transport.abort()  # no close_notify exchange: a stalling peer cannot hold us
    seen = Seen(total_ms=total_ms, ip=ip, certificate_expiration_ms=expires_ms)
    left = f", certificate expires in {expires_ms / 86_400_000:.0f} days" if expires_ms is not None else ""
    outcome, detail = judge(check.conditions, check.degraded_when, seen, f"TLS to {ip}{left}")
    return ProbeResult(outcome, clean(detail), total_ms=total_ms, new_connection=True)
