"""``icmp://``: one echo to 127.0.0.1, in whichever mode this system allows."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from cockpit.health.checks import icmp
from cockpit.health.probe import Check, Outcome, probe
from cockpit.health.transport import make_client
from cockpit.settings import EndpointConfig

NOBODY = 65534


async def test_an_echo_reply_from_loopback(client):
    endpoint = EndpointConfig(name="gateway", url="icmp://127.0.0.1",
                              conditions=["[CONNECTED] == true", "[RESPONSE_TIME] < 2000"])
    result = await probe(client, Check.of(endpoint))
    if result.outcome is Outcome.ERROR and result.detail == icmp.not_permitted():
        pytest.skip(f"this system allows neither privileged nor unprivileged ICMP: {result.detail}")
    assert result.outcome is Outcome.OK, result.detail
    assert result.detail.startswith("echo reply from 127.0.0.1 in ")
    assert 0 <= result.total_ms < 2000


def test_the_permission_message_says_what_to_change():
    message = icmp.not_permitted()
    assert "sysctl -w net.ipv4.ping_group_range=" in message and "root" in message


def _group_may_ping(gid: int) -> bool:
    low, high = map(int, Path("/proc/sys/net/ipv4/ping_group_range").read_text().split())
    return low <= gid <= high


def test_where_neither_mode_is_allowed_the_check_is_error_with_what_to_change():
    """A user that is not root, in a group outside ping_group_range: ERROR, never a traceback.

    Run in a forked child that drops root for nobody (the interpreter is already loaded, so the
    child needs nothing it could not read)."""
    if os.geteuid() != 0:
        pytest.skip("dropping to another user needs root")
    if _group_may_ping(NOBODY):
        pytest.skip(f"group {NOBODY} may ping unprivileged here (net.ipv4.ping_group_range)")
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            endpoint = EndpointConfig(name="gateway", url="icmp://127.0.0.1")

            async def twice() -> list[tuple[str, str]]:
                client = make_client()
                results = [await probe(client, Check.of(endpoint)) for _ in range(2)]
                await client.aclose()
                return [(r.outcome.value, r.detail) for r in results]

            os.write(write, json.dumps(asyncio.run(twice())).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        reported = json.loads(pipe.read() or "null")
    os.waitpid(child, 0)
    assert reported is not None, "the child reported nothing"
    (outcome, detail), again = reported
    assert outcome == "error"
    assert detail.startswith(f"ICMP is not permitted for this user (group {NOBODY}): allow unprivileged")
    assert again == [outcome, detail]
