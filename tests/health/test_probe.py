"""One check against real servers on 127.0.0.1: outcomes, details, secrets, hostile bodies, TLS."""

from __future__ import annotations

import asyncio
import logging

import pytest

from cockpit.health.probe import Check, Outcome, probe
from cockpit.health.transport import TRANSPORTS, make_client
from cockpit.settings import EndpointConfig

SECRET = "s3cr3t-token-value-9f8e7d"


@pytest.fixture(params=TRANSPORTS)
async def client(request):
    client = make_client(request.param)
    yield client
    await client.aclose()


async def check(client, endpoint: EndpointConfig):
    return await probe(client, Check.of(endpoint))


async def test_ok_with_timings_and_status(client, fleet):
    result = await check(client, fleet.endpoint("api", "/ok", conditions=["[STATUS] == 200"]))
    assert (result.outcome, result.detail, result.status) == (Outcome.OK, "status 200", 200)
    assert 0 < result.headers_ms <= result.total_ms < 2000
    assert result.body_excerpt.startswith('{"status": "ok"')


async def test_warn_when_conditions_pass_but_a_degraded_when_fails(client, fleet):
    endpoint = fleet.endpoint("api", "/slow/120", degraded_when=["[RESPONSE_TIME] < 50"])
    result = await check(client, endpoint)
    assert result.outcome is Outcome.WARN
    assert result.detail.startswith("response time 1") and result.detail.endswith("wanted < 50")


async def test_fail_on_a_condition_names_what_it_saw(client, fleet):
    result = await check(client, fleet.endpoint("api", "/status/503"))
    assert (result.outcome, result.detail) == (Outcome.FAIL, "status 503")


async def test_fail_on_a_missing_json_field_names_the_operand(client, fleet):
    endpoint = fleet.endpoint("api", "/ok", conditions=["[STATUS] == 200", "[BODY].db.status == up"])
    result = await check(client, endpoint)
    assert (result.outcome, result.detail) == (Outcome.FAIL, "[BODY].db.status: missing")


async def test_fail_on_timeout_after_the_endpoint_timeout(client, fleet):
    result = await check(client, fleet.endpoint("api", "/hang", timeout="150ms"))
    assert (result.outcome, result.detail) == (Outcome.FAIL, "timeout after 150ms")
    assert result.total_ms >= 140  # how much later a busy machine gets there is not asserted


async def test_fail_on_refused(client, refused_url):
    result = await check(client, EndpointConfig(name="api", url=refused_url))
    assert (result.outcome, result.detail) == (Outcome.FAIL, "connection refused")


async def test_fail_on_reset(client, fleet):
    result = await check(client, fleet.endpoint("api", "/reset"))
    assert result.outcome is Outcome.FAIL
    assert result.detail in ("connection reset", "server closed the connection",
                             "server closed the connection or broke HTTP")


async def test_a_trickling_body_is_not_waited_for_past_the_timeout(client, fleet):
    result = await check(client, fleet.endpoint("api", "/trickle", timeout="300ms"))
    assert (result.outcome, result.detail) == (Outcome.FAIL, "body not complete after 300ms")
    # the body never ends: that the check ended at all is the timeout at work


async def test_body_read_is_capped(client, fleet):
    endpoint = fleet.endpoint("api", "/big", body_limit=4096, conditions=["[BODY].status == ok"])
    result = await check(client, endpoint)
    assert (result.outcome, result.detail) == (Outcome.FAIL, "[BODY].status: body is not JSON (cut at 4096 bytes)")
    assert len(result.body_excerpt) == 500


async def test_error_when_a_secret_is_missing_from_the_environment(client, fleet, monkeypatch):
    monkeypatch.delenv("CHECK_TOKEN", raising=False)
    endpoint = fleet.endpoint("api", "/echo-auth", headers={"Authorization": "env:CHECK_TOKEN"})
    result = await check(client, endpoint)
    assert (result.outcome, result.detail) == (Outcome.ERROR, "header Authorization: $CHECK_TOKEN is not set")
    assert fleet.authorization == []


