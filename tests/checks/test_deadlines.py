"""Every check has a total deadline no server can stretch: a drip-fed answer is judged by its
timeout (plus 5 %), on both transports and from the command line."""

from __future__ import annotations

import statistics
import sys
import time

import pytest

from cockpit.health.probe import Check, Outcome, probe
from cockpit.health.transport import TRANSPORTS, make_client
from cockpit.settings import EndpointConfig
from tests.health.test_cli import cockpit, write_config

TIMEOUT = 2.0


@pytest.fixture(params=TRANSPORTS)
async def any_client(request):
    client = make_client(request.param)
    yield client
    await client.aclose()


async def timed(client, url: str, timeout: float = TIMEOUT):
    check = Check.of(EndpointConfig(name="drip", url=url, timeout=f"{timeout}s"))
    started = time.perf_counter()
    result = await probe(client, check)
    return result, time.perf_counter() - started


async def test_headers_fed_a_byte_a_second_are_cut_at_the_deadline(any_client, drip_headers):
    elapsed = []
    for _ in range(3):
        result, seconds = await timed(any_client, f"http://127.0.0.1:{drip_headers.port}/")
        assert (result.outcome, result.detail) == (Outcome.FAIL, "timeout after 2.0s")
        elapsed.append(seconds)
    median = statistics.median(elapsed)
    print(f"drip-fed headers, timeout {TIMEOUT}s: median {median:.3f}s ({median / TIMEOUT:.3f}x)",
          file=sys.stderr)
    assert TIMEOUT <= median < TIMEOUT * 2  # measured about 1.05x; the bound is for a busy machine


async def test_a_body_fed_a_byte_a_second_is_cut_at_the_deadline(any_client, drip_body):
    result, seconds = await timed(any_client, f"http://127.0.0.1:{drip_body.port}/")
    assert (result.outcome, result.detail, result.status) == (Outcome.FAIL, "body not complete after 2.0s", 200)
    assert result.body_excerpt.startswith("x")  # what came before the deadline is shown
    assert TIMEOUT <= seconds < TIMEOUT * 2


async def test_the_connection_of_a_cut_check_is_not_reused(any_client, drip_headers):
    for _ in range(2):
        result, _ = await timed(any_client, f"http://127.0.0.1:{drip_headers.port}/", timeout=0.3)
        assert result.outcome is Outcome.FAIL
    assert drip_headers.accepted == 2  # each check opened its own: a half-read one was closed


async def test_probe_once_returns_by_the_deadline_from_the_command_line(drip_headers, tmp_path):
    config = write_config(tmp_path / "drip.toml", [
        {"name": "drip", "url": f"http://127.0.0.1:{drip_headers.port}/", "timeout": "2s"}])
    started = time.perf_counter()
    code, out, err = await cockpit("probe", "--once", "--json", "--config", str(config))
    elapsed = time.perf_counter() - started
    assert code == 1, err
    assert '"detail": "timeout after 2.0s"' in out and '"state": "down"' in out
    assert elapsed < TIMEOUT * 2 + 5  # the interpreter's start-up on a busy machine, beside the 2 s
