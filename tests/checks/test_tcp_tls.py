"""``tcp://`` and ``tls://`` checks against real servers on 127.0.0.1."""

from __future__ import annotations

import time

from cockpit.health.probe import Check, Outcome, probe
from cockpit.settings import EndpointConfig


async def check(client, url: str, **fields):
    return await probe(client, Check.of(EndpointConfig(name="svc", url=url, **fields)))


async def test_tcp_connected_with_its_connect_time_and_address(client, tcp_server):
    result = await check(client, f"tcp://127.0.0.1:{tcp_server.port}",
                         conditions=["[CONNECTED] == true", "[RESPONSE_TIME] < 10000", "[IP] == 127.0.0.1"])
    assert (result.outcome, result.detail) == (Outcome.OK, "connected to 127.0.0.1")
    assert 0 < result.total_ms < 10000 and result.status is None
    assert tcp_server.accepted == 1


async def test_tcp_refused_in_the_words_of_http(client, free_port):
    result = await check(client, f"tcp://127.0.0.1:{free_port}")
    assert (result.outcome, result.detail) == (Outcome.FAIL, "connection refused")


async def test_tcp_host_not_found(client):
    result = await check(client, "tcp://no-such-host.invalid:80")
    assert result.outcome in (Outcome.FAIL, Outcome.ERROR)  # ERROR where no resolver answers at all
    assert result.detail in ("host name not found (DNS)", "DNS lookup failed (local resolver)")


async def test_tcp_a_failing_condition_names_what_it_saw(client, tcp_server):
    result = await check(client, f"tcp://127.0.0.1:{tcp_server.port}", conditions=["[RESPONSE_TIME] < 0"])
    assert result.outcome is Outcome.FAIL and result.detail.startswith("response time")


async def test_tls_handshake_with_a_trusted_certificate(trusting_client, tls_servers):
    try:
        result = await check(trusting_client, f"tls://127.0.0.1:{tls_servers['trusted']}",
                             conditions=["[CONNECTED] == true", "[CERTIFICATE_EXPIRATION] > 24h",
                                         "[IP] == 127.0.0.1"])
        assert result.outcome is Outcome.OK, result.detail
        assert result.detail.startswith("TLS to 127.0.0.1, certificate expires in ")
        assert result.detail.endswith(" days") and 0 < result.total_ms < 10000
        short = await check(trusting_client, f"tls://127.0.0.1:{tls_servers['trusted']}",
                            conditions=["[CERTIFICATE_EXPIRATION] > 720h"])  # issued for 30 days
        assert short.outcome is Outcome.FAIL
        assert short.detail.startswith("[CERTIFICATE_EXPIRATION] is ") and short.detail.endswith("> 720h")
    finally:
        await trusting_client.aclose()


async def test_tls_a_certificate_from_an_unknown_authority_is_not_accepted(trusting_client, tls_servers):
    try:
        result = await check(trusting_client, f"tls://127.0.0.1:{tls_servers['stranger']}")
    finally:
        await trusting_client.aclose()
    assert result.outcome is Outcome.FAIL
    assert result.detail.startswith("TLS certificate not accepted: "), result.detail
    assert "issuer" in result.detail  # OpenSSL's reason, in its words


async def test_tls_a_stalled_handshake_ends_at_the_deadline(client, silent):
    started = time.perf_counter()
    result = await check(client, f"tls://127.0.0.1:{silent.port}", timeout="500ms")
    elapsed = time.perf_counter() - started
    assert (result.outcome, result.detail) == (Outcome.FAIL, "timeout after 500ms")
    assert 0.45 < elapsed < 1.0 * 2  # a generous bound: the deadline is 500 ms (+5 %)
