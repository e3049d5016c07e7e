"""``tcp://host:port``: can a connection be opened? ``[CONNECTED]``, ``[RESPONSE_TIME]`` (the
connect), ``[IP]`` (the address connected to), as in Gatus."""

from __future__ import annotations

import asyncio
import time

from cockpit.health.check import Check
from cockpit.health.observation import Seen, judge
from cockpit.health.outcome import ProbeResult, clean
from cockpit.health.transport import ProbeClient


async def run(client: ProbeClient, check: Check) -> ProbeResult:
    started = time.perf_counter()
    _, writer = await asyncio.open_connection(check.host, check.port)
    total_ms = (time.perf_counter() - started) * 1000
    try:
        ip = peer_ip(writer)
    finally:
        writer.transport.abort()  # nothing was sent: nothing to flush or to wait for
    seen = Seen(total_ms=total_ms, ip=ip)
    outcome, detail = judge(check.conditions, check.degraded_when, seen, f"connected to {ip}")
    return ProbeResult(outcome, clean(detail), total_ms=total_ms, new_connection=True)


def peer_ip(writer: asyncio.StreamWriter) -> str | None:
    peer = writer.get_extra_info("peername")
    return peer[0] if isinstance(peer, tuple) and peer else None
