"""``icmp://host``: one ICMP echo (icmplib). ``[CONNECTED]`` (a reply came), ``[RESPONSE_TIME]``
(the round trip), ``[IP]``. No reply is FAIL "no echo reply within 2.0s"; a router's
"destination unreachable" (or "time exceeded") is FAIL "host unreachable", as for HTTP.

Sending ICMP needs a permission: root (or CAP_NET_RAW) sends it privileged, any other user
unprivileged when its group is inside ``net.ipv4.ping_group_range``. The mode that works is
found on the first check and kept for the process; where neither works every ICMP check is
ERROR (never counted as down) with one sentence saying what to change, not a traceback.
"""

from __future__ import annotations

import os

import icmplib
from icmplib.utils import unique_identifier

from cockpit.health.check import Check
from cockpit.health.observation import Seen, judge
from cockpit.health.outcome import Outcome, ProbeResult, clean, format_seconds
from cockpit.health.transport import ProbeClient


class _Permission:
    """Which mode sends echoes here: True privileged, False unprivileged, None not found yet."""

    privileged: bool | None = None
    refused: bool = False


def not_permitted() -> str:
    gid = os.getgid()
    return (f"ICMP is not permitted for this user (group {gid}): allow unprivileged ping with "
            f"sysctl -w net.ipv4.ping_group_range=\"0 2147483647\" (or a range holding {gid}), "
            "or run as root")


async def run(client: ProbeClient, check: Check) -> ProbeResult:
    if _Permission.refused:
        return ProbeResult(Outcome.ERROR, not_permitted())
    modes = ([_Permission.privileged] if _Permission.privileged is not None
             else ([True, False] if os.geteuid() == 0 else [False]))
    for privileged in modes:
        try:
            address, round_trip_ms = await _echo(check.host, check.timeout, privileged)
        except icmplib.SocketPermissionError:
            continue
        except icmplib.TimeoutExceeded:
            _Permission.privileged = privileged
            return ProbeResult(Outcome.FAIL, f"no echo reply within {format_seconds(check.timeout)}")
        except (icmplib.DestinationUnreachable, icmplib.TimeExceeded):
            _Permission.privileged = privileged
            return ProbeResult(Outcome.FAIL, "host unreachable")
        _Permission.privileged = privileged
        seen = Seen(total_ms=round_trip_ms, ip=address)
        outcome, detail = judge(check.conditions, check.degraded_when, seen,
                                f"echo reply from {address} in {round_trip_ms:.1f} ms")
        return ProbeResult(outcome, clean(detail), total_ms=round_trip_ms)
    _Permission.refused = True
    return ProbeResult(Outcome.ERROR, not_permitted())


async def _echo(host: str, timeout: float, privileged: bool) -> tuple[str, float]:
    """One echo request and its reply: the address asked and the round trip in ms. Raises
    TimeoutExceeded, DestinationUnreachable or TimeExceeded (a router's answer) instead."""
    address = (await icmplib.async_resolve(host))[0] if icmplib.is_hostname(host) else host
    family = icmplib.ICMPv6Socket if icmplib.is_ipv6_address(address) else icmplib.ICMPv4Socket
    with icmplib.AsyncSocket(family(None, privileged)) as sock:
        request = icmplib.ICMPRequest(destination=address, id=unique_identifier(), sequence=0)
        sock.send(request)
        reply = await sock.receive(request, timeout)
        reply.raise_for_status()
        return address, (reply.time - request.time) * 1000
