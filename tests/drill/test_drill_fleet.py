"""The simulated fleet, observed from outside over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
import time

import httpx
import pytest

from cockpit.drill.fleet import ScenarioClock
from tests.drill.conftest import one_service, scenario_of


async def get(url: str, timeout: float | httpx.Timeout = 60.0) -> httpx.Response:
    async with httpx.AsyncClient(timeout=timeout) as client:
        return await client.get(url)


async def test_healthy_service_answers_ok_json(serve):
    fleet = await serve(one_service("healthy"))
    [endpoint] = fleet.endpoints()
    response = await get(endpoint.url)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": "svc"}
    assert endpoint.url.startswith("http://127.0.0.1:") and endpoint.url.endswith("/healthz")


async def test_down_service_refuses_connections(serve):
    fleet = await serve(one_service("down"))
    port = fleet.services["svc"].port
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", port)
    # The port stays reserved while down, so nobody else can take the URL the cockpit polls.
    intruder = socket.socket()
    with pytest.raises(OSError):
        intruder.bind(("127.0.0.1", port))
    intruder.close()


async def test_hanging_service_accepts_but_never_answers(serve):
    fleet = await serve(one_service("hanging"))
    reader, writer = await asyncio.open_connection("127.0.0.1", fleet.services["svc"].port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(reader.read(1), timeout=0.3)
    writer.close()
    with pytest.raises(httpx.ReadTimeout):  # connecting may be slow on a busy machine: reading never ends
        await get(fleet.endpoints()[0].url, timeout=httpx.Timeout(60, read=0.2))


async def test_slow_service_really_delays(serve):
    fleet = await serve(scenario_of(
        {"name": "slow", "phases": [{"at": "0s", "behaviour": "slow", "latency_ms": 400}]},
        {"name": "quick", "phases": [{"at": "0s", "behaviour": "healthy"}]}))
    slow, quick = fleet.endpoints()
    started = time.perf_counter()
    slow_answer = asyncio.create_task(get(slow.url))
    quick_answer = asyncio.create_task(get(quick.url))
    done, _ = await asyncio.wait({slow_answer, quick_answer}, return_when=asyncio.FIRST_COMPLETED)
    # asked at once, the quick one answers first: only the slow one waits its 400 ms (what a busy
    # machine adds, it adds to both)
    assert done == {quick_answer}
    response = await slow_answer
    slow_took = time.perf_counter() - started
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert slow_took >= 0.4


async def test_erroring_service_answers_its_status_and_message(serve):
    fleet = await serve(one_service("erroring", status=503, message="card processor timeout"))
    response = await get(fleet.endpoints()[0].url)
    assert response.status_code == 503
    assert response.json() == {"status": "error", "service": "svc", "message": "card processor timeout"}


async def test_partial_service_fails_its_share_of_requests(serve):
    fleet = await serve(one_service("partial", fail_ratio=0.3))
    url = fleet.endpoints()[0].url
    async with httpx.AsyncClient() as client:
        statuses = [(await client.get(url)).status_code for _ in range(20)]
    assert statuses.count(503) == 6 and statuses.count(200) == 14
    assert all(statuses[i:i + 3] != [503] * 3 for i in range(18)), "spread out, never a streak"


async def test_flapping_service_alternates_with_its_period(serve):
    # period 1s at speed 10: 100 ms answering, 100 ms failing, 100 ms answering…
    fleet = await serve(one_service("flapping", period="1s", status=502), speed=10)
    url = fleet.endpoints()[0].url
    runs: list[int] = []  # one entry per run of identical answers
    deadline = time.monotonic() + 60  # four runs take 0.3 s; only a fleet that never flaps fails
    async with httpx.AsyncClient() as client:
        while len(runs) < 4 and time.monotonic() < deadline:
            status = (await client.get(url)).status_code
            if not runs or runs[-1] != status:
                runs.append(status)
    assert len(runs) == 4 and set(runs) == {200, 502}


async def test_flapping_half_cycle_follows_scenario_time(serve):
    scenario = one_service("flapping", period="30s")
    failing = await serve(scenario, clock_origin_ago=45)
    answering = await serve(scenario, clock_origin_ago=75)
    assert (await get(failing.endpoints()[0].url)).status_code == 503
    assert (await get(answering.endpoints()[0].url)).status_code == 200


async def test_wrong_body_is_200_with_degraded_status(serve):
    fleet = await serve(one_service("wrong-body"))
    response = await get(fleet.endpoints()[0].url)
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"


async def test_down_then_up_reopens_the_same_url(serve, phase_changes):
    scenario = scenario_of({"name": "svc", "phases": [{"at": "0s", "behaviour": "down"},
                                                      {"at": "1s", "behaviour": "healthy"}]})
    fleet = await serve(scenario, speed=2, on_phase=phase_changes.listener)
    url = fleet.endpoints()[0].url
    with pytest.raises(httpx.ConnectError):
        await get(url)
    assert await asyncio.wait_for(phase_changes.get(), 2) == ("svc", "healthy")
    assert (await get(url)).status_code == 200


async def test_going_down_drops_open_keep_alive_connections(serve, phase_changes):
    scenario = scenario_of({"name": "svc", "phases": [{"at": "0s", "behaviour": "healthy"},
                                                      {"at": "1s", "behaviour": "down"}]})
    fleet = await serve(scenario, speed=2, on_phase=phase_changes.listener)
    url = fleet.endpoints()[0].url
    async with httpx.AsyncClient() as client:
        assert (await client.get(url)).status_code == 200
        assert await asyncio.wait_for(phase_changes.get(), 2) == ("svc", "down")
        with pytest.raises((httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError)):
            await client.get(url)
        with pytest.raises(httpx.ConnectError):
            await client.get(url)


async def test_phase_changes_arrive_at_scenario_time_divided_by_speed(serve):
    """6 s of scenario time: 0.15 s at speed 40, 0.6 s at speed 10. Never earlier (a lower bound
    holds on any machine); how much later on a busy one is not asserted, but the two fleets run
    side by side, the faster started first, and its change must come first: a phase change
    that waited for anything but its scenario time would not keep that order."""
    scenario = scenario_of({"name": "svc", "phases": [{"at": "0s", "behaviour": "healthy"},
                                                      {"at": "6s", "behaviour": "erroring"}]})
    arrived: list[tuple[float, float]] = []
    fleets = {}
    for speed in (40, 10):
        started = time.monotonic()
        fleets[speed] = await serve(scenario, speed=speed, on_phase=lambda _service, _phase, s=speed, t=started:
                                    arrived.append((s, time.monotonic() - t)))
    deadline = time.monotonic() + 60
    while len(arrived) < 2:
        assert time.monotonic() < deadline, f"phase changes never came: {arrived}"
        await asyncio.sleep(0.01)
    assert [speed for speed, _ in arrived] == [40, 10]
    assert all(took >= 6 / speed for speed, took in arrived)
    for fleet in fleets.values():
        assert (await get(fleet.endpoints()[0].url)).status_code == 500


def test_scenario_clock_scales_real_time(monkeypatch):
    from types import SimpleNamespace

    from cockpit.drill import fleet

    monkeypatch.setattr(fleet, "time", SimpleNamespace(monotonic=lambda: 1000.0))  # time stands still
    clock = ScenarioClock(speed=10, origin=998.0)  # started 2 real seconds ago
    assert clock.elapsed() == 20
    assert clock.real_delay(30) == 1.0
    assert clock.real_delay(5) == 0


async def test_every_service_gets_its_own_port_and_endpoint_settings(serve):
    fleet = await serve(scenario_of(
        {"name": "a", "path": "/status", "interval": "500ms", "phases": [{"at": "0s", "behaviour": "healthy"}]},
        {"name": "b", "service": "billing", "phases": [{"at": "0s", "behaviour": "healthy"}]}))
    a, b = fleet.endpoints()
    assert a.url != b.url and a.url.endswith("/status")
    assert a.interval.total_seconds() == 0.5 and b.service == "billing"
    assert (await get(a.url)).status_code == 200
    assert (await get(a.url.replace("/status", "/other"))).status_code == 404


async def test_fixed_ports_are_offsets_from_the_base_port(serve):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    free = probe.getsockname()[1]
    probe.close()
    fleet = await serve(scenario_of({"name": "svc", "port": 0, "phases": [{"at": "0s", "behaviour": "healthy"}]},
                                    base_port=free))
    assert fleet.services["svc"].port == free


async def test_garbage_request_gets_400_not_a_crash(serve):
    fleet = await serve(one_service("healthy"))
    reader, writer = await asyncio.open_connection("127.0.0.1", fleet.services["svc"].port)
    writer.write(b"\x16\x03\x01 not http at all\r\n\r\n")
    await writer.drain()
    assert (await reader.read()).startswith(b"HTTP/1.1 400 ")
    writer.close()
    assert (await get(fleet.endpoints()[0].url)).status_code == 200
