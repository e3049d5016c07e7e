"""``dns://`` checks against a DNS server on a loopback port (UDP, and TCP when truncated)."""

from __future__ import annotations

import asyncio
import time

import pytest

from cockpit.health.monitor import Monitor
from cockpit.health.probe import Check, EndpointError, Outcome, probe
from cockpit.settings import EndpointConfig


async def ask(client, port: int, name: str, kind: str = "A", **fields):
    endpoint = EndpointConfig(name="resolver", url=f"dns://127.0.0.1:{port}",
                              dns={"query_name": name, "query_type": kind}, **fields)
    return await probe(client, Check.of(endpoint))


async def test_an_address_answer(client, dns_server):
    result = await ask(client, dns_server.port, "up.test",
                       conditions=["[DNS_RCODE] == NOERROR", "[BODY] == 10.1.2.3", "[IP] == 10.1.2.3",
                                   "[CONNECTED] == true", "[RESPONSE_TIME] < 10000"])
    assert (result.outcome, result.detail) == (Outcome.OK, "NOERROR, 10.1.2.3")
    assert result.body_excerpt == "10.1.2.3" and result.total_ms > 0
    assert dns_server.questions == [("udp", "up.test.", "A")]


async def test_aaaa_cname_and_mx_answers_as_gatus_gives_them(client, dns_server):
    assert (await ask(client, dns_server.port, "up.test", "AAAA")).detail == "NOERROR, 2001:db8::7"
    assert (await ask(client, dns_server.port, "alias.test", "CNAME")).detail == "NOERROR, up.test."
    assert (await ask(client, dns_server.port, "mail.test", "MX")).detail == "NOERROR, mx1.test."


async def test_an_alias_gives_its_target_as_the_body_and_the_address_as_the_ip(client, dns_server):
    result = await ask(client, dns_server.port, "alias.test",
                       conditions=["[BODY] == up.test.", "[IP] == 10.1.2.3"])
    assert result.outcome is Outcome.OK, result.detail


async def test_nxdomain_fails_the_default_condition(client, dns_server):
    result = await ask(client, dns_server.port, "missing.test")
    assert result.outcome is Outcome.FAIL
    assert "NXDOMAIN" in result.detail
    wanted = await ask(client, dns_server.port, "missing.test", conditions=["[DNS_RCODE] == NXDOMAIN"])
    assert (wanted.outcome, wanted.detail) == (Outcome.OK, "NXDOMAIN")


async def test_a_truncated_answer_is_asked_again_over_tcp(client, dns_server):
    result = await ask(client, dns_server.port, "big.test", conditions=["[BODY] == 10.9.9.9"])
    assert result.outcome is Outcome.OK, result.detail
    assert dns_server.questions == [("udp", "big.test.", "A"), ("tcp", "big.test.", "A")]


async def test_a_server_that_never_answers_ends_at_the_deadline(client, silent_dns):
    started = time.perf_counter()
    result = await ask(client, silent_dns, "up.test", timeout="500ms")
    elapsed = time.perf_counter() - started
    assert (result.outcome, result.detail) == (Outcome.FAIL, "timeout after 500ms")
    assert elapsed < 1.0  # twice the timeout: generous


async def test_a_port_nobody_serves_is_refused_like_http(client, free_port):
    result = await ask(client, free_port, "up.test", timeout="500ms")
    assert result.outcome is Outcome.FAIL  # nothing listens: the UDP query meets "port unreachable"
    assert result.detail in ("connection refused", "timeout after 500ms")


def test_a_name_that_is_not_a_dns_name_is_refused_before_checking():
    endpoint = EndpointConfig(name="resolver", url="dns://127.0.0.1",
                              dns={"query_name": "a" * 64 + ".test"})
    with pytest.raises(EndpointError, match="is not a DNS name"):
        Check.of(endpoint)


async def test_stopping_the_monitor_while_dns_checks_are_in_flight_ends_it(dns_server, wait_until):
    """A cancel that lands as an answer arrives must still stop the check (Python 3.11's wait_for,
    inside dnspython, can drop it): the monitor ends, however busy its checks are."""
    endpoints = [EndpointConfig(name=f"resolver-{i}", url=f"dns://127.0.0.1:{dns_server.port}",
                                dns={"query_name": "up.test"}, conditions=["[BODY] == 10.1.2.3"],
                                interval="100ms") for i in range(100)]
    for _ in range(3):
        monitor = Monitor(endpoints, lambda event: None)
        task = asyncio.create_task(monitor.run())
        await wait_until(lambda m=monitor: m.probes_made >= 300, what="300 DNS checks")
        monitor.stop()
        await asyncio.wait_for(task, 30)
        assert monitor.outcomes[Outcome.OK] == monitor.probes_made