async def test_secret_is_sent_but_never_shown(client, fleet, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("CHECK_TOKEN", f"Bearer {SECRET}")
    endpoint = fleet.endpoint("api", "/echo-auth", headers={"Authorization": "env:CHECK_TOKEN"},
                              conditions=["[BODY] == all good"])
    result = await check(client, endpoint)
    assert fleet.authorization == [f"Bearer {SECRET}"]
    assert result.outcome is Outcome.FAIL
    assert "***" in result.detail and "***" in result.body_excerpt
    assert caplog.records  # the transports did log at debug level
    for shown in (result.detail, result.body_excerpt, repr(result), repr(Check.of(endpoint)), caplog.text):
        assert SECRET[:8] not in shown


async def test_escape_sequences_in_a_body_never_reach_detail_or_excerpt(client, fleet):
    endpoint = fleet.endpoint("api", "/hostile", conditions=["[BODY] == calm"])
    result = await check(client, endpoint)
    assert result.outcome is Outcome.FAIL
    assert "red alert" in result.detail and "red alert" in result.body_excerpt
    for shown in (result.detail, result.body_excerpt):
        assert not any(ch in shown for ch in "\x1b\x07\x9b\r")


async def test_error_when_no_connection_is_free_in_httpx_own_pool(fleet):
    client = make_client("httpx", max_connections=1)
    check = Check.of(fleet.endpoint("api", "/hang", timeout="300ms"))
    try:
        first, second = await asyncio.gather(probe(client, check), probe(client, check))
    finally:
        await client.aclose()
    assert sorted([first.outcome, second.outcome]) == [Outcome.ERROR, Outcome.FAIL]
    assert {first.detail, second.detail} == {"timeout after 300ms", "no free connection within 300ms"}


async def test_connections_are_reused(client, fleet):
    endpoint = fleet.endpoint("api", "/ok")
    first, second = await check(client, endpoint), await check(client, endpoint)
    assert (first.new_connection, second.new_connection) == (True, False)


async def test_http_url_has_no_certificate_to_judge(client, fleet):
    endpoint = fleet.endpoint("api", "/ok", conditions=["[CERTIFICATE_EXPIRATION] > 1h"])
    result = await check(client, endpoint)
    assert result.detail == "[CERTIFICATE_EXPIRATION]: no TLS certificate (only https and tls:// endpoints have one)"


async def test_certificate_expiration_over_tls(tls_url):
    for kind in TRANSPORTS:
        client = make_client(kind)
        try:
            passing = await probe(client, Check.of(EndpointConfig(
                name="tls", url=tls_url, conditions=["[CERTIFICATE_EXPIRATION] > 48h"])))
            failing = await probe(client, Check.of(EndpointConfig(
                name="tls", url=tls_url, conditions=["[CERTIFICATE_EXPIRATION] > 31d"])))
        finally:
            await client.aclose()
        assert passing.outcome is Outcome.OK, (kind, passing.detail)
        assert failing.outcome is Outcome.FAIL, (kind, failing.detail)
        assert failing.detail.startswith("[CERTIFICATE_EXPIRATION] is 2"), (kind, failing.detail)


async def test_the_address_connected_to_is_the_ip(client, fleet):
    endpoint = fleet.endpoint("api", "/ok")
    for _ in range(2):  # on a new connection, then on the reused one
        result = await check(client, fleet.endpoint("api", "/ok", conditions=["[IP] == 127.0.0.1"]))
        assert result.outcome is Outcome.OK, result.detail
    wrong = await check(client, endpoint.model_copy(update={"conditions": ("[IP] == 10.0.0.1",)}))
    assert wrong.outcome is Outcome.FAIL and "127.0.0.1" in wrong.detail
