"""Hostile endpoints cannot starve the others: a hundred drip-fed endpoints, each holding its
check for the whole timeout, beside one healthy endpoint whose checks still start on time."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiohttp import web

from cockpit.health.lanes import Lanes
from cockpit.health.monitor import Monitor
from cockpit.settings import EndpointConfig
from tests.health.conftest import serve, until

HOSTILE = 100
INTERVAL = 1.0


@pytest.fixture
async def healthy():
    arrivals: list[float] = []

    async def ok(request: web.Request) -> web.Response:
        arrivals.append(time.monotonic())
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_get("/ok", ok)
    runner, port = await serve(app)
    yield f"http://127.0.0.1:{port}/ok", arrivals
    await runner.cleanup()


async def test_a_hundred_drip_fed_endpoints_do_not_delay_a_healthy_one(drip_headers, healthy):
    url, arrivals = healthy
    endpoints = [EndpointConfig(name=f"drip-{i:03}", url=f"http://127.0.0.1:{drip_headers.port}/{i}",
                                interval=f"{INTERVAL}s", timeout="2s") for i in range(HOSTILE)]
    endpoints.append(EndpointConfig(name="healthy", url=url, interval=f"{INTERVAL}s", timeout="2s"))
    monitor = Monitor(endpoints, lambda event: None)  # max_in_flight=64, as configured by default
    task = asyncio.create_task(monitor.run())
    try:
        await until(lambda: len(arrivals) >= 6, timeout=60, what="six checks of the healthy endpoint")
    finally:
        monitor.stop()
        await task
    assert drip_headers.accepted >= HOSTILE  # every hostile endpoint was being checked meanwhile,
    assert drip_headers.peak_open >= 64  # holding at least a whole lane's worth of places
    hostile_lag = max(lag for name, lag in monitor.worst_start_lag_ms.items() if name != "healthy")
    healthy_lag = monitor.worst_start_lag_ms["healthy"]
    print(f"worst start lag: healthy {healthy_lag:.0f} ms, hostile {hostile_lag:.0f} ms")
    assert healthy_lag < INTERVAL * 1000  # the healthy one never waited an interval for a place
    assert monitor.snapshot()["healthy"].state == "up"


async def test_a_check_that_turns_slow_gives_its_quick_place_to_the_next():
    lanes = Lanes(1, slow_after=0.05)
    release = asyncio.Event()
    order: list[str] = []

    async def check(name: str, hold: asyncio.Event | None) -> None:
        async with lanes.place(name):
            order.append(name)
            if hold is not None:
                await hold.wait()

    slow = asyncio.create_task(check("slow", release))
    await until(lambda: order == ["slow"], what="the slow check to start")
    quick = asyncio.create_task(check("quick", None))  # waits: the only quick place is held
    await until(lambda: order == ["slow", "quick"], what="the slow check to step aside")
    await quick
    assert lanes.in_flight == 1 and lanes.slow.used == 1
    release.set()
    await slow
    assert lanes.in_flight == 0
    # Known slow now: its next check starts in the slow lane, beside a quick one.
    release.clear()
    again = asyncio.create_task(check("slow", release))
    await until(lambda: lanes.slow.used == 1, what="the slow endpoint's next check, in the slow lane")
    await asyncio.wait_for(check("quick", None), 5)
    release.set()
    await again


async def test_a_check_cancelled_while_waiting_gives_up_its_turn():
    lanes = Lanes(1)
    held = asyncio.Event()
    entered: list[str] = []

    async def check(name: str) -> None:
        async with lanes.place(name):
            entered.append(name)
            await held.wait()

    first = asyncio.create_task(check("a"))
    await until(lambda: entered == ["a"], what="a to start")
    waiting = asyncio.create_task(check("b"))
    third = asyncio.create_task(check("c"))
    await asyncio.sleep(0)
    waiting.cancel()
    held.set()
    await first
    await third
    assert entered == ["a", "c"] and lanes.in_flight == 0
    assert waiting.cancelled()
